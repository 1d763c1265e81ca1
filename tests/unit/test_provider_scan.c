/* Unit tests: streaming JSON scanner (paths, chunking, limits, broken input) and span helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/base/common.h"
#include "core/base/err.h"
#include "providers/jscan.h"

struct got {
	char vals[16][128];
	char keys[16][32];
	int n;
};

static int collect(void *ctx, const struct jscan *s, const uint8_t *p, size_t n)
{
	struct got *g = ctx;
	size_t kn;
	const char *k;

	if (g->n >= 16)
		return -ERR_LIMIT;
	snprintf(g->vals[g->n], sizeof(g->vals[0]), "%.*s", (int)n, (const char *)p);
	k = jscan_key(s, s->npat - 1, &kn, NULL);
	snprintf(g->keys[g->n], sizeof(g->keys[0]), "%.*s", (int)kn, k ? k : "");
	g->n++;
	return 0;
}

/* Scans doc fed in chunks of step bytes. */
static int scan(const char *doc, const char *const *pat, int npat, size_t step, size_t cap,
		struct got *g, unsigned *skipped)
{
	uint8_t buf[256];
	struct jscan s;
	size_t n = strlen(doc);
	int rc = 0;

	memset(g, 0, sizeof(*g));
	jscan_init(&s, pat, npat, buf, cap, collect, g);
	for (size_t i = 0; i < n && !rc; i += step)
		rc = jscan_feed(&s, (const uint8_t *)doc + i, MIN(step, n - i));
	if (!rc)
		rc = jscan_end(&s);
	if (skipped)
		*skipped = s.skipped;
	return rc;
}

static void test_top_array(void **state)
{
	static const char *const pat[] = {NULL};
	const char *doc =
		" [ {\"a\": [1, {\"b\": \"]}\\\"\"}]}, \"str\\\"\", 12.5e3 , true,null,{}]\n";
	struct got g;

	(void)state;
	for (size_t step = 1; step < 8; step++) {
		assert_int_equal(scan(doc, pat, 1, step, 256, &g, NULL), 0);
		assert_int_equal(g.n, 6);
		assert_string_equal(g.vals[0], "{\"a\": [1, {\"b\": \"]}\\\"\"}]}");
		assert_string_equal(g.vals[1], "\"str\\\"\"");
		assert_string_equal(g.vals[2], "12.5e3");
		assert_string_equal(g.vals[3], "true");
		assert_string_equal(g.vals[4], "null");
		assert_string_equal(g.vals[5], "{}");
	}
}

static void test_nested_path(void **state)
{
	static const char *const de[] = {"regions", "de", "channels", NULL};
	static const char *const all[] = {"regions", NULL, "channels", NULL};
	const char *doc = "{\"x\":{\"channels\":{\"no\":1}},\"regions\":{"
			  "\"at\":{\"name\":\"A\",\"channels\":{\"AT1\":{\"n\":\"a1\"}}},"
			  "\"de\":{\"channels\":{\"DE1\":{\"n\":\"d1\"},\"DE2\":{\"n\":[\"d2\"]}},"
			  "\"name\":\"D\"}}}";
	struct got g;

	(void)state;
	assert_int_equal(scan(doc, de, 4, 3, 256, &g, NULL), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.keys[0], "DE1");
	assert_string_equal(g.vals[1], "{\"n\":[\"d2\"]}");
	assert_int_equal(scan(doc, all, 4, 5, 256, &g, NULL), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.keys[0], "AT1");
}

static void test_too_big_and_broken(void **state)
{
	static const char *const pat[] = {NULL};
	struct got g;
	unsigned skipped;

	(void)state;
	/* an element over the buffer is skipped and counted, the rest still comes */
	assert_int_equal(scan("[\"0123456789abcdef\",1,\"x\"]", pat, 1, 4, 8, &g, &skipped), 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(g.n, 2);
	/* truncated, trailing garbage, bad separators, unbalanced */
	assert_int_equal(scan("[{\"a\":1},{\"b\":", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("[1] x", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("[1 2]", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("[1,]", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("{\"a\" 1}", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("[}", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	assert_int_equal(scan("<html>", pat, 1, 3, 64, &g, NULL), -ERR_PARSE);
	{
		char deep[200];

		memset(deep, '[', sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = 0;
		assert_int_equal(scan(deep, pat, 1, 7, 64, &g, NULL), -ERR_LIMIT);
	}
}

static void test_spans(void **state)
{
	const char *obj = " { \"k\" : [1,\"]\"] , \"e\\\"\":{\"x\":{}} ,\"n\":-1 } ";
	const uint8_t *p = (const uint8_t *)obj, *k, *v;
	size_t n = strlen(obj), off = 0, kn, vn;

	(void)state;
	assert_int_equal(jspan_member(p, n, &off, &k, &kn, &v, &vn), 1);
	assert_int_equal(kn, 1);
	assert_memory_equal(v, "[1,\"]\"]", vn);
	assert_int_equal(jspan_member(p, n, &off, &k, &kn, &v, &vn), 1);
	assert_memory_equal(k, "e\\\"", kn);
	assert_memory_equal(v, "{\"x\":{}}", vn);
	assert_int_equal(jspan_member(p, n, &off, &k, &kn, &v, &vn), 1);
	assert_memory_equal(v, "-1", vn);
	assert_int_equal(jspan_member(p, n, &off, &k, &kn, &v, &vn), 0);

	off = 0;
	assert_int_equal(jspan_element((const uint8_t *)"[]", 2, &off, &v, &vn), 0);
	off = 0;
	assert_int_equal(jspan_element((const uint8_t *)"[1,[2", 5, &off, &v, &vn), 1);
	assert_int_equal(jspan_element((const uint8_t *)"[1,[2", 5, &off, &v, &vn), -ERR_PARSE);
	off = 0;
	assert_int_equal(jspan_member((const uint8_t *)"[1]", 3, &off, &k, &kn, &v, &vn),
			 -ERR_PARSE);
	assert_int_equal(jspan_value((const uint8_t *)"\"abc", 4, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_array),
		cmocka_unit_test(test_nested_path),
		cmocka_unit_test(test_too_big_and_broken),
		cmocka_unit_test(test_spans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
