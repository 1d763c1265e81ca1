/* Unit tests: capped buffer, JSON writer escaping/ASCII rule, strict JSON reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/base/json.h"
#include "core/base/utf8.h"

static const char *write_doc(struct dbuf *b, void (*fn)(struct jw *))
{
	struct jw w;

	dbuf_init(b, 4096);
	jw_init(&w, b);
	fn(&w);
	assert_int_equal(jw_finish(&w), 0);
	return (const char *)b->p;
}

static void doc_basic(struct jw *w)
{
	jw_arr_begin(w);
	jw_str(w, "stop");
	jw_obj_begin(w);
	jw_kstr(w, "reason", "error");
	jw_kint(w, "n", -42);
	jw_kbool(w, "ok", 1);
	jw_key(w, "list");
	jw_arr_begin(w);
	jw_null(w);
	jw_int(w, 1);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
}

static void test_writer_shapes(void **state)
{
	struct dbuf b;

	(void)state;
	assert_string_equal(
		write_doc(&b, doc_basic),
		"[\"stop\",{\"reason\":\"error\",\"n\":-42,\"ok\":true,\"list\":[null,1]}]");
	dbuf_free(&b);
}

static void doc_escape(struct jw *w)
{
	jw_str(w, "a\"b\\c\n\t\x01 \xc3\xa4 \xff end");
}

static void test_writer_escapes(void **state)
{
	struct dbuf b;

	(void)state;
	assert_string_equal(write_doc(&b, doc_escape),
			    "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa4 \xef\xbf\xbd end\"");
	dbuf_free(&b);
}

static void doc_ascii(struct jw *w)
{
	jw_str_ascii(w, "Gr\xc3\xbc\xc3\x9f"
			"e aus K\xc3\xb6ln \xe2\x80\x93 Caf\xc3\xa9 \xe2\x82\xac \xe6\x97\xa5");
}

static void test_writer_ascii_rule(void **state)
{
	struct dbuf b;

	(void)state;
	assert_string_equal(write_doc(&b, doc_ascii), "\"Gruesse aus Koeln - Cafe EUR ?\"");
	dbuf_free(&b);
}

static void test_writer_cap(void **state)
{
	struct dbuf b;
	struct jw w;

	(void)state;
	dbuf_init(&b, 16);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	for (int i = 0; i < 10; i++)
		jw_str(&w, "abcdef");
	jw_arr_end(&w);
	assert_int_equal(jw_finish(&w), -ERR_TOO_LARGE);
	assert_true(b.len <= 16);
	dbuf_free(&b);
}

static void test_writer_misuse(void **state)
{
	struct dbuf b;
	struct jw w;

	(void)state;
	dbuf_init(&b, 1024);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	jw_obj_end(&w); /* wrong closer order is still caught by depth at finish */
	jw_obj_end(&w);
	assert_int_not_equal(jw_finish(&w), 0);
	dbuf_free(&b);
}

static int parse(const char *s, struct jr *r, jsmntok_t *t, int nt)
{
	return jr_parse(r, s, strlen(s), t, nt);
}

static void test_reader_valid(void **state)
{
	jsmntok_t t[64];
	struct jr r;
	char buf[64];
	long long v;
	int b;

	(void)state;
	assert_int_equal(
		parse(" [\"start\", {\"url\": \"http://x/\\u00e4\\ud83d\\ude00\", "
		      "\"buffering\": 5, \"show_ads\": false, \"video\": {\"license_url\": \"L\"}, "
		      "\"q\": 5.0}] ",
		      &r, t, 64),
		0);
	assert_true(jr_is_arr(&r, 0));
	assert_true(jr_streq(&r, jr_at(&r, 0, 0), "start"));
	int a = jr_at(&r, 0, 1);
	assert_true(jr_is_obj(&r, a));
	assert_int_equal(jr_str(&r, jr_get(&r, a, "url"), buf, sizeof(buf)), 15);
	assert_string_equal(buf, "http://x/\xc3\xa4\xf0\x9f\x98\x80");
	assert_int_equal(jr_int(&r, jr_get(&r, a, "buffering"), &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(jr_int(&r, jr_get(&r, a, "q"), &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(jr_bool(&r, jr_get(&r, a, "show_ads"), &b), 0);
	assert_int_equal(b, 0);
	assert_true(jr_streq(&r, jr_path(&r, a, "video", "license_url", (const char *)NULL), "L"));
	assert_int_equal(jr_get(&r, a, "missing"), -1);
	assert_int_equal(jr_at(&r, 0, 2), -1);
	assert_int_equal(jr_str(&r, jr_get(&r, a, "url"), buf, 4), -ERR_TOO_LARGE);
}

static void test_reader_invalid(void **state)
{
	static const char *const bad[] = {
		"",	      " ",	     "[",	    "]",
		"[1,]",	      "[1 2]",	     "{\"a\" 1}",   "{\"a\":1 \"b\":2}",
		"{\"a\"}",    "{1:2}",	     "[tru]",	    "[01]",
		"[1.]",	      "[-]",	     "[\"a\"] x",   "[1][2]",
		"\"\\x\"",    "[\"\\u12\"]", "[\"a\x01\"]", "[\"\xff\"]",
		"{\"a\":1,}", "[,1]",	     "nul",	    "[\"\\u0000\"]",
		"{\"a\"::1}", "[1,,2]",
	};
	jsmntok_t t[64];
	struct jr r;
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &r, t, 64);

		if (rc == 0) /* "\u0000" parses but cannot be read as a C string */
			rc = jr_str(&r, jr_at(&r, 0, 0), buf, sizeof(buf)) < 0 ? -ERR_PARSE : 0;
		if (rc == 0)
			fail_msg("accepted invalid JSON #%zu: %s", i, bad[i]);
	}
}

static void test_reader_root_scalars(void **state)
{
	jsmntok_t t[4];
	struct jr r;
	char buf[8];
	long long v;

	(void)state;
	assert_int_equal(parse(" \"abc\" ", &r, t, 4), 0);
	assert_int_equal(jr_str(&r, 0, buf, sizeof(buf)), 3);
	assert_int_equal(parse("12", &r, t, 4), 0);
	assert_int_equal(jr_int(&r, 0, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse("null", &r, t, 4), 0);
	assert_true(jr_is_null(&r, 0));
	assert_int_equal(parse("-1.5e3", &r, t, 4), 0);
	assert_int_equal(jr_int(&r, 0, &v), 0);
	assert_int_equal(v, -1500);
	assert_int_equal(parse("12 x", &r, t, 4), -ERR_PARSE);
	assert_int_equal(parse("\"a\" \"b\"", &r, t, 4), -ERR_PARSE);
	/* Out-of-range and fractional numbers are errors, not undefined behaviour. */
	assert_int_equal(parse("1e300", &r, t, 4), 0);
	assert_int_equal(jr_int(&r, 0, &v), -ERR_PARSE);
	assert_int_equal(parse("-1e19", &r, t, 4), 0);
	assert_int_equal(jr_int(&r, 0, &v), -ERR_PARSE);
	assert_int_equal(parse("2.5", &r, t, 4), 0);
	assert_int_equal(jr_int(&r, 0, &v), -ERR_PARSE);
}

static void test_reader_token_limit(void **state)
{
	jsmntok_t t[4];
	struct jr r;

	(void)state;
	assert_int_equal(parse("[1,2,3,4,5]", &r, t, 4), -ERR_LIMIT);
}

static void test_translit_truncates(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(ascii_translit("\xc3\xa4\xc3\xa4\xc3\xa4", 6, out, sizeof(out)), 4);
	assert_string_equal(out, "aeae");
	assert_true(utf8_valid((const uint8_t *)"\xe2\x82\xac", 3));
	assert_false(utf8_valid((const uint8_t *)"\xc0\xaf", 2));     /* overlong */
	assert_false(utf8_valid((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
	assert_false(utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
}

static void test_dbuf(void **state)
{
	struct dbuf b;
	size_t n;
	uint8_t *p;

	(void)state;
	dbuf_init(&b, 10);
	assert_int_equal(dbuf_printf(&b, "%d-%s", 12, "ab"), 0);
	assert_string_equal((char *)b.p, "12-ab");
	assert_int_equal(dbuf_adds(&b, "123456"), -ERR_TOO_LARGE);
	assert_int_equal(dbuf_adds(&b, "1"), -ERR_TOO_LARGE); /* sticky */
	dbuf_reset(&b);
	assert_int_equal(dbuf_adds(&b, "0123456789"), 0);
	p = dbuf_take(&b, &n);
	assert_int_equal(n, 10);
	free(p);
	dbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_shapes),
		cmocka_unit_test(test_writer_escapes),
		cmocka_unit_test(test_writer_ascii_rule),
		cmocka_unit_test(test_writer_cap),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_reader_valid),
		cmocka_unit_test(test_reader_invalid),
		cmocka_unit_test(test_reader_root_scalars),
		cmocka_unit_test(test_reader_token_limit),
		cmocka_unit_test(test_translit_truncates),
		cmocka_unit_test(test_dbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
