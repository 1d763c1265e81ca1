/* Unit tests for net/cookie: Set-Cookie parsing and the jar's RFC 6265 matching rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/err.h"
#include "net/cookie.h"

#define NOW ((time_t)1700000000)

static int set(struct cookie_jar *j, const char *host, const char *path, bool sec, const char *h)
{
	return cookie_jar_set(j, host, path, sec, (const uint8_t *)h, strlen(h), NOW);
}

static const char *hdr(struct cookie_jar *j, const char *host, const char *path, bool sec,
		       time_t now)
{
	static char out[512];

	cookie_jar_header(j, host, path, sec, now, out, sizeof(out));
	return out;
}

static void test_parse(void **state)
{
	struct cookie_view cv;
	const char *h = " sid = a b ; Path=/x ;Domain=.Example.com; Max-Age=60; Secure; HttpOnly;"
			"Expires=Wed, 09 Jun 2021 10:18:14 GMT";

	(void)state;
	assert_int_equal(cookie_parse((const uint8_t *)h, strlen(h), &cv), 0);
	assert_memory_equal(cv.name, "sid", cv.name_len);
	assert_int_equal(cv.value_len, 3);
	assert_memory_equal(cv.path, "/x", cv.path_len);
	assert_memory_equal(cv.domain, "Example.com", cv.domain_len);
	assert_true(cv.have_max_age && cv.max_age == 60);
	assert_true(cv.secure && cv.http_only && cv.have_expires);
	assert_int_equal(cookie_parse((const uint8_t *)"novalue", 7, &cv), -ERR_PARSE);
	assert_int_equal(cookie_parse((const uint8_t *)"=v", 2, &cv), -ERR_PARSE);
	assert_int_equal(cookie_parse((const uint8_t *)"a=b\x01", 4, &cv), -ERR_PARSE);
	assert_int_equal(cookie_parse((const uint8_t *)"a=", 2, &cv), 0);
}

static void test_domain_and_path(void **state)
{
	struct cookie_jar j;

	(void)state;
	cookie_jar_init(&j);
	assert_int_equal(set(&j, "www.example.com", "/a/b", false, "host=1"), 0);
	assert_int_equal(set(&j, "www.example.com", "/a/b", false, "dom=2; Domain=example.com"), 0);
	assert_int_equal(set(&j, "www.example.com", "/", false, "p=3; Path=/a"), 0);
	assert_int_equal(set(&j, "www.example.com", "/", false, "bad=4; Domain=other.com"),
			 -EACCES);
	assert_int_equal(set(&j, "www.example.com", "/", false, "tld=5; Domain=com"), -EACCES);
	assert_int_equal(set(&j, "www.example.com", "/", false, "s=6; Secure"), -EACCES);
	assert_int_equal(set(&j, "www.example.com", "/", true, "s=6; Secure"), 0);
	/* host-only cookie stays on its host; domain cookie goes to subdomains */
	assert_string_equal(hdr(&j, "img.example.com", "/a/x", false, NOW), "dom=2");
	/* default path of /a/b is /a: sent to /a/x, longest path first */
	assert_string_equal(hdr(&j, "www.example.com", "/a/x", false, NOW), "host=1; dom=2; p=3");
	/* "/a" does not path-match "/ab" (segment boundary) */
	assert_string_equal(hdr(&j, "www.example.com", "/ab", false, NOW), "");
	assert_string_equal(hdr(&j, "www.example.com", "/", true, NOW), "s=6");
	assert_string_equal(hdr(&j, "www.example.com", "/", false, NOW), "");
	assert_string_equal(hdr(&j, "example.com", "/a", false, NOW), "dom=2");
	assert_string_equal(hdr(&j, "badexample.com", "/", false, NOW), "");
	cookie_jar_clear(&j);
}

static void test_replace_expire_delete(void **state)
{
	struct cookie_jar j;

	(void)state;
	cookie_jar_init(&j);
	assert_int_equal(set(&j, "h.example", "/", false, "a=1; Max-Age=10"), 0);
	assert_int_equal(set(&j, "h.example", "/", false, "a=2; Max-Age=10"), 0);
	assert_int_equal(j.n, 1);
	assert_string_equal(hdr(&j, "h.example", "/", false, NOW), "a=2");
	assert_string_equal(hdr(&j, "h.example", "/", false, NOW + 11), "");
	assert_int_equal(set(&j, "h.example", "/", false, "b=1"), 0);
	assert_int_equal(
		set(&j, "h.example", "/", false, "b=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	assert_int_equal(j.n, 0);
	assert_int_equal(set(&j, "h.example", "/", false, "c=1; Max-Age=0"), 0);
	assert_int_equal(j.n, 0);
	cookie_jar_clear(&j);
}

static void test_caps(void **state)
{
	struct cookie_jar j;
	char big[CONFIG_HTTP_COOKIE_MAX + 16];
	char c[32];

	(void)state;
	cookie_jar_init(&j);
	memset(big, 'v', sizeof(big));
	memcpy(big, "big=", 4);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(set(&j, "h.example", "/", false, big), -ERR_TOO_LARGE);
	for (int i = 0; i < CONFIG_HTTP_COOKIES + 10; i++) {
		snprintf(c, sizeof(c), "c%d=%d", i, i);
		assert_int_equal(set(&j, "h.example", "/", false, c), 0);
	}
	assert_int_equal(j.n, CONFIG_HTTP_COOKIES);
	assert_true(j.bytes <= CONFIG_HTTP_COOKIE_JAR_BYTES);
	/* the oldest went first */
	assert_null(strstr(hdr(&j, "h.example", "/", false, NOW), "c0="));
	cookie_jar_clear(&j);
	assert_int_equal(j.n, 0);
}

static void test_ip_hosts(void **state)
{
	struct cookie_jar j;

	(void)state;
	cookie_jar_init(&j);
	assert_int_equal(set(&j, "127.0.0.1", "/", false, "a=1"), 0);
	assert_int_equal(set(&j, "127.0.0.1", "/", false, "b=1; Domain=0.0.1"), -EACCES);
	assert_string_equal(hdr(&j, "127.0.0.1", "/", false, NOW), "a=1");
	assert_string_equal(hdr(&j, "localhost", "/", false, NOW), "");
	cookie_jar_clear(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_domain_and_path),
		cmocka_unit_test(test_replace_expire_delete),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_ip_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
