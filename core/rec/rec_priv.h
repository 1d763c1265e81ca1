/* Recorder engine internals shared by engine.c, rec_out.c, rec_mp4.c, rec_rawts.c and rec_hls.c. */
#ifndef SS_REC_PRIV_H
#define SS_REC_PRIV_H

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
/* Applies c->res.headers to a session. */
int rec_apply_headers(struct rec_ctx *c, struct http_session *s);

/*
 * HLS recorder: buf[0..n) is the first playlist, fetched from url (final URL). buf (cap
 * bytes, CONFIG_HLS_PLAYLIST_MAX_KB) is lent for the whole recording: playlist reloads
 * reuse it; the caller frees it afterwards.
 */
int hls_record(struct rec_ctx *c, uint8_t *buf, size_t cap, size_t n, const char *url);
/* Raw MPEG-TS over HTTP, recorded as one live section. */
int rec_rawts(struct rec_ctx *c, const char *url);
/* Progressive MP4 download to stream_0.mp4. */
int rec_mp4(struct rec_ctx *c, const char *url);

#endif
