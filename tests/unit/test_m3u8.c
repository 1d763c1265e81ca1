/* Unit tests of the m3u8 parser: master and media tags, CRLF/BOM, caps, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/hls/m3u8.h"

static struct m3u8_media *media;
static struct m3u8_master master;
static char err[160];

static int parse_media(const char *s)
{
	return m3u8_parse_media((const uint8_t *)s, strlen(s), media, err, sizeof(err));
}

static int parse_master(const char *s)
{
	return m3u8_parse_master((const uint8_t *)s, strlen(s), &master, err, sizeof(err));
}

static void test_master(void **state)
{
	const char *pl =
		"\xEF\xBB\xBF#EXTM3U\r\n"
		"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\","
		"DEFAULT=YES,AUTOSELECT=YES,URI=\"audio/en.m3u8\"\r\n"
		"#EXT-X-STREAM-INF:BANDWIDTH=2800000,AVERAGE-BANDWIDTH=2500000,"
		"RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=29.970,"
		"AUDIO=\"aud\"\r\n"
		"720p/index.m3u8\r\n"
		"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"iframe.m3u8\"\r\n"
		"#EXT-X-UNKNOWN-TAG:FOO=1\r\n"
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\r\n"
		"\r\n"
		"360p/index.m3u8\r\n";

	UNUSED(state);
	assert_int_equal(m3u8_probe((const uint8_t *)pl, strlen(pl)), M3U8_MASTER);
	assert_int_equal(parse_master(pl), 0);
	assert_int_equal(master.n_variants, 2);
	assert_int_equal(master.variant[0].bandwidth, 2800000);
	assert_int_equal(master.variant[0].avg_bandwidth, 2500000);
	assert_int_equal(master.variant[0].width, 1280);
	assert_int_equal(master.variant[0].height, 720);
	assert_int_equal(master.variant[0].frame_rate_milli, 29970);
	assert_true(m3u8_str_eq(master.variant[0].codecs, "avc1.64001f,mp4a.40.2"));
	assert_true(m3u8_str_eq(master.variant[0].audio, "aud"));
	assert_true(m3u8_str_eq(master.variant[0].uri, "720p/index.m3u8"));
	assert_true(m3u8_str_eq(master.variant[1].uri, "360p/index.m3u8"));
	assert_int_equal(master.n_media, 1);
	assert_int_equal(master.media[0].type, M3U8_MT_AUDIO);
	assert_true(master.media[0].is_default);
	assert_true(m3u8_str_eq(master.media[0].uri, "audio/en.m3u8"));
	assert_true(m3u8_str_eq(master.media[0].language, "en"));
}

static void test_master_errors(void **state)
{
	UNUSED(state);
	assert_int_equal(parse_master("#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n"),
			 -ERR_PARSE);
	assert_non_null(strstr(err, "BANDWIDTH"));
	assert_int_equal(parse_master("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"), -ERR_PARSE);
	assert_int_equal(parse_master("hello\n"), -ERR_PARSE);
	assert_int_equal(parse_master(""), -ERR_PARSE);
	assert_int_equal(parse_master("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"x\n"
				      "a.m3u8\n"),
			 -ERR_PARSE);
}

static void test_master_cap(void **state)
{
	char *pl = malloc(64 * (CONFIG_HLS_MAX_VARIANTS + 2) + 16);
	size_t o = 0;

	UNUSED(state);
	o += (size_t)sprintf(pl, "#EXTM3U\n");
	for (int i = 0; i <= CONFIG_HLS_MAX_VARIANTS; i++)
		o += (size_t)sprintf(pl + o, "#EXT-X-STREAM-INF:BANDWIDTH=%d\nv%d.m3u8\n", i + 1,
				     i);
	assert_int_equal(parse_master(pl), -ERR_LIMIT);
	assert_non_null(strstr(err, "CONFIG_HLS_MAX_VARIANTS"));
	free(pl);
}

static void test_media_tags(void **state)
{
	const char *pl =
		"#EXTM3U\n"
		"#EXT-X-VERSION:4\n"
		"#EXT-X-TARGETDURATION:6\n"
		"#EXT-X-MEDIA-SEQUENCE:100\n"
		"#EXT-X-DISCONTINUITY-SEQUENCE:7\n"
		"#EXT-X-PLAYLIST-TYPE:VOD\n"
		"#EXT-X-START:TIME-OFFSET=-12.5,PRECISE=YES\n"
		"#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\",IV=0x000102030405060708090a0b0c0d0e0f\n"
		"#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:05.678Z\n"
		"#EXTINF:6.006,title one\n"
		"seg100.ts\n"
		"#EXT-X-DISCONTINUITY\n"
		"#EXT-X-CUE-OUT:30\n"
		"#EXT-X-DATERANGE:ID=\"ad1\",START-DATE=\"2026-01-02T03:04:11Z\","
		"PLANNED-DURATION=30.0,SCTE35-OUT=0xFC\n"
		"#EXTINF:5,\n"
		"seg101.ts\n"
		"#EXT-X-KEY:METHOD=NONE\n"
		"#EXT-X-CUE-IN\n"
		"#EXTINF:4.5\n"
		"seg102.ts\n"
		"#EXT-X-ENDLIST\n";

	UNUSED(state);
	assert_int_equal(m3u8_probe((const uint8_t *)pl, strlen(pl)), M3U8_MEDIA);
	assert_int_equal(parse_media(pl), 0);
	assert_int_equal(media->version, 4);
	assert_int_equal(media->target_duration_s, 6);
	assert_int_equal(media->media_sequence, 100);
	assert_int_equal(media->disc_sequence, 7);
	assert_int_equal(media->playlist_type, M3U8_PT_VOD);
	assert_true(media->endlist);
	assert_true(media->has_start);
	assert_int_equal(media->start_offset_ms, -12500);
	assert_true(media->start_precise);
	assert_int_equal(media->n_segments, 3);
	assert_int_equal(media->seg[0].duration_ms, 6006);
	assert_int_equal(media->seg[0].key, 0);
	assert_int_equal(media->seg[0].pdt_ms, 1767323045678LL);
	assert_int_equal(media->keys[0].method, M3U8_KEY_AES128);
	assert_true(media->keys[0].has_iv);
	assert_int_equal(media->keys[0].iv[0], 0);
	assert_int_equal(media->keys[0].iv[15], 15);
	assert_false(media->keys[0].drm);
	assert_true(media->seg[1].flags & M3U8_SEG_DISCONTINUITY);
	assert_true(media->seg[1].flags & M3U8_SEG_CUE_OUT);
	assert_int_equal(media->seg[1].duration_ms, 5000);
	assert_int_equal(media->seg[2].key, -1);
	assert_true(media->seg[2].flags & M3U8_SEG_CUE_IN);
	assert_int_equal(media->n_dateranges, 1);
	assert_int_equal(media->dateranges[0].duration_ms, 30000);
	assert_true(media->dateranges[0].scte35_out);
	assert_int_equal(m3u8_duration_ms(media), 15506);
	assert_false(media->has_drm);
}

static void test_byterange(void **state)
{
	const char *pl = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
			 "#EXT-X-MAP:URI=\"all.mp4\",BYTERANGE=\"720@0\"\n"
			 "#EXTINF:4,\n#EXT-X-BYTERANGE:1000@720\nall.ts\n"
			 "#EXTINF:4,\n#EXT-X-BYTERANGE:2000\nall.ts\n"
			 "#EXTINF:4,\n#EXT-X-BYTERANGE:500@10\nother.ts\n";

	UNUSED(state);
	assert_int_equal(parse_media(pl), 0);
	assert_int_equal(media->n_segments, 3);
	assert_int_equal(media->seg[0].off, 720);
	assert_int_equal(media->seg[0].len, 1000);
	assert_int_equal(media->seg[1].off, 1720);
	assert_int_equal(media->seg[1].len, 2000);
	assert_int_equal(media->seg[2].off, 10);
	assert_int_equal(media->seg[0].map, 0);
	assert_int_equal(media->maps[0].len, 720);
	assert_false(media->endlist);
	assert_int_equal(
		parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n"
			    "#EXT-X-BYTERANGE:10\na.ts\n#EXTINF:4,\n#EXT-X-BYTERANGE:10\nb.ts\n"),
		-ERR_PARSE);
}

static void test_drm_keys(void **state)
{
	UNUSED(state);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
				     "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://abc\",KEYFORMAT="
				     "\"com.apple.streamingkeydelivery\"\n#EXTINF:4,\na.ts\n"),
			 0);
	assert_true(media->has_drm);
	assert_int_equal(
		parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
			    "#EXT-X-KEY:METHOD=AES-128,URI=\"data:text/plain;base64,AAAA\","
			    "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\"\n"
			    "#EXTINF:4,\na.ts\n"),
		0);
	assert_true(media->has_drm);
	/* An identity key next to a DRM alternative: the identity key wins, no DRM. */
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
				     "#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n"
				     "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\",KEYFORMAT="
				     "\"com.apple.streamingkeydelivery\"\n#EXTINF:4,\na.ts\n"),
			 0);
	assert_false(media->has_drm);
	assert_int_equal(media->seg[0].key, 0);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
				     "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"x\",KEYFORMAT=\"com."
				     "microsoft.playready\"\n#EXTINF:4,\na.ts\n"),
			 0);
	assert_true(media->has_drm);
}

static void test_key_rotation(void **state)
{
	UNUSED(state);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:5\n"
				     "#EXT-X-KEY:METHOD=AES-128,URI=\"a.key\"\n#EXTINF:4,\n1.ts\n"
				     "#EXT-X-KEY:METHOD=AES-128,URI=\"a.key\"\n#EXTINF:4,\n2.ts\n"
				     "#EXT-X-KEY:METHOD=AES-128,URI=\"b.key\"\n#EXTINF:4,\n3.ts\n"),
			 0);
	assert_int_equal(media->n_keys, 2);
	assert_int_equal(media->seg[0].key, 0);
	assert_int_equal(media->seg[1].key, 0);
	assert_int_equal(media->seg[2].key, 1);
	assert_false(media->keys[0].has_iv);
}

static void test_media_errors(void **state)
{
	UNUSED(state);
	assert_int_equal(parse_media("#EXTM3U\n#EXTINF:4,\na.ts\n"), -ERR_PARSE);
	assert_non_null(strstr(err, "TARGETDURATION"));
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\na.ts\n"), -ERR_PARSE);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:abc,\na.ts\n"),
			 -ERR_PARSE);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:x\n"), -ERR_PARSE);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:URI=\"a\"\n"),
			 -ERR_PARSE);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
				     "#EXT-X-KEY:METHOD=AES-128,URI=\"a\",IV=0xZZ\n"),
			 -ERR_PARSE);
	assert_int_equal(parse_media("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
				     "#EXT-X-MEDIA-SEQUENCE:99999999999999999999999\n"),
			 -ERR_PARSE);
	/* Lone CR line ends and unknown tags are fine. */
	assert_int_equal(parse_media("#EXTM3U\r#EXT-X-TARGETDURATION:4\r#EXT-X-FOO\r#EXTINF:4,\r"
				     "a.ts\r"),
			 0);
	assert_int_equal(media->n_segments, 1);
}

static void test_segment_cap(void **state)
{
	size_t cap = 32 * (CONFIG_HLS_MAX_SEGMENTS + 2) + 64, o = 0;
	char *pl = malloc(cap);

	UNUSED(state);
	o += (size_t)sprintf(pl, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
	for (int i = 0; i <= CONFIG_HLS_MAX_SEGMENTS; i++)
		o += (size_t)sprintf(pl + o, "#EXTINF:2,\ns%d.ts\n", i);
	assert_int_equal(parse_media(pl), -ERR_LIMIT);
	assert_non_null(strstr(err, "CONFIG_HLS_MAX_SEGMENTS"));
	free(pl);
}

static void test_attr_iter(void **state)
{
	const char *a = "A=1, B=\"x,y\",C=0x1F";
	struct m3u8_str n, v;
	bool q;
	size_t pos = 0;

	UNUSED(state);
	assert_int_equal(m3u8_attr_next(a, strlen(a), &pos, &n, &v, &q), 1);
	assert_true(m3u8_str_eq(n, "A") && m3u8_str_eq(v, "1") && !q);
	assert_int_equal(m3u8_attr_next(a, strlen(a), &pos, &n, &v, &q), 1);
	assert_true(m3u8_str_eq(n, "B") && m3u8_str_eq(v, "x,y") && q);
	assert_int_equal(m3u8_attr_next(a, strlen(a), &pos, &n, &v, &q), 1);
	assert_true(m3u8_str_eq(v, "0x1F"));
	assert_int_equal(m3u8_attr_next(a, strlen(a), &pos, &n, &v, &q), 0);
	pos = 0;
	assert_int_equal(m3u8_attr_next("A", 1, &pos, &n, &v, &q), -ERR_PARSE);
}

/* Every prefix of a valid playlist parses or fails cleanly (ASan checks the reads). */
static void test_truncations(void **state)
{
	const char *pl = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-KEY:METHOD=AES-128,"
			 "URI=\"k\",IV=0x01\n#EXTINF:6.0,\n#EXT-X-BYTERANGE:10@0\na.ts\n";
	size_t n = strlen(pl);

	UNUSED(state);
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		int rc;

		memcpy(copy, pl, k);
		rc = m3u8_parse_media(copy, k, media, err, sizeof(err));
		assert_true(rc == 0 || rc == -ERR_PARSE);
		rc = m3u8_probe(copy, k);
		assert_true(rc == M3U8_MEDIA || rc == -ERR_PARSE);
		free(copy);
	}
}

static int setup(void **state)
{
	UNUSED(state);
	media = malloc(sizeof(*media));
	return media ? 0 : -1;
}

static int teardown(void **state)
{
	UNUSED(state);
	free(media);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master),	     cmocka_unit_test(test_master_errors),
		cmocka_unit_test(test_master_cap),   cmocka_unit_test(test_media_tags),
		cmocka_unit_test(test_byterange),    cmocka_unit_test(test_drm_keys),
		cmocka_unit_test(test_key_rotation), cmocka_unit_test(test_media_errors),
		cmocka_unit_test(test_segment_cap),  cmocka_unit_test(test_attr_iter),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
