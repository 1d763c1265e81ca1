/* Unit tests: control-protocol frame decoder (partial, coalesced, oversized frames). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ctrl/frame.h"

static size_t put(uint8_t *buf, const char *payload)
{
	size_t n = strlen(payload);

	frame_put_len(buf, (uint32_t)n);
	memcpy(buf + 4, payload, n);
	return n + 4;
}

static void test_whole_frame(void **state)
{
	uint8_t buf[64];
	struct frame_view v;
	size_t used, need, n = put(buf, "[\"stop\",{}]");

	(void)state;
	assert_int_equal(frame_decode(buf, n, 100, &v, &used, &need), 1);
	assert_int_equal(used, n);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.p, "[\"stop\",{}]", 11);
	assert_ptr_equal(v.p, buf + 4);
}

static void test_partial_byte_by_byte(void **state)
{
	uint8_t buf[64];
	struct frame_view v;
	size_t used, need, n = put(buf, "[\"get_providers\",{}]");

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(frame_decode(buf, i, 100, &v, &used, &need), 0);
		assert_int_equal(used, 0);
		assert_int_equal(need, i < 4 ? 4 : n);
	}
	assert_int_equal(frame_decode(buf, n, 100, &v, &used, &need), 1);
}

static void test_coalesced(void **state)
{
	uint8_t buf[128];
	struct frame_view v;
	size_t used, need, off = 0, n = 0;
	int count = 0;

	(void)state;
	n += put(buf + n, "[\"a\"]");
	n += put(buf + n, "");
	n += put(buf + n, "[\"b\",{}]");
	buf[n++] = 0; /* start of a fourth frame */
	while (frame_decode(buf + off, n - off, 100, &v, &used, &need) == 1) {
		off += used;
		count++;
	}
	assert_int_equal(count, 3);
	assert_int_equal(n - off, 1);
	assert_int_equal(need, 4);
}

static void test_zero_length(void **state)
{
	uint8_t buf[4] = {0, 0, 0, 0};
	struct frame_view v;
	size_t used, need;

	(void)state;
	assert_int_equal(frame_decode(buf, 4, 100, &v, &used, &need), 1);
	assert_int_equal(v.len, 0);
	assert_int_equal(used, 4);
}

static void test_too_large(void **state)
{
	uint8_t max[4] = {0xff, 0xff, 0xff, 0xff};
	uint8_t edge[4];
	struct frame_view v;
	size_t used, need;

	(void)state;
	assert_int_equal(frame_decode(max, 4, 65536, &v, &used, &need), -ERR_TOO_LARGE);
	assert_int_equal(used, 0);
	frame_put_len(edge, 65537);
	assert_int_equal(frame_decode(edge, 4, 65536, &v, &used, &need), -ERR_TOO_LARGE);
	frame_put_len(edge, 65536);
	assert_int_equal(frame_decode(edge, 4, 65536, &v, &used, &need), 0);
	assert_int_equal(need, 65540);
}

static void test_put_len(void **state)
{
	uint8_t h[4];

	(void)state;
	frame_put_len(h, 0x01020304);
	assert_int_equal(h[0], 1);
	assert_int_equal(h[1], 2);
	assert_int_equal(h[2], 3);
	assert_int_equal(h[3], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_frame), cmocka_unit_test(test_partial_byte_by_byte),
		cmocka_unit_test(test_coalesced),   cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_too_large),   cmocka_unit_test(test_put_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
