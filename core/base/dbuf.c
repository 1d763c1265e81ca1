/* Capped growable byte buffer: doubles its allocation up to a hard cap. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/dbuf.h"
#include "core/base/err.h"

void dbuf_init(struct dbuf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

static int dbuf_reserve(struct dbuf *b, size_t extra)
{
	size_t want, n;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (extra > b->cap - b->len) {
		b->err = -ERR_TOO_LARGE;
		return b->err;
	}
	want = b->len + extra + 1; /* room for the terminating NUL */
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 256;
	while (n < want)
		n *= 2;
	if (n > b->cap + 1)
		n = b->cap + 1;
	p = realloc(b->p, n);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->p = p;
	b->alloc = n;
	return 0;
}

int dbuf_add(struct dbuf *b, const void *p, size_t n)
{
	int rc = dbuf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int dbuf_adds(struct dbuf *b, const char *s)
{
	return dbuf_add(b, s, strlen(s));
}

int dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -ERR_FAILURE;
		return b->err;
	}
	rc = dbuf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void dbuf_reset(struct dbuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = '\0';
}

void dbuf_free(struct dbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
	b->err = 0;
}

uint8_t *dbuf_take(struct dbuf *b, size_t *len)
{
	uint8_t *p = b->p;

	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->alloc = 0;
	b->err = 0;
	return p;
}
