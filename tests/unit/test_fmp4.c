/* Unit tests: fMP4 init and fragment parsing, and fMP4 -> TS conversion (Annex B, ADTS). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ts/fmp4.h"
#include "core/ts/mp4box.h"
#include "core/ts/remux.h"

struct bb {
	uint8_t b[8192];
	size_t n;
	size_t stack[16];
	int sp;
};

static void u8(struct bb *b, unsigned v)
{
	b->b[b->n++] = (uint8_t)v;
}

static void u16(struct bb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v);
}

static void u32(struct bb *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v & 0xffff);
}

static void zeros(struct bb *b, size_t n)
{
	memset(b->b + b->n, 0, n);
	b->n += n;
}

static void raw(struct bb *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void box(struct bb *b, const char *type)
{
	b->stack[b->sp++] = b->n;
	u32(b, 0);
	raw(b, type, 4);
}

static void full(struct bb *b, const char *type, unsigned ver, uint32_t flags)
{
	box(b, type);
	u32(b, (uint32_t)ver << 24 | flags);
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

static void put32(struct bb *b, size_t at, uint32_t v)
{
	b->b[at] = (uint8_t)(v >> 24);
	b->b[at + 1] = (uint8_t)(v >> 16);
	b->b[at + 2] = (uint8_t)(v >> 8);
	b->b[at + 3] = (uint8_t)v;
}

static const uint8_t sps_360[] = {0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5,
				  0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00,
				  0x03, 0x00, 0xc8, 0x3c, 0x58, 0xba, 0x80};
static const uint8_t pps[] = {0x68, 0xce, 0x38, 0x80};

static void trak(struct bb *b, uint32_t id, bool video, const char *entry)
{
	box(b, "trak");
	full(b, "tkhd", 0, 3);
	zeros(b, 8);
	u32(b, id);
	zeros(b, 80 - 12);
	end(b);
	if (video) {
		box(b, "edts");
		full(b, "elst", 0, 0);
		u32(b, 1);
		u32(b, 0);    /* segment duration */
		u32(b, 1024); /* media time: two frames of composition delay */
		u32(b, 0x10000);
		end(b);
		end(b);
	}
	box(b, "mdia");
	full(b, "mdhd", 0, 0);
	zeros(b, 8);
	u32(b, video ? 12800 : 48000);
	u32(b, 0);
	u32(b, 0);
	end(b);
	full(b, "hdlr", 0, 0);
	u32(b, 0);
	raw(b, video ? "vide" : "soun", 4);
	zeros(b, 13);
	end(b);
	box(b, "minf");
	box(b, "stbl");
	full(b, "stsd", 0, 0);
	u32(b, 1);
	box(b, entry);
	if (video) {
		zeros(b, 6);
		u16(b, 1);
		zeros(b, 16);
		u16(b, 640);
		u16(b, 360);
		zeros(b, 78 - 28);
		box(b, "avcC");
		u8(b, 1);
		u8(b, 0x42);
		u8(b, 0xc0);
		u8(b, 0x1e);
		u8(b, 0xff);
		u8(b, 0xe1);
		u16(b, sizeof(sps_360));
		raw(b, sps_360, sizeof(sps_360));
		u8(b, 1);
		u16(b, sizeof(pps));
		raw(b, pps, sizeof(pps));
		end(b);
	} else {
		zeros(b, 6);
		u16(b, 1);
		zeros(b, 8);
		u16(b, 2);
		u16(b, 16);
		u32(b, 0);
		u32(b, 48000u << 16);
		full(b, "esds", 0, 0);
		u8(b, 0x03);
		u8(b, 3 + 2 + 13 + 2 + 2 + 1 + 2);
		u16(b, 1);
		u8(b, 0);
		u8(b, 0x04);
		u8(b, 13 + 2 + 2);
		u8(b, 0x40);
		u8(b, 0x15);
		zeros(b, 11);
		u8(b, 0x05);
		u8(b, 2);
		u8(b, 0x11);
		u8(b, 0x90);
		u8(b, 0x06);
		u8(b, 1);
		u8(b, 0x02);
		end(b);
	}
	end(b); /* sample entry */
	end(b); /* stsd */
	end(b); /* stbl */
	end(b); /* minf */
	end(b); /* mdia */
	end(b); /* trak */
}

static void make_init(struct bb *b, const char *ventry)
{
	memset(b, 0, sizeof(*b));
	box(b, "ftyp");
	raw(b, "iso5", 4);
	u32(b, 0);
	end(b);
	box(b, "moov");
	full(b, "mvhd", 0, 0);
	zeros(b, 96);
	end(b);
	trak(b, 1, true, ventry);
	trak(b, 2, false, "mp4a");
	box(b, "mvex");
	full(b, "trex", 0, 0);
	u32(b, 1);
	u32(b, 1);
	u32(b, 512);
	u32(b, 0);
	u32(b, FMP4_NON_SYNC);
	end(b);
	full(b, "trex", 0, 0);
	u32(b, 2);
	u32(b, 1);
	u32(b, 1024);
	u32(b, 0);
	u32(b, 0);
	end(b);
	end(b);
	end(b);
}

/* moof + mdat: 3 video samples (IDR, P, P) then 3 AAC frames of 10 bytes. */
static void make_fragment(struct bb *b, uint32_t tfdt_v, uint32_t tfdt_a)
{
	size_t voff, aoff, moof;

	memset(b, 0, sizeof(*b));
	box(b, "styp");
	raw(b, "msdh", 4);
	end(b);
	moof = b->n;
	box(b, "moof");
	full(b, "mfhd", 0, 0);
	u32(b, 1);
	end(b);
	box(b, "traf");
	full(b, "tfhd", 0, 0x20000);
	u32(b, 1);
	end(b);
	full(b, "tfdt", 1, 0);
	u32(b, 0);
	u32(b, tfdt_v);
	end(b);
	full(b, "trun", 0, 0x1 | 0x4 | 0x200 | 0x800);
	u32(b, 3);
	voff = b->n;
	u32(b, 0);
	u32(b, 0x02000000); /* first sample: sync */
	for (int i = 0; i < 3; i++) {
		u32(b, 4 + 20);
		u32(b, i == 0 ? 1024 : 512);
	}
	end(b);
	end(b);
	box(b, "traf");
	full(b, "tfhd", 0, 0x20000);
	u32(b, 2);
	end(b);
	full(b, "tfdt", 0, 0);
	u32(b, tfdt_a);
	end(b);
	full(b, "trun", 0, 0x1 | 0x200);
	u32(b, 3);
	aoff = b->n;
	u32(b, 0);
	for (int i = 0; i < 3; i++)
		u32(b, 10);
	end(b);
	end(b);
	end(b);
	box(b, "mdat");
	put32(b, voff, (uint32_t)(b->n - moof));
	for (int i = 0; i < 3; i++) {
		u32(b, 20);
		u8(b, i == 0 ? 0x65 : 0x41);
		for (int k = 0; k < 19; k++)
			u8(b, 0x80 + k);
	}
	put32(b, aoff, (uint32_t)(b->n - moof));
	for (int i = 0; i < 30; i++)
		u8(b, 0x21);
	end(b);
}

static void test_parse_init(void **state)
{
	struct bb b;
	static struct fmp4_init ini;

	(void)state;
	make_init(&b, "avc1");
	assert_int_equal(fmp4_parse_init(b.b, b.n, &ini), 0);
	assert_int_equal(ini.n_tracks, 2);
	assert_true(ini.tracks[0].video);
	assert_int_equal(ini.tracks[0].codec, TS_CODEC_H264);
	assert_int_equal(ini.tracks[0].timescale, 12800);
	assert_int_equal(ini.tracks[0].sps.width, 640);
	assert_int_equal(ini.tracks[0].nal_len, 4);
	assert_int_equal(ini.tracks[0].elst_shift, 1024);
	assert_int_equal(ini.tracks[0].def_dur, 512);
	assert_int_equal(ini.tracks[0].def_flags, FMP4_NON_SYNC);
	assert_int_equal(ini.tracks[0].ps_len, 4 + sizeof(sps_360) + 4 + sizeof(pps));
	assert_int_equal(ini.tracks[1].codec, TS_CODEC_AAC);
	assert_int_equal(ini.tracks[1].audio.rate, 48000);
	assert_int_equal(ini.tracks[1].audio.channels, 2);
	assert_int_equal(ini.tracks[1].aac_rate_index, 3);
	/* every truncation fails cleanly */
	for (size_t k = 0; k < b.n; k += 5)
		assert_true(fmp4_parse_init(b.b, k, &ini) < 0 || ini.n_tracks <= 2);
	make_init(&b, "encv");
	assert_int_equal(fmp4_parse_init(b.b, b.n, &ini), 0); /* the audio track remains */
	assert_int_equal(ini.n_tracks, 1);
}

static void test_parse_moof(void **state)
{
	struct bb i, f;
	static struct fmp4_init ini;
	static struct fmp4_moof m;
	struct mp4_box mb;
	size_t moof_at;
	struct fmp4_sample s;

	(void)state;
	make_init(&i, "avc1");
	assert_int_equal(fmp4_parse_init(i.b, i.n, &ini), 0);
	make_fragment(&f, 0, 0);
	moof_at = 12; /* after styp */
	assert_int_equal(mp4_box_header(f.b + moof_at, f.n - moof_at, &mb), 0);
	assert_int_equal(fmp4_parse_moof(f.b + moof_at, (size_t)mb.size, moof_at, &ini, &m), 0);
	assert_int_equal(m.n_runs, 2);
	assert_int_equal(m.runs[0].track, 0);
	assert_int_equal(m.runs[0].count, 3);
	assert_int_equal(m.runs[0].data_off, moof_at + mb.size + 8);
	assert_int_equal(m.runs[1].data_off, moof_at + mb.size + 8 + 72);
	fmp4_run_sample(f.b + moof_at, &m.runs[0], 0, &s);
	assert_int_equal(s.size, 24);
	assert_int_equal(s.dur, 512);
	assert_int_equal(s.cto, 1024);
	assert_int_equal(s.flags & FMP4_NON_SYNC, 0);
	fmp4_run_sample(f.b + moof_at, &m.runs[0], 1, &s);
	assert_int_equal(s.flags & FMP4_NON_SYNC, FMP4_NON_SYNC);
	assert_int_equal(ini.tracks[0].next_dts, 3 * 512);
	for (size_t k = 8; k < mb.size; k += 3)
		assert_true(fmp4_parse_moof(f.b + moof_at, k, moof_at, &ini, &m) < 0);
}

struct cap {
	uint8_t buf[1 << 16];
	size_t n;
	int sections;
};

static int cap_write(void *ctx, const uint8_t *p, size_t n)
{
	struct cap *c = ctx;

	assert_true(c->n + n <= sizeof(c->buf));
	memcpy(c->buf + c->n, p, n);
	c->n += n;
	return 0;
}

static int cap_section(void *ctx, const struct ts_section_info *info)
{
	struct cap *c = ctx;

	assert_int_equal(info->width, 640);
	c->sections++;
	return 0;
}

static const struct ts_sink_ops ops = {cap_write, cap_section};
static struct ts_remux rx;

/* Reassembles the PES payloads of pid into out; returns their count. */
static int pes_of(const struct cap *c, unsigned pid, uint8_t out[][256], size_t *len, int64_t *pts,
		  int64_t *dts)
{
	int k = -1;

	for (size_t o = 0; o < c->n; o += TS_PKT) {
		const uint8_t *p = c->buf + o;
		unsigned po = ts_payload_off(p);

		if (ts_pid(p) != pid || po >= TS_PKT)
			continue;
		if (ts_pusi(p)) {
			struct pes_hdr h;

			assert_int_equal(pes_parse(p + po, TS_PKT - po, &h), 0);
			k++;
			len[k] = 0;
			pts[k] = h.pts;
			dts[k] = h.dts;
			po += h.hdr_len;
		}
		if (k < 0)
			continue;
		memcpy(out[k] + len[k], p + po, TS_PKT - po);
		len[k] += TS_PKT - po;
	}
	return k + 1;
}

static void run_fmp4(struct cap *c, const struct bb *ini, const struct bb *frag, size_t chunk)
{
	memset(c, 0, sizeof(*c));
	ts_remux_init(&rx, &ops, c);
	assert_int_equal(ts_remux_fmp4_init(&rx, ini->b, ini->n), 0);
	assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4), 0);
	for (size_t o = 0; o < frag->n; o += chunk)
		assert_int_equal(ts_remux_feed(&rx, frag->b + o, MIN(chunk, frag->n - o)), 0);
	assert_int_equal(ts_remux_segment_end(&rx, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
}

static void test_fmp4_to_ts(void **state)
{
	struct bb i, f;
	static struct cap c, c1;
	static uint8_t pes[8][256];
	size_t len[8];
	int64_t pts[8], dts[8];
	int n;

	(void)state;
	make_init(&i, "avc1");
	make_fragment(&f, 0, 0);
	run_fmp4(&c, &i, &f, f.n);
	assert_int_equal(c.sections, 1);
	n = pes_of(&c, 0x100, pes, len, pts, dts);
	assert_int_equal(n, 3);
	/* key frame: AUD, SPS, PPS, then the IDR with a start code instead of the length */
	assert_memory_equal(pes[0], "\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67", 11);
	assert_memory_equal(pes[0] + 10 + sizeof(sps_360), "\x00\x00\x00\x01\x68", 5);
	assert_memory_equal(pes[0] + 10 + sizeof(sps_360) + 4 + sizeof(pps),
			    "\x00\x00\x00\x01\x65\x80\x81", 7);
	assert_memory_equal(pes[1], "\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x41\x80", 12);
	/* 12800 Hz -> 90 kHz, edit list shift, output lifted to start at 1.4 s */
	assert_int_equal(dts[0], 126000);
	assert_int_equal(pts[0], 126000 + 7200);
	assert_int_equal(dts[1], 126000 + 3600);
	assert_int_equal(pts[1] - dts[1], 3600);
	n = pes_of(&c, 0x101, pes, len, pts, dts);
	assert_int_equal(n, 3);
	{
		struct audio_cfg ac;

		assert_int_equal(adts_parse(pes[0], 7, &ac), 17);
		assert_int_equal(ac.rate, 48000);
		assert_int_equal(ac.channels, 2);
		assert_memory_equal(pes[0] + 7, "\x21\x21\x21\x21\x21\x21\x21\x21\x21\x21", 10);
	}
	assert_int_equal(pts[0], 126000 + 7200); /* audio starts with the first picture */
	assert_int_equal(pts[1] - pts[0], 1920);
	/* byte-by-byte gives the same bytes */
	run_fmp4(&c1, &i, &f, 1);
	assert_int_equal(c1.n, c.n);
	assert_memory_equal(c1.buf, c.buf, c.n);
}

static void test_fmp4_errors(void **state)
{
	struct bb i, f;
	static struct cap c;

	(void)state;
	make_init(&i, "avc1");
	ts_remux_init(&rx, &ops, &c);
	/* fragments without any init */
	make_fragment(&f, 0, 0);
	assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4), 0);
	assert_int_equal(ts_remux_feed(&rx, f.b, f.n), -ERR_PROTOCOL);
	ts_remux_init(&rx, &ops, &c);
	assert_int_equal(ts_remux_fmp4_init(&rx, i.b, 20), -ERR_PARSE);
	/* a box header with a size below its header length */
	assert_int_equal(ts_remux_fmp4_init(&rx, i.b, i.n), 0);
	assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4), 0);
	make_fragment(&f, 0, 0);
	f.b[3] = 4;
	assert_int_equal(ts_remux_feed(&rx, f.b, f.n), -ERR_PARSE);
	/* a moof larger than the cap */
	memset(&c, 0, sizeof(c));
	ts_remux_init(&rx, &ops, &c);
	assert_int_equal(ts_remux_fmp4_init(&rx, i.b, i.n), 0);
	assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4), 0);
	{
		uint8_t big[8] = {0x7f, 0, 0, 0, 'm', 'o', 'o', 'f'};

		assert_int_equal(ts_remux_feed(&rx, big, 8), -ERR_TOO_LARGE);
	}
	/* a truncated fragment ends cleanly */
	memset(&c, 0, sizeof(c));
	ts_remux_init(&rx, &ops, &c);
	assert_int_equal(ts_remux_fmp4_init(&rx, i.b, i.n), 0);
	make_fragment(&f, 0, 0);
	for (size_t cut = 0; cut < f.n; cut += 11) {
		struct ts_segment_info si;

		assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4 | TS_SEG_DISCONTINUITY),
				 0);
		assert_int_equal(ts_remux_feed(&rx, f.b, cut), 0);
		assert_int_equal(ts_remux_segment_end(&rx, &si), 0);
		c.n = 0;
	}
}

static void test_init_inside_segment(void **state)
{
	struct bb i, f;
	static struct bb both;
	static struct cap c, ref;

	(void)state;
	make_init(&i, "avc1");
	make_fragment(&f, 0, 0);
	run_fmp4(&ref, &i, &f, f.n);
	/* the same bytes with the init's moov in front of the fragment, and no EXT-X-MAP */
	memset(&both, 0, sizeof(both));
	memcpy(both.b, i.b, i.n);
	both.n = i.n;
	{
		/* the fragment's data offsets are moof-relative, so they survive the move */
		memcpy(both.b + both.n, f.b, f.n);
		both.n += f.n;
	}
	memset(&c, 0, sizeof(c));
	ts_remux_init(&rx, &ops, &c);
	assert_int_equal(ts_remux_segment_begin(&rx, TS_SEG_FMP4), 0);
	for (size_t o = 0; o < both.n; o += 100)
		assert_int_equal(ts_remux_feed(&rx, both.b + o, MIN(100, both.n - o)), 0);
	assert_int_equal(ts_remux_segment_end(&rx, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.n, ref.n);
	assert_memory_equal(c.buf, ref.buf, c.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_inside_segment), cmocka_unit_test(test_parse_init),
		cmocka_unit_test(test_parse_moof),	    cmocka_unit_test(test_fmp4_to_ts),
		cmocka_unit_test(test_fmp4_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
