/* Unit tests: CRC-32/MPEG-2, PAT/PMT build and parse, PES headers, 33-bit timestamps, audio. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ts/pes.h"
#include "core/ts/psi.h"
#include "core/ts/ts.h"

static void test_crc(void **state)
{
	(void)state;
	/* the CRC-32/MPEG-2 check value */
	assert_int_equal(psi_crc32((const uint8_t *)"123456789", 9), 0x0376e6e7);
	assert_int_equal(psi_crc32(NULL, 0), 0xffffffff);
}

static void test_pat_roundtrip(void **state)
{
	uint8_t pkt[TS_PKT];
	uint16_t pmt = 0, prog = 0;

	(void)state;
	psi_build_pat(pkt, 1, 0x1000, 7);
	assert_int_equal(pkt[0], 0x47);
	assert_int_equal(ts_pid(pkt), 0);
	assert_true(ts_pusi(pkt));
	assert_int_equal(ts_cc(pkt), 7);
	assert_int_equal(psi_section_check(pkt + 5, TS_PKT - 5), 16);
	assert_int_equal(psi_parse_pat(pkt + 5, TS_PKT - 5, &pmt, &prog), 0);
	assert_int_equal(pmt, 0x1000);
	assert_int_equal(prog, 1);
	for (int i = 5 + 16; i < TS_PKT; i++)
		assert_int_equal(pkt[i], 0xff);
	pkt[12] ^= 1; /* corrupt: CRC must catch it */
	assert_int_equal(psi_parse_pat(pkt + 5, TS_PKT - 5, &pmt, &prog), -ERR_PARSE);
	/* a section_length longer than the data */
	assert_int_equal(psi_section_check(pkt + 5, 10), -ERR_PARSE);
}

static void test_pmt_roundtrip(void **state)
{
	uint8_t pkt[TS_PKT];
	struct psi_out_es es[3] = {
		{TS_CODEC_H264, 0x100, ""},
		{TS_CODEC_AC3, 0x101, "deu"},
		{TS_CODEC_AAC, 0x102, "eng"},
	};
	struct psi_pmt pmt;

	(void)state;
	assert_int_equal(psi_build_pmt(pkt, 0x1000, 1, 0x100, 3, es, 3, 0), 0);
	assert_int_equal(ts_pid(pkt), 0x1000);
	assert_int_equal(psi_parse_pmt(pkt + 5, TS_PKT - 5, &pmt), 0);
	assert_int_equal(pmt.pcr_pid, 0x100);
	assert_int_equal(pmt.version, 3);
	assert_int_equal(pmt.n_es, 3);
	assert_int_equal(pmt.es[0].stream_type, 0x1b);
	assert_int_equal(pmt.es[0].codec, TS_CODEC_H264);
	assert_int_equal(pmt.es[1].stream_type, 0x06); /* DVB AC-3: private PES + 0x6a */
	assert_int_equal(pmt.es[1].codec, TS_CODEC_AC3);
	assert_string_equal(pmt.es[1].lang, "deu");
	assert_int_equal(pmt.es[2].stream_type, 0x0f);
	assert_int_equal(pmt.es[2].pid, 0x102);
	assert_string_equal(pmt.es[2].lang, "eng");
}

static void test_pmt_drm_types(void **state)
{
	uint8_t pkt[TS_PKT];
	struct psi_out_es es[1] = {{TS_CODEC_H264, 0x100, ""}};
	struct psi_pmt pmt;
	uint32_t crc;
	uint8_t *s = pkt + 5;
	size_t len;

	(void)state;
	psi_build_pmt(pkt, 0x1000, 1, 0x100, 0, es, 1, 0);
	len = (((size_t)s[1] & 0x0f) << 8 | s[2]) + 3;
	s[12] = 0xdb; /* SAMPLE-AES H.264 */
	crc = psi_crc32(s, len - 4);
	s[len - 4] = (uint8_t)(crc >> 24);
	s[len - 3] = (uint8_t)(crc >> 16);
	s[len - 2] = (uint8_t)(crc >> 8);
	s[len - 1] = (uint8_t)crc;
	assert_int_equal(psi_parse_pmt(s, TS_PKT - 5, &pmt), 0);
	assert_true(pmt.es[0].drm);
}

static void test_timestamps(void **state)
{
	uint8_t q[5];
	int64_t vals[] = {0, 1, 90000, TS_MASK, TS_MASK - 1, 0x123456789LL & TS_MASK};

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		ts_write_pts(q, 3, vals[i]);
		assert_int_equal(q[0] >> 4, 3);
		assert_true(q[0] & 1);
		assert_true(q[2] & 1);
		assert_true(q[4] & 1);
		assert_int_equal(ts_read_pts(q), vals[i]);
	}
	ts_write_pts(q, 2, TS_WRAP + 5); /* masked to 33 bits */
	assert_int_equal(ts_read_pts(q), 5);
	/* unwrap distance across the wrap, both ways */
	assert_int_equal(ts_diff33(TS_MASK - 10, 5), 16);
	assert_int_equal(ts_diff33(5, TS_MASK - 10), -16);
	assert_int_equal(ts_diff33(100, 100), 0);
	assert_int_equal(ts_diff33(0, (1LL << 32)), -(1LL << 32));
	/* PCR */
	{
		uint8_t f[6];

		ts_write_pcr(f, TS_MASK, 299);
		assert_int_equal(ts_read_pcr_base(f), TS_MASK);
		assert_int_equal(((f[4] & 1) << 8) | f[5], 299);
		assert_int_equal(f[4] & 0x7e, 0x7e);
	}
	assert_int_equal(ts_rescale90k(48000, 48000), 90000);
	assert_int_equal(ts_rescale90k(1001, 30000), 3003);
	assert_int_equal(ts_rescale90k(1000000000000LL, 1000), 90000000000000LL);
}

static void test_pes(void **state)
{
	uint8_t b[PES_HDR_MAX];
	struct pes_hdr h;
	unsigned n;

	(void)state;
	n = pes_build(b, 0xe0, 1000, 900, 0);
	assert_int_equal(n, 19);
	assert_int_equal(pes_parse(b, n, &h), 0);
	assert_int_equal(h.pts, 1000);
	assert_int_equal(h.dts, 900);
	assert_int_equal(h.hdr_len, 19);
	assert_int_equal(h.pts_off, 9);
	assert_int_equal(h.dts_off, 14);
	assert_int_equal(b[9] >> 4, 3);
	assert_int_equal(b[14] >> 4, 1);
	assert_int_equal(h.pes_len, 0);
	n = pes_build(b, 0xc0, 5000, 5000, 100);
	assert_int_equal(n, 14); /* DTS only when it differs */
	assert_int_equal(b[9] >> 4, 2);
	assert_int_equal(pes_parse(b, n, &h), 0);
	assert_int_equal(h.pes_len, 100 + 8);
	assert_int_equal(h.dts_off, 0);
	for (unsigned k = 0; k < n; k++)
		assert_true(pes_parse(b, k, &h) < 0);
	b[2] = 2;
	assert_int_equal(pes_parse(b, n, &h), -ERR_PARSE);
}

static void test_adts_and_asc(void **state)
{
	uint8_t h[7];
	struct audio_cfg c;
	unsigned idx = 0;
	static const uint8_t asc_lc[2] = {0x11, 0x90};		   /* AAC-LC 48 kHz stereo */
	static const uint8_t asc_he[4] = {0x2b, 0x92, 0x08, 0x00}; /* AOT 5 at 22.05 kHz */
	static const uint8_t asc_pce[2] = {0x11, 0x80};		   /* channel config 0 */

	(void)state;
	assert_int_equal(aac_parse_asc(asc_lc, 2, &c, &idx), 0);
	assert_int_equal(c.rate, 48000);
	assert_int_equal(c.channels, 2);
	assert_int_equal(idx, 3);
	adts_build(h, c.object, idx, c.channels, 300);
	assert_int_equal(adts_parse(h, 7, &c), 307);
	assert_int_equal(c.rate, 48000);
	assert_int_equal(c.channels, 2);
	assert_int_equal(c.object, 2);
	assert_int_equal(aac_parse_asc(asc_he, 4, &c, &idx), 0);
	assert_int_equal(c.object, 2); /* HE-AAC written as LC */
	assert_int_equal(c.rate, 22050);
	assert_int_equal(aac_parse_asc(asc_pce, 2, &c, &idx), -ERR_UNSUPPORTED);
	assert_int_equal(aac_parse_asc(asc_lc, 1, &c, &idx), -ERR_PARSE);
	assert_int_equal(adts_parse(h, 6, &c), -ERR_EOF);
	h[0] = 0;
	assert_int_equal(adts_parse(h, 7, &c), -ERR_PARSE);
}

static void test_ac3_mpa(void **state)
{
	struct audio_cfg c;
	/* AC-3 48 kHz, 192 kbps (frmsizecod 20), acmod 7 (3/2), lfe on */
	static const uint8_t ac3[8] = {0x0b, 0x77, 0, 0, 0x14, 0x40, 0xe1, 0x00};
	/* MPEG-1 layer II 48 kHz 192 kbps stereo */
	static const uint8_t mp2[4] = {0xff, 0xfd, 0xa4, 0x00};

	(void)state;
	assert_int_equal(ac3_parse(ac3, 8, &c), 768);
	assert_int_equal(c.codec, TS_CODEC_AC3);
	assert_int_equal(c.rate, 48000);
	assert_int_equal(c.channels, 6);
	assert_int_equal(ac3_parse(ac3, 7, &c), -ERR_EOF);
	assert_int_equal(mpa_parse(mp2, 4, &c), 576);
	assert_int_equal(c.rate, 48000);
	assert_int_equal(c.channels, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),	      cmocka_unit_test(test_pat_roundtrip),
		cmocka_unit_test(test_pmt_roundtrip), cmocka_unit_test(test_pmt_drm_types),
		cmocka_unit_test(test_timestamps),    cmocka_unit_test(test_pes),
		cmocka_unit_test(test_adts_and_asc),  cmocka_unit_test(test_ac3_mpa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
