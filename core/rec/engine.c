/* Recorder engine entry: cleanup, probe of the stream URL, dispatch to the HLS/MP4/TS recorders. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_priv.h"
#include "core/rec/rec_util.h"

_Static_assert(STREAM_URL_MAX == HTTP_URL_MAX, "resolve_result.url holds any HTTP URL");

int rec_fail(struct rec_ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;
	char line[256];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rc != -ERR_CANCELLED)
		LOG_ERR(LOG_REC, "%s (%s)", line, err_str(rc));
	if (c->msg && c->cap && !c->msg[0])
		snprintf(c->msg, c->cap, "%s", line);
	return rc;
}

void rec_note(struct rec_ctx *c, const char *fmt, ...)
{
	struct rec_event ev;
	va_list ap;
	char line[256];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	LOG_INFO(LOG_REC, "%s", line);
	memset(&ev, 0, sizeof(ev));
	ev.type = REC_EV_LOG;
	ev.kind = c->kind;
	ev.msg = line;
	ev.section_index = -1;
	if (c->h && c->h->event)
		c->h->event(c->h->ctx, &ev);
}

int rec_apply_headers(struct rec_ctx *c, struct http_session *s)
{
	for (int i = 0; i < c->res.n_headers && i < RESOLVE_HEADERS_MAX; i++) {
		char name[256];
		const char *h = c->res.headers[i], *colon = strchr(h, ':');
		int rc;

		if (!colon || colon == h)
			continue;
		memcpy(name, h, (size_t)(colon - h));
		name[colon - h] = '\0';
		for (colon++; *colon == ' '; colon++)
			;
		rc = http_session_set_header(s, name, colon);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int rec_refresh(struct rec_ctx *c)
{
	struct resolve_result r;
	int rc;

	if (!c->h || !c->h->refresh)
		return rec_fail(c, -ERR_FORBIDDEN, "The stream refused access (HTTP 401/403).");
	if (c->n_refresh >= CONFIG_HLS_MAX_REFRESH)
		return rec_fail(c, -ERR_FORBIDDEN, "Access refused again after %d re-resolves.",
				c->n_refresh);
	c->n_refresh++;
	r = c->res;
	rc = c->h->refresh(c->h->ctx, &r);
	if (rc < 0)
		return rec_fail(c, rc == -ERR_CANCELLED ? rc : -ERR_FORBIDDEN,
				"The provider could not renew the stream URL.");
	c->res = r;
	rec_note(c, "stream URL renewed after 401/403 (%d)", c->n_refresh);
	return rec_apply_headers(c, c->http);
}

enum probe_kind { PROBE_NONE, PROBE_PLAYLIST, PROBE_TS, PROBE_MP4 };

struct probe {
	uint8_t *buf;
	size_t len, cap;
	enum probe_kind kind;
};

#define PROBE_DECIDED (-ERR__END - 1) /* callback verdict: stop the transfer, kind known */

static bool is_mp4_box(const uint8_t *p)
{
	static const char *const t[] = {"ftyp", "moov", "mdat", "free", "skip", "wide", "styp"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (memcmp(p + 4, t[i], 4) == 0)
			return true;
	return false;
}

static int probe_body(void *ctx, const uint8_t *p, size_t n)
{
	struct probe *pr = ctx;
	size_t k = MIN(n, pr->cap - pr->len), b = 0;

	memcpy(pr->buf + pr->len, p, k);
	pr->len += k;
	if (pr->kind == PROBE_PLAYLIST)
		return k < n ? -ERR_TOO_LARGE : 0;
	if (pr->len >= 3 && pr->buf[0] == 0xEF && pr->buf[1] == 0xBB && pr->buf[2] == 0xBF)
		b = 3;
	while (b < pr->len && (pr->buf[b] == ' ' || pr->buf[b] == '\r' || pr->buf[b] == '\n' ||
			       pr->buf[b] == '\t'))
		b++;
	if (pr->len - b >= 7 && memcmp(pr->buf + b, "#EXTM3U", 7) == 0) {
		pr->kind = PROBE_PLAYLIST;
		return k < n ? -ERR_TOO_LARGE : 0;
	}
	if (pr->len >= 2 * 188 + 1) {
		if (pr->buf[0] == 0x47 && pr->buf[188] == 0x47 && pr->buf[376] == 0x47) {
			pr->kind = PROBE_TS;
			return PROBE_DECIDED;
		}
	}
	if (pr->len >= 8 && is_mp4_box(pr->buf)) {
		pr->kind = PROBE_MP4;
		return PROBE_DECIDED;
	}
	if (pr->len >= 512)
		return PROBE_DECIDED;
	return 0;
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
		pr.kind = PROBE_NONE;
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
		if (rc == 0 && pr.kind == PROBE_NONE && pr.len < 512 && pr.len > 0)
			pr.kind = pr.len >= 8 && is_mp4_box(pr.buf) ? PROBE_MP4 : PROBE_NONE;
		if (rc < 0) {
			rc = rec_fail(c, rc, "The stream could not be loaded.");
			break;
		}
		switch (pr.kind) {
		case PROBE_PLAYLIST:
			rc = hls_record(c, pr.buf, pr.cap, pr.len,
					rs.final_url[0] ? rs.final_url : c->res.url);
			break;
		case PROBE_TS:
			free(pr.buf);
			pr.buf = NULL;
			c->kind = REC_HLS_LIVE;
			rc = rec_rawts(c, rs.final_url[0] ? rs.final_url : c->res.url);
			break;
		case PROBE_MP4:
			free(pr.buf);
			pr.buf = NULL;
			c->kind = REC_MP4;
			if (IS_ENABLED(CONFIG_REC_MP4))
				rc = rec_mp4(c, rs.final_url[0] ? rs.final_url : c->res.url);
			else
				rc = rec_fail(c, -ERR_UNSUPPORTED,
					      "MP4 recording is not built in.");
			break;
		default:
			rc = rec_fail(c, -ERR_UNSUPPORTED,
				      "The stream is neither an HLS playlist, MPEG-TS nor MP4.");
			break;
		}
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
