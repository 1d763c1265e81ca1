/* HLS recorder: variant pinning, VOD/live playlist loop, prefetch, AES-128, refresh on 403. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/rec/aes128.h"
#include "core/base/err.h"
#include "core/hls/m3u8.h"
#include "core/hls/variant.h"
#include "core/base/log.h"
#include "core/rec/rec_fetch.h"
#include "core/rec/rec_out.h"
#include "core/rec/rec_backends.h"
#include "core/rec/rec_ctx.h"
#include "core/rec/rec_util.h"
#include "hal/storage.h"
#include "net/url.h"

#define CHUNK 16384
#define NDESC CONFIG_HLS_PREFETCH

/* What the consumer needs of a submitted segment (the playlist buffer may be reloaded). */
struct hls_desc {
	uint64_t seq;
	bool used;
	unsigned flags; /* TS_SEG_* */
	uint32_t dur_ms;
	bool enc; /* AES-128 */
	bool has_iv;
	uint8_t iv[16];
	char url[HTTP_URL_MAX];
	char key_url[HTTP_URL_MAX];
	bool has_map;
	int64_t map_off, map_len;
	char map_url[HTTP_URL_MAX];
};

struct hls_key {
	char url[HTTP_URL_MAX];
	uint8_t key[16];
	bool valid;
};

struct hls {
	struct rec_ctx *c;
	struct rec_out out;
	struct rec_fetch *fetch;
	/* playlists */
	uint8_t *buf; /* playlist bytes; the parsed views point here */
	size_t cap, len;
	struct m3u8_media *pl;
	struct m3u8_master *master;
	char master_url[HTTP_URL_MAX];
	char media_url[HTTP_URL_MAX]; /* final URL of the media playlist (base for URIs) */
	bool have_master;
	/* pinned variant */
	int var_w, var_h;
	uint64_t var_bw;
	char var_codecs[128];
	/* timeline */
	bool live;
	uint64_t next_submit, next_consume;
	bool pending_disc;  /* next consumed segment starts after a gap */
	int64_t t_last_req; /* ms when the last playlist request began */
	int64_t next_reload;
	uint32_t pl_hash;
	int fail_pl;	      /* consecutive failed playlist loads */
	int fail_seg;	      /* consecutive failed segments */
	int64_t last_advance; /* ms when the live playlist last gained a segment */
	uint64_t seen_end;    /* highest one-past-last sequence seen */
	bool refreshed;	      /* a refresh happened and no segment completed since */
	bool need_refresh;    /* a reload got 401/403: refresh after the current segment */
	int64_t consumed;     /* bytes of the current segment already fed */
	bool seg_open;	      /* the remuxer has the current segment open */
	/* fMP4 init section in use */
	bool fmp4;
	char map_url[HTTP_URL_MAX];
	int64_t map_off, map_len;
	bool map_loaded;
	struct hls_desc desc[NDESC];
	int key_next;
	struct hls_key keys[CONFIG_HLS_KEY_CACHE];
	uint8_t dec[CHUNK + 32];
};

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int target_ms(const struct hls *s)
{
	return (int)MAX(1u, s->pl->target_duration_s) * 1000;
}

/* Resolves a playlist view against base into out (HTTP_URL_MAX). */
static int resolve(struct hls *s, const char *base, struct m3u8_str ref, char *out)
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
static int fetch_playlist(struct hls *s, const char *url, char *final)
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

static int parse_media(struct hls *s)
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
static int choose_variant(struct hls *s, bool repick)
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
		return resolve(s, s->master_url, v->uri, s->media_url);
	}
}

/* Loads the current stream URL (master or media playlist) and, for a master, the variant. */
static int load_from_top(struct hls *s, bool repick)
{
	char final[HTTP_URL_MAX];
	int rc;

	rc = fetch_playlist(s, s->c->res.url, final);
	if (rc < 0)
		return rc;
	if (m3u8_probe(s->buf, s->len) != M3U8_MASTER) {
		snprintf(s->media_url, sizeof(s->media_url), "%s", final);
		return parse_media(s);
	}
	s->have_master = true;
	snprintf(s->master_url, sizeof(s->master_url), "%s", final);
	rc = choose_variant(s, repick);
	if (rc < 0)
		return rc;
	rc = fetch_playlist(s, s->media_url, final);
	if (rc < 0)
		return rc;
	snprintf(s->media_url, sizeof(s->media_url), "%s", final);
	return parse_media(s);
}

static uint64_t last_seq(const struct hls *s)
{
	return s->pl->media_sequence + (uint64_t)s->pl->n_segments; /* one past the last */
}

/* First segment of a live recording: RFC 8216 6.3.3, the configured target durations back. */
static uint64_t live_start(const struct hls *s)
{
	int64_t edge = (int64_t)CONFIG_HLS_LIVE_EDGE_TARGETS * target_ms(s), acc;
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

static int stall_ms(const struct hls *s)
{
	return MAX(CONFIG_HLS_STALL_TARGETS * target_ms(s), CONFIG_HLS_STALL_MIN_S * 1000);
}

static void schedule_reload(struct hls *s, bool changed)
{
	/* RFC 8216 6.3.4: target duration after a change, half of it otherwise, both
	 * measured from the start of the previous request. */
	s->next_reload = s->t_last_req + (changed ? target_ms(s) : target_ms(s) / 2);
}

/* Notes segments that left the window before we could fetch them. */
static void check_expired(struct hls *s)
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
	} else if (s->next_consume > last_seq(s) + (uint64_t)s->pl->n_segments + 2) {
		/* The sequence went far back: the stream restarted. Resync at the live edge. */
		rec_note(s->c, "media sequence restarted (%llu -> %llu), resyncing",
			 (unsigned long long)s->next_consume, (unsigned long long)first);
		rec_fetch_reset(s->fetch);
		memset(s->desc, 0, sizeof(s->desc));
		s->next_consume = s->next_submit = live_start(s);
		s->pending_disc = true;
	}
}

/* Live reload when due. 0, or an error after too many failures in a row. */
static int reload(struct hls *s)
{
	uint32_t h;
	int rc;

	rc = fetch_playlist(s, s->media_url, NULL);
	if (rc == 0) {
		rc = parse_media(s);
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
		s->next_reload = s->t_last_req + MIN(target_ms(s) / 2, 1000 << s->fail_pl);
		s->pl->n_segments = 0;
		return 0;
	}
	s->fail_pl = 0;
	if (last_seq(s) > s->seen_end) {
		s->seen_end = last_seq(s);
		s->last_advance = mono_ms();
	} else if (s->live && mono_ms() - s->last_advance > 2 * (int64_t)stall_ms(s)) {
		return rec_fail(s->c, -ERR_TIMEOUT, "The live playlist has not advanced for %d s.",
				(int)((mono_ms() - s->last_advance) / 1000));
	}
	h = fnv1a(s->buf, s->len);
	schedule_reload(s, h != s->pl_hash);
	s->pl_hash = h;
	if (s->pl->endlist)
		s->live = false;
	check_expired(s);
	return 0;
}

/* Fills the descriptor of segment seq from the current playlist. */
static int describe(struct hls *s, uint64_t seq, struct hls_desc *d)
{
	const struct m3u8_segment *g = &s->pl->seg[seq - s->pl->media_sequence];
	int rc;

	memset(d, 0, offsetof(struct hls_desc, url));
	d->seq = seq;
	d->used = true;
	d->dur_ms = g->duration_ms;
	if (g->flags & M3U8_SEG_DISCONTINUITY)
		d->flags |= TS_SEG_DISCONTINUITY;
	rc = resolve(s, s->media_url, g->uri, d->url);
	if (rc < 0)
		return rc;
	d->key_url[0] = d->map_url[0] = '\0';
	if (g->key >= 0) {
		const struct m3u8_key *k = &s->pl->keys[g->key];

		d->enc = true;
		d->has_iv = k->has_iv;
		memcpy(d->iv, k->iv, 16);
		rc = resolve(s, s->media_url, k->uri, d->key_url);
		if (rc < 0)
			return rc;
	}
	if (g->map >= 0) {
		const struct m3u8_map *m = &s->pl->maps[g->map];

		d->has_map = true;
		d->flags |= TS_SEG_FMP4;
		d->map_off = m->off;
		d->map_len = m->len;
		rc = resolve(s, s->media_url, m->uri, d->map_url);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Queues segments while a fetcher is free and the playlist has them. */
static int submit_more(struct hls *s)
{
	while (rec_fetch_free_slots(s->fetch) > 0 && s->next_submit < last_seq(s) &&
	       s->next_submit >= s->pl->media_sequence &&
	       s->next_submit < s->next_consume + NDESC) {
		struct hls_desc *d = &s->desc[s->next_submit % NDESC];
		const struct m3u8_segment *g = &s->pl->seg[s->next_submit - s->pl->media_sequence];
		struct rec_fetch_job job;
		int rc = describe(s, s->next_submit, d);

		if (rc < 0)
			return rc;
		memset(&job, 0, sizeof(job));
		snprintf(job.url, sizeof(job.url), "%s", d->url);
		job.seq = s->next_submit;
		job.off = g->flags & M3U8_SEG_BYTERANGE ? g->off : 0;
		job.len = g->flags & M3U8_SEG_BYTERANGE ? g->len : -1;
		job.skip = 0;
		job.retry_cap_ms = target_ms(s) / 2;
		job.opaque = d->enc;
		if (g->flags & M3U8_SEG_GAP) {
			/* EXT-X-GAP: nothing to fetch; the next real segment starts a new period.
			 */
			d->used = false;
			s->pending_disc = true;
			s->next_submit++;
			continue;
		}
		rc = rec_fetch_submit(s->fetch, &job);
		if (rc < 0)
			break;
		s->next_submit++;
	}
	return 0;
}

static int get_key(struct hls *s, const char *url, uint8_t key[16])
{
	struct http_response rs;
	uint8_t buf[64];
	size_t n = 0;
	int rc;

	for (int i = 0; i < CONFIG_HLS_KEY_CACHE; i++) {
		if (s->keys[i].valid && !strcmp(s->keys[i].url, url)) {
			memcpy(key, s->keys[i].key, 16);
			return 0;
		}
	}
	rc = http_get_buf(s->c->http, url, &rs, buf, sizeof(buf), &n);
	if (rc == -ERR_FORBIDDEN || rc == -ERR_CANCELLED)
		return rc;
	if (rc < 0)
		return rec_fail(s->c, rc, "The AES key could not be loaded.");
	if (n != 16)
		return rec_fail(s->c, -ERR_PROTOCOL, "The AES key is %zu bytes, not 16.", n);
	{
		struct hls_key *k = &s->keys[s->key_next];

		s->key_next = (s->key_next + 1) % CONFIG_HLS_KEY_CACHE;
		snprintf(k->url, sizeof(k->url), "%s", url);
		memcpy(k->key, buf, 16);
		k->valid = true;
	}
	memcpy(key, buf, 16);
	return 0;
}

struct membuf {
	uint8_t *p;
	size_t n, cap;
};

/* Body callback collecting into a membuf; -ERR_TOO_LARGE past its cap. */
static int buf_body(void *ctx, const uint8_t *p, size_t n)
{
	struct membuf *b = ctx;

	if (n > b->cap - b->n)
		return -ERR_TOO_LARGE;
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

/* Loads and hands over the fMP4 init section of d when it differs from the one in use. */
static int load_map(struct hls *s, const struct hls_desc *d)
{
	struct http_response rs;
	struct membuf b;
	int rc;

	if (s->map_loaded && !strcmp(s->map_url, d->map_url) && s->map_off == d->map_off &&
	    s->map_len == d->map_len)
		return 0;
	b.cap = (size_t)CONFIG_HLS_MAP_MAX_KB << 10;
	b.n = 0;
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	if (d->map_len > (int64_t)b.cap) {
		free(b.p);
		return rec_fail(s->c, -ERR_TOO_LARGE,
				"The fMP4 init section is larger than %d KiB.",
				CONFIG_HLS_MAP_MAX_KB);
	}
	if (d->map_len >= 0) {
		/* The init section is a byte range, often at the head of one big file. */
		struct http_request rq;

		http_request_init(&rq, d->map_url);
		rq.range_start = d->map_off;
		rq.range_end = d->map_off + d->map_len - 1;
		rc = http_get(s->c->http, &rq, &rs, buf_body, &b);
	} else {
		rc = http_get_buf(s->c->http, d->map_url, &rs, b.p, b.cap, &b.n);
	}
	if (rc == -ERR_TOO_LARGE) {
		free(b.p);
		return rec_fail(s->c, rc, "The fMP4 init section is larger than %d KiB.",
				CONFIG_HLS_MAP_MAX_KB);
	}
	if (rc == 0 && d->enc) {
		struct aes128_dec a;
		uint8_t key[16], iv[16];
		size_t k1 = 0, k2 = 0;

		rc = get_key(s, d->key_url, key);
		if (rc == 0) {
			if (d->has_iv)
				memcpy(iv, d->iv, 16);
			else
				aes128_iv_from_seq(d->seq, iv);
			rc = aes128_dec_init(&a, key, iv);
		}
		if (rc == 0 && b.n + 32 <= b.cap) {
			/* In place is safe: output never runs ahead of the input it came from. */
			rc = aes128_dec_update(&a, b.p, b.n, b.p, &k1);
			if (rc == 0)
				rc = aes128_dec_final(&a, b.p + k1, &k2);
			b.n = k1 + k2;
			aes128_dec_free(&a);
		} else if (rc == 0) {
			rc = -ERR_TOO_LARGE;
		}
	}
	if (rc == 0)
		rc = rec_out_fmp4_init(&s->out, b.p, b.n);
	free(b.p);
	if (rc == -ERR_FORBIDDEN || rc == -ERR_CANCELLED)
		return rc;
	if (rc < 0)
		return rec_fail(s->c, rc,
				rc == -ERR_DRM ? "The fMP4 stream is DRM protected."
					       : "The fMP4 init section is unusable.");
	snprintf(s->map_url, sizeof(s->map_url), "%s", d->map_url);
	s->map_off = d->map_off;
	s->map_len = d->map_len;
	s->map_loaded = true;
	return 0;
}

/*
 * Decrypts (when needed) and feeds n bytes. p is the fetcher's buffer, consumed after this:
 * the remuxer rewrites packets in place there (or in s->dec) and writes them from it.
 */
static int feed(struct hls *s, struct aes128_dec *a, bool enc, uint8_t *p, size_t n)
{
	size_t k;
	int rc;

	if (!enc)
		return rec_out_feed_mut(&s->out, p, n);
	rc = aes128_dec_update(a, p, n, s->dec, &k);
	if (rc == 0 && k)
		rc = rec_out_feed_mut(&s->out, s->dec, k);
	return rc;
}

/*
 * Reload while a segment downloads. A 401/403 on the playlist does not cut the segment
 * short (its own URL may still work): the refresh waits until it is written.
 */
static int reload_during_segment(struct hls *s)
{
	int rc = reload(s);

	if (rc == -ERR_FORBIDDEN) {
		s->need_refresh = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	return submit_more(s);
}

/*
 * Writes segment next_consume. Returns 0 when it was written or skipped after failing,
 * -ERR_FORBIDDEN to ask for a refresh, or a fatal error.
 */
static int consume(struct hls *s)
{
	struct hls_desc *d = &s->desc[s->next_consume % NDESC];
	struct aes128_dec a;
	struct ts_segment_info si;
	uint8_t key[16], iv[16];
	unsigned flags;
	int64_t last_progress = mono_ms(), last_cancel_check = last_progress;
	int rc = 0, r;

	if (!d->used && d->seq == s->next_consume) {
		s->next_consume++; /* an EXT-X-GAP segment: nothing was fetched */
		return 0;
	}
	if (!d->used || d->seq != s->next_consume)
		return rec_fail(s->c, -ERR_FAILURE, "Internal error: segment %llu was not queued.",
				(unsigned long long)s->next_consume);
	if (d->has_map) {
		rc = load_map(s, d);
		if (rc < 0)
			return rc;
	}
	if (d->enc) {
		rc = get_key(s, d->key_url, key);
		if (rc < 0)
			return rc;
		if (d->has_iv)
			memcpy(iv, d->iv, 16);
		else
			aes128_iv_from_seq(d->seq, iv);
		rc = aes128_dec_init(&a, key, iv);
		if (rc < 0)
			return rec_fail(s->c, rc, "AES-128 is not available in this build.");
	}
	flags = d->flags;
	if (s->pending_disc)
		flags |= TS_SEG_DISCONTINUITY;
	s->pending_disc = false;
	if (!s->seg_open) {
		rc = rec_out_seg_begin(&s->out, flags, d->url);
		if (rc < 0)
			goto out;
		s->seg_open = true;
	}
	for (;;) {
		uint8_t *data;

		r = rec_fetch_peek(s->fetch, d->seq, &data, 50);
		if (r > 0) {
			/* Fed straight from the fetcher's buffer: no copy on the way to the
			 * remuxer, whole spans at once (only decryption goes through s->dec). */
			if (d->enc)
				r = MIN(r, CHUNK);
			last_progress = mono_ms();
			/* A trickling download never times out the wait: look at the cancel fd here
			 * too. */
			if (last_progress - last_cancel_check >= 50) {
				last_cancel_check = last_progress;
				if (rec_cancelled(s->c->cancel_fd)) {
					rc = -ERR_CANCELLED;
					goto out;
				}
			}
			rc = feed(s, &a, d->enc, data, (size_t)r);
			rec_fetch_consume(s->fetch, d->seq, (size_t)r);
			if (rc < 0)
				goto out;
			s->consumed += r;
		} else if (r == 0) {
			if (d->enc) {
				size_t k;

				if (aes128_dec_final(&a, s->dec, &k) < 0) {
					rec_note(s->c,
						 "segment %llu: bad AES padding (wrong key or IV?)",
						 (unsigned long long)d->seq);
					r = -ERR_PARSE;
					break;
				}
				if (k) {
					rc = rec_out_feed(&s->out, s->dec, k);
					if (rc < 0)
						goto out;
				}
			}
			break;
		} else if (r == -EAGAIN) {
			int64_t now = mono_ms(), lb;

			if (rec_cancelled(s->c->cancel_fd)) {
				rc = -ERR_CANCELLED;
				goto out;
			}
			lb = rec_fetch_last_byte_ms(s->fetch, d->seq);
			if (lb > last_progress)
				last_progress = lb;
			if (now - last_progress > stall_ms(s)) {
				rc = rec_fail(s->c, -ERR_TIMEOUT,
					      "No data arrived for %d s: the stream stalled.",
					      stall_ms(s) / 1000);
				goto out;
			}
			if (s->live && now >= s->next_reload && !s->need_refresh) {
				rc = reload_during_segment(s);
				if (rc < 0)
					goto out;
			}
		} else {
			break; /* download failed after its retries */
		}
		if (s->live && mono_ms() >= s->next_reload && !s->need_refresh) {
			rc = reload_during_segment(s);
			if (rc < 0)
				goto out;
		}
	}
	if (r == -ERR_FORBIDDEN) {
		/* Keep the segment open: after the refresh it resumes at s->consumed. */
		rc = r;
		goto out_keep;
	}
	if (r == -ERR_CANCELLED) {
		rc = r;
		goto out;
	}
	rc = r == 0 ? rec_out_seg_end(&s->out, d->dur_ms, &si) : rec_out_seg_fail(&s->out, &si);
	s->seg_open = false;
	if (rc < 0)
		goto out;
	if (r < 0) {
		char ev[128];

		snprintf(ev, sizeof(ev), "segment-failed %s", err_id(r));
		rec_log_line(s->c->p->rec_dir, s->out.section, s->out.segs, d->url, ev);
		rec_note(s->c, "segment %llu skipped: %s", (unsigned long long)d->seq, err_str(r));
		s->pending_disc = true;
		if (++s->fail_seg > CONFIG_HLS_MAX_SKIPPED) {
			rc = rec_fail(s->c, r, "%d segments in a row could not be loaded.",
				      s->fail_seg);
			goto out;
		}
	} else {
		s->fail_seg = 0;
		s->refreshed = false;
		if (si.skipped)
			rec_note(s->c,
				 "segment %llu: %llu bytes of garbage or truncated data dropped",
				 (unsigned long long)d->seq, (unsigned long long)si.skipped);
	}
	rc = 0;
out:
	s->consumed = 0;
	rec_fetch_release(s->fetch, d->seq);
	d->used = false;
	s->next_consume++;
out_keep:
	if (d->enc)
		aes128_dec_free(&a);
	return rc;
}

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
	rc = load_from_top(s, true);
	if (rc < 0)
		return rc;
	s->pl_hash = fnv1a(s->buf, s->len);
	schedule_reload(s, true);
	/* Resume at the segment that failed: resubmit it, skipping what was written. */
	s->next_submit = s->next_consume;
	memset(s->desc, 0, sizeof(s->desc));
	check_expired(s);
	if (s->next_consume < last_seq(s) && s->next_consume >= s->pl->media_sequence) {
		struct hls_desc *d = &s->desc[s->next_consume % NDESC];
		const struct m3u8_segment *g = &s->pl->seg[s->next_consume - s->pl->media_sequence];
		struct rec_fetch_job job;

		rc = describe(s, s->next_consume, d);
		if (rc < 0)
			return rc;
		memset(&job, 0, sizeof(job));
		snprintf(job.url, sizeof(job.url), "%s", d->url);
		job.seq = s->next_consume;
		job.off = g->flags & M3U8_SEG_BYTERANGE ? g->off : 0;
		job.len = g->flags & M3U8_SEG_BYTERANGE ? g->len : -1;
		job.skip = s->consumed;
		job.retry_cap_ms = target_ms(s) / 2;
		job.opaque = d->enc;
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
		rc = submit_more(s);
		if (rc < 0)
			return rc;
		if (s->next_consume < s->next_submit) {
			rc = consume(s);
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
		} else if (!s->live && s->next_consume >= last_seq(s)) {
			return 0; /* VOD (or a live stream that ended) is complete */
		} else {
			int64_t wait = s->next_reload - mono_ms();

			if (wait > 0 && rec_sleep(s->c->cancel_fd, wait) < 0)
				return -ERR_CANCELLED;
			rc = reload(s);
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
		rec_log_line(c->p->rec_dir, -1, 0, NULL, "load-master-playlist");
		rc = choose_variant(s, false);
		if (rc == 0) {
			char final[HTTP_URL_MAX];

			rc = fetch_playlist(s, s->media_url, final);
			if (rc == 0)
				snprintf(s->media_url, sizeof(s->media_url), "%s", final);
			else
				rc = rec_fail(c, rc, "The variant playlist could not be loaded.");
		}
		if (rc == 0)
			rc = parse_media(s);
	} else if (type == M3U8_MEDIA) {
		snprintf(s->media_url, sizeof(s->media_url), "%s", url);
		rc = parse_media(s);
	} else {
		rc = rec_fail(c, -ERR_PROTOCOL, "The playlist has neither variants nor segments.");
	}
	if (rc < 0)
		goto out;
	/* rc >= 0 here means parse_media() filled *s->pl (the analyzer cannot see that
	 * rec_fail() returns its negative rc) */
	// NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign)
	s->live = !s->pl->endlist;
	s->fmp4 = s->pl->n_maps > 0;
	c->kind = s->fmp4 ? REC_HLS_M4S : s->live ? REC_HLS_LIVE : REC_HLS_BASIC;
	rec_log_line(c->p->rec_dir, -1, 0, NULL, "media-playlist-ready");
	rec_note(c, "%s playlist: %d segments, target %u s, sequence %llu",
		 s->live ? "live" : "VOD", s->pl->n_segments, s->pl->target_duration_s,
		 (unsigned long long)s->pl->media_sequence);
	s->pl_hash = fnv1a(s->buf, s->len);
	schedule_reload(s, true);
	s->seen_end = last_seq(s);
	s->last_advance = mono_ms();
	s->next_submit = s->next_consume = s->live ? live_start(s) : s->pl->media_sequence;
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
