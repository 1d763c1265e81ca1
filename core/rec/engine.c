/* Recorder engine entry: cleanup, probe of the stream URL, dispatch to the HLS/MP4/TS recorders. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/base/stream.h"
#include "core/rec/rec_backends.h"
#include "core/rec/rec_util.h"

_Static_assert(STREAM_URL_MAX == HTTP_URL_MAX, "resolve_result.url holds any HTTP URL");

struct probe {
	uint8_t *buf;
	size_t len, cap;
	enum stream_class kind; /* STREAM_MORE until stream_classify() settles it */
};

#define PROBE_DECIDED (-ERR__END - 1) /* callback verdict: stop the transfer, kind known */
#define PROBE_MAX 512		      /* bytes read before an unrecognised body is given up */

static int probe_body(void *ctx, const uint8_t *p, size_t n)
{
	struct probe *pr = ctx;
	size_t k = MIN(n, pr->cap - pr->len);

	memcpy(pr->buf + pr->len, p, k);
	pr->len += k;
	if (pr->kind != STREAM_HLS)
		pr->kind = stream_classify(pr->buf, pr->len, pr->len < PROBE_MAX);
	if (pr->kind == STREAM_HLS) /* the whole playlist is read: the HLS recorder starts on it */
		return k < n ? -ERR_TOO_LARGE : 0;
	return pr->kind == STREAM_MORE ? 0 : PROBE_DECIDED;
}

/* ---- backends ---------------------------------------------------------------------- */

static bool match_playlist(const struct probe *pr)
{
	return pr->kind == STREAM_HLS;
}

static bool match_ts(const struct probe *pr)
{
	return pr->kind == STREAM_TS;
}

static bool match_mp4(const struct probe *pr)
{
	return pr->kind == STREAM_MP4;
}

/* The playlist buffer is lent to the HLS recorder for its reloads. */
static int run_hls(struct rec_ctx *c, struct probe *pr, const char *url)
{
	return hls_record(c, pr->buf, pr->cap, pr->len, url);
}

static int run_rawts(struct rec_ctx *c, struct probe *pr, const char *url)
{
	free(pr->buf);
	pr->buf = NULL;
	return rec_rawts(c, url);
}

static int run_mp4(struct rec_ctx *c, struct probe *pr, const char *url)
{
	free(pr->buf);
	pr->buf = NULL;
	if (!IS_ENABLED(CONFIG_REC_MP4))
		return rec_fail(c, -ERR_UNSUPPORTED, "MP4 recording is not built in.");
	return rec_mp4(c, url);
}

/* One recorder backend; the first whose match() accepts the probe records the stream. */
static const struct rec_backend {
	/* Kind reported once this backend runs; REC_AUTO: the backend sets it (HLS picks
	 * hls_live, hls_basic or hls_m4s from the playlist). */
	enum rec_kind kind;
	/* Name for logs. */
	const char *name;
	/* True when the probed first bytes are this backend's format. */
	bool (*match)(const struct probe *pr);
	/* Records from url (the final URL after redirects) until the end, stop or an error;
	 * owns pr->buf from here (frees it or lends it on). Returns recorder_run()'s codes. */
	int (*run)(struct rec_ctx *c, struct probe *pr, const char *url);
} rec_backends[] = {
	{REC_AUTO, "hls", match_playlist, run_hls},
	{REC_HLS_LIVE, "rawts", match_ts, run_rawts},
	{REC_MP4, "mp4", match_mp4, run_mp4},
};

static int rec_dispatch(struct rec_ctx *c, struct probe *pr, const char *url)
{
	for (size_t i = 0; i < ARRAY_SIZE(rec_backends); i++) {
		const struct rec_backend *b = &rec_backends[i];

		if (!b->match(pr))
			continue;
		LOG_DBG(LOG_REC, "recorder backend %s", b->name);
		if (b->kind != REC_AUTO)
			c->kind = b->kind;
		return b->run(c, pr, url);
	}
	return rec_fail(c, -ERR_UNSUPPORTED,
			"The stream is neither an HLS playlist, MPEG-TS nor MP4.");
}

static int probe_and_run(struct rec_ctx *c)
{
	struct probe pr = {0};
	struct http_request rq;
	struct http_response rs;
	int rc;

	pr.cap = (size_t)CONFIG_HLS_PLAYLIST_MAX_KB << 10;
	pr.buf = malloc(pr.cap);
	if (!pr.buf)
		return -ENOMEM;
	for (;;) {
		pr.len = 0;
		pr.kind = STREAM_MORE;
		memset(&rs, 0, sizeof(rs));
		http_request_init(&rq, c->res.url);
		rc = http_get(c->http, &rq, &rs, probe_body, &pr);
		if (rc == -ERR_FORBIDDEN) {
			rc = rec_refresh(c);
			if (rc == 0)
				continue;
			break;
		}
		if (rc == PROBE_DECIDED)
			rc = 0;
		if (rc == -ERR_TOO_LARGE) {
			rc = rec_fail(c, rc,
				      "The playlist is larger than %d KiB "
				      "(CONFIG_HLS_PLAYLIST_MAX_KB).",
				      CONFIG_HLS_PLAYLIST_MAX_KB);
			break;
		}
		if (rc == 0 && pr.kind == STREAM_MORE) /* the body ended before PROBE_MAX bytes */
			pr.kind = stream_classify(pr.buf, pr.len, false);
		if (rc < 0) {
			rc = rec_fail(c, rc, "The stream could not be loaded.");
			break;
		}
		rc = rec_dispatch(c, &pr, rs.final_url[0] ? rs.final_url : c->res.url);
		break;
	}
	free(pr.buf);
	return rc;
}

int recorder_run(const struct rec_params *p, const struct rec_hooks *h, struct http_session *http,
		 int cancel_fd, char *msg, size_t cap)
{
	struct rec_ctx *c = calloc(1, sizeof(*c));
	int rc;

	if (msg && cap)
		msg[0] = '\0';
	if (!c)
		return -ENOMEM;
	c->p = p;
	c->h = h;
	c->http = http;
	c->cancel_fd = cancel_fd;
	c->msg = msg;
	c->cap = cap;
	c->res = p->res;
	c->kind = p->res.kind;
	rc = rec_cleanup(p->rec_dir);
	if (rc < 0) {
		rc = rec_fail(c, rc, "The recording directory cannot be read.");
		goto out;
	}
	http_session_set_cancel_fd(http, cancel_fd);
	rc = rec_apply_headers(c, http);
	if (rc < 0)
		goto out;
	if (p->res.kind == REC_MP4 && IS_ENABLED(CONFIG_REC_MP4))
		rc = rec_mp4(c, c->res.url);
	else
		rc = probe_and_run(c);
	if (rec_cancelled(cancel_fd) && rc < 0)
		rc = -ERR_CANCELLED;
out:
	free(c);
	return rc;
}
