/* Worker jobs: a thread per slot, cancel pipes, a bounded event queue to the control thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/ctrl/jobs.h"
#include "core/base/log.h"

struct job {
	struct jobs *js;
	int slot;
	uint32_t gen;  /* bumped per start; events carry it */
	int cancel_rd; /* readable once cancelled */
	int cancel_wr;
	int cancelled; /* js->lock */
	int running;   /* js->lock: the thread has not finished fn yet */
	int rc;	       /* js->lock: fn's result once running is 0 */
	int busy;      /* control thread only: started, done not yet called */
	pthread_t th;
	job_fn fn;
	void *arg;
};

struct job_qent {
	int slot;
	uint32_t gen;
	struct job_event ev;
};

struct jobs {
	struct loop *loop;
	/* Protects the queue and every job's cancelled/running/rc. */
	pthread_mutex_t lock;
	pthread_cond_t space; /* the queue has room, or a job was cancelled */
	pthread_cond_t ended; /* a job thread finished */
	struct job_qent q[CONFIG_CTRL_EVENT_QUEUE];
	int qhead;
	int qcount;
	struct job job[JOB__SLOTS];
	job_event_fn ev_fn;
	job_done_fn done_fn;
	void *ctx;
};

struct jobs *jobs_new(struct loop *l, job_event_fn ev_fn, job_done_fn done_fn, void *ctx)
{
	struct jobs *js = calloc(1, sizeof(*js));
	pthread_condattr_t ca;

	if (!js)
		return NULL;
	js->loop = l;
	js->ev_fn = ev_fn;
	js->done_fn = done_fn;
	js->ctx = ctx;
	pthread_mutex_init(&js->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&js->space, &ca);
	pthread_cond_init(&js->ended, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < JOB__SLOTS; i++) {
		struct job *j = &js->job[i];
		int p[2];

		j->js = js;
		j->slot = i;
		j->cancel_rd = j->cancel_wr = -1;
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
			jobs_free(js);
			return NULL;
		}
		j->cancel_rd = p[0];
		j->cancel_wr = p[1];
	}
	return js;
}

static void jobs_reap(struct jobs *js, struct job *j)
{
	int rc, cancelled;

	pthread_join(j->th, NULL);
	pthread_mutex_lock(&js->lock);
	rc = j->rc;
	cancelled = j->cancelled;
	pthread_mutex_unlock(&js->lock);
	j->busy = 0;
	js->done_fn(js->ctx, j->slot, j->arg, rc, cancelled);
}

int jobs_free(struct jobs *js)
{
	if (!js)
		return 0;
	if (jobs_stop_all(js, CONFIG_JOB_STOP_TIMEOUT_MS) > 0) {
		/* A thread that ignores its cancel fd still uses js: leave it to exit(). */
		LOG_ERR(LOG_JOB, "a job did not stop; leaving it to process exit");
		return -EBUSY;
	}
	for (int i = 0; i < js->qcount; i++)
		free(js->q[(js->qhead + i) % CONFIG_CTRL_EVENT_QUEUE].ev.frame);
	for (int i = 0; i < JOB__SLOTS; i++) {
		if (js->job[i].cancel_rd >= 0)
			close(js->job[i].cancel_rd);
		if (js->job[i].cancel_wr >= 0)
			close(js->job[i].cancel_wr);
	}
	pthread_cond_destroy(&js->space);
	pthread_cond_destroy(&js->ended);
	pthread_mutex_destroy(&js->lock);
	free(js);
	return 0;
}

static void *job_main(void *p)
{
	struct job *j = p;
	struct jobs *js = j->js;
	int rc = j->fn(j, j->arg);

	pthread_mutex_lock(&js->lock);
	j->rc = rc;
	j->running = 0;
	pthread_cond_broadcast(&js->ended);
	pthread_mutex_unlock(&js->lock);
	loop_wake(js->loop);
	return NULL;
}

int jobs_start(struct jobs *js, int slot, job_fn fn, void *arg)
{
	struct job *j = &js->job[slot];
	pthread_attr_t attr;
	sigset_t all, old;
	char buf[16];
	int r;

	if (j->busy)
		return -EBUSY;
	while (read(j->cancel_rd, buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&js->lock);
	j->cancelled = 0;
	j->running = 1;
	j->rc = 0;
	j->gen++;
	pthread_mutex_unlock(&js->lock);
	j->fn = fn;
	j->arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)CONFIG_JOB_STACK_KB * 1024);
	/* Workers never take signals: the control thread handles them through its self-pipe. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&j->th, &attr, job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r) {
		pthread_mutex_lock(&js->lock);
		j->running = 0;
		pthread_mutex_unlock(&js->lock);
		return -r;
	}
	j->busy = 1;
	return 0;
}

int jobs_busy(const struct jobs *js, int slot)
{
	return js->job[slot].busy;
}

int jobs_live(const struct jobs *js, int slot)
{
	const struct job *j = &js->job[slot];
	int live;

	pthread_mutex_lock((pthread_mutex_t *)&js->lock);
	live = j->busy && j->running && !j->cancelled;
	pthread_mutex_unlock((pthread_mutex_t *)&js->lock);
	return live;
}

void jobs_cancel(struct jobs *js, int slot)
{
	struct job *j = &js->job[slot];
	char c = 1;

	if (!j->busy)
		return;
	pthread_mutex_lock(&js->lock);
	if (!j->cancelled) {
		j->cancelled = 1;
		if (write(j->cancel_wr, &c, 1) < 0) {
			/* The pipe is only ever written once per job, so it cannot be full. */
		}
	}
	pthread_cond_broadcast(&js->space);
	pthread_mutex_unlock(&js->lock);
}

static void deadline_in(struct timespec *dl, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, dl);
	dl->tv_sec += timeout_ms / 1000;
	dl->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl->tv_nsec >= 1000000000) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000;
	}
}

/* Waits until the busy job j has ended or dl passed; reaps it. 0 or -ETIMEDOUT. */
static int jobs_wait(struct jobs *js, struct job *j, const struct timespec *dl)
{
	int running;

	pthread_mutex_lock(&js->lock);
	while (j->running && pthread_cond_timedwait(&js->ended, &js->lock, dl) != ETIMEDOUT) {
	}
	running = j->running;
	pthread_mutex_unlock(&js->lock);
	if (running)
		return -ETIMEDOUT;
	jobs_reap(js, j);
	return 0;
}

int jobs_stop(struct jobs *js, int slot, int timeout_ms)
{
	struct timespec dl;

	if (!js->job[slot].busy)
		return 0;
	jobs_cancel(js, slot);
	deadline_in(&dl, timeout_ms);
	return jobs_wait(js, &js->job[slot], &dl);
}

int jobs_stop_all(struct jobs *js, int timeout_ms)
{
	struct timespec dl;
	int left = 0;

	for (int i = 0; i < JOB__SLOTS; i++)
		jobs_cancel(js, i);
	deadline_in(&dl, timeout_ms);
	for (int i = 0; i < JOB__SLOTS; i++)
		if (js->job[i].busy && jobs_wait(js, &js->job[i], &dl) < 0)
			left++;
	return left;
}

/* Pops one event; 1 when one was popped (live says whether to deliver it), 0 when empty. */
static int jobs_pop(struct jobs *js, struct job_qent *out, int *live)
{
	struct job *j;

	pthread_mutex_lock(&js->lock);
	if (!js->qcount) {
		pthread_mutex_unlock(&js->lock);
		return 0;
	}
	*out = js->q[js->qhead];
	js->qhead = (js->qhead + 1) % CONFIG_CTRL_EVENT_QUEUE;
	js->qcount--;
	j = &js->job[out->slot];
	*live = j->busy && out->gen == j->gen && !j->cancelled;
	pthread_cond_broadcast(&js->space);
	pthread_mutex_unlock(&js->lock);
	return 1;
}

static void jobs_drain(struct jobs *js)
{
	struct job_qent e;
	int live;

	while (jobs_pop(js, &e, &live)) {
		if (live)
			js->ev_fn(js->ctx, e.slot, js->job[e.slot].arg, &e.ev);
		else
			free(e.ev.frame);
	}
}

void jobs_dispatch(struct jobs *js)
{
	jobs_drain(js);
	for (int i = 0; i < JOB__SLOTS; i++) {
		struct job *j = &js->job[i];
		int running;

		if (!j->busy)
			continue;
		pthread_mutex_lock(&js->lock);
		running = j->running;
		pthread_mutex_unlock(&js->lock);
		if (running)
			continue;
		/* Everything it posted was queued before running became 0: deliver it first. */
		jobs_drain(js);
		jobs_reap(js, j);
	}
}

int job_cancel_fd(const struct job *j)
{
	return j->cancel_rd;
}

int job_cancelled(const struct job *j)
{
	int c;

	pthread_mutex_lock(&j->js->lock);
	c = j->cancelled;
	pthread_mutex_unlock(&j->js->lock);
	return c;
}

int job_post(struct job *j, int type, uint8_t *frame, size_t len)
{
	struct jobs *js = j->js;
	struct job_qent *e;

	pthread_mutex_lock(&js->lock);
	while (!j->cancelled && js->qcount == CONFIG_CTRL_EVENT_QUEUE)
		pthread_cond_wait(&js->space, &js->lock);
	if (j->cancelled) {
		pthread_mutex_unlock(&js->lock);
		free(frame);
		return -ERR_CANCELLED;
	}
	e = &js->q[(js->qhead + js->qcount) % CONFIG_CTRL_EVENT_QUEUE];
	e->slot = j->slot;
	e->gen = j->gen;
	e->ev.type = type;
	e->ev.frame = frame;
	e->ev.len = len;
	js->qcount++;
	pthread_mutex_unlock(&js->lock);
	loop_wake(js->loop);
	return 0;
}

int job_sleep(struct job *j, int ms)
{
	int64_t end = mono_ms() + ms;

	for (;;) {
		struct pollfd p = {.fd = j->cancel_rd, .events = POLLIN};
		int64_t left = end - mono_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return -ERR_CANCELLED;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}
