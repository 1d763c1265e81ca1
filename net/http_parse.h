/* HTTP/1.1 response parsing as pure functions: status line and headers, chunked bodies, dates. */
#ifndef SS_NET_HTTP_PARSE_H
#define SS_NET_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/base/common.h"

/* A byte range of the parsed buffer; len 0 with off 0 when absent. */
struct http_span {
	uint32_t off, len;
};

enum http_encoding {
	HTTP_ENC_IDENTITY,
	HTTP_ENC_GZIP,	  /* gzip or x-gzip */
	HTTP_ENC_DEFLATE, /* zlib-wrapped (RFC 9110), raw deflate tolerated by the decoder */
	HTTP_ENC_OTHER,	  /* anything else (br, compress, stacked codings): unsupported */
};

/* What the client needs from one response head. Spans point into the parsed buffer. */
struct http_head {
	int minor;  /* HTTP/1.<minor>: 0 or 1 */
	int status; /* 100..999 */
	struct http_span reason;
	int64_t content_length; /* -1 when absent */
	bool chunked;		/* Transfer-Encoding's last coding is chunked */
	bool te_other;		/* Transfer-Encoding present but not ending in chunked */
	bool conn_close;	/* the connection ends after this response */
	enum http_encoding encoding;
	struct http_span location, content_type, retry_after;
	int64_t range_start, range_end, range_total; /* Content-Range, -1 when unknown */
	unsigned n_headers;
	size_t head_len; /* bytes of status line + headers + blank line */
};

/* One header line: name and value (value without surrounding whitespace). */
struct http_hdr {
	const uint8_t *name;
	size_t name_len;
	const uint8_t *value;
	size_t value_len;
};

/*
 * Parses a response head at the start of p[0..n). Returns the head's length (> 0) when
 * the blank line was found, 0 when more bytes are needed, or -ERR_PROTOCOL for a
 * malformed status line, header line, conflicting Content-Length or bad framing.
 * Never reads past n; allocates nothing.
 */
int http_parse_head(const uint8_t *p, size_t n, struct http_head *h);

/*
 * Iterates the header lines of a head that http_parse_head() accepted (p, head_len).
 * *pos starts at 0. Returns 1 with *hd filled, or 0 after the last header.
 */
int http_header_next(const uint8_t *p, size_t n, size_t *pos, struct http_hdr *hd);

/* Case-insensitive comparison of n bytes of a with NUL-terminated b (whole length). */
bool http_token_eq(const uint8_t *a, size_t n, const char *b);

/*
 * Parses an HTTP or cookie date (IMF-fixdate, RFC 850, asctime, and the lenient forms of
 * RFC 6265 §5.1.1) into *t (UTC). Returns 0 or -ERR_PARSE.
 */
int http_parse_date(const uint8_t *p, size_t n, time_t *t);

/* Retry-After (delay-seconds or HTTP-date relative to now) in seconds (>= 0), or -1. */
int http_parse_retry_after(const uint8_t *p, size_t n, time_t now);

/* Incremental decoder of a chunked body (RFC 9112 §7.1), extensions and trailers skipped. */
struct http_chunked {
	int state;
	uint64_t left;	     /* data bytes left in the current chunk */
	size_t line;	     /* bytes of the current size line or trailer line */
	size_t trailers;     /* bytes of the trailer section so far */
	size_t max_trailers; /* cap of the trailer section */
	bool digits;	     /* the size line has at least one hex digit */
};

/* Prepares c for a new body; max_trailers caps the trailer section. */
void http_chunked_init(struct http_chunked *c, size_t max_trailers);

/*
 * Consumes bytes of p[0..n): *used is how many. At most one run of body data is found
 * per call: it is p[*doff .. *doff + *dlen) (*dlen 0 when none). Returns 1 when the last
 * chunk and the trailers are complete (bytes after that are not consumed), 0 otherwise,
 * or -ERR_PROTOCOL for a malformed size line, missing CRLF, or trailers over the cap.
 */
int http_chunked_step(struct http_chunked *c, const uint8_t *p, size_t n, size_t *used,
		      size_t *doff, size_t *dlen);

#endif
