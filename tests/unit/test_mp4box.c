/* Unit tests: MP4 box headers, the incremental top-level scanner, faststart moov rewrite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ts/mp4box.h"

struct bb {
	uint8_t b[4096];
	size_t n;
	size_t stack[16];
	int sp;
};

static void u32(struct bb *b, uint32_t v)
{
	b->b[b->n++] = (uint8_t)(v >> 24);
	b->b[b->n++] = (uint8_t)(v >> 16);
	b->b[b->n++] = (uint8_t)(v >> 8);
	b->b[b->n++] = (uint8_t)v;
}

static void u64(struct bb *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}

static void box(struct bb *b, const char *type)
{
	b->stack[b->sp++] = b->n;
	u32(b, 0);
	memcpy(b->b + b->n, type, 4);
	b->n += 4;
}

static void end(struct bb *b)
{
	size_t s = b->stack[--b->sp];
	uint32_t v = (uint32_t)(b->n - s);

	b->b[s] = (uint8_t)(v >> 24);
	b->b[s + 1] = (uint8_t)(v >> 16);
	b->b[s + 2] = (uint8_t)(v >> 8);
	b->b[s + 3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* moov with two tracks: stco (3 offsets) and co64 (2 offsets). */
static void make_moov(struct bb *b, uint32_t base)
{
	memset(b, 0, sizeof(*b));
	box(b, "moov");
	box(b, "mvhd");
	u32(b, 0);
	u32(b, 0);
	end(b);
	box(b, "trak");
	box(b, "mdia");
	box(b, "minf");
	box(b, "stbl");
	box(b, "stsz");
	u32(b, 0);
	u32(b, 0);
	u32(b, 0);
	end(b);
	box(b, "stco");
	u32(b, 0);
	u32(b, 3);
	u32(b, base);
	u32(b, base + 1000);
	u32(b, base + 2000);
	end(b);
	end(b);
	end(b);
	end(b);
	end(b);
	box(b, "trak");
	box(b, "mdia");
	box(b, "minf");
	box(b, "stbl");
	box(b, "co64");
	u32(b, 0);
	u32(b, 2);
	u64(b, base + 500ull);
	u64(b, base + 1500ull);
	end(b);
	end(b);
	end(b);
	end(b);
	end(b);
	box(b, "udta");
	u32(b, 0x12345678);
	end(b);
	end(b);
}

static const uint8_t *path(const uint8_t *moov, size_t n, int trak, const char *leaf, size_t *ln)
{
	const uint8_t *p, *t;
	size_t pn, tn;

	assert_int_equal(mp4_box_find(moov + 8, n - 8, MP4_FOURCC('t', 'r', 'a', 'k'), &t, &tn), 0);
	if (trak == 1) {
		t += tn + 8; /* the second trak follows the first */
		tn = rd32(t - 8) - 8;
	}
	assert_int_equal(mp4_box_find(t, tn, MP4_FOURCC('m', 'd', 'i', 'a'), &p, &pn), 0);
	assert_int_equal(mp4_box_find(p, pn, MP4_FOURCC('m', 'i', 'n', 'f'), &p, &pn), 0);
	assert_int_equal(mp4_box_find(p, pn, MP4_FOURCC('s', 't', 'b', 'l'), &p, &pn), 0);
	assert_int_equal(
		mp4_box_find(p, pn, MP4_FOURCC(leaf[0], leaf[1], leaf[2], leaf[3]), &p, &pn), 0);
	*ln = pn;
	return p;
}

static void test_box_header(void **state)
{
	struct mp4_box b;
	static const uint8_t big[16] = {0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 1, 0, 0, 0, 0};
	static const uint8_t bad[8] = {0, 0, 0, 4, 'f', 'r', 'e', 'e'};
	static const uint8_t toend[8] = {0, 0, 0, 0, 'm', 'd', 'a', 't'};

	(void)state;
	assert_int_equal(mp4_box_header(big, 16, &b), 0);
	assert_int_equal(b.size, 1ull << 32);
	assert_int_equal(b.hdr_len, 16);
	assert_int_equal(b.type, MP4_FOURCC('m', 'd', 'a', 't'));
	assert_int_equal(mp4_box_header(big, 12, &b), -ERR_EOF);
	assert_int_equal(mp4_box_header(bad, 8, &b), -ERR_PARSE);
	assert_int_equal(mp4_box_header(toend, 8, &b), 0);
	assert_int_equal(b.size, 0);
}

static void test_scanner_splits(void **state)
{
	struct bb f;
	struct mp4_scan s;
	struct mp4_scan_box found[4];

	(void)state;
	memset(&f, 0, sizeof(f));
	box(&f, "ftyp");
	u32(&f, 0x69736f6d);
	end(&f);
	/* mdat with a 64-bit size */
	u32(&f, 1);
	memcpy(f.b + f.n, "mdat", 4);
	f.n += 4;
	u64(&f, 16 + 100);
	memset(f.b + f.n, 0xab, 100);
	f.n += 100;
	box(&f, "moov");
	u32(&f, 0);
	end(&f);
	for (size_t chunk = 1; chunk <= 40; chunk += 13) {
		int nf = 0;

		mp4_scan_init(&s);
		for (size_t o = 0; o < f.n;) {
			size_t len = MIN(chunk, f.n - o), used = 0;
			int rc;

			while ((rc = mp4_scan_feed(&s, f.b + o, len, &used, &found[nf])) == 1) {
				nf++;
				o += used;
				len -= used;
			}
			assert_int_equal(rc, 0);
			o += len;
		}
		assert_int_equal(nf, 3);
		assert_int_equal(found[0].type, MP4_FOURCC('f', 't', 'y', 'p'));
		assert_int_equal(found[1].type, MP4_FOURCC('m', 'd', 'a', 't'));
		assert_int_equal(found[1].offset, 12);
		assert_int_equal(found[1].size, 116);
		assert_int_equal(found[1].hdr_len, 16);
		assert_int_equal(found[2].type, MP4_FOURCC('m', 'o', 'o', 'v'));
		assert_int_equal(found[2].offset, 128);
	}
}

static void test_faststart_shift(void **state)
{
	struct bb m;
	uint8_t out[4096];
	size_t out_n = 0, sz = 0, ln;
	const uint8_t *t;

	(void)state;
	make_moov(&m, 48); /* mdat payload was at 48, after ftyp + mdat header */
	/* new layout: ftyp (24) then moov then mdat: data moves by 24 + moov - 40 */
	assert_int_equal(mp4_faststart_size(m.b, m.n, 24 - 40, &sz), 0);
	assert_int_equal(sz, m.n); /* no conversion needed */
	assert_int_equal(mp4_faststart_moov(m.b, m.n, 24 - 40, out, sizeof(out), &out_n), 0);
	assert_int_equal(out_n, m.n);
	t = path(out, out_n, 0, "stco", &ln);
	assert_int_equal(rd32(t + 4), 3);
	assert_int_equal(rd32(t + 8), 48 + m.n - 16);
	assert_int_equal(rd32(t + 16), 2048 + m.n - 16);
	t = path(out, out_n, 1, "co64", &ln);
	assert_int_equal(rd32(t + 12), 548 + m.n - 16);
	/* the rest is unchanged */
	assert_memory_equal(out + out_n - 12, m.b + m.n - 12, 12);
	assert_int_equal(mp4_faststart_moov(m.b, m.n, 0, out, 10, &out_n), -ERR_TOO_LARGE);
	assert_int_equal(mp4_faststart_moov(m.b, m.n, -100000, out, sizeof(out), &out_n),
			 -ERR_UNSUPPORTED);
}

static void test_faststart_to_co64(void **state)
{
	struct bb m;
	uint8_t out[4096];
	size_t out_n = 0, ln;
	const uint8_t *t;

	(void)state;
	make_moov(&m, 0xfffff000u); /* offsets fit 32 bits now, not after a 4 KiB shift */
	assert_int_equal(mp4_faststart_moov(m.b, m.n, 4096, out, sizeof(out), &out_n), 0);
	assert_int_equal(out_n, m.n + 3 * 4); /* stco of 3 entries became co64 */
	assert_int_equal(rd32(out), out_n);   /* moov size follows */
	t = path(out, out_n, 0, "co64", &ln);
	assert_int_equal(ln, 8 + 3 * 8);
	{
		uint64_t v = (uint64_t)rd32(t + 8) << 32 | rd32(t + 12);

		assert_int_equal(v, 0xfffff000ull + 4096 + out_n);
		v = (uint64_t)rd32(t + 24) << 32 | rd32(t + 28);
		assert_int_equal(v, 0xfffff000ull + 2000 + 4096 + out_n);
	}
	/* truncated or malformed moovs fail cleanly */
	for (size_t k = 0; k < m.n; k += 7)
		assert_true(mp4_faststart_moov(m.b, k, 0, out, sizeof(out), &out_n) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_box_header),
		cmocka_unit_test(test_scanner_splits),
		cmocka_unit_test(test_faststart_shift),
		cmocka_unit_test(test_faststart_to_co64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
