/* Unit tests for net/url: RFC 3986 §5.4 examples, parsing, IPv6 literals, encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/err.h"
#include "net/url.h"

static const char *const rfc_base = "http://a/b/c/d;p?q";

/* RFC 3986 §5.4.1 (normal) and §5.4.2 (abnormal), strict parser. */
static const char *const rfc_examples[][2] = {
	{"g:h", "g:h"},
	{"g", "http://a/b/c/g"},
	{"./g", "http://a/b/c/g"},
	{"g/", "http://a/b/c/g/"},
	{"/g", "http://a/g"},
	{"//g", "http://g"},
	{"?y", "http://a/b/c/d;p?y"},
	{"g?y", "http://a/b/c/g?y"},
	{"#s", "http://a/b/c/d;p?q#s"},
	{"g#s", "http://a/b/c/g#s"},
	{"g?y#s", "http://a/b/c/g?y#s"},
	{";x", "http://a/b/c/;x"},
	{"g;x", "http://a/b/c/g;x"},
	{"g;x?y#s", "http://a/b/c/g;x?y#s"},
	{"", "http://a/b/c/d;p?q"},
	{".", "http://a/b/c/"},
	{"./", "http://a/b/c/"},
	{"..", "http://a/b/"},
	{"../", "http://a/b/"},
	{"../g", "http://a/b/g"},
	{"../..", "http://a/"},
	{"../../", "http://a/"},
	{"../../g", "http://a/g"},
	/* abnormal */
	{"../../../g", "http://a/g"},
	{"../../../../g", "http://a/g"},
	{"/./g", "http://a/g"},
	{"/../g", "http://a/g"},
	{"g.", "http://a/b/c/g."},
	{".g", "http://a/b/c/.g"},
	{"g..", "http://a/b/c/g.."},
	{"..g", "http://a/b/c/..g"},
	{"./../g", "http://a/b/g"},
	{"./g/.", "http://a/b/c/g/"},
	{"g/./h", "http://a/b/c/g/h"},
	{"g/../h", "http://a/b/c/h"},
	{"g;x=1/./y", "http://a/b/c/g;x=1/y"},
	{"g;x=1/../y", "http://a/b/c/y"},
	{"g?y/./x", "http://a/b/c/g?y/./x"},
	{"g?y/../x", "http://a/b/c/g?y/../x"},
	{"g#s/./x", "http://a/b/c/g#s/./x"},
	{"g#s/../x", "http://a/b/c/g#s/../x"},
	{"http:g", "http:g"},
};

static void test_rfc3986_examples(void **state)
{
	char out[URL_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(rfc_examples) / sizeof(rfc_examples[0]); i++) {
		int rc = url_resolve(rfc_base, rfc_examples[i][0], out, sizeof(out));

		if (rc < 0 || strcmp(out, rfc_examples[i][1]) != 0)
			fail_msg("resolve(\"%s\") = %d \"%s\", want \"%s\"", rfc_examples[i][0], rc,
				 rc < 0 ? "" : out, rfc_examples[i][1]);
		assert_int_equal(rc, (int)strlen(rfc_examples[i][1]));
	}
}

static void test_resolve_hls_cases(void **state)
{
	char out[URL_MAX];

	(void)state;
	assert_true(url_resolve("https://cdn.example/live/master.m3u8?token=abc", "720p/index.m3u8",
				out, sizeof(out)) > 0);
	assert_string_equal(out, "https://cdn.example/live/720p/index.m3u8");
	assert_true(url_resolve("https://cdn.example/a/b.m3u8", "https://other.example/x.ts", out,
				sizeof(out)) > 0);
	assert_string_equal(out, "https://other.example/x.ts");
	assert_true(url_resolve("https://cdn.example", "seg 1.ts", out, sizeof(out)) > 0);
	assert_string_equal(out, "https://cdn.example/seg%201.ts");
	assert_true(url_resolve("http://[::1]:8080/a/b", "../c", out, sizeof(out)) > 0);
	assert_string_equal(out, "http://[::1]:8080/c");
	assert_int_equal(url_resolve("no-scheme/x", "y", out, sizeof(out)), -ERR_PARSE);
	assert_int_equal(url_resolve("http://a/b", "c", out, 8), -ERR_TOO_LARGE);
}

static void test_parse_components(void **state)
{
	struct url_ref u;
	const char *s = "https://user:pw@Example.COM:8443/p/a?x=1&y=2#frag";

	(void)state;
	assert_int_equal(url_parse(s, strlen(s), &u), 0);
	assert_int_equal(u.scheme.n, 5);
	assert_memory_equal(u.userinfo.p, "user:pw", 7);
	assert_memory_equal(u.host.p, "Example.COM", 11);
	assert_int_equal(u.port, 8443);
	assert_memory_equal(u.path.p, "/p/a", 4);
	assert_memory_equal(u.query.p, "x=1&y=2", 7);
	assert_memory_equal(u.fragment.p, "frag", 4);

	assert_int_equal(url_parse("http://a b/", 11, &u), -ERR_PARSE);
	assert_int_equal(url_parse("http://a:99999/", 15, &u), -ERR_PARSE);
	assert_int_equal(url_parse("http://[::1/", 12, &u), -ERR_PARSE);
	assert_int_equal(url_parse("http://[zz::1]/", 15, &u), -ERR_PARSE);
	assert_int_equal(url_parse("http://[::1]x/", 14, &u), -ERR_PARSE);
	assert_int_equal(url_parse("http://a\r\n/", 11, &u), -ERR_PARSE);
	/* empty port is allowed and means the default */
	assert_int_equal(url_parse("http://a:/", 10, &u), 0);
	assert_int_equal(u.port, -1);
}

static void test_http_parse(void **state)
{
	struct url_http h;

	(void)state;
	assert_int_equal(url_http_parse("http://Example.com/a/b?c=d#f", &h), 0);
	assert_false(h.tls);
	assert_int_equal(h.port, 80);
	assert_string_equal(h.host, "example.com");
	assert_int_equal(h.path.n, 4);
	assert_memory_equal(h.path.p, "/a/b", 4);
	assert_int_equal(h.query.n, 3);
	assert_memory_equal(h.query.p, "c=d", 3);
	assert_memory_equal(h.hostport.p, "Example.com", h.hostport.n);

	assert_int_equal(url_http_parse("https://[::1]:8443", &h), 0);
	assert_true(h.tls && h.ipv6);
	assert_int_equal(h.port, 8443);
	assert_string_equal(h.host, "::1");
	assert_int_equal(h.path.n, 0);
	assert_null(h.query.p);
	assert_memory_equal(h.hostport.p, "[::1]:8443", h.hostport.n);

	assert_int_equal(url_http_parse("https://h?q=1", &h), 0);
	assert_int_equal(h.path.n, 0);
	assert_memory_equal(h.query.p, "q=1", 3);

	assert_int_equal(url_http_parse("ftp://h/", &h), -ERR_UNSUPPORTED);
	assert_int_equal(url_http_parse("/relative", &h), -ERR_PARSE);
	assert_int_equal(url_http_parse("http:///x", &h), -ERR_PARSE);
	assert_int_equal(url_http_parse("http://h:0/", &h), -ERR_PARSE);
}

static void test_dot_segments(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	strcpy(buf, "/a/b/c/./../../g");
	n = url_remove_dot_segments(buf, strlen(buf), buf);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "/a/g", 4);
	strcpy(buf, "mid/content=5/../6");
	n = url_remove_dot_segments(buf, strlen(buf), buf);
	assert_memory_equal(buf, "mid/6", n);
	assert_int_equal(n, 5);
}

static void test_encode_decode_query(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(url_encode("a b&c=d/é", 10, buf, sizeof(buf)), 22);
	assert_string_equal(buf, "a%20b%26c%3Dd%2F%C3%A9");
	assert_int_equal(url_decode("a%20b+c%2f", 10, buf, sizeof(buf), true), 6);
	assert_string_equal(buf, "a b c/");
	assert_int_equal(url_decode("%2", 2, buf, sizeof(buf), false), -ERR_PARSE);
	assert_int_equal(url_decode("%zz", 3, buf, sizeof(buf), false), -ERR_PARSE);

	strcpy(buf, "http://h/p");
	assert_true(url_query_add(buf, sizeof(buf), "q", "a b") > 0);
	assert_true(url_query_add(buf, sizeof(buf), "n", "1") > 0);
	assert_string_equal(buf, "http://h/p?q=a%20b&n=1");
	assert_int_equal(url_query_add(buf, 26, "long", "value"), -ERR_TOO_LARGE);
	assert_string_equal(buf, "http://h/p?q=a%20b&n=1");
}

static void test_serialize(void **state)
{
	struct url_ref u;
	char out[64];
	const char *s = "http://[::1]:80/x?y#z";

	(void)state;
	assert_int_equal(url_parse(s, strlen(s), &u), 0);
	assert_int_equal(url_serialize(&u, out, sizeof(out)), (int)strlen(s));
	assert_string_equal(out, s);
	assert_int_equal(url_serialize(&u, out, 5), -ERR_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3986_examples), cmocka_unit_test(test_resolve_hls_cases),
		cmocka_unit_test(test_parse_components), cmocka_unit_test(test_http_parse),
		cmocka_unit_test(test_dot_segments),	 cmocka_unit_test(test_encode_decode_query),
		cmocka_unit_test(test_serialize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
