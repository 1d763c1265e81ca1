/* ISO BMFF box headers, an incremental top-level box scanner and the faststart rewrite. */
#include <string.h>

#include "core/base/err.h"
#include "core/ts/mp4box.h"

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

int mp4_box_header(const uint8_t *p, size_t n, struct mp4_box *b)
{
	if (n < 8)
		return -ERR_EOF;
	b->size = rd32(p);
	b->type = rd32(p + 4);
	b->hdr_len = 8;
	if (b->size == 1) {
		if (n < 16)
			return -ERR_EOF;
		b->size = rd64(p + 8);
		b->hdr_len = 16;
	}
	if (b->size != 0 && b->size < b->hdr_len)
		return -ERR_PARSE;
	return 0;
}

int mp4_box_find(const uint8_t *p, size_t n, uint32_t type, const uint8_t **child, size_t *child_n)
{
	size_t i = 0;

	while (i + 8 <= n) {
		struct mp4_box b;
		uint64_t size;

		if (mp4_box_header(p + i, n - i, &b) < 0)
			return -ERR_PARSE;
		size = b.size ? b.size : n - i;
		if (size > n - i)
			return -ERR_PARSE;
		if (b.type == type) {
			*child = p + i + b.hdr_len;
			*child_n = (size_t)size - b.hdr_len;
			return 0;
		}
		i += (size_t)size;
	}
	return -ERR_NOT_FOUND;
}

void mp4_scan_init(struct mp4_scan *s)
{
	memset(s, 0, sizeof(*s));
}

int mp4_scan_feed(struct mp4_scan *s, const uint8_t *p, size_t n, size_t *used,
		  struct mp4_scan_box *out)
{
	size_t i = 0;

	while (i < n) {
		if (s->pos < s->box_end && s->hdr_have == 0 && s->box_end) {
			/* inside a box payload: skip it */
			uint64_t skip = s->box_end - s->pos;

			if (skip > n - i)
				skip = n - i;
			i += (size_t)skip;
			s->pos += skip;
			continue;
		}
		/* collecting a header */
		{
			unsigned want = s->hdr_have < 8 ? 8 : 16;
			struct mp4_box b;
			int rc;

			if (s->hdr_have == 0)
				s->box_pos = s->pos;
			while (s->hdr_have < want && i < n) {
				s->hdr[s->hdr_have++] = p[i++];
				s->pos++;
			}
			if (s->hdr_have < want)
				break;
			rc = mp4_box_header(s->hdr, s->hdr_have, &b);
			if (rc == -ERR_EOF)
				continue; /* largesize: collect 16 */
			if (rc < 0)
				return rc;
			out->type = b.type;
			out->offset = s->box_pos;
			out->size = b.size;
			out->hdr_len = b.hdr_len;
			s->box = b;
			s->box_end = b.size ? s->box_pos + b.size : UINT64_MAX;
			s->hdr_have = 0;
			*used = i;
			return 1;
		}
	}
	*used = n;
	return 0;
}

/* ---- faststart ---- */

#define FS_MAX_TABLES 64

struct fs_ctx {
	int64_t delta;	   /* added to every chunk offset */
	uint64_t convert;  /* bit t: stco table t becomes co64 */
	uint64_t overflow; /* bit t: table t needs 64 bits with this delta */
	int tables;
	bool negative;
	uint8_t *out; /* NULL: measure only */
	size_t cap, o;
};

static bool is_container(uint32_t t)
{
	return t == MP4_FOURCC('m', 'o', 'o', 'v') || t == MP4_FOURCC('t', 'r', 'a', 'k') ||
	       t == MP4_FOURCC('m', 'd', 'i', 'a') || t == MP4_FOURCC('m', 'i', 'n', 'f') ||
	       t == MP4_FOURCC('s', 't', 'b', 'l');
}

static int fs_put(struct fs_ctx *c, const void *p, size_t n)
{
	if (c->out) {
		if (n > c->cap - c->o)
			return -ERR_TOO_LARGE;
		memcpy(c->out + c->o, p, n);
	}
	c->o += n;
	return 0;
}

/* Handles one stco/co64 payload (after the box header); writes the new box when c->out. */
static int fs_table(struct fs_ctx *c, uint32_t type, const uint8_t *p, size_t n)
{
	bool co64 = type == MP4_FOURCC('c', 'o', '6', '4');
	uint32_t count;
	int t = c->tables++;
	bool to64;
	size_t esz = co64 ? 8 : 4;

	if (t >= FS_MAX_TABLES)
		return -ERR_LIMIT;
	if (n < 8)
		return -ERR_PARSE;
	count = rd32(p + 4);
	if ((n - 8) / esz < count)
		return -ERR_PARSE;
	to64 = co64 || (c->convert >> t & 1);
	{
		uint8_t hdr[16];
		size_t out_len = 8 + 8 + (size_t)count * (to64 ? 8 : 4);

		wr32(hdr, (uint32_t)out_len);
		wr32(hdr + 4,
		     to64 ? MP4_FOURCC('c', 'o', '6', '4') : MP4_FOURCC('s', 't', 'c', 'o'));
		memcpy(hdr + 8, p, 4); /* version + flags */
		wr32(hdr + 12, count);
		if (fs_put(c, hdr, 16) < 0)
			return -ERR_TOO_LARGE;
	}
	for (uint32_t k = 0; k < count; k++) {
		const uint8_t *e = p + 8 + (size_t)k * esz;
		int64_t v = (int64_t)(co64 ? rd64(e) : rd32(e));
		uint8_t b[8];

		if (co64 && rd64(e) > (uint64_t)INT64_MAX)
			return -ERR_PARSE;
		v += c->delta;
		if (v < 0)
			c->negative = true;
		if (!co64 && (uint64_t)v > UINT32_MAX)
			c->overflow |= 1ull << t;
		if (to64) {
			wr64(b, (uint64_t)v);
			if (fs_put(c, b, 8) < 0)
				return -ERR_TOO_LARGE;
		} else {
			wr32(b, (uint32_t)v);
			if (fs_put(c, b, 4) < 0)
				return -ERR_TOO_LARGE;
		}
	}
	return 0;
}

/* Copies the boxes in p[0..n), descending into containers, fixing sizes. */
static int fs_walk(struct fs_ctx *c, const uint8_t *p, size_t n, int depth)
{
	size_t i = 0;

	if (depth > 8)
		return -ERR_PARSE;
	while (i < n) {
		struct mp4_box b;
		uint64_t size;
		int rc = mp4_box_header(p + i, n - i, &b);

		if (rc < 0)
			return -ERR_PARSE;
		size = b.size ? b.size : n - i;
		if (size > n - i)
			return -ERR_PARSE;
		if (is_container(b.type)) {
			size_t start = c->o;

			rc = fs_put(c, p + i, b.hdr_len);
			if (rc == 0)
				rc = fs_walk(c, p + i + b.hdr_len, (size_t)size - b.hdr_len,
					     depth + 1);
			if (rc < 0)
				return rc;
			if (c->out) {
				uint64_t nsize = c->o - start;

				if (b.hdr_len == 16) {
					wr32(c->out + start, 1);
					wr64(c->out + start + 8, nsize);
				} else {
					if (nsize > UINT32_MAX)
						return -ERR_TOO_LARGE;
					wr32(c->out + start, (uint32_t)nsize);
				}
			}
		} else if (b.type == MP4_FOURCC('s', 't', 'c', 'o') ||
			   b.type == MP4_FOURCC('c', 'o', '6', '4')) {
			rc = fs_table(c, b.type, p + i + b.hdr_len, (size_t)size - b.hdr_len);
			if (rc < 0)
				return rc;
		} else {
			rc = fs_put(c, p + i, (size_t)size);
			if (rc < 0)
				return rc;
		}
		i += (size_t)size;
	}
	return 0;
}

/* Finds the stco->co64 conversions that make every offset fit; sets *size and c->convert. */
static int fs_plan(const uint8_t *moov, size_t n, int64_t shift, struct fs_ctx *c, size_t *size)
{
	struct mp4_box b;

	if (mp4_box_header(moov, n, &b) < 0 || b.type != MP4_FOURCC('m', 'o', 'o', 'v') ||
	    (b.size && b.size != n))
		return -ERR_PARSE;
	memset(c, 0, sizeof(*c));
	/* Each round converts more tables; growth only adds to delta, so this converges. */
	for (int round = 0; round <= FS_MAX_TABLES + 1; round++) {
		uint64_t conv = c->convert;
		int rc;

		c->o = 0;
		c->tables = 0;
		c->overflow = 0;
		c->negative = false;
		c->delta = 0;
		/* measure with the size from the previous plan */
		rc = fs_walk(c, moov, n, 0);
		if (rc < 0)
			return rc;
		c->delta = shift + (int64_t)c->o;
		c->o = 0;
		c->tables = 0;
		rc = fs_walk(c, moov, n, 0);
		if (rc < 0)
			return rc;
		if (c->negative)
			return -ERR_UNSUPPORTED;
		c->convert |= c->overflow;
		if (c->convert == conv) {
			*size = c->o;
			return 0;
		}
	}
	return -ERR_PARSE;
}

int mp4_faststart_size(const uint8_t *moov, size_t n, int64_t shift, size_t *out_n)
{
	struct fs_ctx c;

	return fs_plan(moov, n, shift, &c, out_n);
}

int mp4_faststart_moov(const uint8_t *moov, size_t n, int64_t shift, uint8_t *out, size_t cap,
		       size_t *out_n)
{
	struct fs_ctx c;
	size_t size;
	int rc = fs_plan(moov, n, shift, &c, &size);

	if (rc < 0)
		return rc;
	if (size > cap)
		return -ERR_TOO_LARGE;
	c.out = out;
	c.cap = cap;
	c.o = 0;
	c.tables = 0;
	c.delta = shift + (int64_t)size;
	rc = fs_walk(&c, moov, n, 0);
	if (rc < 0)
		return rc;
	*out_n = c.o;
	return 0;
}
