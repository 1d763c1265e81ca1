/* Unit tests of variant choice: quality caps, codec capabilities, fallbacks, re-selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/hls/variant.h"

static struct m3u8_master m;

static const char ladder[] =
	"#EXTM3U\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n"
	"360.m3u8\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS=\"avc1.640028,mp4a.40."
	"2\"\n"
	"1080.m3u8\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n"
	"720.m3u8\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=842x480,CODECS=\"avc1.4d401f,mp4a.40.2\"\n"
	"480.m3u8\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=3840x2160,CODECS=\"hvc1.2.4.L153,ec-3\"\n"
	"2160.m3u8\n"
	"#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\n"
	"audio.m3u8\n";

static const char *pick(const char *quality, const struct hls_caps *c)
{
	int i = hls_variant_pick(&m, quality, c);
	static char uri[64];

	if (i < 0)
		return "none";
	memcpy(uri, m.variant[i].uri.p, m.variant[i].uri.n);
	uri[m.variant[i].uri.n] = 0;
	return uri;
}

static void test_quality(void **state)
{
	struct hls_caps c = {.h264 = 1, .aac = 1, .ac3 = 1, .max_height = 1080};

	UNUSED(state);
	assert_int_equal(m3u8_parse_master((const uint8_t *)ladder, strlen(ladder), &m, NULL, 0),
			 0);
	assert_string_equal(pick("best", &c), "1080.m3u8");
	assert_string_equal(pick("1080p", &c), "1080.m3u8");
	assert_string_equal(pick("720p", &c), "720.m3u8");
	assert_string_equal(pick("480p", &c), "480.m3u8");
	assert_string_equal(pick("360p", &c), "360.m3u8");
	assert_string_equal(pick("240p", &c), "360.m3u8"); /* nothing fits: lowest */
	assert_string_equal(pick("worst", &c), "360.m3u8");
	assert_string_equal(pick("bogus", &c), "1080.m3u8");
	/* A board with HEVC and E-AC-3 up to 2160 lines gets the UHD variant. */
	c.hevc = c.eac3 = 1;
	c.max_height = 2160;
	assert_string_equal(pick("best", &c), "2160.m3u8");
	assert_string_equal(pick("1080p", &c), "1080.m3u8");
	c.eac3 = 0;
	assert_string_equal(pick("best", &c), "1080.m3u8");
}

static void test_undecodable(void **state)
{
	const char *pl = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"vp09.00.10.08\"\na\n"
			 "#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS=\"av01.0.05M.08,opus\"\nb\n";
	struct hls_caps c;

	UNUSED(state);
	hls_caps_board(&c, 1);
	assert_int_equal(m3u8_parse_master((const uint8_t *)pl, strlen(pl), &m, NULL, 0), 0);
	assert_int_equal(hls_variant_pick(&m, "best", &c), -ERR_UNSUPPORTED);
}

static void test_quality_words(void **state)
{
	UNUSED(state);
	assert_int_equal(hls_quality_height("best"), 0);
	assert_int_equal(hls_quality_height(NULL), 0);
	assert_int_equal(hls_quality_height("provider"), 0);
	assert_int_equal(hls_quality_height("720p"), 720);
	assert_int_equal(hls_quality_height("1080"), 1080);
	assert_int_equal(hls_quality_height("4k"), 2160);
	assert_int_equal(hls_quality_height("worst"), -1);
	assert_int_equal(hls_quality_height("720x"), -ERR_BAD_REQUEST);
}

static void test_same(void **state)
{
	UNUSED(state);
	assert_int_equal(m3u8_parse_master((const uint8_t *)ladder, strlen(ladder), &m, NULL, 0),
			 0);
	assert_int_equal(hls_variant_same(&m, 1280, 720, 2700000, "avc1.64001f,mp4a.40.2"), 2);
	assert_int_equal(hls_variant_same(&m, 1280, 720, 1, NULL), 2);
	assert_int_equal(hls_variant_same(&m, 1024, 576, 1, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quality),
		cmocka_unit_test(test_undecodable),
		cmocka_unit_test(test_quality_words),
		cmocka_unit_test(test_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
