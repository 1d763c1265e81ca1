/* Catalogue body decoder: gzip detected by its magic bytes, or passed through (see decode.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST /* next_in is const: no cast needed to feed it our const bytes */
#include <zlib.h>

#include "core/base/err.h"
#include "providers/decode.h"

#define DEC_OUT 16384 /* inflate output chunk */

struct prov_dec {
	prov_sink_fn fn;
	void *arg;
	size_t cap, total;
	uint8_t head[2];
	int nhead;
	int mode;   /* 0 undecided, 1 plain, 2 gzip */
	int gz_end; /* the current gzip member ended */
	z_stream z;
	uint8_t out[DEC_OUT];
};

struct prov_dec *prov_dec_new(size_t cap, prov_sink_fn fn, void *arg)
{
	struct prov_dec *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fn = fn;
	d->arg = arg;
	d->cap = cap;
	return d;
}

void prov_dec_free(struct prov_dec *d)
{
	if (!d)
		return;
	if (d->mode == 2)
		inflateEnd(&d->z);
	free(d);
}

static int emit(struct prov_dec *d, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (n > d->cap - d->total)
		return -ERR_TOO_LARGE;
	d->total += n;
	return d->fn(d->arg, p, n);
}

static int inflate_some(struct prov_dec *d, const uint8_t *p, size_t n)
{
	d->z.next_in = p;
	d->z.avail_in = (uInt)n;
	do {
		int zr, rc;

		if (d->gz_end) {
			if (!d->z.avail_in)
				break;
			/* concatenated gzip members are one stream (RFC 1952) */
			if (inflateReset(&d->z) != Z_OK)
				return -ERR_PARSE;
			d->gz_end = 0;
		}
		d->z.next_out = d->out;
		d->z.avail_out = DEC_OUT;
		zr = inflate(&d->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -ERR_PARSE;
		rc = emit(d, d->out, DEC_OUT - d->z.avail_out);
		if (rc)
			return rc;
		if (zr == Z_STREAM_END)
			d->gz_end = 1;
		else if (zr == Z_BUF_ERROR)
			break; /* no progress possible without more input */
	} while (d->z.avail_in || d->z.avail_out == 0);
	return 0;
}

static int start(struct prov_dec *d)
{
	int rc;

	if (d->nhead == 2 && d->head[0] == 0x1f && d->head[1] == 0x8b) {
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		d->mode = 2;
		return inflate_some(d, d->head, 2);
	}
	d->mode = 1;
	rc = emit(d, d->head, (size_t)d->nhead);
	return rc;
}

int prov_dec_feed(struct prov_dec *d, const uint8_t *p, size_t n)
{
	int rc;

	while (d->mode == 0 && n) {
		d->head[d->nhead++] = *p++;
		n--;
		if (d->nhead == 2) {
			rc = start(d);
			if (rc)
				return rc;
		}
	}
	if (!n)
		return 0;
	if (d->mode == 1)
		return emit(d, p, n);
	return inflate_some(d, p, n);
}

int prov_dec_end(struct prov_dec *d)
{
	if (d->mode == 0 && d->nhead) {
		int rc = start(d);

		if (rc)
			return rc;
	}
	if (d->mode == 2) {
		int rc = inflate_some(d, (const uint8_t *)"", 0);

		if (rc)
			return rc;
		if (!d->gz_end)
			return -ERR_PARSE; /* gzip body cut short */
	}
	return 0;
}
