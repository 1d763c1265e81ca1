/* Helpers every recorder backend calls: errors, notes, re-resolve, request headers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_ctx.h"

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

/* ---- progress counters ------------------------------------------------------------ */

void rec_stats_init(struct rec_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->section = -1;
	s->kind = REC_AUTO;
}

void rec_stats_destroy(struct rec_stats *s)
{
	pthread_mutex_destroy(&s->lock);
}

void rec_stats_add(struct rec_stats *s, int64_t bytes, int64_t segments, int64_t media_ms,
		   int section, enum rec_kind kind)
{
	pthread_mutex_lock(&s->lock);
	s->bytes += bytes;
	s->segments += segments;
	s->media_ms += media_ms;
	if (section >= 0)
		s->section = section;
	if (kind != REC_AUTO)
		s->kind = (int)kind;
	pthread_mutex_unlock(&s->lock);
}

void rec_stats_get(struct rec_stats *s, struct rec_stats *out)
{
	pthread_mutex_lock(&s->lock);
	out->bytes = s->bytes;
	out->segments = s->segments;
	out->media_ms = s->media_ms;
	out->section = s->section;
	out->kind = s->kind;
	pthread_mutex_unlock(&s->lock);
}

void rec_progress(struct rec_ctx *c, int64_t bytes, int64_t segments, int64_t media_ms, int section)
{
	if (c->h && c->h->stats)
		rec_stats_add(c->h->stats, bytes, segments, media_ms, section, c->kind);
}
