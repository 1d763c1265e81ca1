/* Unit tests: H.264/HEVC SPS resolution, access-unit scan, avcC/hvcC to Annex B, MPEG-2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ts/h26x.h"

/* SPS NALs taken from x264/x265 output of Debian's ffmpeg at the named sizes. */
static const uint8_t h264_1080_base[] = {0x67, 0x42, 0xc0, 0x28, 0xda, 0x01, 0xe0, 0x08, 0x9f,
					 0x97, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
					 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x2a};
static const uint8_t h264_360[] = {0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5,
				   0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00,
				   0x03, 0x00, 0xc8, 0x3c, 0x58, 0xba, 0x80};
static const uint8_t h264_576[] = {0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0xd0, 0x49,
				   0xb0, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00,
				   0x00, 0x03, 0x00, 0x32, 0x0f, 0x16, 0x2e, 0xa0};
static const uint8_t h264_1080_high[] = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02,
					 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
					 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0xc6, 0x58};
static const uint8_t h264_1440i[] = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x5a, 0x04,
				     0x4f, 0xde, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x40,
				     0x00, 0x00, 0x06, 0x43, 0xe2, 0xc5, 0xb2, 0xc0};
static const uint8_t hevc_1080[] = {
	0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
	0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x11, 0x07, 0xcb, 0x96, 0x56, 0x54, 0xa4, 0xc2,
	0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x0c, 0x84};
static const uint8_t hevc_360[] = {0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
				   0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3f, 0xa0, 0x05, 0x02, 0x01,
				   0x71, 0xf2, 0xe5, 0x95, 0x95, 0x29, 0x30, 0xbc, 0x05, 0xa0, 0x20,
				   0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0x21};
static const uint8_t hevc_576[] = {0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
				   0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5a, 0xa0, 0x05, 0xa2, 0x00,
				   0x90, 0x59, 0x65, 0x65, 0x4a, 0x4c, 0x2f, 0x01, 0x68, 0x08, 0x00,
				   0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x40};

static void check_h264(const uint8_t *p, size_t n, int w, int h)
{
	struct h26x_sps_info si;

	assert_int_equal(h264_parse_sps(p, n, &si), 0);
	assert_int_equal(si.width, w);
	assert_int_equal(si.height, h);
}

static void check_hevc(const uint8_t *p, size_t n, int w, int h)
{
	struct h26x_sps_info si;

	assert_int_equal(hevc_parse_sps(p, n, &si), 0);
	assert_int_equal(si.width, w);
	assert_int_equal(si.height, h);
}

static void test_h264_sps_sizes(void **state)
{
	(void)state;
	check_h264(h264_1080_base, sizeof(h264_1080_base), 1920, 1080); /* cropped from 1088 */
	check_h264(h264_360, sizeof(h264_360), 640, 360);
	check_h264(h264_576, sizeof(h264_576), 720, 576);
	check_h264(h264_1080_high, sizeof(h264_1080_high), 1920, 1080);
	check_h264(h264_1440i, sizeof(h264_1440i), 1440, 1080); /* field coding */
}

static void test_hevc_sps_sizes(void **state)
{
	(void)state;
	check_hevc(hevc_1080, sizeof(hevc_1080), 1920, 1080);
	check_hevc(hevc_360, sizeof(hevc_360), 640, 360);
	check_hevc(hevc_576, sizeof(hevc_576), 720, 576);
}

static void test_sps_truncated_and_wrong(void **state)
{
	struct h26x_sps_info si;

	(void)state;
	/* every truncation fails cleanly (ASan checks no read past n) */
	for (size_t n = 0; n < 8; n++)
		assert_int_not_equal(h264_parse_sps(h264_1080_base, n, &si), 0);
	for (size_t n = 0; n < 20; n++)
		assert_int_not_equal(hevc_parse_sps(hevc_1080, n, &si), 0);
	assert_int_equal(h264_parse_sps(hevc_1080, sizeof(hevc_1080), &si), -ERR_PARSE);
	assert_int_equal(hevc_parse_sps(h264_360, sizeof(h264_360), &si), -ERR_PARSE);
	{
		uint8_t junk[64];

		memset(junk, 0, sizeof(junk));
		junk[0] = 0x67;
		assert_int_not_equal(h264_parse_sps(junk, sizeof(junk), &si), 0);
	}
}

static void test_scan_au(void **state)
{
	uint8_t au[128];
	size_t n = 0;
	struct h26x_au_scan sc;

	(void)state;
	memcpy(au + n, "\x00\x00\x00\x01\x09\xf0", 6);
	n += 6;
	memcpy(au + n, "\x00\x00\x00\x01", 4);
	n += 4;
	memcpy(au + n, h264_360, sizeof(h264_360));
	n += sizeof(h264_360);
	memcpy(au + n, "\x00\x00\x01\x68\xce\x38\x80\x00\x00\x01\x65\x88\x84", 13);
	n += 13;
	h26x_scan_au(au, n, false, &sc);
	assert_true(sc.aud);
	assert_true(sc.key);
	assert_true(sc.vcl);
	assert_non_null(sc.sps);
	assert_int_equal(sc.sps_len, sizeof(h264_360));
	assert_memory_equal(sc.sps, h264_360, sizeof(h264_360));
	/* non-IDR slice without AUD */
	h26x_scan_au((const uint8_t *)"\x00\x00\x01\x41\x9a\x00", 6, false, &sc);
	assert_false(sc.aud);
	assert_false(sc.key);
	assert_true(sc.vcl);
	/* HEVC: AUD then CRA (type 21) */
	h26x_scan_au((const uint8_t *)"\x00\x00\x00\x01\x46\x01\x50\x00\x00\x01\x2a\x01\xaf", 13,
		     true, &sc);
	assert_true(sc.aud);
	assert_true(sc.key);
}

static void test_avcc_and_hvcc(void **state)
{
	uint8_t avcc[64], out[256];
	size_t n = 0;
	int nal_len = 0, rc;
	struct h26x_sps_info si;

	(void)state;
	avcc[n++] = 1;
	avcc[n++] = 0x42;
	avcc[n++] = 0xc0;
	avcc[n++] = 0x1e;
	avcc[n++] = 0xff; /* NAL length size 4 */
	avcc[n++] = 0xe1; /* one SPS */
	avcc[n++] = 0;
	avcc[n++] = sizeof(h264_360);
	memcpy(avcc + n, h264_360, sizeof(h264_360));
	n += sizeof(h264_360);
	avcc[n++] = 1; /* one PPS */
	avcc[n++] = 0;
	avcc[n++] = 4;
	memcpy(avcc + n, "\x68\xce\x38\x80", 4);
	n += 4;
	rc = h264_avcc_to_annexb(avcc, n, out, sizeof(out), &nal_len, &si);
	assert_int_equal(rc, 4 + (int)sizeof(h264_360) + 4 + 4);
	assert_int_equal(nal_len, 4);
	assert_int_equal(si.width, 640);
	assert_memory_equal(out, "\x00\x00\x00\x01\x67", 5);
	assert_memory_equal(out + rc - 8, "\x00\x00\x00\x01\x68\xce\x38\x80", 8);
	/* too small an output, truncated inputs */
	assert_int_equal(h264_avcc_to_annexb(avcc, n, out, 10, &nal_len, &si), -ERR_TOO_LARGE);
	for (size_t k = 0; k < n; k++)
		assert_true(h264_avcc_to_annexb(avcc, k, out, sizeof(out), &nal_len, &si) < 0);
	{
		uint8_t hv[128];
		size_t m = 0;

		memset(hv, 0, 23);
		hv[0] = 1;
		hv[21] = 0x0f; /* NAL length size 4 */
		hv[22] = 1;    /* one array */
		m = 23;
		hv[m++] = 0x80 | 33;
		hv[m++] = 0;
		hv[m++] = 1;
		hv[m++] = 0;
		hv[m++] = sizeof(hevc_1080);
		memcpy(hv + m, hevc_1080, sizeof(hevc_1080));
		m += sizeof(hevc_1080);
		rc = hevc_hvcc_to_annexb(hv, m, out, sizeof(out), &nal_len, &si);
		assert_int_equal(rc, 4 + (int)sizeof(hevc_1080));
		assert_int_equal(si.width, 1920);
		assert_int_equal(si.height, 1080);
		for (size_t k = 0; k < m; k++)
			assert_true(hevc_hvcc_to_annexb(hv, k, out, sizeof(out), &nal_len, &si) <
				    0);
	}
}

static void test_mpeg2_seq(void **state)
{
	struct h26x_sps_info si;
	static const uint8_t seq[] = {0x00, 0x00, 0x01, 0xb3, 0x2d, 0x02, 0x40, 0x33};

	(void)state;
	assert_int_equal(mpeg2_parse_seq(seq, sizeof(seq), &si), 0);
	assert_int_equal(si.width, 720);
	assert_int_equal(si.height, 576);
	assert_int_equal(mpeg2_parse_seq(seq, 6, &si), -ERR_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_sps_sizes),
		cmocka_unit_test(test_hevc_sps_sizes),
		cmocka_unit_test(test_sps_truncated_and_wrong),
		cmocka_unit_test(test_scan_au),
		cmocka_unit_test(test_avcc_and_hvcc),
		cmocka_unit_test(test_mpeg2_seq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
