/* Unit tests: event loop fds, timers, wake-ups from other threads, fixed capacity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/ctrl/loop.h"

struct rec {
	int reads;
	int timers[8];
	int ntimers;
	int wakes;
	int del_fd;
	int other_fd;
	struct loop *l;
};

static void on_read(struct loop *l, int fd, unsigned revents, void *ctx)
{
	struct rec *r = ctx;
	char buf[16];

	assert_true(revents & POLLIN);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	r->reads++;
	if (r->del_fd >= 0) {
		loop_del(l, r->del_fd);
		r->del_fd = -1;
	}
}

struct tctx {
	struct rec *r;
	int idx;
};

static void on_timer(struct loop *l, void *ctx)
{
	struct tctx *t = ctx;

	(void)l;
	if (t->r) {
		t->r->timers[t->r->ntimers] = t->idx;
		t->r->ntimers++;
	}
}

static void on_wake(struct loop *l, void *ctx)
{
	struct rec *r = ctx;

	r->wakes++;
	loop_stop(l);
}

static void test_fd_events(void **state)
{
	struct rec r = {.del_fd = -1};
	struct loop *l = loop_new(4, 4, NULL, NULL);
	int p[2];

	(void)state;
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add(l, p[0], POLLIN, on_read, &r), 0);
	assert_int_equal(loop_add(l, p[0], POLLIN, on_read, &r), -EEXIST);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(r.reads, 1);
	/* Not readable: times out without a callback. */
	assert_int_equal(loop_run_once(l, 10), 0);
	assert_int_equal(r.reads, 1);
	assert_int_equal(loop_set_events(l, p[0], 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(l, 10), 0);
	assert_int_equal(r.reads, 1);
	assert_int_equal(loop_del(l, p[0]), 0);
	assert_int_equal(loop_del(l, p[0]), -ENOENT);
	assert_int_equal(loop_set_events(l, p[0], POLLIN), -ENOENT);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_delete_during_dispatch(void **state)
{
	struct rec r = {.del_fd = -1};
	struct loop *l = loop_new(4, 4, NULL, NULL);
	int a[2], b[2];

	(void)state;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	loop_add(l, a[0], POLLIN, on_read, &r);
	loop_add(l, b[0], POLLIN, on_read, &r);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	/* The first callback deletes the other fd: it must not be called this round. */
	r.del_fd = b[0];
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(r.reads, 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	loop_free(l);
}

static void test_capacity(void **state)
{
	struct rec r = {.del_fd = -1};
	struct loop *l = loop_new(2, 1, NULL, NULL);
	int p[2], q[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(loop_add(l, p[0], POLLIN, on_read, &r), 0);
	assert_int_equal(loop_add(l, p[1], POLLOUT, on_read, &r), 0);
	assert_int_equal(loop_add(l, q[0], POLLIN, on_read, &r), -ERR_LIMIT);
	struct tctx t = {NULL, 0};

	assert_true(loop_timer_add(l, 10, on_timer, &t) > 0);
	assert_int_equal(loop_timer_add(l, 10, on_timer, &t), -ERR_LIMIT);
	assert_int_equal(loop_add(l, -1, POLLIN, on_read, &r), -EBADF);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	loop_free(l);
	assert_null(loop_new(0, 1, NULL, NULL));
}

static void test_timers_order_and_delete(void **state)
{
	struct rec r = {.del_fd = -1};
	struct loop *l = loop_new(1, 4, NULL, NULL);
	int64_t t0 = mono_ms();
	struct tctx t1 = {&r, 1}, t2 = {&r, 2}, t3 = {&r, 3};
	int id;

	(void)state;
	loop_timer_add(l, 60, on_timer, &t2);
	loop_timer_add(l, 20, on_timer, &t1);
	id = loop_timer_add(l, 40, on_timer, &t3);
	loop_timer_del(l, id);
	loop_timer_del(l, id); /* twice is harmless */
	loop_timer_del(l, 0);
	while (mono_ms() - t0 < 150 && r.ntimers < 2)
		loop_run_once(l, 200);
	assert_int_equal(r.ntimers, 2);
	assert_int_equal(r.timers[0], 1);
	assert_int_equal(r.timers[1], 2);
	assert_true(mono_ms() - t0 >= 60);
	loop_free(l);
}

static void *waker(void *arg)
{
	usleep(20000);
	loop_wake(arg);
	return NULL;
}

static void test_wake_from_thread(void **state)
{
	struct rec r = {.del_fd = -1};
	struct loop *l = loop_new(1, 1, on_wake, &r);
	pthread_t th;
	int64_t t0 = mono_ms();

	(void)state;
	pthread_create(&th, NULL, waker, l);
	assert_int_equal(loop_run(l), 0);
	pthread_join(th, NULL);
	assert_int_equal(r.wakes, 1);
	assert_true(mono_ms() - t0 < 2000);
	/* Many wake-ups before a round coalesce into one call. */
	for (int i = 0; i < 10000; i++)
		loop_wake(l);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(r.wakes, 2);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_events),
		cmocka_unit_test(test_delete_during_dispatch),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_timers_order_and_delete),
		cmocka_unit_test(test_wake_from_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
