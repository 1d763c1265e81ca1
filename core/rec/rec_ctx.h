/*
 * One recording's context and the helpers every backend calls (rec_ctx.c). This header sits
 * below the backends and the engine: it includes only the engine's public types (engine.h),
 * never the backend table, so backends and engine.c do not include each other.
 */
#ifndef SS_REC_CTX_H
#define SS_REC_CTX_H

#include "core/rec/engine.h"
#include "net/http.h"

/* One recording: the caller's parameters plus what the engine learned so far. */
struct rec_ctx {
	const struct rec_params *p;
	const struct rec_hooks *h;
	struct http_session *http; /* caller's session: playlists, keys, init sections */
	int cancel_fd;
	char *msg; /* caller's error sentence buffer (may be NULL) */
	size_t cap;
	struct resolve_result res; /* current stream (replaced by a refresh) */
	enum rec_kind kind;	   /* recorder chosen after probing */
	int n_refresh;		   /* re-resolves done so far */
};

/* Sets the error sentence (first one wins) and logs it; returns rc. */
int rec_fail(struct rec_ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Informational event (REC_EV_LOG) and a log line. */
void rec_note(struct rec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Asks the provider for a fresh URL (401/403). 0 and c->res replaced, or -ERR_FORBIDDEN. */
int rec_refresh(struct rec_ctx *c);
/* Adds to the caller's progress counters (h->stats), if any; section < 0: unchanged. */
void rec_progress(struct rec_ctx *c, int64_t bytes, int64_t segments, int64_t media_ms,
		  int section);
/* Applies c->res.headers to a session. */
int rec_apply_headers(struct rec_ctx *c, struct http_session *s);

#endif
