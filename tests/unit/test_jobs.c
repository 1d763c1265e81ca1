/* Unit tests: job threads, event delivery order, cancel, stop timing, stuck jobs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/ctrl/jobs.h"
#include "core/ctrl/loop.h"

struct t {
	struct loop *l;
	struct jobs *js;
	int events;
	int last_type;
	int done;
	int done_rc;
	int done_cancelled;
	int order_ok;
};

static void ev_fn(void *ctx, int slot, void *arg, struct job_event *ev)
{
	struct t *t = ctx;

	(void)slot;
	(void)arg;
	if (ev->type != t->last_type + 1)
		t->order_ok = 0;
	t->last_type = ev->type;
	t->events++;
	free(ev->frame);
}

static void done_fn(void *ctx, int slot, void *arg, int rc, int cancelled)
{
	struct t *t = ctx;

	(void)slot;
	(void)arg;
	t->done++;
	t->done_rc = rc;
	t->done_cancelled = cancelled;
}

static void on_wake(struct loop *l, void *ctx)
{
	struct t *t = ctx;

	(void)l;
	jobs_dispatch(t->js);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	t->l = loop_new(4, 4, on_wake, t);
	t->js = jobs_new(t->l, ev_fn, done_fn, t);
	t->order_ok = 1;
	*state = t;
	return t->l && t->js ? 0 : -1;
}

static int teardown(void **state)
{
	struct t *t = *state;

	jobs_free(t->js);
	loop_free(t->l);
	free(t);
	return 0;
}

static void run_until_done(struct t *t, int want, int ms)
{
	int64_t end = mono_ms() + ms;

	while (t->done < want && mono_ms() < end)
		loop_run_once(t->l, 50);
}

/* Posts more events than the queue holds, then returns 7. */
static int job_posts(struct job *j, void *arg)
{
	int n = *(int *)arg;

	for (int i = 1; i <= n; i++) {
		uint8_t *f = malloc(8);

		if (job_post(j, i, f, 8))
			return -ERR_CANCELLED;
	}
	return 7;
}

static void test_events_then_done(void **state)
{
	struct t *t = *state;
	int n = CONFIG_CTRL_EVENT_QUEUE * 3;

	assert_int_equal(jobs_start(t->js, JOB_RECORDER, job_posts, &n), 0);
	assert_int_equal(jobs_start(t->js, JOB_RECORDER, job_posts, &n), -EBUSY);
	assert_true(jobs_busy(t->js, JOB_RECORDER));
	run_until_done(t, 1, 5000);
	assert_int_equal(t->done, 1);
	assert_int_equal(t->events, n);
	assert_true(t->order_ok);
	assert_int_equal(t->done_rc, 7);
	assert_int_equal(t->done_cancelled, 0);
	assert_false(jobs_busy(t->js, JOB_RECORDER));
}

/* Waits for its cancel fd like a well-behaved recorder. */
static int job_waits(struct job *j, void *arg)
{
	int *posted = arg;
	uint8_t *f = malloc(4);

	job_post(j, 1, f, 4);
	*posted = 1;
	return job_sleep(j, 60000);
}

static void test_stop_is_quick_and_silent(void **state)
{
	struct t *t = *state;
	volatile int posted = 0;
	int64_t t0;

	assert_int_equal(jobs_start(t->js, JOB_RECORDER, job_waits, (void *)&posted), 0);
	while (!posted)
		usleep(1000);
	assert_true(jobs_live(t->js, JOB_RECORDER));
	t0 = mono_ms();
	/* The event is queued but not dispatched yet: after stop it must never arrive. */
	assert_int_equal(jobs_stop(t->js, JOB_RECORDER, 500), 0);
	assert_true(mono_ms() - t0 < 200);
	assert_int_equal(t->done, 1);
	assert_int_equal(t->done_cancelled, 1);
	assert_int_equal(t->done_rc, -ERR_CANCELLED);
	loop_run_once(t->l, 10);
	assert_int_equal(t->events, 0);
	assert_false(jobs_busy(t->js, JOB_RECORDER));
	assert_int_equal(jobs_stop(t->js, JOB_RECORDER, 500), 0); /* idle: no-op */
}

/* Ignores its cancel fd for a while. */
static int job_stuck(struct job *j, void *arg)
{
	(void)j;
	(void)arg;
	usleep(300000);
	return 0;
}

static void test_stuck_job(void **state)
{
	struct t *t = *state;

	assert_int_equal(jobs_start(t->js, JOB_BROWSE, job_stuck, NULL), 0);
	assert_int_equal(jobs_stop(t->js, JOB_BROWSE, 50), -ETIMEDOUT);
	assert_true(jobs_busy(t->js, JOB_BROWSE));
	assert_int_equal(jobs_start(t->js, JOB_BROWSE, job_stuck, NULL), -EBUSY);
	run_until_done(t, 1, 2000);
	assert_int_equal(t->done, 1);
	assert_int_equal(t->done_cancelled, 1);
	assert_false(jobs_busy(t->js, JOB_BROWSE));
}

/* Blocks on a full queue; a cancel must release it. */
static int job_floods(struct job *j, void *arg)
{
	(void)arg;
	for (;;) {
		uint8_t *f = malloc(4);
		int rc = job_post(j, 1, f, 4);

		if (rc)
			return rc;
	}
}

static void test_cancel_releases_full_queue(void **state)
{
	struct t *t = *state;
	int64_t t0;

	assert_int_equal(jobs_start(t->js, JOB_RECORDER, job_floods, NULL), 0);
	usleep(50000);
	t0 = mono_ms();
	assert_int_equal(jobs_stop(t->js, JOB_RECORDER, 500), 0);
	assert_true(mono_ms() - t0 < 200);
	assert_int_equal(t->done_rc, -ERR_CANCELLED);
	loop_run_once(t->l, 10);
	assert_int_equal(t->events, 0);
}

static int job_cancel_fd_readable(struct job *j, void *arg)
{
	struct pollfd p = {.fd = job_cancel_fd(j), .events = POLLIN};

	(void)arg;
	if (poll(&p, 1, 5000) != 1 || !job_cancelled(j))
		return -ERR_FAILURE;
	return -ERR_CANCELLED;
}

static void test_cancel_fd(void **state)
{
	struct t *t = *state;

	assert_int_equal(jobs_start(t->js, JOB_BROWSE, job_cancel_fd_readable, NULL), 0);
	jobs_cancel(t->js, JOB_BROWSE);
	assert_false(jobs_live(t->js, JOB_BROWSE));
	run_until_done(t, 1, 2000);
	assert_int_equal(t->done_rc, -ERR_CANCELLED);
	/* The cancel fd is drained for the next job. */
	assert_int_equal(jobs_start(t->js, JOB_BROWSE, job_stuck, NULL), 0);
	run_until_done(t, 2, 2000);
	assert_int_equal(t->done_rc, 0);
	assert_int_equal(t->done_cancelled, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_then_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_is_quick_and_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_releases_full_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_fd, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
