/*
 * Unit tests: the TS remuxer on synthetic streams (PID map, CC renumbering, rebase at
 * discontinuities, 33-bit wrap, sections on resolution change, resync, AUD insertion, DRM).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ts/remux.h"

/* ---- a small TS generator ---- */

struct gen {
	uint8_t *buf;
	size_t n, cap;
	uint8_t cc[8192];
	bool aud; /* put an AUD in video access units */
	bool pcr_in_video;
	uint16_t pcr_pid;
};

static uint8_t *gen_pkt(struct gen *g)
{
	assert_true(g->n + TS_PKT <= g->cap);
	g->n += TS_PKT;
	return g->buf + g->n - TS_PKT;
}

static void gen_psi(struct gen *g, uint16_t vpid, uint8_t vtype, uint16_t apid, uint8_t atype)
{
	uint8_t *p = gen_pkt(g);
	struct psi_out_es es[2];
	int n = 0;
	uint8_t *s;
	size_t len;
	uint32_t crc;

	psi_build_pat(p, 1, 0x30, g->cc[0]++ & 15);
	p = gen_pkt(g);
	if (vpid) {
		es[n].codec = TS_CODEC_H264;
		es[n].pid = vpid;
		es[n++].lang[0] = 0;
	}
	if (apid) {
		es[n].codec = TS_CODEC_AAC;
		es[n].pid = apid;
		es[n++].lang[0] = 0;
	}
	psi_build_pmt(p, 0x30, 1, g->pcr_pid ? g->pcr_pid : vpid, 0, es, n, g->cc[0x30]++ & 15);
	/* patch the stream types in (SAMPLE-AES tests) and fix the CRC */
	s = p + 5;
	len = (((size_t)s[1] & 0x0f) << 8 | s[2]) + 3;
	if (vpid)
		s[12] = vtype;
	if (apid)
		s[12 + (vpid ? 5 : 0)] = atype;
	crc = psi_crc32(s, len - 4);
	s[len - 4] = (uint8_t)(crc >> 24);
	s[len - 3] = (uint8_t)(crc >> 16);
	s[len - 2] = (uint8_t)(crc >> 8);
	s[len - 1] = (uint8_t)crc;
}

/* One PES split into packets with adaptation-field stuffing; optional PCR in the first. */
static void gen_pes(struct gen *g, uint16_t pid, uint8_t sid, int64_t pts, int64_t dts,
		    const uint8_t *es, size_t n, int64_t pcr)
{
	uint8_t hdr[PES_HDR_MAX];
	unsigned hl = pes_build(hdr, sid, pts, dts, sid == 0xe0 ? 0 : n);
	uint8_t *all = malloc(hl + n);
	size_t len = hl + n, off = 0;
	bool first = true;

	memcpy(all, hdr, hl);
	memcpy(all + hl, es, n);
	while (off < len) {
		uint8_t *p = gen_pkt(g);
		size_t room = 184, af = 0, take;

		if (first && pcr >= 0)
			af = 8;
		if (len - off < room - af)
			af = 184 - (len - off);
		take = 184 - af;
		p[0] = 0x47;
		p[1] = (uint8_t)((first ? 0x40 : 0) | (pid >> 8));
		p[2] = (uint8_t)pid;
		p[3] = (uint8_t)((af ? 0x30 : 0x10) | (g->cc[pid]++ & 15));
		if (af) {
			p[4] = (uint8_t)(af - 1);
			if (af > 1) {
				p[5] = 0;
				memset(p + 6, 0xff, af - 2);
				if (first && pcr >= 0) {
					p[5] = 0x10;
					ts_write_pcr(p + 6, pcr, 0);
				}
			}
		}
		memcpy(p + 4 + af, all + off, take);
		off += take;
		first = false;
	}
	free(all);
}

static const uint8_t sps_360[] = {0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5,
				  0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00,
				  0x03, 0x00, 0xc8, 0x3c, 0x58, 0xba, 0x80};
static const uint8_t sps_1080[] = {0x67, 0x42, 0xc0, 0x28, 0xda, 0x01, 0xe0, 0x08, 0x9f,
				   0x97, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
				   0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x2a};

/* A video access unit: [AUD] [SPS PPS IDR] or a P slice, size bytes of slice data. */
static void gen_video(struct gen *g, uint16_t pid, int64_t pts, int64_t dts, bool key,
		      const uint8_t *sps, size_t sps_n, size_t size, bool pcr)
{
	uint8_t *au = malloc(size + 128);
	size_t n = 0;

	if (g->aud) {
		memcpy(au, "\x00\x00\x00\x01\x09\xf0", 6);
		n = 6;
	}
	if (key) {
		memcpy(au + n, "\x00\x00\x00\x01", 4);
		memcpy(au + n + 4, sps, sps_n);
		n += 4 + sps_n;
		memcpy(au + n, "\x00\x00\x00\x01\x68\xce\x38\x80", 8);
		n += 8;
	}
	memcpy(au + n, key ? "\x00\x00\x01\x65\x88" : "\x00\x00\x01\x41\x9a", 5);
	n += 5;
	for (size_t i = 0; i < size; i++)
		au[n++] = (uint8_t)(0x10 + (i % 200)); /* no start codes inside */
	gen_pes(g, pid, 0xe0, pts, dts, au, n, pcr ? (dts - 63000) & TS_MASK : -1);
	free(au);
}

static void gen_audio(struct gen *g, uint16_t pid, int64_t pts)
{
	uint8_t fr[207];

	adts_build(fr, 2, 3, 2, 200);
	memset(fr + 7, 0x21, 200);
	gen_pes(g, pid, 0xc0, pts, pts, fr, sizeof(fr), -1);
}

/* One audio PES of n ADTS frames (AAC, 48 kHz: 1920 ticks each) of varying sizes. */
static void gen_audio_frames(struct gen *g, uint16_t pid, int64_t pts, int n)
{
	uint8_t fr[8 * 300] = {0};
	size_t len = 0;

	assert_true(n <= 8);
	for (int i = 0; i < n; i++) {
		size_t pay =
			150 + (size_t)((pts / 1920 + i) * 37 % 120); /* headers fall anywhere */

		adts_build(fr + len, 2, 3, 2, pay);
		memset(fr + len + 7, 0x21, pay);
		len += 7 + pay;
	}
	gen_pes(g, pid, 0xc0, pts, pts, fr, len, -1);
}

/* A segment of frames at 25 fps from pts0 (90 kHz, 33-bit), key frame first. */
static void gen_segment(struct gen *g, int64_t pts0, int frames, const uint8_t *sps, size_t sps_n)
{
	gen_psi(g, 0x44, 0x1b, 0x45, 0x0f);
	for (int i = 0; i < frames; i++) {
		int64_t t = (pts0 + (int64_t)i * 3600) & TS_MASK;

		gen_video(g, 0x44, t, t, i == 0, sps, sps_n, 1500, (i % 2) == 0 || i == 0);
		gen_audio(g, 0x45, t);
		if (i % 10 == 9)
			gen_psi(g, 0x44, 0x1b, 0x45, 0x0f);
	}
}

static void gen_init(struct gen *g, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->buf = malloc(cap);
	g->cap = cap;
	g->aud = true;
	for (int i = 0; i < 8192; i++)
		g->cc[i] = (uint8_t)(i * 7); /* input CCs start anywhere */
}

/* ---- a capturing sink ---- */

struct cap {
	uint8_t *buf;
	size_t n, cap;
	int sections;
	size_t sec_off[8];
	struct ts_section_info info[8];
	int fail_write;
};

static int cap_write(void *ctx, const uint8_t *p, size_t n)
{
	struct cap *c = ctx;

	assert_int_equal(n % TS_PKT, 0);
	if (c->fail_write)
		return -28;
	assert_true(c->n + n <= c->cap);
	memcpy(c->buf + c->n, p, n);
	c->n += n;
	return 0;
}

static int cap_section(void *ctx, const struct ts_section_info *info)
{
	struct cap *c = ctx;

	assert_true(c->sections < 8);
	assert_int_equal(info->index, c->sections);
	c->sec_off[c->sections] = c->n;
	c->info[c->sections++] = *info;
	return 0;
}

static const struct ts_sink_ops cap_ops = {cap_write, cap_section};

static struct ts_remux rx; /* large: keep it static */

static void cap_init(struct cap *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->buf = malloc(cap);
	c->cap = cap;
	ts_remux_init(&rx, &cap_ops, c);
}

static int feed_seg(const uint8_t *p, size_t n, unsigned flags, size_t chunk,
		    struct ts_segment_info *si)
{
	int rc = ts_remux_segment_begin(&rx, flags);

	for (size_t o = 0; o < n && rc == 0; o += chunk)
		rc = ts_remux_feed(&rx, p + o, MIN(chunk, n - o));
	if (rc == 0)
		rc = ts_remux_segment_end(&rx, si);
	return rc;
}

/*
 * As feed_seg() through ts_remux_feed_mut(): each chunk is copied into a scratch buffer the
 * remuxer may rewrite, which is poisoned after the call (nothing may point into it later).
 */
static int feed_seg_mut(const uint8_t *p, size_t n, unsigned flags, size_t chunk,
			struct ts_segment_info *si)
{
	uint8_t *tmp = malloc(chunk);
	int rc = ts_remux_segment_begin(&rx, flags);

	assert_non_null(tmp);
	for (size_t o = 0; o < n && rc == 0; o += chunk) {
		size_t k = MIN(chunk, n - o);

		memcpy(tmp, p + o, k);
		rc = ts_remux_feed_mut(&rx, tmp, k);
		memset(tmp, 0xee, k);
	}
	if (rc == 0)
		rc = ts_remux_segment_end(&rx, si);
	free(tmp);
	return rc;
}

/* Checks output[from..to): PIDs, CC continuity, monotonic video DTS; returns #video PES. */
struct out_check {
	int video_pes, audio_pes, pcrs, pats, aud_missing;
	int64_t first_dts, last_dts; /* unwrapped */
};

static void check_out(const uint8_t *p, size_t n, struct out_check *oc)
{
	int cc[8192];
	int64_t ref = TS_NOTS;

	memset(oc, 0, sizeof(*oc));
	for (int i = 0; i < 8192; i++)
		cc[i] = -1;
	oc->first_dts = oc->last_dts = TS_NOTS;
	assert_int_equal(n % TS_PKT, 0);
	assert_true(n >= 2 * TS_PKT);
	assert_int_equal(ts_pid(p), 0);
	assert_int_equal(ts_pid(p + TS_PKT), 0x1000);
	for (size_t o = 0; o < n; o += TS_PKT) {
		const uint8_t *q = p + o;
		unsigned pid = ts_pid(q), afc = ts_afc(q), po = ts_payload_off(q);

		assert_int_equal(q[0], 0x47);
		assert_true(pid == 0 || pid == 0x1000 || pid == 0x100 || pid == 0x101);
		if (afc & 1) {
			if (cc[pid] >= 0)
				assert_int_equal(ts_cc(q), (cc[pid] + 1) & 15);
			cc[pid] = (int)ts_cc(q);
		} else if (cc[pid] >= 0) {
			assert_int_equal(ts_cc(q), cc[pid]);
		}
		if ((afc & 2) && q[4] && (q[5] & 0x10)) {
			assert_int_equal(pid, 0x100);
			oc->pcrs++;
		}
		if (pid == 0)
			oc->pats++;
		if (ts_pusi(q) && po < TS_PKT && (pid == 0x100 || pid == 0x101)) {
			struct pes_hdr h;

			assert_int_equal(pes_parse(q + po, TS_PKT - po, &h), 0);
			if (pid == 0x101) {
				oc->audio_pes++;
				continue;
			}
			oc->video_pes++;
			if (memcmp(q + po + h.hdr_len, "\x00\x00\x00\x01\x09\xf0", 6) != 0)
				oc->aud_missing++;
			{
				int64_t u = ref == TS_NOTS ? h.dts : ref + ts_diff33(ref, h.dts);

				if (oc->last_dts != TS_NOTS)
					assert_true(u > oc->last_dts);
				if (oc->first_dts == TS_NOTS)
					oc->first_dts = u;
				oc->last_dts = u;
				ref = u;
			}
		}
	}
}

/* ---- tests ---- */

static void test_pids_and_ccs(void **state)
{
	struct gen g;
	struct cap c;
	struct ts_segment_info si;
	struct out_check oc;

	(void)state;
	gen_init(&g, 1 << 20);
	cap_init(&c, 1 << 21);
	gen_segment(&g, 90000, 50, sps_360, sizeof(sps_360));
	assert_int_equal(feed_seg(g.buf, g.n, 0, 65536, &si), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.sections, 1);
	assert_int_equal(c.info[0].width, 640);
	assert_int_equal(c.info[0].height, 360);
	assert_int_equal(c.info[0].vcodec, TS_CODEC_H264);
	assert_int_equal(c.info[0].n_audio, 1);
	assert_int_equal(c.info[0].audio[0].rate, 48000);
	assert_true(si.keyframe);
	assert_true(si.new_section);
	assert_int_equal(si.duration, 50 * 3600);
	check_out(c.buf, c.n, &oc);
	assert_int_equal(oc.video_pes, 50);
	assert_int_equal(oc.audio_pes, 50);
	assert_int_equal(oc.aud_missing, 0);
	assert_true(oc.pcrs >= 25);
	assert_true(oc.pats >= 2 + 4);
	free(g.buf);
	free(c.buf);
}

static void test_discontinuity_rebase_and_jump(void **state)
{
	struct gen g;
	struct cap c;
	struct ts_segment_info si;
	struct out_check oc;
	size_t a, b;

	(void)state;
	gen_init(&g, 4 << 20);
	cap_init(&c, 8 << 20);
	gen_segment(&g, 90000, 25, sps_360, sizeof(sps_360));
	a = g.n;
	gen_segment(&g, 7777777, 25, sps_360, sizeof(sps_360)); /* another encode, tagged */
	b = g.n;
	gen_segment(&g, 7777777 + 25 * 3600 + 30 * 90000, 25, sps_360, sizeof(sps_360)); /* +30 s */
	assert_int_equal(feed_seg(g.buf, a, 0, 4096, &si), 0);
	assert_false(si.rebased);
	assert_int_equal(feed_seg(g.buf + a, b - a, TS_SEG_DISCONTINUITY, 4096, &si), 0);
	assert_true(si.rebased);
	assert_false(si.new_section);
	assert_int_equal(feed_seg(g.buf + b, g.n - b, 0, 4096, &si), 0);
	assert_true(si.rebased); /* unannounced jump over 10 s */
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.sections, 1);
	check_out(c.buf, c.n, &oc);
	assert_int_equal(oc.video_pes, 75);
	/* continuous: 75 frames of 3600 with no gap */
	assert_int_equal(oc.last_dts - oc.first_dts, 74 * 3600);
	assert_int_equal(oc.first_dts, 90000);
	free(g.buf);
	free(c.buf);
}

static void test_wrap(void **state)
{
	struct gen g;
	struct cap c;
	struct ts_segment_info si;
	struct out_check oc;

	(void)state;
	gen_init(&g, 4 << 20);
	cap_init(&c, 8 << 20);
	gen_segment(&g, TS_WRAP - 90000, 100, sps_360, sizeof(sps_360)); /* wraps after 1 s */
	assert_int_equal(feed_seg(g.buf, g.n, 0, 1000, &si), 0);
	assert_false(si.rebased);
	assert_int_equal(ts_remux_finish(&rx), 0);
	check_out(c.buf, c.n, &oc);
	assert_int_equal(oc.video_pes, 100);
	assert_int_equal(oc.first_dts, TS_WRAP - 90000);
	assert_int_equal(oc.last_dts - oc.first_dts, 99 * 3600);
	assert_int_equal(si.duration, 100 * 3600);
	free(g.buf);
	free(c.buf);
}

static void test_resolution_change_opens_section(void **state)
{
	struct gen g;
	struct cap c;
	struct ts_segment_info si;
	struct out_check oc;
	size_t a;

	(void)state;
	gen_init(&g, 4 << 20);
	cap_init(&c, 8 << 20);
	gen_segment(&g, 90000, 25, sps_360, sizeof(sps_360));
	a = g.n;
	gen_segment(&g, 90000 + 25 * 3600, 25, sps_1080, sizeof(sps_1080));
	assert_int_equal(feed_seg(g.buf, a, 0, 188, &si), 0);
	assert_int_equal(feed_seg(g.buf + a, g.n - a, 0, 188, &si), 0);
	assert_true(si.new_section);
	assert_int_equal(si.section, 1);
	assert_int_equal(si.width, 1920);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.sections, 2);
	assert_int_equal(c.info[1].height, 1080);
	check_out(c.buf, c.sec_off[1], &oc);
	assert_int_equal(oc.video_pes, 25);
	check_out(c.buf + c.sec_off[1], c.n - c.sec_off[1], &oc);
	assert_int_equal(oc.video_pes, 25);
	free(g.buf);
	free(c.buf);
}

static void test_any_split_same_output(void **state)
{
	struct gen g;
	struct cap c1, c2;
	size_t a;
	static const size_t chunks[] = {1, 7, 187, 189, 1000};

	(void)state;
	gen_init(&g, 4 << 20);
	gen_segment(&g, 90000, 20, sps_360, sizeof(sps_360));
	a = g.n;
	gen_segment(&g, 5000000, 20, sps_360, sizeof(sps_360));
	cap_init(&c1, 8 << 20);
	assert_int_equal(feed_seg(g.buf, a, 0, g.n, NULL), 0);
	assert_int_equal(feed_seg(g.buf + a, g.n - a, TS_SEG_DISCONTINUITY, g.n, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		cap_init(&c2, 8 << 20);
		assert_int_equal(feed_seg(g.buf, a, 0, chunks[k], NULL), 0);
		assert_int_equal(
			feed_seg(g.buf + a, g.n - a, TS_SEG_DISCONTINUITY, chunks[k], NULL), 0);
		assert_int_equal(ts_remux_finish(&rx), 0);
		assert_int_equal(c2.n, c1.n);
		assert_memory_equal(c2.buf, c1.buf, c1.n);
		free(c2.buf);
	}
	free(c1.buf);
	free(g.buf);
}

/* In-place rewriting gives byte for byte the output of the copying path, at any split. */
static void test_in_place_same_output(void **state)
{
	struct gen g;
	struct cap c1, c2;
	size_t a, b;
	static const size_t chunks[] = {1, 7, 187, 188, 189, 1000, 188 * 40, 1 << 20};

	(void)state;
	gen_init(&g, 4 << 20);
	gen_segment(&g, 90000, 20, sps_360, sizeof(sps_360));
	a = g.n;
	gen_segment(&g, 5000000, 20, sps_360, sizeof(sps_360));
	b = g.n;
	g.aud = false; /* PES repacked with an AUD: generated packets between in-place runs */
	gen_segment(&g, 5000000 + 20 * 3600, 20, sps_1080, sizeof(sps_1080));
	memset(g.buf + b + 188 * 30 + 5, 0x5a, 100); /* a damaged packet: resync */
	cap_init(&c1, 8 << 20);
	assert_int_equal(feed_seg(g.buf, a, 0, g.n, NULL), 0);
	assert_int_equal(feed_seg(g.buf + a, b - a, TS_SEG_DISCONTINUITY, g.n, NULL), 0);
	assert_int_equal(feed_seg(g.buf + b, g.n - b, 0, g.n, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_true(c1.sections == 2);
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		cap_init(&c2, 8 << 20);
		assert_int_equal(feed_seg_mut(g.buf, a, 0, chunks[k], NULL), 0);
		assert_int_equal(
			feed_seg_mut(g.buf + a, b - a, TS_SEG_DISCONTINUITY, chunks[k], NULL), 0);
		assert_int_equal(feed_seg_mut(g.buf + b, g.n - b, 0, chunks[k], NULL), 0);
		assert_int_equal(ts_remux_finish(&rx), 0);
		assert_int_equal(c2.sections, c1.sections);
		assert_int_equal(c2.n, c1.n);
		assert_memory_equal(c2.buf, c1.buf, c1.n);
		free(c2.buf);
	}
	free(c1.buf);
	free(g.buf);
}

static void test_garbage_resync(void **state)
{
	struct gen g;
	struct cap c;
	struct ts_segment_info si;
	struct out_check oc;
	uint8_t *bad;
	size_t n, cut;

	(void)state;
	gen_init(&g, 2 << 20);
	cap_init(&c, 4 << 20);
	gen_segment(&g, 90000, 30, sps_360, sizeof(sps_360));
	bad = malloc(g.n + 2000);
	memset(bad, 0x47, 300); /* sync bytes that are not packets */
	cut = 188 * 40;
	memcpy(bad + 300, g.buf, cut);
	memset(bad + 300 + cut, 0x5a, 111);
	memcpy(bad + 411 + cut, g.buf + cut + 50, g.n - cut - 50); /* 50 bytes lost */
	n = 411 + g.n - 50;
	assert_int_equal(feed_seg(bad, n - 100, 0, 333, &si), 0); /* truncated tail too */
	assert_true(si.skipped >= 300);
	assert_int_equal(ts_remux_finish(&rx), 0);
	check_out(c.buf, c.n, &oc);
	assert_true(oc.video_pes >= 25);
	free(bad);
	free(g.buf);
	free(c.buf);
}

static void test_aud_inserted(void **state)
{
	struct gen g;
	struct cap c;
	struct out_check oc;

	(void)state;
	gen_init(&g, 2 << 20);
	g.aud = false;
	cap_init(&c, 4 << 20);
	gen_segment(&g, 90000, 30, sps_360, sizeof(sps_360));
	assert_int_equal(feed_seg(g.buf, g.n, 0, 5000, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	check_out(c.buf, c.n, &oc);
	assert_int_equal(oc.video_pes, 30);
	assert_int_equal(oc.aud_missing, 0);
	free(g.buf);
	free(c.buf);
}

static void test_pcr_on_own_pid(void **state)
{
	struct gen g;
	struct cap c;
	struct out_check oc;

	(void)state;
	gen_init(&g, 2 << 20);
	g.pcr_pid = 0x50;
	cap_init(&c, 4 << 20);
	gen_psi(&g, 0x44, 0x1b, 0x45, 0x0f);
	for (int i = 0; i < 40; i++) {
		uint8_t *p = gen_pkt(&g);
		int64_t t = 90000 + i * 3600;

		/* PCR-only packet on its own PID, then the frame without PCR */
		memset(p, 0xff, TS_PKT);
		p[0] = 0x47;
		p[1] = 0x00;
		p[2] = 0x50;
		p[3] = 0x20;
		p[4] = 183;
		p[5] = 0x10;
		ts_write_pcr(p + 6, t - 40000, 0);
		gen_video(&g, 0x44, t, t, i == 0, sps_360, sizeof(sps_360), 300, false);
		gen_audio(&g, 0x45, t);
	}
	assert_int_equal(feed_seg(g.buf, g.n, 0, 5000, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	check_out(c.buf, c.n, &oc);
	assert_true(oc.pcrs >= 40);
	free(g.buf);
	free(c.buf);
}

static void test_drm(void **state)
{
	struct gen g;
	struct cap c;

	(void)state;
	gen_init(&g, 1 << 20);
	cap_init(&c, 1 << 20);
	gen_psi(&g, 0x44, 0xdb, 0x45, 0x0f); /* SAMPLE-AES H.264 */
	gen_video(&g, 0x44, 0, 0, true, sps_360, sizeof(sps_360), 100, true);
	assert_int_equal(feed_seg(g.buf, g.n, 0, 188, NULL), -ERR_DRM);
	assert_int_equal(ts_remux_segment_begin(&rx, 0), -ERR_DRM); /* sticky */
	assert_int_equal(c.n, 0);
	free(g.buf);
	free(c.buf);
	gen_init(&g, 1 << 20);
	cap_init(&c, 1 << 20);
	gen_segment(&g, 0, 5, sps_360, sizeof(sps_360));
	g.buf[188 * 3 + 3] |= 0x80; /* scrambled video packet */
	assert_int_equal(feed_seg(g.buf, g.n, 0, 188, NULL), -ERR_DRM);
	free(g.buf);
	free(c.buf);
}

static void test_sink_error_is_sticky(void **state)
{
	struct gen g;
	struct cap c;

	(void)state;
	gen_init(&g, 1 << 20);
	cap_init(&c, 1 << 20);
	c.fail_write = 1;
	gen_segment(&g, 0, 50, sps_360, sizeof(sps_360));
	assert_int_equal(feed_seg(g.buf, g.n, 0, 188, NULL), -28);
	assert_int_equal(ts_remux_feed(&rx, g.buf, 188), -28);
	assert_int_equal(ts_remux_finish(&rx), -28);
	free(g.buf);
	free(c.buf);
}

static void test_duplicate_packet_dropped(void **state)
{
	struct gen g;
	struct cap c, ref;
	uint8_t *dup;
	size_t k = 10; /* a video continuation packet */

	(void)state;
	gen_init(&g, 1 << 20);
	gen_segment(&g, 90000, 10, sps_360, sizeof(sps_360));
	cap_init(&ref, 2 << 20);
	assert_int_equal(feed_seg(g.buf, g.n, 0, 188, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	while (ts_pid(g.buf + k * TS_PKT) != 0x44 || ts_pusi(g.buf + k * TS_PKT))
		k++;
	dup = malloc(g.n + TS_PKT);
	memcpy(dup, g.buf, (k + 1) * TS_PKT);
	memcpy(dup + (k + 1) * TS_PKT, g.buf + k * TS_PKT, g.n - k * TS_PKT);
	cap_init(&c, 2 << 20);
	assert_int_equal(feed_seg(dup, g.n + TS_PKT, 0, 188, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.n, ref.n);
	assert_memory_equal(c.buf, ref.buf, c.n);
	free(dup);
	free(g.buf);
	free(c.buf);
	free(ref.buf);
}

static void test_rebase_keeps_presentation_order(void **state)
{
	struct gen g;
	struct cap c;
	size_t a;
	int64_t max_pts = TS_NOTS;
	int keys = 0;

	(void)state;
	gen_init(&g, 2 << 20);
	cap_init(&c, 4 << 20);
	/* first encode: pictures presented 2 frames after decoding (B-frame delay) */
	gen_psi(&g, 0x44, 0x1b, 0x45, 0x0f);
	for (int i = 0; i < 25; i++) {
		int64_t t = 90000 + i * 3600;

		gen_video(&g, 0x44, t + 7200, t, i == 0, sps_360, sizeof(sps_360), 500, true);
		gen_audio(&g, 0x45, t);
	}
	a = g.n;
	/* second encode: no delay */
	gen_segment(&g, 5000000, 25, sps_360, sizeof(sps_360));
	assert_int_equal(feed_seg(g.buf, a, 0, 1000, NULL), 0);
	assert_int_equal(feed_seg(g.buf + a, g.n - a, TS_SEG_DISCONTINUITY, 1000, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	for (size_t o = 0; o < c.n; o += TS_PKT) {
		const uint8_t *q = c.buf + o;
		unsigned po = ts_payload_off(q);
		struct pes_hdr h;

		if (ts_pid(q) != 0x100 || !ts_pusi(q) || po >= TS_PKT)
			continue;
		assert_int_equal(pes_parse(q + po, TS_PKT - po, &h), 0);
		if (memmem(q + po + h.hdr_len, TS_PKT - po - h.hdr_len, "\x00\x01\x67", 3)) {
			if (keys == 1)
				assert_true(h.pts >
					    max_pts); /* nothing shown after the new key frame */
			keys++;
		}
		if (max_pts == TS_NOTS || h.pts > max_pts)
			max_pts = h.pts;
	}
	assert_int_equal(keys, 2);
	free(g.buf);
	free(c.buf);
}

/*
 * An encode of 24 pictures (25 fps) and 45 AAC frames (48 kHz) in PES of 4 frames, the last
 * PES holding 1: both streams end at pts0 + 86400.
 */
static void gen_encode(struct gen *g, int64_t pts0)
{
	int na = 0;

	gen_psi(g, 0x44, 0x1b, 0x45, 0x0f);
	for (int i = 0; i < 24; i++) {
		int64_t t = pts0 + i * 3600;

		gen_video(g, 0x44, t, t, i == 0, sps_360, sizeof(sps_360), 800, true);
		while (na < 45 && (int64_t)na * 1920 <= i * 3600) {
			int k = MIN(4, 45 - na);

			gen_audio_frames(g, 0x45, pts0 + (int64_t)na * 1920, k);
			na += k;
		}
	}
	gen_audio_frames(g, 0x45, pts0 + (int64_t)na * 1920, 45 - na);
}

/* DTS of the PES starts on output PID pid, in order (unwrapped); returns how many. */
static int out_dts(const struct cap *c, unsigned pid, int64_t *dts, int max)
{
	int n = 0;

	for (size_t o = 0; o < c->n && n < max; o += TS_PKT) {
		const uint8_t *q = c->buf + o;
		unsigned po = ts_payload_off(q);
		struct pes_hdr h;

		if (ts_pid(q) != pid || !ts_pusi(q) || po >= TS_PKT)
			continue;
		assert_int_equal(pes_parse(q + po, TS_PKT - po, &h), 0);
		dts[n] = n ? dts[n - 1] + ts_diff33(dts[n - 1], h.dts) : h.dts;
		n++;
	}
	return n;
}

/*
 * At a splice between two encodes whose streams end and start together, video and audio
 * each continue by one frame of their own (within 1 ms), whatever the audio PES held.
 */
static void test_splice_steps_one_frame(void **state)
{
	static const size_t chunks[] = {100000, 1000, 188};
	struct gen g;
	int64_t v[64], a[64];
	size_t cut;

	(void)state;
	gen_init(&g, 2 << 20);
	gen_encode(&g, 900000);
	cut = g.n;
	gen_encode(&g, 5000000); /* another encode, tagged */
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct cap c;
		int nv, na;

		cap_init(&c, 4 << 20);
		assert_int_equal(feed_seg(g.buf, cut, 0, chunks[k], NULL), 0);
		assert_int_equal(
			feed_seg_mut(g.buf + cut, g.n - cut, TS_SEG_DISCONTINUITY, chunks[k], NULL),
			0);
		assert_int_equal(ts_remux_finish(&rx), 0);
		nv = out_dts(&c, 0x100, v, 64);
		na = out_dts(&c, 0x101, a, 64);
		assert_int_equal(nv, 48);
		assert_int_equal(na, 24);
		/* 12 audio PES an encode, the 12th holding one frame: PES 12 starts the splice */
		assert_in_range(v[24] - v[23], 3600 - 90, 3600 + 90);
		assert_in_range(a[12] - a[11], 1920 - 90, 1920 + 90);
		free(c.buf);
	}
	free(g.buf);
}

static void test_video_pid_without_data(void **state)
{
	struct gen g;
	struct cap c;
	struct out_check oc;

	(void)state;
	gen_init(&g, 2 << 20);
	cap_init(&c, 4 << 20);
	gen_psi(&g, 0x44, 0x1b, 0x45, 0x0f); /* video listed, never sent */
	for (int i = 0; i < 300; i++) {
		if (i % 20 == 0)
			gen_psi(&g, 0x44, 0x1b, 0x45, 0x0f);
		gen_audio(&g, 0x45, 90000 + i * 1920);
	}
	assert_int_equal(feed_seg(g.buf, g.n, 0, 4096, NULL), 0);
	assert_int_equal(ts_remux_finish(&rx), 0);
	assert_int_equal(c.sections, 1);
	check_out(c.buf, c.n, &oc);
	assert_true(oc.audio_pes >= 90);
	assert_int_equal(oc.video_pes, 0);
	free(g.buf);
	free(c.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pids_and_ccs),
		cmocka_unit_test(test_discontinuity_rebase_and_jump),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_resolution_change_opens_section),
		cmocka_unit_test(test_any_split_same_output),
		cmocka_unit_test(test_in_place_same_output),
		cmocka_unit_test(test_garbage_resync),
		cmocka_unit_test(test_aud_inserted),
		cmocka_unit_test(test_pcr_on_own_pid),
		cmocka_unit_test(test_drm),
		cmocka_unit_test(test_sink_error_is_sticky),
		cmocka_unit_test(test_duplicate_packet_dropped),
		cmocka_unit_test(test_rebase_keeps_presentation_order),
		cmocka_unit_test(test_video_pid_without_data),
		cmocka_unit_test(test_splice_steps_one_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
