/* HTTP/1.1 chunked transfer coding (RFC 9112 7.1) as an incremental pure decoder on (p, n). */
#include <string.h>

#include "core/base/err.h"
#include "net/http_parse.h"

enum {
	CH_SIZE,    /* hex digits of the chunk size */
	CH_EXT,	    /* after the size: whitespace and extensions up to the line end */
	CH_SIZE_LF, /* CR seen at the end of the size line */
	CH_DATA,    /* chunk data */
	CH_DATA_CR, /* CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER,  /* start of a trailer line (or of the final blank line) */
	CH_TLINE,    /* inside a trailer line */
	CH_TLINE_LF, /* CR seen at the end of a trailer line */
	CH_END_LF,   /* CR of the final blank line seen */
	CH_DONE,
};

/* Longest chunk-size line (size plus extensions) accepted. */
#define CHUNK_LINE_MAX 4096

void http_chunked_init(struct http_chunked *c, size_t max_trailers)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE;
	c->max_trailers = max_trailers;
}

/* Ends the chunk-size line: the chunk's data follows, or the trailer after the last chunk. */
static void chunk_size_done(struct http_chunked *c)
{
	c->line = 0;
	c->digits = false;
	c->state = c->left ? CH_DATA : CH_TRAILER;
}

/* One byte of the chunk-size line (CH_SIZE, CH_EXT, CH_SIZE_LF), always consumed: 0 or
 * -ERR_PROTOCOL. */
static int chunk_size_byte(struct http_chunked *c, uint8_t b)
{
	switch (c->state) {
	case CH_SIZE: {
		int v = hex_digit(b);

		if (v >= 0) {
			if (c->left >> 59)
				return -ERR_PROTOCOL; /* absurd size: refuse before overflow */
			c->left = c->left << 4 | (unsigned)v;
			c->digits = true;
		} else if (!c->digits) {
			return -ERR_PROTOCOL;
		} else if (b == ';' || b == ' ' || b == '\t') {
			c->state = CH_EXT;
		} else if (b == '\r') {
			c->state = CH_SIZE_LF;
		} else if (b == '\n') {
			chunk_size_done(c);
			return 0;
		} else {
			return -ERR_PROTOCOL;
		}
		break;
	}
	case CH_EXT:
		if (b == '\r') {
			c->state = CH_SIZE_LF;
		} else if (b == '\n') {
			chunk_size_done(c);
			return 0;
		} else if ((b < 0x20 && b != '\t') || b == 0x7f) {
			return -ERR_PROTOCOL;
		}
		break;
	default: /* CH_SIZE_LF */
		if (b != '\n')
			return -ERR_PROTOCOL;
		chunk_size_done(c);
		return 0;
	}
	if (++c->line > CHUNK_LINE_MAX)
		return -ERR_PROTOCOL;
	return 0;
}

/* One byte of the trailer section (CH_TRAILER, CH_TLINE, CH_TLINE_LF, CH_END_LF), always
 * consumed: 0, or -ERR_PROTOCOL; c->state is CH_DONE after the final empty line. */
static int chunk_trailer_byte(struct http_chunked *c, uint8_t b)
{
	switch (c->state) {
	case CH_TRAILER:
		if (b == '\r') {
			c->state = CH_END_LF;
			return 0;
		}
		if (b == '\n') {
			c->state = CH_DONE;
			return 0;
		}
		c->state = CH_TLINE;
		__attribute__((fallthrough));
	case CH_TLINE:
		if (++c->trailers > c->max_trailers)
			return -ERR_PROTOCOL;
		if (b == '\r')
			c->state = CH_TLINE_LF;
		else if (b == '\n')
			c->state = CH_TRAILER;
		else if (b == 0)
			return -ERR_PROTOCOL;
		return 0;
	case CH_TLINE_LF:
		if (b != '\n')
			return -ERR_PROTOCOL;
		if (++c->trailers > c->max_trailers)
			return -ERR_PROTOCOL;
		c->state = CH_TRAILER;
		return 0;
	default: /* CH_END_LF */
		if (b != '\n')
			return -ERR_PROTOCOL;
		c->state = CH_DONE;
		return 0;
	}
}

int http_chunked_step(struct http_chunked *c, const uint8_t *p, size_t n, size_t *used,
		      size_t *doff, size_t *dlen)
{
	size_t i = 0;
	int rc;

	*doff = 0;
	*dlen = 0;
	while (i < n) {
		uint8_t b = p[i];

		switch (c->state) {
		case CH_SIZE:
		case CH_EXT:
		case CH_SIZE_LF:
		case CH_TRAILER:
		case CH_TLINE:
		case CH_TLINE_LF:
		case CH_END_LF:
			/* the size line or the trailer section: one byte at a time */
			rc = c->state <= CH_SIZE_LF ? chunk_size_byte(c, b)
						    : chunk_trailer_byte(c, b);
			if (rc)
				return rc;
			i++;
			if (c->state == CH_DONE) {
				*used = i;
				return 1;
			}
			break;
		case CH_DATA: {
			size_t k = (size_t)MIN((uint64_t)(n - i), c->left);

			*doff = i;
			*dlen = k;
			c->left -= k;
			i += k;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			*used = i;
			return 0;
		}
		case CH_DATA_CR:
			if (b == '\r') {
				c->state = CH_DATA_LF;
				i++;
				break;
			}
			/* a bare LF is tolerated */
			__attribute__((fallthrough));
		case CH_DATA_LF:
			if (b != '\n')
				return -ERR_PROTOCOL;
			i++;
			c->state = CH_SIZE;
			break;
		case CH_DONE:
		default:
			*used = i;
			return 1;
		}
	}
	*used = i;
	return c->state == CH_DONE ? 1 : 0;
}
