/* Capped growable byte buffer (like curl's dynbuf): grows on demand, never past its cap. */
#ifndef SS_DBUF_H
#define SS_DBUF_H

#include "core/base/common.h"

struct dbuf {
	uint8_t *p;   /* heap storage, NUL-terminated when len > 0; NULL until first append */
	size_t len;   /* bytes used */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* hard limit on len */
	int err;      /* sticky: first error (-ERR_TOO_LARGE, -ENOMEM), then appends are no-ops */
};

/* Prepares an empty buffer that may hold at most cap bytes. Allocates nothing. */
void dbuf_init(struct dbuf *b, size_t cap);
/* Appends n bytes; returns 0, -ERR_TOO_LARGE past cap, or -ENOMEM. Errors stick in b->err. */
int dbuf_add(struct dbuf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. */
int dbuf_adds(struct dbuf *b, const char *s);
/* printf-style append. */
int dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeps the allocation and clears the error. */
void dbuf_reset(struct dbuf *b);
/* Frees storage; the buffer is then empty and reusable. */
void dbuf_free(struct dbuf *b);
/* Takes ownership of the storage (caller frees); the buffer becomes empty. */
uint8_t *dbuf_take(struct dbuf *b, size_t *len);

#endif
