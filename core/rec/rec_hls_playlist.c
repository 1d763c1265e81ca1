/* HLS recorder: playlist loading, variant pinning and the live reload pacing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/hls/variant.h"
#include "core/rec/rec_hls_int.h"
#include "core/rec/rec_util.h"
#include "net/url.h"

uint32_t hls_fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int hls_target_ms(const struct hls *s)
{
	return (int)MAX(1u, s->pl->target_duration_s) * 1000;
}

/* Resolves a playlist view against base into out (HTTP_URL_MAX). */
int hls_resolve(struct hls *s, const char *base, struct m3u8_str ref, char *out)
{
	char tmp[HTTP_URL_MAX];
	int rc;

	if (ref.n >= sizeof(tmp) || ref.n >= CONFIG_HLS_URL_MAX)
		return rec_fail(s->c, -ERR_TOO_LARGE, "A playlist URI is longer than %d bytes.",
				CONFIG_HLS_URL_MAX);
	memcpy(tmp, ref.p, ref.n);
	tmp[ref.n] = '\0';
	rc = url_resolve(base, tmp, out, MIN((size_t)HTTP_URL_MAX, (size_t)CONFIG_HLS_URL_MAX));
	if (rc < 0)
		return rec_fail(s->c, rc, "A playlist URI cannot be resolved.");
	return 0;
}

/* GETs a playlist into s->buf; final URL to final (HTTP_URL_MAX). */
int hls_fetch_playlist(struct hls *s, const char *url, char *final)
{
	struct http_response rs;
	int rc;

	s->t_last_req = mono_ms();
	memset(&rs, 0, sizeof(rs));
	rc = http_get_buf(s->c->http, url, &rs, s->buf, s->cap, &s->len);
	if (rc == -ERR_TOO_LARGE)
		return rec_fail(s->c, rc,
				"The playlist is larger than %d KiB "
				"(CONFIG_HLS_PLAYLIST_MAX_KB).",
				CONFIG_HLS_PLAYLIST_MAX_KB);
	if (rc < 0)
		return rc;
	if (final)
		snprintf(final, HTTP_URL_MAX, "%s", rs.final_url[0] ? rs.final_url : url);
	return 0;
}

int hls_parse_media(struct hls *s)
{
	char err[160];
	int rc = m3u8_parse_media(s->buf, s->len, s->pl, err, sizeof(err));

	if (rc < 0)
		return rec_fail(s->c, rc == -ERR_LIMIT ? rc : -ERR_PROTOCOL,
				"The media playlist is malformed: %s.", err);
	if (s->pl->has_drm)
		return rec_fail(s->c, -ERR_DRM,
				"The stream is DRM protected (SAMPLE-AES, Widevine, PlayReady or "
				"FairPlay keys).");
	return 0;
}

/* Picks (or after a refresh re-picks) the variant of the master in s->buf. */
int hls_choose_variant(struct hls *s, bool repick)
{
	struct hls_caps caps;
	char err[160];
	int rc, i;

	rc = m3u8_parse_master(s->buf, s->len, s->master, err, sizeof(err));
	if (rc < 0)
		return rec_fail(s->c, rc == -ERR_LIMIT ? rc : -ERR_PROTOCOL,
				"The master playlist is malformed: %s.", err);
	hls_caps_board(&caps, s->c->p->av1);
	i = -1;
	if (repick)
		i = hls_variant_same(s->master, s->var_w, s->var_h, s->var_bw, s->var_codecs);
	if (i < 0)
		i = hls_variant_pick(s->master, s->c->p->quality, &caps);
	if (i < 0) {
		if (s->master->drm_session_key)
			return rec_fail(s->c, -ERR_DRM, "The stream is DRM protected.");
		return rec_fail(s->c, i, "No variant uses codecs this box can decode.");
	}
	{
		const struct m3u8_variant *v = &s->master->variant[i];

		if (!repick) {
			s->var_w = v->width;
			s->var_h = v->height;
			s->var_bw = v->bandwidth;
			snprintf(s->var_codecs, sizeof(s->var_codecs), "%.*s",
				 (int)MIN(v->codecs.n, sizeof(s->var_codecs) - 1),
				 v->codecs.p ? v->codecs.p : "");
			rec_note(s->c, "variant %d of %d: %dx%d, %llu bit/s, codecs %s", i + 1,
				 s->master->n_variants, v->width, v->height,
				 (unsigned long long)v->bandwidth,
				 s->var_codecs[0] ? s->var_codecs : "(not given)");
			for (int k = 0; k < s->master->n_media; k++) {
				const struct m3u8_rendition *r = &s->master->media[k];

				if (r->type == M3U8_MT_AUDIO && r->uri.n && v->audio.n &&
				    r->group_id.n == v->audio.n &&
				    !memcmp(r->group_id.p, v->audio.p, v->audio.n)) {
					rec_note(s->c,
						 "audio rendition in a separate playlist is not "
						 "recorded (video variant only)");
					break;
				}
			}
		}
		return hls_resolve(s, s->master_url, v->uri, s->media_url);
	}
}

/* Loads the current stream URL (master or media playlist) and, for a master, the variant. */
int hls_load_from_top(struct hls *s, bool repick)
{
	char final[HTTP_URL_MAX];
	int rc;

	rc = hls_fetch_playlist(s, s->c->res.url, final);
	if (rc < 0)
		return rc;
	if (m3u8_probe(s->buf, s->len) != M3U8_MASTER) {
		snprintf(s->media_url, sizeof(s->media_url), "%s", final);
		return hls_parse_media(s);
	}
	s->have_master = true;
	snprintf(s->master_url, sizeof(s->master_url), "%s", final);
	rc = hls_choose_variant(s, repick);
	if (rc < 0)
		return rc;
	rc = hls_fetch_playlist(s, s->media_url, final);
	if (rc < 0)
		return rc;
	snprintf(s->media_url, sizeof(s->media_url), "%s", final);
	return hls_parse_media(s);
}

uint64_t hls_last_seq(const struct hls *s)
{
	return s->pl->media_sequence + (uint64_t)s->pl->n_segments; /* one past the last */
}

/* First segment of a live recording: RFC 8216 6.3.3, the configured target durations back. */
uint64_t hls_live_start(const struct hls *s)
{
	int64_t edge = (int64_t)CONFIG_HLS_LIVE_EDGE_TARGETS * hls_target_ms(s), acc;
	int i = s->pl->n_segments - 1;

	if (i < 0)
		return s->pl->media_sequence;
	acc = s->pl->seg[i].duration_ms;
	while (acc < edge && i > 0) {
		i--;
		acc += s->pl->seg[i].duration_ms;
	}
	return s->pl->media_sequence + (uint64_t)i;
}

int hls_stall_ms(const struct hls *s)
{
	return MAX(CONFIG_HLS_STALL_TARGETS * hls_target_ms(s), CONFIG_HLS_STALL_MIN_S * 1000);
}

void hls_schedule_reload(struct hls *s, bool changed)
{
	/* RFC 8216 6.3.4: target duration after a change, half of it otherwise, both
	 * measured from the start of the previous request. */
	s->next_reload = s->t_last_req + (changed ? hls_target_ms(s) : hls_target_ms(s) / 2);
}

/* Notes segments that left the window before we could fetch them. */
void hls_check_expired(struct hls *s)
{
	uint64_t first = s->pl->media_sequence;

	rec_fetch_set_window(s->fetch, s->live ? first : 0);
	if (s->next_submit < first) {
		uint64_t lost = first - s->next_submit;
		char ev[96];

		snprintf(ev, sizeof(ev), "expired %llu segments", (unsigned long long)lost);
		rec_log_line(s->c->p->rec_dir, s->out.section, s->out.segs, NULL, ev);
		rec_note(s->c, "%llu segments expired before they were fetched (%llu..%llu)",
			 (unsigned long long)lost, (unsigned long long)s->next_submit,
			 (unsigned long long)(first - 1));
		if (s->next_consume == s->next_submit)
			s->next_consume = first;
		s->next_submit = first;
		s->pending_disc = true;
	} else if (s->next_consume > hls_last_seq(s) + (uint64_t)s->pl->n_segments + 2) {
		/* The sequence went far back: the stream restarted. Resync at the live edge. */
		rec_note(s->c, "media sequence restarted (%llu -> %llu), resyncing",
			 (unsigned long long)s->next_consume, (unsigned long long)first);
		rec_fetch_reset(s->fetch);
		memset(s->desc, 0, sizeof(s->desc));
		s->next_consume = s->next_submit = hls_live_start(s);
		s->pending_disc = true;
	}
}

/* Live reload when due. 0, or an error after too many failures in a row. */
int hls_reload(struct hls *s)
{
	uint32_t h;
	int rc;

	rc = hls_fetch_playlist(s, s->media_url, NULL);
	if (rc == 0) {
		rc = hls_parse_media(s);
		if (rc == -ERR_DRM)
			return rc;
	}
	if (rc == -ERR_FORBIDDEN)
		return rc;
	if (rc == -ERR_CANCELLED)
		return rc;
	if (rc < 0) {
		if (++s->fail_pl >= CONFIG_HLS_PLAYLIST_RETRIES)
			return rec_fail(s->c, rc, "The live playlist failed %d times in a row.",
					s->fail_pl);
		LOG_WARN(LOG_HLS, "playlist reload failed (%s), %d in a row", err_str(rc),
			 s->fail_pl);
		/* The last good playlist is gone from the buffer: reload soon. */
		s->next_reload = s->t_last_req + MIN(hls_target_ms(s) / 2, 1000 << s->fail_pl);
		s->pl->n_segments = 0;
		return 0;
	}
	s->fail_pl = 0;
	if (hls_last_seq(s) > s->seen_end) {
		s->seen_end = hls_last_seq(s);
		s->last_advance = mono_ms();
	} else if (s->live && mono_ms() - s->last_advance > 2 * (int64_t)hls_stall_ms(s)) {
		return rec_fail(s->c, -ERR_TIMEOUT, "The live playlist has not advanced for %d s.",
				(int)((mono_ms() - s->last_advance) / 1000));
	}
	h = hls_fnv1a(s->buf, s->len);
	hls_schedule_reload(s, h != s->pl_hash);
	s->pl_hash = h;
	if (s->pl->endlist)
		s->live = false;
	hls_check_expired(s);
	return 0;
}
