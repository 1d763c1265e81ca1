/* Unit tests of the stream classifier shared by the recorder engine and the IPTV provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/stream.h"

static enum stream_class cls(const char *s, size_t n, bool more)
{
	return stream_classify((const uint8_t *)s, n, more);
}

static void test_playlist(void **state)
{
	static const char bom[] = "\xef\xbb\xbf \r\n\t#EXTM3U\n#EXTINF:6,\na.ts\n";

	(void)state;
	assert_int_equal(cls("#EXTM3U", 7, true), STREAM_HLS);
	assert_int_equal(cls(bom, sizeof(bom) - 1, false), STREAM_HLS);
	assert_int_equal(cls("#EXTM3", 6, true), STREAM_MORE);
	assert_int_equal(cls("#EXTM3", 6, false), STREAM_UNKNOWN);
	assert_int_equal(cls("x#EXTM3U", 8, false), STREAM_UNKNOWN);
	assert_int_equal(cls("", 0, false), STREAM_UNKNOWN);
	assert_int_equal(cls("", 0, true), STREAM_MORE);
}

static void test_mp4(void **state)
{
	static const char *const types[] = {"ftyp", "moov", "mdat", "free",
					    "skip", "wide", "styp", "moof"};
	char b[8] = {0, 0, 0, 0x20};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(b + 4, types[i], 4);
		assert_int_equal(cls(b, 8, true), STREAM_MP4);
	}
	assert_int_equal(cls(b, 7, true), STREAM_MORE); /* the type is not there yet */
	memcpy(b + 4, "abcd", 4);
	assert_int_equal(cls(b, 8, false), STREAM_UNKNOWN);
	memcpy(b + 4, "ftyp", 4);
	b[3] = 0; /* size 0: the box runs to the end of the file */
	assert_int_equal(cls(b, 8, false), STREAM_MP4);
	b[3] = 1; /* size 1: a 64-bit size follows */
	assert_int_equal(cls(b, 8, false), STREAM_MP4);
	b[3] = 7; /* smaller than its own header */
	assert_int_equal(cls(b, 8, false), STREAM_UNKNOWN);
}

static void test_ts(void **state)
{
	uint8_t ts[400];

	(void)state;
	memset(ts, 0xff, sizeof(ts));
	ts[0] = ts[188] = ts[376] = 0x47;
	assert_int_equal(stream_classify(ts, sizeof(ts), true), STREAM_TS);
	assert_int_equal(stream_classify(ts, 377, true), STREAM_TS);
	/* fewer than three packets: settled only when no more bytes come */
	assert_int_equal(stream_classify(ts, 376, true), STREAM_MORE);
	assert_int_equal(stream_classify(ts, 376, false), STREAM_TS);
	assert_int_equal(stream_classify(ts, 1, false), STREAM_TS);
	ts[376] = 0;
	assert_int_equal(stream_classify(ts, sizeof(ts), false), STREAM_UNKNOWN);
	assert_int_equal(stream_classify(ts, 376, false), STREAM_TS);
	ts[376] = 0x47;
	ts[188] = 0;
	assert_int_equal(stream_classify(ts, sizeof(ts), true), STREAM_MORE);
	assert_int_equal(stream_classify(ts, sizeof(ts), false), STREAM_UNKNOWN);
	assert_int_equal(stream_classify(ts, 188, false), STREAM_TS);
	assert_int_equal(stream_classify(ts, 189, false), STREAM_UNKNOWN);
	ts[0] = 0;
	assert_int_equal(stream_classify(ts, 1, false), STREAM_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_playlist),
		cmocka_unit_test(test_mp4),
		cmocka_unit_test(test_ts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
