/* Unit tests: Pluto/Samsung item builders (EPG now/next, ASCII URLs, DRM), stream
 * classification and the small provider helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/base/common.h"
#include "core/base/err.h"
#include "providers/IPTV/iptv_probe.h"
#include "providers/PlutoTV/pluto_item.h"
#include "providers/SamsungTV/samsung_item.h"
#include "providers/putil.h"

static jsmntok_t toks[512];

/* Builds with fn and parses the result back for checks. */
static const char *field(const char *json, const char *key, char *out, size_t cap)
{
	static jsmntok_t t[64];
	struct jr r;
	int i;

	assert_int_equal(jr_parse(&r, json, strlen(json), t, 64), 0);
	i = jr_get(&r, 0, key);
	if (i < 0)
		return NULL;
	if (jr_is_str(&r, i))
		assert_true(jr_str(&r, i, out, cap) >= 0);
	else
		snprintf(out, cap, "%.*s", r.t[i].end - r.t[i].start, json + r.t[i].start);
	return out;
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static void test_pluto_item(void **state)
{
	/* now = 2024-05-01T10:30:00Z */
	const time_t now = 1714559400;
	const char *ch =
		"{\"_id\":\"5ddbf866b1862a0009a0648e\",\"name\":\"Pluto TV Kom\\u00f6die\","
		"\"slug\":\"komoedie\",\"number\":\"512\",\"category\":\"Kom\\u00f6die & "
		"Spa\\u00df\","
		"\"summary\":\"Lachen\",\"isStitched\":true,\"unknown\":[{\"deep\":[[[]]]}],"
		"\"stitched\":{\"urls\":[{\"type\":\"hls\",\"url\":"
		"\"https://st.pluto.tv/stitch/hls/channel/5ddbf866b1862a0009a0648e/"
		"master.m3u8?x=\\u00e4 b\"}],"
		"\"sessionURL\":\"https://x\"},"
		"\"logo\":{\"path\":\"http://img/logo.png\"},\"colorLogoPNG\":{\"path\":\"http://"
		"img/c.png\"},"
		"\"timelines\":["
		"{\"start\":\"2024-05-01T10:00:00.000Z\",\"stop\":\"2024-05-01T11:00:00.000Z\","
		"\"title\":\"Jetzt \\u00e4\"},"
		"{\"start\":\"2024-05-01T12:00:00.000Z\",\"stop\":\"2024-05-01T13:00:00.000Z\","
		"\"title\":\"Later\"},"
		"{\"start\":\"2024-05-01T11:00:00.000Z\",\"stop\":\"2024-05-01T12:00:00.000Z\","
		"\"title\":\"Danach\"},"
		"{\"start\":\"bogus\",\"stop\":\"2024-05-01T12:00:00.000Z\",\"title\":\"X\"},"
		"{\"title\":\"no times\"}]}";
	struct pluto_meta m;
	struct dbuf b;
	struct jw w;
	char v[512];

	(void)state;
	dbuf_init(&b, 16384);
	jw_init(&w, &b);
	assert_int_equal(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m),
			 1);
	assert_string_equal(m.name, "Pluto TV Kom\xc3\xb6"
				    "die");
	assert_string_equal(m.category, "Kom\xc3\xb6"
					"die & Spa\xc3\x9f");
	assert_string_equal(field((char *)b.p, "url", v, sizeof(v)),
			    "https://st.pluto.tv/stitch/hls/channel/5ddbf866b1862a0009a0648e/"
			    "master.m3u8?x=%C3%A4%20b");
	assert_string_equal(field((char *)b.p, "logo", v, sizeof(v)), "http://img/c.png");
	assert_string_equal(field((char *)b.p, "now", v, sizeof(v)), "Jetzt \xc3\xa4");
	assert_string_equal(field((char *)b.p, "next", v, sizeof(v)), "Danach");
	assert_string_equal(field((char *)b.p, "number", v, sizeof(v)), "512");
	field((char *)b.p, "description", v, sizeof(v));
	assert_non_null(strstr(v, "Now "));
	assert_non_null(strstr(v, ": Jetzt \xc3\xa4\nNext "));
	assert_non_null(strstr(v, "Danach\n\nLachen"));
	dbuf_free(&b);

	/* not stitched, or no stream URL: not playable */
	dbuf_init(&b, 16384);
	jw_init(&w, &b);
	ch = "{\"_id\":\"a\",\"name\":\"N\",\"isStitched\":false}";
	assert_int_equal(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m),
			 0);
	ch = "{\"_id\":\"a\",\"name\":\"N\",\"isStitched\":true,\"stitched\":{\"urls\":[]}}";
	assert_int_equal(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m),
			 0);
	ch = "[1,2]";
	assert_int_equal(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m),
			 0);
	ch = "{\"_id\":\"a\",\"name\":";
	assert_int_equal(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m),
			 0);
	/* the output cap: a writer error comes back negative */
	dbuf_free(&b);
	dbuf_init(&b, 16);
	jw_init(&w, &b);
	ch = "{\"_id\":\"a\",\"name\":\"N\",\"stitched\":{\"urls\":[{\"url\":\"http://p/channel/a/"
	     "m\"}]}}";
	assert_true(pluto_item_build((const uint8_t *)ch, strlen(ch), now, toks, 512, &w, &m) < 0);
	dbuf_free(&b);
}

static void test_pluto_channel_id(void **state)
{
	char id[64];

	(void)state;
	assert_int_equal(
		pluto_channel_id("https://x.pluto.tv/stitch/hls/channel/5ddbf866b1/master.m3u8?a=b",
				 id, sizeof(id)),
		0);
	assert_string_equal(id, "5ddbf866b1");
	assert_int_equal(pluto_channel_id("5ddbf866b1862a0009a0648e", id, sizeof(id)), 0);
	assert_int_equal(pluto_channel_id("invalid", id, sizeof(id)), 0); /* a bare id shape */
	assert_int_equal(pluto_channel_id("http://evil/x", id, sizeof(id)), -ERR_NOT_FOUND);
	assert_int_equal(pluto_channel_id("http://h/channel/../../etc", id, sizeof(id)),
			 -ERR_NOT_FOUND);
	assert_int_equal(pluto_channel_id("http://h/channel/a%2F/x", id, sizeof(id)),
			 -ERR_NOT_FOUND);
	assert_int_equal(pluto_channel_id("", id, sizeof(id)), -ERR_NOT_FOUND);
}

static void test_samsung_item(void **state)
{
	const time_t now = 1714559400;
	const char *ch = "{\"name\":\"Rakuten \\u00dc\",\"chno\":4101,\"group\":\"Filme\","
			 "\"logo\":\"https://l/\\u00e4.png\",\"description\":\"Desc\","
			 "\"programs\":[[1714557600,\"Eins\"],[1714561200,\"Zwei\"],"
			 "[1714564800,\"Drei\"],[\"bad\",1]],\"license_url\":\"https://lic\"}";
	struct samsung_meta m;
	struct dbuf b;
	struct jw w;
	char v[512];

	(void)state;
	dbuf_init(&b, 16384);
	jw_init(&w, &b);
	assert_int_equal(samsung_item_build((const uint8_t *)ch, strlen(ch), "DE1000\\u00e4", 12,
					    "de", "https://jmp2.uk/stvp-", now, toks, 512, &w, &m),
			 1);
	assert_int_equal(m.drm, 1);
	assert_string_equal(m.group, "Filme");
	assert_string_equal(field((char *)b.p, "url", v, sizeof(v)),
			    "https://jmp2.uk/stvp-DE1000%C3%A4");
	assert_true(is_ascii(v));
	assert_string_equal(field((char *)b.p, "slug", v, sizeof(v)), "DE1000ae");
	assert_string_equal(field((char *)b.p, "logo", v, sizeof(v)), "https://l/%C3%A4.png");
	assert_string_equal(field((char *)b.p, "drm", v, sizeof(v)), "true");
	assert_string_equal(field((char *)b.p, "now", v, sizeof(v)), "Eins");
	assert_string_equal(field((char *)b.p, "next", v, sizeof(v)), "Zwei");
	assert_string_equal(field((char *)b.p, "number", v, sizeof(v)), "4101");
	field((char *)b.p, "description", v, sizeof(v));
	assert_non_null(strstr(v, "DRM"));
	assert_non_null(strstr(v, "Desc"));
	dbuf_free(&b);

	dbuf_init(&b, 16384);
	jw_init(&w, &b);
	ch = "{\"name\":\"X\",\"license_url\":null}";
	assert_int_equal(samsung_item_build((const uint8_t *)ch, strlen(ch), "S", 1, "de", "p-",
					    now, toks, 512, &w, &m),
			 1);
	assert_int_equal(m.drm, 0);
	ch = "{\"chno\":1}"; /* no name */
	assert_int_equal(samsung_item_build((const uint8_t *)ch, strlen(ch), "S", 1, "de", "p-",
					    now, toks, 512, &w, &m),
			 0);
	dbuf_free(&b);
}

static void test_classify(void **state)
{
	char var[256];
	uint8_t ts[400];
	const char *live = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n";
	const char *vod = "#EXTM3U\n#EXTINF:6,\na.ts\n#EXT-X-ENDLIST\n";
	const char *master =
		"\xef\xbb\xbf#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n  low/index.m3u8 \n";

	(void)state;
	assert_int_equal(iptv_classify((const uint8_t *)live, strlen(live), 1, "", var, 256),
			 IPTV_HLS_LIVE);
	assert_int_equal(iptv_classify((const uint8_t *)live, strlen(live), 0, "", var, 256),
			 IPTV_HLS_VOD);
	assert_int_equal(iptv_classify((const uint8_t *)vod, strlen(vod), 1, "", var, 256),
			 IPTV_HLS_VOD);
	assert_int_equal(iptv_classify((const uint8_t *)master, strlen(master), 1, "", var, 256),
			 IPTV_HLS_MASTER);
	assert_string_equal(var, "low/index.m3u8");
	assert_int_equal(iptv_classify((const uint8_t *)"\0\0\0\x20"
							"ftypisom",
				       12, 0, "", var, 256),
			 IPTV_MP4);
	memset(ts, 0xff, sizeof(ts));
	ts[0] = ts[188] = ts[376] = 0x47;
	assert_int_equal(iptv_classify(ts, sizeof(ts), 0, "", var, 256), IPTV_TS);
	ts[188] = 0;
	assert_int_equal(iptv_classify(ts, sizeof(ts), 0, "", var, 256), IPTV_UNKNOWN);
	assert_int_equal(iptv_classify((const uint8_t *)"<html>", 6, 1, "video/mp4", var, 256),
			 IPTV_MP4);
	assert_int_equal(iptv_classify((const uint8_t *)"", 0, 1, "", var, 256), IPTV_UNKNOWN);
}

static void test_helpers(void **state)
{
	char out[256];
	time_t t;
	struct dbuf b;

	(void)state;
	assert_int_equal(prov_parse_iso8601("2024-05-01T10:00:00.000Z", 24, &t), 0);
	assert_int_equal((long long)t, 1714557600LL);
	assert_int_equal(prov_parse_iso8601("2024-05-01 12:00:00.000+0200", 28, &t), 0);
	assert_int_equal((long long)t, 1714557600LL);
	assert_int_equal(prov_parse_iso8601("2024-05-01T10:00+02:00", 22, &t), 0);
	assert_int_equal((long long)t, 1714550400LL);
	assert_int_equal(prov_parse_iso8601("2024-13-01T10:00:00Z", 20, &t), -ERR_PARSE);
	assert_int_equal(prov_parse_iso8601("2024-05-01", 10, &t), -ERR_PARSE);
	assert_int_equal(prov_parse_iso8601("2024-05-01T10:00:00Zjunk", 24, &t), -ERR_PARSE);

	prov_icon_name(" Kids & Family: Top.", out, sizeof(out));
	assert_string_equal(out, "Kids_&_Family__Top.png");
	prov_icon_name("a/b\\c*?\"<>|", out, sizeof(out));
	assert_string_equal(out, "a_b_c______.png");

	assert_int_equal(prov_url_ascii("http://a/\xc3\xa4 \"x\"", 15, out, sizeof(out)), 25);
	assert_string_equal(out, "http://a/%C3%A4%20%22x%22");
	assert_int_equal(prov_url_ascii("abcdef", 6, out, 6), -ERR_TOO_LARGE);

	assert_int_equal(prov_url_host("HTTPS://User@Example.COM:8443/x?y", out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	assert_int_equal(prov_url_host("http://[::1]:80/", out, sizeof(out)), 0);
	assert_string_equal(out, "[::1]");
	assert_int_equal(prov_url_host("ftp://x/", out, sizeof(out)), -ERR_BAD_REQUEST);
	assert_int_equal(prov_url_host("http:///x", out, sizeof(out)), -ERR_BAD_REQUEST);
	assert_false(prov_is_http_url("file:///etc/passwd"));

	assert_int_equal(prov_url_join("http://h:1/a/b/c.m3u8?q=/x", "v/i.m3u8", out, sizeof(out)),
			 0);
	assert_string_equal(out, "http://h:1/a/b/v/i.m3u8");
	assert_int_equal(prov_url_join("http://h:1/a/b/c.m3u8", "/r.m3u8", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h:1/r.m3u8");
	assert_int_equal(prov_url_join("https://h/a", "//g/x", out, sizeof(out)), 0);
	assert_string_equal(out, "https://g/x");
	assert_int_equal(prov_url_join("https://h", "x", out, sizeof(out)), 0);
	assert_string_equal(out, "https://h/x");
	assert_int_equal(prov_url_join("https://h/", "HTTP://o/y", out, sizeof(out)), 0);
	assert_string_equal(out, "HTTP://o/y");

	assert_true(prov_casecmp("abc", "ABD") < 0);
	assert_int_equal(prov_casecmp("Abc", "aBC"), 0);

	out[0] = 0;
	prov_append(out, 6, "ab\xc3\xa4\xc3\xb6");
	assert_string_equal(out, "ab\xc3\xa4");
	prov_copy(out, 4, "\xc3\xa4\xc3\xb6", 4);
	assert_string_equal(out, "\xc3\xa4");

	dbuf_init(&b, 64);
	prov_pct_encode(&b, "a b/\xc3\xa4~", 7);
	assert_string_equal((char *)b.p, "a%20b%2F%C3%A4~");
	dbuf_free(&b);

	{
		char u1[PROV_UUID_LEN + 1], u2[PROV_UUID_LEN + 1];

		assert_int_equal(prov_uuid4(u1), 0);
		assert_int_equal(prov_uuid4(u2), 0);
		assert_int_equal(strlen(u1), 36);
		assert_int_equal(u1[14], '4');
		assert_string_not_equal(u1, u2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pluto_item),   cmocka_unit_test(test_pluto_channel_id),
		cmocka_unit_test(test_samsung_item), cmocka_unit_test(test_classify),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
