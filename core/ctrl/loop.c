/* poll()-based event loop with fixed capacity: fd slots, one-shot timers, a wake-up pipe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/ctrl/loop.h"

struct loop_slot {
	int fd; /* -1: free */
	unsigned events;
	uint32_t gen; /* bumped on every add, so a stale poll result is recognised */
	loop_fd_fn fn;
	void *ctx;
};

struct loop_timer {
	int id;	  /* 0: free */
	int fire; /* due in the current round */
	int64_t due;
	loop_timer_fn fn;
	void *ctx;
};

struct loop {
	int max_fds;
	int max_timers;
	struct loop_slot *slots;
	struct loop_timer *timers;
	struct pollfd *pfds; /* [0] is the wake pipe, then one per used slot */
	int *pfd_slot;	     /* slot index of pfds[i] */
	uint32_t *pfd_gen;   /* slot generation when pfds[i] was filled */
	int wake_rd;
	int wake_wr;
	int next_timer_id;
	int stop;
	loop_wake_fn on_wake;
	void *wake_ctx;
};

struct loop *loop_new(int max_fds, int max_timers, loop_wake_fn on_wake, void *wake_ctx)
{
	struct loop *l;
	int p[2];

	if (max_fds < 1 || max_timers < 1)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->max_fds = max_fds;
	l->max_timers = max_timers;
	l->slots = calloc((size_t)max_fds, sizeof(*l->slots));
	l->timers = calloc((size_t)max_timers, sizeof(*l->timers));
	l->pfds = calloc((size_t)max_fds + 1, sizeof(*l->pfds));
	l->pfd_slot = calloc((size_t)max_fds + 1, sizeof(*l->pfd_slot));
	l->pfd_gen = calloc((size_t)max_fds + 1, sizeof(*l->pfd_gen));
	l->wake_rd = l->wake_wr = -1;
	if (!l->slots || !l->timers || !l->pfds || !l->pfd_slot || !l->pfd_gen ||
	    pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		loop_free(l);
		return NULL;
	}
	l->wake_rd = p[0];
	l->wake_wr = p[1];
	for (int i = 0; i < max_fds; i++)
		l->slots[i].fd = -1;
	l->next_timer_id = 1;
	l->on_wake = on_wake;
	l->wake_ctx = wake_ctx;
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->wake_rd >= 0)
		close(l->wake_rd);
	if (l->wake_wr >= 0)
		close(l->wake_wr);
	free(l->slots);
	free(l->timers);
	free(l->pfds);
	free(l->pfd_slot);
	free(l->pfd_gen);
	free(l);
}

static struct loop_slot *loop_find(struct loop *l, int fd)
{
	for (int i = 0; i < l->max_fds; i++)
		if (l->slots[i].fd == fd)
			return &l->slots[i];
	return NULL;
}

int loop_add(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *ctx)
{
	struct loop_slot *s;

	if (fd < 0)
		return -EBADF;
	if (loop_find(l, fd))
		return -EEXIST;
	s = loop_find(l, -1);
	if (!s)
		return -ERR_LIMIT;
	s->fd = fd;
	s->events = events;
	s->gen++;
	s->fn = fn;
	s->ctx = ctx;
	return 0;
}

int loop_set_events(struct loop *l, int fd, unsigned events)
{
	struct loop_slot *s = fd >= 0 ? loop_find(l, fd) : NULL;

	if (!s)
		return -ENOENT;
	s->events = events;
	return 0;
}

int loop_del(struct loop *l, int fd)
{
	struct loop_slot *s = fd >= 0 ? loop_find(l, fd) : NULL;

	if (!s)
		return -ENOENT;
	s->fd = -1;
	s->gen++;
	return 0;
}

int loop_timer_add(struct loop *l, long ms, loop_timer_fn fn, void *ctx)
{
	for (int i = 0; i < l->max_timers; i++) {
		struct loop_timer *t = &l->timers[i];

		if (t->id)
			continue;
		t->id = l->next_timer_id;
		l->next_timer_id = l->next_timer_id == INT32_MAX ? 1 : l->next_timer_id + 1;
		t->fire = 0;
		t->due = mono_ms() + (ms > 0 ? ms : 0);
		t->fn = fn;
		t->ctx = ctx;
		return t->id;
	}
	return -ERR_LIMIT;
}

void loop_timer_del(struct loop *l, int id)
{
	if (id <= 0)
		return;
	for (int i = 0; i < l->max_timers; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

void loop_wake(struct loop *l)
{
	int saved = errno;
	char c = 1;

	/* A full pipe already guarantees a wake-up, so EAGAIN is fine. */
	if (write(l->wake_wr, &c, 1) < 0) {
	}
	errno = saved;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}

static int loop_timeout(struct loop *l, int max_wait_ms)
{
	int64_t now = mono_ms();
	int64_t wait = max_wait_ms;

	for (int i = 0; i < l->max_timers; i++) {
		int64_t left;

		if (!l->timers[i].id)
			continue;
		left = l->timers[i].due - now;
		if (left < 0)
			left = 0;
		if (wait < 0 || left < wait)
			wait = left;
	}
	return wait > INT32_MAX ? INT32_MAX : (int)wait;
}

static void loop_fire_timers(struct loop *l)
{
	int64_t now = mono_ms();

	/* Mark first: a timer armed by a callback (even with 0 ms) waits for the next round. */
	for (int i = 0; i < l->max_timers; i++)
		l->timers[i].fire = l->timers[i].id && l->timers[i].due <= now;
	for (int i = 0; i < l->max_timers; i++) {
		struct loop_timer *t = &l->timers[i];
		loop_timer_fn fn;
		void *ctx;

		if (!t->id || !t->fire)
			continue;
		fn = t->fn;
		ctx = t->ctx;
		t->id = 0;
		t->fire = 0;
		fn(l, ctx);
	}
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
	int n = 1, r;

	l->pfds[0].fd = l->wake_rd;
	l->pfds[0].events = POLLIN;
	l->pfds[0].revents = 0;
	for (int i = 0; i < l->max_fds; i++) {
		struct loop_slot *s = &l->slots[i];

		if (s->fd < 0)
			continue;
		l->pfds[n].fd = s->fd;
		l->pfds[n].events = (short)s->events;
		l->pfds[n].revents = 0;
		l->pfd_slot[n] = i;
		l->pfd_gen[n] = s->gen;
		n++;
	}
	r = poll(l->pfds, (nfds_t)n, loop_timeout(l, max_wait_ms));
	if (r < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	if (l->pfds[0].revents) {
		char buf[64];

		while (read(l->wake_rd, buf, sizeof(buf)) > 0) {
		}
		if (l->on_wake)
			l->on_wake(l, l->wake_ctx);
	}
	for (int i = 1; i < n && r > 0; i++) {
		struct loop_slot *s = &l->slots[l->pfd_slot[i]];

		if (!l->pfds[i].revents)
			continue;
		/* The slot may have been deleted or reused by an earlier callback. */
		if (s->gen != l->pfd_gen[i] || s->fd != l->pfds[i].fd)
			continue;
		s->fn(l, s->fd, (unsigned)(unsigned short)l->pfds[i].revents, s->ctx);
	}
	loop_fire_timers(l);
	return 0;
}

int loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop) {
		int r = loop_run_once(l, -1);

		if (r < 0)
			return r;
	}
	return 0;
}
