/* HTTP client bodies: framing (length, chunked, until close), gzip/deflate, Range emulation. */
#include <errno.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/http_int.h"

/* State of one response body being read. */
struct body {
	enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE } mode;
	int64_t left; /* BODY_LENGTH: raw bytes still to read */
	struct http_chunked ch;
	enum http_encoding enc;
	bool deliver; /* hand bytes to fn (else discard) */
	bool inflate_done;
	bool raw_tried;	    /* "deflate" retried as raw deflate */
	int64_t skip, keep; /* range emulation on a 200: drop skip bytes, keep at most keep */
	bool keep_limited;
	bool stopped; /* keep reached: the rest is not wanted */
	uint64_t delivered;
	http_body_fn fn;
	http_body_buf_fn buf_fn; /* reads straight into fn's memory when set (plain bodies) */
	void *ctx;
};

static int body_emit(struct body *b, const uint8_t *p, size_t n)
{
	int rc;

	if (!b->deliver || b->stopped || !n)
		return 0;
	if (b->skip > 0) {
		size_t k = (size_t)MIN((int64_t)n, b->skip);

		b->skip -= (int64_t)k;
		p += k;
		n -= k;
		if (!n)
			return 0;
	}
	if (b->keep_limited) {
		if ((int64_t)n >= b->keep) {
			n = (size_t)b->keep;
			b->stopped = true;
		}
		b->keep -= (int64_t)n;
	}
	b->delivered += n;
	if (!n || !b->fn)
		return 0;
	rc = b->fn(b->ctx, p, n);
	return rc < 0 ? rc : 0;
}

/* Decodes content coding (if any) of raw body bytes and emits the result. */
static int body_decode(struct http_session *s, struct body *b, const uint8_t *p, size_t n)
{
	if (b->enc == HTTP_ENC_IDENTITY || !b->deliver)
		return body_emit(b, p, n);
	if (b->inflate_done)
		return 0; /* bytes after the end of the compressed stream are ignored */
	s->z.next_in = p;
	s->z.avail_in = (uInt)n;
	while (s->z.avail_in > 0 && !b->inflate_done) {
		uInt before_in = s->z.avail_in;
		int zr, rc;

		s->z.next_out = s->zbuf;
		s->z.avail_out = sizeof(s->zbuf);
		zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_DATA_ERROR && b->enc == HTTP_ENC_DEFLATE && !b->raw_tried &&
		    s->z.total_out == 0 && s->z.total_in <= n) {
			/* "deflate" sent as raw deflate (common server bug): retry without zlib
			 * header */
			inflateEnd(&s->z);
			memset(&s->z, 0, sizeof(s->z));
			if (inflateInit2(&s->z, -15) != Z_OK) {
				s->z_live = false;
				return -ENOMEM;
			}
			b->raw_tried = true;
			s->z.next_in = p;
			s->z.avail_in = (uInt)n;
			continue;
		}
		if (zr == Z_STREAM_END)
			b->inflate_done = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -ERR_PROTOCOL;
		rc = body_emit(b, s->zbuf, sizeof(s->zbuf) - s->z.avail_out);
		if (rc)
			return rc;
		if (zr == Z_BUF_ERROR && s->z.avail_in == before_in && s->z.avail_out > 0)
			return -ERR_PROTOCOL;
	}
	return 0;
}

/* Feeds raw (transfer-coded) bytes; sets *done when the body is complete. */
static int body_feed(struct http_session *s, struct body *b, const uint8_t *p, size_t n, bool *done,
		     size_t *consumed)
{
	size_t used_total = 0;
	int rc;

	*done = false;
	switch (b->mode) {
	case BODY_NONE:
		*done = true;
		break;
	case BODY_LENGTH: {
		size_t k = (size_t)MIN((int64_t)n, b->left);

		rc = body_decode(s, b, p, k);
		if (rc)
			return rc;
		b->left -= (int64_t)k;
		used_total = k;
		*done = b->left == 0;
		break;
	}
	case BODY_CLOSE:
		rc = body_decode(s, b, p, n);
		if (rc)
			return rc;
		used_total = n;
		break;
	case BODY_CHUNKED:
		while (used_total < n) {
			size_t used, doff, dlen;

			rc = http_chunked_step(&b->ch, p + used_total, n - used_total, &used, &doff,
					       &dlen);
			if (rc < 0) {
				LOG_WARN(LOG_HTTP, "malformed chunked body");
				return rc;
			}
			if (dlen) {
				int r2 = body_decode(s, b, p + used_total + doff, dlen);

				if (r2)
					return r2;
			}
			used_total += used;
			if (rc == 1) {
				*done = true;
				break;
			}
			if (used == 0)
				break;
		}
		break;
	}
	*consumed = used_total;
	return 0;
}

static int inflate_start(struct http_session *s, enum http_encoding enc)
{
	if (s->z_live) {
		inflateEnd(&s->z);
		s->z_live = false;
	}
	memset(&s->z, 0, sizeof(s->z));
	/* 15 + 32: zlib or gzip header detected automatically */
	if (inflateInit2(&s->z, enc == HTTP_ENC_GZIP ? 15 + 16 : 15 + 32) != Z_OK)
		return -ENOMEM;
	s->z_live = true;
	return 0;
}

/* Feeds p[0..n) until the body is complete or its framing takes no more; *off: bytes taken. */
static int body_feed_all(struct http_session *s, struct body *b, struct hop *h, const uint8_t *p,
			 size_t n, bool *done, size_t *off)
{
	size_t o = 0, k = 0;
	int rc = 0;

	while (!*done && o < n) {
		rc = body_feed(s, b, p + o, n - o, done, &k);
		if (rc)
			break;
		if (b->delivered)
			h->delivered = true;
		if (k == 0)
			break;
		o += k;
	}
	*off = o;
	return rc;
}

/*
 * Chooses the framing and decoding of the body of the response with head hd. An error is
 * returned with b->deliver false when an error or redirect body is too large to drain: the
 * connection is dropped and the status still stands.
 */
static int body_init(struct http_session *s, const struct hop *h, struct http_head *hd,
		     struct body *b, http_body_fn fn, void *ctx)
{
	const struct http_request *rq = h->rq;
	bool head_req = !strcmp(h->method, "HEAD");
	int rc;

	memset(b, 0, sizeof(*b));
	b->enc = hd->encoding;
	b->fn = fn;
	b->buf_fn = rq->body_buf;
	b->ctx = ctx;
	b->deliver = hd->status >= 200 && hd->status < 300 && !h->redirect && !head_req;
	if (head_req || hd->status == 204 || hd->status == 304) {
		b->mode = BODY_NONE;
	} else if (hd->chunked) {
		b->mode = BODY_CHUNKED;
		http_chunked_init(&b->ch, CONFIG_HTTP_MAX_HEADER);
	} else if (hd->content_length >= 0 && !hd->te_other) {
		b->mode = hd->content_length ? BODY_LENGTH : BODY_NONE;
		b->left = hd->content_length;
	} else {
		b->mode = BODY_CLOSE;
		hd->conn_close = true;
	}
	if (!b->deliver) {
		/* an error or redirect body: read it only if small, to keep the connection */
		bool small = b->mode == BODY_NONE || b->mode == BODY_CHUNKED ||
			     (b->mode == BODY_LENGTH && b->left <= CONFIG_HTTP_ERROR_BODY_MAX);

		return small ? 0 : -ERR_TOO_LARGE;
	}
	if (b->enc == HTTP_ENC_OTHER) {
		LOG_WARN(LOG_HTTP, "%s: unsupported Content-Encoding", s->url);
		return -ERR_UNSUPPORTED;
	}
	if (b->enc != HTTP_ENC_IDENTITY) {
		rc = inflate_start(s, b->enc);
		if (rc)
			return rc;
	}
	if (hd->status == 206 && rq->range_start >= 0 && hd->range_start >= 0 &&
	    hd->range_start != rq->range_start) {
		LOG_WARN(LOG_HTTP, "%s: asked for bytes from %lld, got %lld", s->url,
			 (long long)rq->range_start, (long long)hd->range_start);
		return -ERR_PROTOCOL;
	}
	if (rq->range_start > 0 && hd->status == 200) {
		/* the server ignored Range: deliver only the requested bytes */
		b->skip = rq->range_start;
		LOG_DBG(LOG_HTTP, "%s: Range ignored by the server, skipping %lld bytes", s->url,
			(long long)b->skip);
	}
	if (rq->range_start >= 0 && rq->range_end >= rq->range_start && hd->status == 200) {
		b->keep_limited = true;
		b->keep = rq->range_end - rq->range_start + 1;
	}
	return 0;
}

/*
 * Reads the body from c until *done (or the wanted bytes are in). An error is returned with
 * b->deliver false when an error body is too long to drain.
 */
static int body_read_rest(struct http_session *s, struct http_conn *c, struct hop *h,
			  struct http_head *hd, struct body *b, bool *done)
{
	int64_t deadline = mono_ms() + s->o.idle_timeout_ms;
	size_t drained = 0;
	int rc;

	while (!*done && !b->stopped) {
		ssize_t r;
		size_t used, want = sizeof(s->rbuf);
		uint8_t *dst = s->rbuf;

		if (http_cancelled(s))
			return -ERR_CANCELLED;
		/* A plain body can go straight into the caller's memory: no copy from
		 * rbuf. Never past the body's end, so the connection stays reusable. */
		if (b->buf_fn && b->fn && b->deliver && b->enc == HTTP_ENC_IDENTITY && !b->skip &&
		    (b->mode == BODY_LENGTH || b->mode == BODY_CLOSE)) {
			uint8_t *q = NULL;
			size_t cap = 0;

			rc = b->buf_fn(b->ctx, &q, &cap);
			if (rc < 0)
				return rc;
			if (cap && q) {
				dst = q;
				want = b->mode == BODY_LENGTH ? (size_t)MIN((int64_t)cap, b->left)
							      : cap;
			}
		}
		r = http_conn_read(s, c, dst, want, deadline);
		if (r < 0) {
			if (r == -ERR_TIMEOUT)
				LOG_WARN(LOG_HTTP, "%s: body stalled for %d ms", s->url,
					 s->o.idle_timeout_ms);
			return (int)r;
		}
		if (r == 0) {
			if (b->mode == BODY_CLOSE) {
				*done = true;
				break;
			}
			LOG_WARN(LOG_HTTP, "%s: connection closed mid-body", s->url);
			return -ERR_EOF;
		}
		deadline = mono_ms() + s->o.idle_timeout_ms;
		drained += (size_t)r;
		if (!b->deliver && drained > CONFIG_HTTP_ERROR_BODY_MAX)
			return -ERR_TOO_LARGE; /* a chunked error body too long to drain */
		rc = body_feed_all(s, b, h, dst, (size_t)r, done, &used);
		if (rc)
			return rc;
		if (*done && used < (size_t)r)
			hd->conn_close = true;
	}
	return 0;
}

int http_body_read(struct http_session *s, struct http_conn *c, struct hop *h, struct http_head *hd,
		   size_t hl, size_t have, struct http_response *rs, http_body_fn fn, void *ctx)
{
	struct body b;
	bool done = false;
	size_t used;
	int rc;

	rc = body_init(s, h, hd, &b, fn, ctx);
	if (rc)
		goto fail;
	/* body bytes that came with the head */
	rc = body_feed_all(s, &b, h, s->rbuf + hl, have - hl, &done, &used);
	if (rc)
		goto fail;
	if (b.mode == BODY_NONE)
		done = true;
	if (hl + used < have && done)
		hd->conn_close = true; /* unexpected extra bytes: framing not trusted */
	rc = body_read_rest(s, c, h, hd, &b, &done);
	if (rc)
		goto fail;
	if (b.deliver && b.enc != HTTP_ENC_IDENTITY && !b.inflate_done && !b.stopped) {
		LOG_WARN(LOG_HTTP, "%s: compressed body ends early", s->url);
		rc = -ERR_PROTOCOL;
		goto fail;
	}
	if (b.deliver && b.skip > 0) {
		rc = -ERR_EOF; /* the body was shorter than the requested range start */
		goto fail;
	}
	if (rs && b.deliver && b.keep_limited)
		rs->content_length = (int64_t)b.delivered;
	http_conn_release(s, c, done && !hd->conn_close && !b.stopped);
	return 0;
fail:
	http_conn_close(s, c);
	/* an error or redirect body that fails to drain: the status still stands */
	if (!b.deliver && rc != -ERR_CANCELLED)
		return 0;
	return rc;
}
