/* HLS recorder: start, the playlist/segment loop and the refresh on 401/403. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/rec/rec_backends.h"
#include "core/rec/rec_hls_int.h"
#include "core/rec/rec_util.h"

/* After 401/403: renew the URL, re-pick the same variant, resume by media sequence. */
static int refresh(struct hls *s)
{
	int rc;

	if (s->refreshed)
		return rec_fail(s->c, -ERR_FORBIDDEN,
				"Access was refused again right after renewing the stream URL.");
	rec_fetch_reset(s->fetch);
	s->need_refresh = false;
	rc = rec_refresh(s->c);
	if (rc < 0)
		return rc;
	s->refreshed = true;
	rc = hls_load_from_top(s, true);
	if (rc < 0)
		return rc;
	s->pl_hash = hls_fnv1a(s->buf, s->len);
	hls_schedule_reload(s, true);
	/* Resume at the segment that failed: resubmit it, skipping what was written. */
	s->next_submit = s->next_consume;
	memset(s->desc, 0, sizeof(s->desc));
	hls_check_expired(s);
	if (s->next_consume < hls_last_seq(s) && s->next_consume >= s->pl->media_sequence) {
		struct hls_desc *d = &s->desc[s->next_consume % NDESC];
		struct rec_fetch_job job;

		rc = hls_describe_job(s, s->next_consume, d, &job);
		if (rc < 0)
			return rc;
		job.skip = s->consumed;
		/* A resumed encrypted segment would need the CBC state: restart it instead. */
		if (d->enc && s->consumed) {
			rc = rec_out_seg_fail(&s->out, NULL);
			s->seg_open = false;
			if (rc < 0)
				return rc;
			s->consumed = 0;
			job.skip = 0;
			s->pending_disc = true;
		}
		rc = rec_fetch_submit(s->fetch, &job);
		if (rc < 0)
			return rc;
		s->next_submit = s->next_consume + 1;
	} else if (s->seg_open) {
		rc = rec_out_seg_fail(&s->out, NULL);
		s->seg_open = false;
		s->consumed = 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int run(struct hls *s)
{
	int rc;

	for (;;) {
		if (rec_cancelled(s->c->cancel_fd))
			return -ERR_CANCELLED;
		rc = hls_submit_more(s);
		if (rc < 0)
			return rc;
		if (s->next_consume < s->next_submit) {
			rc = hls_consume(s);
			if (rc == -ERR_FORBIDDEN || (rc == 0 && s->need_refresh))
				rc = refresh(s);
			if (rc < 0)
				return rc;
			if (s->c->p->duration_s > 0 &&
			    s->out.media_ms >= (int64_t)(s->c->p->duration_s * 1000)) {
				rec_note(s->c, "requested duration of %.0f s recorded",
					 s->c->p->duration_s);
				return 0;
			}
		} else if (!s->live && s->next_consume >= hls_last_seq(s)) {
			return 0; /* VOD (or a live stream that ended) is complete */
		} else {
			int64_t wait = s->next_reload - mono_ms();

			if (wait > 0 && rec_sleep(s->c->cancel_fd, wait) < 0)
				return -ERR_CANCELLED;
			rc = hls_reload(s);
			if (rc == -ERR_FORBIDDEN)
				rc = refresh(s);
			if (rc < 0)
				return rc;
		}
	}
}

int hls_record(struct rec_ctx *c, uint8_t *buf, size_t cap, size_t n, const char *url)
{
	struct hls *s = calloc(1, sizeof(*s));
	int rc, type;

	if (!s)
		return -ENOMEM;
	s->c = c;
	s->cap = cap;
	s->buf = buf;
	s->len = MIN(n, cap);
	s->pl = malloc(sizeof(*s->pl));
	s->master = malloc(sizeof(*s->master));
	if (!s->pl || !s->master) {
		rc = -ENOMEM;
		goto out;
	}
	s->t_last_req = mono_ms();
	type = m3u8_probe(s->buf, s->len);
	if (type == M3U8_MASTER) {
		s->have_master = true;
		snprintf(s->master_url, sizeof(s->master_url), "%s", url);
		rec_log_line(c->p->rec_dir, REC_LOG_NONE, REC_LOG_NONE, NULL,
			     "load-master-playlist");
		rc = hls_choose_variant(s, false);
		if (rc == 0) {
			char final[HTTP_URL_MAX];

			rc = hls_fetch_playlist(s, s->media_url, final);
			if (rc == 0)
				snprintf(s->media_url, sizeof(s->media_url), "%s", final);
			else
				rc = rec_fail(c, rc, "The variant playlist could not be loaded.");
		}
		if (rc == 0)
			rc = hls_parse_media(s);
	} else if (type == M3U8_MEDIA) {
		snprintf(s->media_url, sizeof(s->media_url), "%s", url);
		rc = hls_parse_media(s);
	} else {
		rc = rec_fail(c, -ERR_PROTOCOL, "The playlist has neither variants nor segments.");
	}
	if (rc < 0)
		goto out;
	/* rc >= 0 here means hls_parse_media() filled *s->pl (the analyzer cannot see that
	 * rec_fail() returns its negative rc) */
	// NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign)
	s->live = !s->pl->endlist;
	s->fmp4 = s->pl->n_maps > 0;
	c->kind = s->fmp4 ? REC_HLS_M4S : s->live ? REC_HLS_LIVE : REC_HLS_BASIC;
	rec_log_line(c->p->rec_dir, REC_LOG_NONE, REC_LOG_NONE, NULL, "media-playlist-ready");
	rec_note(c, "%s playlist: %d segments, target %u s, sequence %llu",
		 s->live ? "live" : "VOD", s->pl->n_segments, s->pl->target_duration_s,
		 (unsigned long long)s->pl->media_sequence);
	s->pl_hash = hls_fnv1a(s->buf, s->len);
	hls_schedule_reload(s, true);
	s->seen_end = hls_last_seq(s);
	s->last_advance = mono_ms();
	s->next_submit = s->next_consume = s->live ? hls_live_start(s) : s->pl->media_sequence;
	rc = rec_out_init(&s->out, c);
	if (rc < 0)
		goto out;
	rc = rec_fetch_new(&s->fetch, CONFIG_HLS_PREFETCH, c->res.headers, c->res.n_headers,
			   c->http ? http_session_get_opts(c->http) : NULL);
	if (rc < 0) {
		rec_out_free(&s->out);
		goto out;
	}
	rec_fetch_set_window(s->fetch, s->live ? s->pl->media_sequence : 0);
	rc = run(s);
	rec_fetch_free(s->fetch);
	if (rc == 0) {
		int rc2 = rec_out_finish(&s->out, true);

		if (rc2 < 0)
			rc = rec_fail(c, rc2, "The recording could not be finished.");
	} else {
		/*
		 * Whatever was recorded stays playable, but after an error or a stop nothing
		 * more is announced: a start promises `buffering` complete segments.
		 */
		rec_out_finish(&s->out, false);
	}
	rec_out_free(&s->out);
	if (rc == 0 && s->out.seg_total == 0)
		rc = rec_fail(c, -ERR_PROTOCOL, "No segment could be recorded.");
	/* A recording that failed before its first segment leaves no empty section file. */
	if (rc < 0 && rc != -ERR_CANCELLED && s->out.seg_total == 0)
		rec_cleanup(c->p->rec_dir);
out:
	free(s->master);
	free(s->pl);
	free(s);
	return rc;
}
