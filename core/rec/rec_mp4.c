/* Progressive MP4 recorder: stream_0.mp4, Range resume, faststart or, without Range, in order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_backends.h"
#include "core/rec/rec_ctx.h"
#include "core/rec/rec_util.h"
#include "core/ts/mp4box.h"
#include "hal/storage.h"

#define MDAT_FIRST (-ERR__END - 3) /* callback verdict: mdat precedes moov, switch to faststart */
#define ANNOUNCE_MDAT_BYTES (256 << 10)

struct mp4 {
	struct rec_ctx *c;
	struct storage_file f;
	char path[512];
	const char *url;
	struct http_response *rs; /* of the running request (sizes; http skips ignored Ranges) */
	/* the running transfer: file bytes [src, src_end) land at dst */
	int64_t src;	   /* next source offset expected */
	int64_t dst_shift; /* file offset = source offset + dst_shift */
	int64_t total;	   /* source size, -1 unknown */
	/* layout discovery (plain pass) */
	struct mp4_scan scan;
	bool scanning;
	bool moov_seen;
	int64_t moov_end;
	int64_t mdat_off, mdat_size;
	/* announcement and progress */
	int64_t announce_at; /* file offset after which the file is playable, -1: at end */
	bool announced;
	int last_pct;
	int64_t last_note;
};

static void announce(struct mp4 *m)
{
	struct rec_event ev;
	char url[256]; /* as HLS and raw TS: no userinfo, query or fragment */

	if (m->announced)
		return;
	m->announced = true;
	rec_url_public(m->url, url, sizeof(url));
	memset(&ev, 0, sizeof(ev));
	ev.type = REC_EV_SECTION;
	ev.kind = REC_MP4;
	ev.url = url;
	ev.rec_file = m->path;
	ev.section_index = 0;
	ev.segment_index = 0;
	rec_log_line(m->c->p->rec_dir, 0, 0, m->url, "playable");
	if (m->c->h && m->c->h->event)
		m->c->h->event(m->c->h->ctx, &ev);
}

static void progress(struct mp4 *m)
{
	if (m->total > 0) {
		int pct = (int)(m->src * 100 / m->total);

		if (pct / 10 != m->last_pct / 10) {
			char ev[64];

			m->last_pct = pct;
			snprintf(ev, sizeof(ev), "progress %d%%", pct);
			rec_log_line(m->c->p->rec_dir, 0, 0, m->url, ev);
			rec_note(m->c, "mp4 %d%% (%lld of %lld bytes)", pct, (long long)m->src,
				 (long long)m->total);
		}
	} else if (m->src - m->last_note >= (8 << 20)) {
		m->last_note = m->src;
		rec_note(m->c, "mp4 %lld bytes", (long long)m->src);
	}
}

/* Writes body bytes at their place; in the plain pass also watches the top-level boxes. */
static int mp4_body(void *ctx, const uint8_t *p, size_t n)
{
	struct mp4 *m = ctx;
	int rc;

	if (m->total < 0 && m->rs) {
		if (m->rs->range_total > 0)
			m->total = m->rs->range_total;
		else if (m->rs->status == 200 && m->rs->content_length > 0)
			m->total = m->rs->content_length;
	}
	if (m->scanning) {
		const uint8_t *q = p;
		size_t qn = n;

		while (m->scanning && qn) {
			struct mp4_scan_box b;
			size_t used = 0;

			rc = mp4_scan_feed(&m->scan, q, qn, &used, &b);
			if (rc < 0)
				return rec_fail(m->c, -ERR_PROTOCOL,
						"The MP4 file has a malformed box.");
			if (rc == 0)
				break;
			q += used;
			qn -= used;
			if (b.type == MP4_FOURCC('m', 'o', 'o', 'v')) {
				m->moov_seen = true;
				m->moov_end = b.size ? (int64_t)(b.offset + b.size) : -1;
				m->announce_at = m->moov_end; /* playable once moov is on disk */
			} else if (b.type == MP4_FOURCC('m', 'd', 'a', 't')) {
				if (m->moov_seen) {
					m->scanning = false;
					break;
				}
				m->mdat_off = (int64_t)b.offset;
				m->mdat_size = (int64_t)b.size;
				if (m->mdat_size > 0 && m->total > 0 && m->rs &&
				    m->rs->status == 206) {
					/* Keep what precedes mdat (ftyp, free...), switch layouts.
					 */
					int64_t keep = m->mdat_off - m->src;

					if (keep > 0 && (size_t)keep <= n) {
						rc = storage_posix_ops.pwrite(&m->f, p,
									      (size_t)keep, m->src);
						if (rc < 0)
							return rc;
						rec_progress(m->c, keep, 0, 0, 0);
						m->src += keep;
					}
					return MDAT_FIRST;
				}
				/*
				 * No faststart without sizes or Range (a 200 to our ranged
				 * request): one download in order; the scan goes on past mdat
				 * and the file is playable once the moov is on disk.
				 */
				if (m->rs && m->rs->status == 200)
					rec_note(m->c, "moov at the end and no Range support: "
						       "plain download, playable once the moov "
						       "has arrived");
				m->announce_at = -1;
				if (b.size == 0)
					m->scanning = false; /* mdat to the end: no moov after */
			}
		}
	}
	if (n) {
		rc = storage_posix_ops.pwrite(&m->f, p, n, m->src + m->dst_shift);
		if (rc < 0)
			return rc;
		rec_progress(m->c, (int64_t)n, 0, 0, 0);
		m->src += (int64_t)n;
	}
	if (!m->announced && m->announce_at >= 0 && m->src + m->dst_shift >= m->announce_at)
		announce(m);
	progress(m);
	return 0;
}

/* Downloads source bytes [m->src, end) (end < 0: to the end) with resumes. */
static int transfer(struct mp4 *m, int64_t end)
{
	int fails = 0, rc;

	for (;;) {
		struct http_request rq;
		struct http_response rs;
		int64_t before = m->src;

		memset(&rs, 0, sizeof(rs));
		http_request_init(&rq, m->url);
		rq.range_start = m->src;
		rq.range_end = end >= 0 ? end - 1 : -1;
		rq.max_retries = 0;
		m->rs = &rs;
		rc = http_get(m->c->http, &rq, &rs, mp4_body, m);
		m->rs = NULL;
		if (rc == 0 && m->total < 0 && rs.range_total > 0)
			m->total = rs.range_total;
		if (rc == 0 || rc == MDAT_FIRST)
			return rc;
		if (m->total < 0 && rs.range_total > 0)
			m->total = rs.range_total;
		if (rc == -ERR_FORBIDDEN) {
			rc = rec_refresh(m->c);
			if (rc < 0)
				return rc;
			m->url = m->c->res.url;
			continue;
		}
		if (rc == -ERR_CANCELLED || rc == -ERR_DISK_FULL || rc == -ERR_NOT_FOUND ||
		    rc == -ERR_PROTOCOL)
			return rc;
		fails = m->src > before ? 0 : fails + 1;
		if (fails > CONFIG_REC_MP4_RETRIES)
			return rec_fail(m->c, rc, "The MP4 download failed %d times in a row.",
					fails);
		rec_note(m->c, "mp4 download dropped at %lld bytes (%s), resuming with Range",
			 (long long)m->src, err_str(rc));
		if (rec_sleep(m->c->cancel_fd,
			      (int64_t)CONFIG_HLS_RETRY_BACKOFF_MS << MIN(fails, 6)) < 0)
			return -ERR_CANCELLED;
	}
}

/* Reads source bytes [off, off+len) into buf. */
struct range_buf {
	uint8_t *p;
	size_t n, cap;
};

static int range_body(void *ctx, const uint8_t *p, size_t n)
{
	struct range_buf *b = ctx;

	if (n > b->cap - b->n)
		return -ERR_TOO_LARGE;
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

/* mdat before moov: fetch the tail, rewrite moov to the front, then fetch mdat behind it. */
static int faststart(struct mp4 *m)
{
	int64_t mdat_end = m->mdat_off + m->mdat_size, tail = m->total - mdat_end;
	struct range_buf b = {0};
	struct http_request rq;
	struct http_response rs;
	const uint8_t *moov = NULL;
	size_t moov_n = 0, new_n = 0, pos = 0;
	uint8_t *out = NULL;
	int rc;

	if (tail <= 8)
		return rec_fail(m->c, -ERR_PROTOCOL, "The MP4 file has no moov box.");
	if (tail > ((int64_t)CONFIG_REC_MP4_MOOV_MAX_KB << 10))
		return rec_fail(
			m->c, -ERR_TOO_LARGE,
			"The MP4 index (moov) is larger than %d KiB (CONFIG_REC_MP4_MOOV_MAX_KB).",
			CONFIG_REC_MP4_MOOV_MAX_KB);
	rec_note(m->c, "moov at the end: fetching it first for a faststart file");
	b.cap = (size_t)tail;
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	http_request_init(&rq, m->url);
	rq.range_start = mdat_end;
	rq.range_end = m->total - 1;
	rc = http_get(m->c->http, &rq, &rs, range_body, &b);
	if (rc == 0 && rs.status != 206)
		rc = rec_fail(m->c, -ERR_UNSUPPORTED,
			      "The MP4 server does not support Range requests.");
	while (rc == 0 && pos + 8 <= b.n) {
		struct mp4_box box;

		rc = mp4_box_header(b.p + pos, b.n - pos, &box);
		if (rc < 0)
			break;
		if (box.size == 0)
			box.size = b.n - pos;
		if (box.size > b.n - pos) {
			rc = -ERR_PARSE;
			break;
		}
		if (box.type == MP4_FOURCC('m', 'o', 'o', 'v')) {
			moov = b.p + pos;
			moov_n = (size_t)box.size;
			break;
		}
		pos += (size_t)box.size;
	}
	if (rc == 0 && !moov)
		rc = rec_fail(m->c, -ERR_PROTOCOL, "The MP4 file has no moov box.");
	/* The moov goes where mdat was (offset A): media data moves from A to A + new size. */
	if (rc == 0)
		rc = mp4_faststart_size(moov, moov_n, 0, &new_n);
	if (rc == 0) {
		out = malloc(new_n);
		rc = out ? mp4_faststart_moov(moov, moov_n, 0, out, new_n, &new_n) : -ENOMEM;
	}
	if (rc == 0)
		rc = storage_posix_ops.pwrite(&m->f, out, new_n, m->mdat_off);
	if (rc == 0)
		rec_progress(m->c, (int64_t)new_n, 0, 0, 0);
	free(out);
	free(b.p);
	if (rc < 0) {
		if (rc == -ERR_CANCELLED || rc == -ERR_DISK_FULL || (m->c->msg && m->c->msg[0]))
			return rc;
		return rec_fail(m->c, rc, "The MP4 index (moov) could not be rewritten.");
	}
	/* mdat (header included) follows the new moov. */
	m->src = m->mdat_off;
	m->dst_shift = (int64_t)new_n;
	m->announce_at = m->mdat_off + (int64_t)new_n + MIN(m->mdat_size, ANNOUNCE_MDAT_BYTES);
	rc = transfer(m, mdat_end);
	if (rc == 0)
		rc = storage_posix_ops.sync(&m->f);
	return rc;
}

int rec_mp4(struct rec_ctx *c, const char *url)
{
	struct mp4 *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	c->kind = REC_MP4;
	m->c = c;
	m->url = url;
	m->total = -1;
	m->announce_at = -1;
	m->mdat_off = -1;
	m->last_pct = -10;
	m->scanning = true;
	mp4_scan_init(&m->scan);
	if (snprintf(m->path, sizeof(m->path), "%s/stream_0.mp4", c->p->rec_dir) >=
	    (int)sizeof(m->path)) {
		free(m);
		return rec_fail(c, -ERR_TOO_LARGE, "The recording path is too long.");
	}
	rc = storage_posix_ops.open(&m->f, m->path);
	if (rc < 0) {
		free(m);
		return rec_fail(c, rc, "stream_0.mp4 cannot be created.");
	}
	rc = transfer(m, -1);
	if (rc == MDAT_FIRST)
		rc = faststart(m);
	if (rc == 0) {
		rec_note(c, "mp4 complete: %lld bytes", (long long)m->f.size);
		announce(m);
	} else if (rc != -ERR_CANCELLED && !(c->msg && c->msg[0])) {
		rec_fail(c, rc, "The MP4 download failed.");
	}
	storage_posix_ops.close(&m->f);
	free(m);
	return rc;
}
