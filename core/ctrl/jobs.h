/* Worker jobs: one thread per slot (recorder, browse), cancel fds, events to the control thread. */
#ifndef SS_JOBS_H
#define SS_JOBS_H

#include "core/base/common.h"
#include "core/ctrl/loop.h"

/*
 * A slot runs at most one job (one thread) at a time. The control thread starts, cancels
 * and stops jobs; a job talks back only through job_post() (a bounded queue plus the
 * loop's wake-up fd) and its return value. Everything the control thread sees arrives in
 * jobs_dispatch(): first the events (in order), then one done call per ended job. Nothing
 * a cancelled job posts is delivered, so after jobs_cancel()/jobs_stop() returns, the
 * control thread never sees another event of that job.
 *
 * Slots: JOB_SESSION0 + i (i < CONFIG_MAX_SESSIONS) run stream sessions, JOB_BROWSE0 + w
 * (w < CONFIG_BROWSE_WORKERS) the browse workers.
 */
enum job_slot {
	JOB_SESSION0 = 0,
	JOB_BROWSE0 = CONFIG_MAX_SESSIONS,
	JOB__SLOTS = CONFIG_MAX_SESSIONS + CONFIG_BROWSE_WORKERS,
	JOB_RECORDER = JOB_SESSION0, /* first session slot (unit tests) */
	JOB_BROWSE = JOB_BROWSE0,    /* first browse worker (unit tests) */
};

struct jobs;
struct job;

struct job_event {
	int type;	/* meaning chosen by the poster */
	uint8_t *frame; /* malloc'd bytes; owned by the receiver (free it) */
	size_t len;
};

/* Worker body: runs on the slot's thread; returns 0 or a negative error (core/base/err.h). */
typedef int (*job_fn)(struct job *j, void *arg);
/* Control thread: an event of the live job in slot (ev->frame now belongs to the callee). */
typedef void (*job_event_fn)(void *ctx, int slot, void *arg, struct job_event *ev);
/* Control thread: the job in slot ended with rc; called exactly once per started job, so
 * this is where arg is freed. cancelled is 1 when jobs_cancel()/jobs_stop() hit it. */
typedef void (*job_done_fn)(void *ctx, int slot, void *arg, int rc, int cancelled);

/* Creates the job table (cancel pipes, queue of CONFIG_CTRL_EVENT_QUEUE); NULL on failure. */
struct jobs *jobs_new(struct loop *l, job_event_fn ev_fn, job_done_fn done_fn, void *ctx);
/*
 * Frees the table; jobs still running are cancelled and waited for (up to the stop
 * timeout). Returns 0, or -EBUSY when a job would not end: then nothing is freed, because
 * its thread still uses the table and the loop (the process is about to exit).
 */
int jobs_free(struct jobs *js);
/* Starts fn(arg) on a new thread in slot: 0, -EBUSY while the slot's last thread lives, -errno. */
int jobs_start(struct jobs *js, int slot, job_fn fn, void *arg);
/* 1 while slot has a job whose done call has not happened yet. */
int jobs_busy(const struct jobs *js, int slot);
/* 1 when slot's job is running and was not cancelled. */
int jobs_live(const struct jobs *js, int slot);
/* Makes the slot's cancel fd readable and drops its future events; does not wait. */
void jobs_cancel(struct jobs *js, int slot);
/*
 * Cancels and waits up to timeout_ms for the job to end; on success its done call has run
 * (cancelled = 1) before this returns 0. -ETIMEDOUT leaves the job to end on its own (done
 * follows later from jobs_dispatch()). 0 when the slot was idle.
 */
int jobs_stop(struct jobs *js, int slot, int timeout_ms);
/*
 * Cancels every job, then waits for them all with one deadline timeout_ms away (their done
 * calls run before this returns). Returns how many are still running (0: all ended).
 */
int jobs_stop_all(struct jobs *js, int timeout_ms);
/* Control thread, on wake-up: delivers queued events, then reaps ended jobs. */
void jobs_dispatch(struct jobs *js);

/* ---- worker side ---------------------------------------------------------------- */

/* The job's cancel fd: readable once the job is cancelled. Poll it in every wait. */
int job_cancel_fd(const struct job *j);
/* 1 once the job was cancelled. */
int job_cancelled(const struct job *j);
/*
 * Queues an event for the control thread; the frame's ownership moves to the queue in
 * every case (freed when dropped). Waits while the queue is full. 0 or -ERR_CANCELLED.
 */
int job_post(struct job *j, int type, uint8_t *frame, size_t len);
/* Waits ms milliseconds; 0, or -ERR_CANCELLED as soon as the job is cancelled. */
int job_sleep(struct job *j, int ms);

#endif
