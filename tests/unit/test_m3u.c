/* Unit tests: M3U channel list parser (entries, attributes, line endings, partial input). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/base/common.h"

#include "providers/m3u.h"

static int view_eq(const char *v, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(v, s, n) == 0;
}

static void test_basic(void **state)
{
	static const char list[] = "\xef\xbb\xbf#EXTM3U url-tvg=\"http://x/epg.xml\"\n"
				   "#EXTINF:-1 tvg-id=\"das.erste\" tvg-logo=\"http://l/1.png\" "
				   "group-title=\"News, DE\","
				   "Das Erste HD\n"
				   "#EXTVLCOPT:http-user-agent=foo\n"
				   "http://s/1.m3u8\n"
				   "\n"
				   "#EXTINF:0,Zweites \xc3\x9c\r\n"
				   "#EXTGRP:Vollprogramm\r\n"
				   "https://s/2.m3u8\r\n"
				   "http://s/bare.ts\n";
	const uint8_t *p = (const uint8_t *)list;
	size_t n = sizeof(list) - 1, off = 0;
	struct m3u_entry e;
	const char *v;
	size_t vn;

	(void)state;
	assert_int_equal(m3u_next(p, n, &off, 1, &e), 1);
	assert_true(view_eq(e.title, e.title_len, "Das Erste HD"));
	assert_true(view_eq(e.url, e.url_len, "http://s/1.m3u8"));
	assert_int_equal(m3u_attr(&e, "group-title", &v, &vn), 1);
	assert_true(view_eq(v, vn, "News, DE"));
	assert_int_equal(m3u_attr(&e, "TVG-ID", &v, &vn), 1);
	assert_true(view_eq(v, vn, "das.erste"));
	assert_int_equal(m3u_attr(&e, "tvg-logo", &v, &vn), 1);
	assert_true(view_eq(v, vn, "http://l/1.png"));
	assert_int_equal(m3u_attr(&e, "tvg-name", &v, &vn), 0);

	assert_int_equal(m3u_next(p, n, &off, 1, &e), 1);
	assert_true(view_eq(e.title, e.title_len, "Zweites \xc3\x9c"));
	assert_true(view_eq(e.group, e.group_len, "Vollprogramm"));
	assert_true(view_eq(e.url, e.url_len, "https://s/2.m3u8"));
	assert_int_equal(e.attrs_len, 0);

	assert_int_equal(m3u_next(p, n, &off, 1, &e), 1);
	assert_int_equal(e.title_len, 0);
	assert_true(view_eq(e.url, e.url_len, "http://s/bare.ts"));
	assert_int_equal(m3u_next(p, n, &off, 1, &e), 0);
	assert_int_equal(off, n);
}

/* Fed in pieces of every size, the parser finds the same entries. */
static void test_partial(void **state)
{
	static const char list[] = "#EXTM3U\n#EXTINF:-1 group-title=\"A\",One\nhttp://a/1\n"
				   "#EXTINF:-1,Two\rhttp://a/2\r#EXTINF:-1,Three\nhttp://a/3";
	size_t n = sizeof(list) - 1;

	(void)state;
	for (size_t step = 1; step <= n; step++) {
		char win[256];
		size_t len = 0, fed = 0, off;
		int found = 0;
		struct m3u_entry e;

		while (fed < n || len) {
			size_t k = fed < n ? MIN(step, n - fed) : 0;
			int eof = fed + k >= n;

			memcpy(win + len, list + fed, k);
			len += k;
			fed += k;
			off = 0;
			while (m3u_next((const uint8_t *)win, len, &off, eof, &e) == 1) {
				char want[32];

				found++;
				snprintf(want, sizeof(want), "http://a/%d", found);
				assert_true(view_eq(e.url, e.url_len, want));
			}
			memmove(win, win + off, len - off);
			len -= off;
			if (eof) {
				assert_int_equal(len, 0);
				break;
			}
		}
		assert_int_equal(found, 3);
	}
}

static void test_odd_input(void **state)
{
	static const char list[] = "#EXTINF:-1 tvg-logo=\"x,y\" broken=\"unterminated,Name\n"
				   "#EXTINF:-1 a=b c d=\"e\",Second\nhttp://z\n#EXTINF:-1,NoURL";
	const uint8_t *p = (const uint8_t *)list;
	size_t off = 0;
	struct m3u_entry e;
	const char *v;
	size_t vn;

	(void)state;
	assert_int_equal(m3u_next(p, sizeof(list) - 1, &off, 1, &e), 1);
	assert_true(view_eq(e.title, e.title_len, "Second"));
	assert_int_equal(m3u_attr(&e, "a", &v, &vn), 1);
	assert_true(view_eq(v, vn, "b"));
	assert_int_equal(m3u_attr(&e, "d", &v, &vn), 1);
	assert_true(view_eq(v, vn, "e"));
	assert_int_equal(m3u_attr(&e, "c", &v, &vn), 0);
	/* an #EXTINF without URI at the end is no entry */
	assert_int_equal(m3u_next(p, sizeof(list) - 1, &off, 1, &e), 0);
	/* empty input */
	off = 0;
	assert_int_equal(m3u_next(p, 0, &off, 1, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_odd_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
