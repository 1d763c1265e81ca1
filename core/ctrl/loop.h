/* Event loop: poll() over a fixed number of fd slots, one-shot timers and a wake-up pipe. */
#ifndef SS_LOOP_H
#define SS_LOOP_H

#include <poll.h>

#include "core/base/common.h"

/*
 * Capacity is fixed at creation (redis ae style): adding past it fails with -ERR_LIMIT
 * instead of growing. Everything except loop_wake() must be called on the loop's thread.
 * Callbacks may add and delete fds and timers (including their own) freely; an fd deleted
 * during an iteration gets no further callback in that iteration.
 */
struct loop;

/* events/revents are poll() bits (POLLIN, POLLOUT, POLLERR, POLLHUP). */
typedef void (*loop_fd_fn)(struct loop *l, int fd, unsigned revents, void *ctx);
/* A timer fired; it is already removed (re-arm with loop_timer_add()). */
typedef void (*loop_timer_fn)(struct loop *l, void *ctx);
/* loop_wake() was called at least once since the last call. */
typedef void (*loop_wake_fn)(struct loop *l, void *ctx);

/* Creates a loop; NULL on ENOMEM or when the wake-up pipe cannot be made. Free with loop_free. */
struct loop *loop_new(int max_fds, int max_timers, loop_wake_fn on_wake, void *wake_ctx);
/* Frees the loop and its wake-up pipe; registered fds are not closed. */
void loop_free(struct loop *l);

/* Watches fd for events; 0, -EEXIST when already watched, -ERR_LIMIT when full. */
int loop_add(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *ctx);
/* Changes the events watched for fd; 0 or -ENOENT. */
int loop_set_events(struct loop *l, int fd, unsigned events);
/* Stops watching fd; 0 or -ENOENT. */
int loop_del(struct loop *l, int fd);

/* Calls fn once after ms milliseconds; returns a timer id > 0 or -ERR_LIMIT. */
int loop_timer_add(struct loop *l, long ms, loop_timer_fn fn, void *ctx);
/* Cancels a pending timer; unknown or already fired ids are ignored. */
void loop_timer_del(struct loop *l, int id);

/* Makes the loop call on_wake soon. Thread safe and async-signal safe. */
void loop_wake(struct loop *l);

/* One poll() round waiting at most max_wait_ms (-1: until an event); 0 or -errno. */
int loop_run_once(struct loop *l, int max_wait_ms);
/* Runs rounds until loop_stop(); 0 or -errno from poll(). */
int loop_run(struct loop *l);
/* Makes loop_run() return after the current round. */
void loop_stop(struct loop *l);

#endif
