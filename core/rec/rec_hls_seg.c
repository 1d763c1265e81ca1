/* HLS recorder: segment queueing and consumption (AES-128 keys, fMP4 init sections). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/rec/aes128.h"
#include "core/rec/rec_hls_int.h"
#include "core/rec/rec_util.h"

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
	rc = hls_resolve(s, s->media_url, g->uri, d->url);
	if (rc < 0)
		return rc;
	d->key_url[0] = d->map_url[0] = '\0';
	if (g->key >= 0) {
		const struct m3u8_key *k = &s->pl->keys[g->key];

		d->enc = true;
		d->has_iv = k->has_iv;
		memcpy(d->iv, k->iv, 16);
		rc = hls_resolve(s, s->media_url, k->uri, d->key_url);
		if (rc < 0)
			return rc;
	}
	if (g->map >= 0) {
		const struct m3u8_map *m = &s->pl->maps[g->map];

		d->has_map = true;
		d->flags |= TS_SEG_FMP4;
		d->map_off = m->off;
		d->map_len = m->len;
		rc = hls_resolve(s, s->media_url, m->uri, d->map_url);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int hls_describe_job(struct hls *s, uint64_t seq, struct hls_desc *d, struct rec_fetch_job *job)
{
	const struct m3u8_segment *g = &s->pl->seg[seq - s->pl->media_sequence];
	int rc = describe(s, seq, d);

	if (rc < 0)
		return rc;
	memset(job, 0, sizeof(*job));
	snprintf(job->url, sizeof(job->url), "%s", d->url);
	job->seq = seq;
	job->off = g->flags & M3U8_SEG_BYTERANGE ? g->off : 0;
	job->len = g->flags & M3U8_SEG_BYTERANGE ? g->len : -1;
	job->skip = 0;
	job->target_ms = hls_target_ms(s);
	job->retry_cap_ms = job->target_ms / 2;
	job->opaque = d->enc; /* AES-128: the fetcher cannot sniff the first bytes */
	return 0;
}

/* Queues segments while a fetcher is free and the playlist has them. */
int hls_submit_more(struct hls *s)
{
	while (rec_fetch_free_slots(s->fetch) > 0 && s->next_submit < hls_last_seq(s) &&
	       s->next_submit >= s->pl->media_sequence &&
	       s->next_submit < s->next_consume + NDESC) {
		struct hls_desc *d = &s->desc[s->next_submit % NDESC];
		const struct m3u8_segment *g = &s->pl->seg[s->next_submit - s->pl->media_sequence];
		struct rec_fetch_job job;
		int rc = hls_describe_job(s, s->next_submit, d, &job);

		if (rc < 0)
			return rc;
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

/* The IV of d: its own, else the media sequence number (RFC 8216 5.2). */
static void seg_iv(const struct hls_desc *d, uint8_t iv[16])
{
	if (d->has_iv)
		memcpy(iv, d->iv, 16);
	else
		aes128_iv_from_seq(d->seq, iv);
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
			seg_iv(d, iv);
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
	int rc = hls_reload(s);

	if (rc == -ERR_FORBIDDEN) {
		s->need_refresh = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	return hls_submit_more(s);
}

/* Loads d's init section and key; sets up the cipher *a only for an encrypted segment. */
static int seg_prepare(struct hls *s, const struct hls_desc *d, struct aes128_dec *a)
{
	uint8_t key[16], iv[16];
	int rc;

	if (d->has_map) {
		rc = load_map(s, d);
		if (rc < 0)
			return rc;
	}
	if (!d->enc)
		return 0;
	rc = get_key(s, d->key_url, key);
	if (rc < 0)
		return rc;
	seg_iv(d, iv);
	rc = aes128_dec_init(a, key, iv);
	if (rc < 0)
		return rec_fail(s->c, rc, "AES-128 is not available in this build.");
	return 0;
}

/* Opens d in the remuxer unless a refresh left it open (then it resumes). */
static int seg_open(struct hls *s, const struct hls_desc *d)
{
	unsigned flags = d->flags;
	int rc;

	if (s->pending_disc)
		flags |= TS_SEG_DISCONTINUITY;
	s->pending_disc = false;
	if (s->seg_open)
		return 0;
	rc = rec_out_seg_begin(&s->out, flags, d->url);
	if (rc < 0)
		return rc;
	s->seg_open = true;
	return 0;
}

/*
 * Feeds d from its fetcher until the download ends, reloading a live playlist when due.
 * Returns a fatal error, or 0 with *res: 0 when the segment is complete, else why the
 * download failed after its retries (-ERR_FORBIDDEN: refresh, -ERR_CANCELLED: stop).
 */
static int seg_pump(struct hls *s, const struct hls_desc *d, struct aes128_dec *a, int *res)
{
	int64_t last_progress = mono_ms(), last_cancel_check = last_progress;
	int rc, r;

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
				if (rec_cancelled(s->c->cancel_fd))
					return -ERR_CANCELLED;
			}
			rc = feed(s, a, d->enc, data, (size_t)r);
			rec_fetch_consume(s->fetch, d->seq, (size_t)r);
			if (rc < 0)
				return rc;
			s->consumed += r;
		} else if (r == 0) {
			if (d->enc) {
				size_t k;

				if (aes128_dec_final(a, s->dec, &k) < 0) {
					rec_note(s->c,
						 "segment %llu: bad AES padding (wrong key or IV?)",
						 (unsigned long long)d->seq);
					r = -ERR_PARSE;
					break;
				}
				if (k) {
					rc = rec_out_feed(&s->out, s->dec, k);
					if (rc < 0)
						return rc;
				}
			}
			break;
		} else if (r == -EAGAIN) {
			int64_t now = mono_ms(), lb;

			if (rec_cancelled(s->c->cancel_fd))
				return -ERR_CANCELLED;
			lb = rec_fetch_last_byte_ms(s->fetch, d->seq);
			if (lb > last_progress)
				last_progress = lb;
			if (now - last_progress > hls_stall_ms(s))
				return rec_fail(s->c, -ERR_TIMEOUT,
						"No data arrived for %d s: the stream stalled.",
						hls_stall_ms(s) / 1000);
			if (s->live && now >= s->next_reload && !s->need_refresh) {
				rc = reload_during_segment(s);
				if (rc < 0)
					return rc;
			}
		} else {
			break; /* download failed after its retries */
		}
		if (s->live && mono_ms() >= s->next_reload && !s->need_refresh) {
			rc = reload_during_segment(s);
			if (rc < 0)
				return rc;
		}
	}
	*res = r;
	return 0;
}

/* Closes d in the remuxer: written (res 0), or dropped and logged (res < 0). */
static int seg_close(struct hls *s, const struct hls_desc *d, int res)
{
	struct ts_segment_info si;
	int rc = res == 0 ? rec_out_seg_end(&s->out, d->dur_ms, &si)
			  : rec_out_seg_fail(&s->out, &si);

	s->seg_open = false;
	if (rc < 0)
		return rc;
	if (res < 0) {
		char ev[128];

		snprintf(ev, sizeof(ev), "segment-failed %s", err_id(res));
		rec_log_line(s->c->p->rec_dir, s->out.section, s->out.segs, d->url, ev);
		rec_note(s->c, "segment %llu skipped: %s", (unsigned long long)d->seq,
			 err_str(res));
		s->pending_disc = true;
		if (++s->fail_seg > CONFIG_HLS_MAX_SKIPPED)
			return rec_fail(s->c, res, "%d segments in a row could not be loaded.",
					s->fail_seg);
	} else {
		s->fail_seg = 0;
		s->refreshed = false;
		if (si.skipped)
			rec_note(s->c,
				 "segment %llu: %llu bytes of garbage or truncated data dropped",
				 (unsigned long long)d->seq, (unsigned long long)si.skipped);
	}
	return 0;
}

/*
 * Writes segment next_consume. Returns 0 when it was written or skipped after failing,
 * -ERR_FORBIDDEN to ask for a refresh, or a fatal error.
 */
int hls_consume(struct hls *s)
{
	struct hls_desc *d = &s->desc[s->next_consume % NDESC];
	struct aes128_dec a;
	int rc, r = 0;

	if (!d->used && d->seq == s->next_consume) {
		s->next_consume++; /* an EXT-X-GAP segment: nothing was fetched */
		return 0;
	}
	if (!d->used || d->seq != s->next_consume)
		return rec_fail(s->c, -ERR_FAILURE, "Internal error: segment %llu was not queued.",
				(unsigned long long)s->next_consume);
	rc = seg_prepare(s, d, &a);
	if (rc < 0)
		return rc;
	rc = seg_open(s, d);
	if (rc == 0)
		rc = seg_pump(s, d, &a, &r);
	if (rc == 0 && r == -ERR_FORBIDDEN) {
		rc = r; /* keep the segment open: after the refresh it resumes at s->consumed */
	} else {
		if (rc == 0)
			rc = r == -ERR_CANCELLED ? r : seg_close(s, d, r);
		s->consumed = 0;
		rec_fetch_release(s->fetch, d->seq);
		d->used = false;
		s->next_consume++;
	}
	if (d->enc)
		aes128_dec_free(&a);
	return rc;
}
