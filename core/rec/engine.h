/* Recorder engine interface: what the job layer calls, and the events it gets back. */
#ifndef SS_RECORDER_H
#define SS_RECORDER_H

#include <pthread.h>

#include "core/base/common.h"
#include "core/base/stream.h"
#include "net/http.h"

enum rec_ev_type {
	REC_EV_SECTION, /* a section file may be played: broadcast "start" */
	REC_EV_LOG,	/* informational (progress); never sent to plugin clients */
};

struct rec_event {
	enum rec_ev_type type;
	enum rec_kind kind;   /* recorder actually used (after probing) */
	const char *url;      /* segment/stream URL the section starts with (no secrets) */
	const char *rec_file; /* <rec_dir>/stream_<N>.ts or <rec_dir>/stream_0.mp4 */
	int section_index;    /* N */
	int segment_index;    /* segments in the file when announced */
	const char *msg;      /* REC_EV_LOG text */
};

struct rec_params {
	struct resolve_result res; /* from the provider; kind REC_AUTO means probe */
	const char *rec_dir;	   /* confined, exists */
	const char *quality;	   /* "best", "1080p", ... */
	int buffering;		   /* segments before the first start (>= 1) */
	int av1;
	double duration_s; /* stop after this much media (--record --duration), 0: none */
};

/*
 * What a running recording has done so far, for "sessions" and "progress": the recorder
 * updates it once per segment (or chunk) under the lock, the control thread reads a copy
 * with rec_stats_get(). Initialise with rec_stats_init() before recorder_run().
 */
struct rec_stats {
	pthread_mutex_t lock;
	int64_t bytes;	  /* bytes written into the session's files */
	int64_t segments; /* complete segments recorded */
	int64_t media_ms; /* media recorded (playable), milliseconds */
	int section;	  /* open section index, -1: none yet */
	int kind;	  /* enum rec_kind in use (REC_AUTO until known) */
};

void rec_stats_init(struct rec_stats *s);
void rec_stats_destroy(struct rec_stats *s);
/* Recorder side: adds bytes/segments/media and sets the open section (< 0: unchanged). */
void rec_stats_add(struct rec_stats *s, int64_t bytes, int64_t segments, int64_t media_ms,
		   int section, enum rec_kind kind);
/* Control side: a consistent copy (the lock excluded). */
void rec_stats_get(struct rec_stats *s, struct rec_stats *out);

struct rec_hooks {
	void *ctx;
	/* Called on the recorder's thread; must not block for long. */
	void (*event)(void *ctx, const struct rec_event *ev);
	/* Asks the provider for a fresh URL after 401/403 (optional, NULL: none). Fills r. */
	int (*refresh)(void *ctx, struct resolve_result *r);
	/* Progress counters the recorder keeps up to date (optional, NULL: none). */
	struct rec_stats *stats;
};

/*
 * Records until the end (VOD), an error, or cancel_fd becomes readable. Blocking; runs on
 * the recorder worker thread. Returns 0 when a VOD/MP4 recording completed (the caller
 * broadcasts stop/complete), -ERR_CANCELLED after a cancel (the caller sends nothing),
 * or another negative error (the caller broadcasts stop/error with err_id(rc)).
 * msg (cap bytes, may be NULL) receives one human sentence about the error.
 */
int recorder_run(const struct rec_params *p, const struct rec_hooks *h, struct http_session *http,
		 int cancel_fd, char *msg, size_t cap);

#endif
