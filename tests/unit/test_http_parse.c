/* Unit tests for net/http_parse: response heads, chunked framing, dates, Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/err.h"
#include "net/http_parse.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static void test_head_basic(void **state)
{
	const char *r = "HTTP/1.1 206 Partial Content\r\n"
			"Content-Type: Video/MP2T; charset=x\r\n"
			"Content-Length: 100\r\n"
			"Content-Range: bytes 100-199/5000\r\n"
			"Location: /next\r\n"
			"Retry-After: 7\r\n"
			"Set-Cookie: a=b\r\n"
			"\r\nBODY";
	struct http_head h;
	struct http_hdr hd;
	size_t pos = 0;
	int n;

	(void)state;
	n = http_parse_head(S(r), &h);
	assert_int_equal(n, (int)(strlen(r) - 4));
	assert_int_equal(h.status, 206);
	assert_int_equal(h.minor, 1);
	assert_int_equal(h.content_length, 100);
	assert_int_equal(h.range_start, 100);
	assert_int_equal(h.range_end, 199);
	assert_int_equal(h.range_total, 5000);
	assert_false(h.chunked);
	assert_false(h.conn_close);
	assert_memory_equal(r + h.location.off, "/next", 5);
	assert_memory_equal(r + h.retry_after.off, "7", 1);
	assert_memory_equal(r + h.reason.off, "Partial Content", h.reason.len);
	assert_int_equal(h.n_headers, 6);
	n = 0;
	while (http_header_next((const uint8_t *)r, h.head_len, &pos, &hd))
		n++;
	assert_int_equal(n, 6);
}

static void test_head_incomplete_and_bad(void **state)
{
	struct http_head h;

	(void)state;
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nContent-Le"), &h), 0);
	assert_int_equal(http_parse_head(S("HTT"), &h), 0);
	assert_int_equal(http_parse_head(S("XTTP"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 20 OK\r\n\r\n"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 abc\r\n\r\n"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/2.0 200 OK\r\n\r\n"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200OK\r\n\r\n"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n"), &h),
			 -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nA : b\r\n\r\n"), &h), -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
					   "Content-Length: 2\r\n\r\n"),
					 &h),
			 -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), &h),
			 -ERR_PROTOCOL);
	assert_int_equal(http_parse_head(S("HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n"), &h),
			 -ERR_PROTOCOL);
	/* identical duplicate lengths are fine; bare LF line ends are tolerated */
	assert_true(http_parse_head(S("HTTP/1.1 200 OK\nContent-Length: 1\nContent-Length: 1\n\n"),
				    &h) > 0);
	assert_int_equal(h.content_length, 1);
	/* status line without reason */
	assert_true(http_parse_head(S("HTTP/1.1 204\r\n\r\n"), &h) > 0);
	assert_int_equal(h.status, 204);
}

static void test_head_framing(void **state)
{
	struct http_head h;

	(void)state;
	assert_true(http_parse_head(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
				      "Content-Length: 10\r\n\r\n"),
				    &h) > 0);
	assert_true(h.chunked);
	assert_int_equal(h.content_length, -1);
	assert_true(h.conn_close); /* TE + CL: not reused */
	assert_true(
		http_parse_head(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
				&h) > 0);
	assert_false(h.chunked);
	assert_true(h.te_other && h.conn_close);
	assert_true(http_parse_head(S("HTTP/1.0 200 OK\r\n\r\n"), &h) > 0);
	assert_true(h.conn_close);
	assert_true(http_parse_head(S("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n"), &h) >
		    0);
	assert_false(h.conn_close);
	assert_true(http_parse_head(S("HTTP/1.1 200 OK\r\nConnection: foo, close\r\n\r\n"), &h) >
		    0);
	assert_true(h.conn_close);
	assert_true(http_parse_head(S("HTTP/1.1 200 OK\r\nContent-Encoding: GZIP\r\n\r\n"), &h) >
		    0);
	assert_int_equal(h.encoding, HTTP_ENC_GZIP);
	assert_true(http_parse_head(S("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n"), &h) > 0);
	assert_int_equal(h.encoding, HTTP_ENC_OTHER);
	assert_true(http_parse_head(S("HTTP/1.1 416 No\r\nContent-Range: bytes */77\r\n\r\n"), &h) >
		    0);
	assert_int_equal(h.range_total, 77);
	assert_int_equal(h.range_start, -1);
}

/* Decodes a whole chunked body fed in pieces of step bytes; returns the rc of the end. */
static int dechunk(const char *in, size_t step, char *out, size_t *outlen, size_t *consumed)
{
	struct http_chunked c;
	size_t n = strlen(in), i = 0, o = 0;
	int rc = 0;

	http_chunked_init(&c, 256);
	while (i < n) {
		size_t k = MIN(step, n - i), used, doff, dlen;

		rc = http_chunked_step(&c, (const uint8_t *)in + i, k, &used, &doff, &dlen);
		if (rc < 0)
			return rc;
		memcpy(out + o, in + i + doff, dlen);
		o += dlen;
		i += used;
		if (rc == 1)
			break;
	}
	*outlen = o;
	*consumed = i;
	return rc;
}

static void test_chunked(void **state)
{
	const char *body =
		"5;ext=\"a;b\"\r\nhello\r\n6\r\n world\r\n0;last\r\nX-T: 1\r\nY: 2\r\n\r\nNEXT";
	char out[64];
	size_t ol, used;

	(void)state;
	for (size_t step = 1; step < 20; step++) {
		assert_int_equal(dechunk(body, step, out, &ol, &used), 1);
		assert_int_equal(ol, 11);
		assert_memory_equal(out, "hello world", 11);
		assert_int_equal(used, strlen(body) - 4);
	}
	assert_int_equal(dechunk("A\r\n0123456789\r\n0\r\n\r\n", 3, out, &ol, &used), 1);
	assert_int_equal(ol, 10);
	assert_int_equal(dechunk("5\nhello\n0\n\n", 2, out, &ol, &used), 1);
	assert_int_equal(dechunk("zz\r\n", 1, out, &ol, &used), -ERR_PROTOCOL);
	assert_int_equal(dechunk("\r\n", 1, out, &ol, &used), -ERR_PROTOCOL);
	assert_int_equal(dechunk("5\r\nhelloXX", 1, out, &ol, &used), -ERR_PROTOCOL);
	assert_int_equal(dechunk("fffffffffffffffffff\r\n", 4, out, &ol, &used), -ERR_PROTOCOL);
	/* trailers over the cap */
	{
		char big[600];

		memset(big, 'a', sizeof(big));
		memcpy(big, "0\r\nX: ", 6);
		big[sizeof(big) - 1] = 0;
		assert_int_equal(dechunk(big, 50, out, &ol, &used), -ERR_PROTOCOL);
	}
	/* incomplete: needs more */
	assert_int_equal(dechunk("5\r\nhel", 100, out, &ol, &used), 0);
}

static void test_dates(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(http_parse_date(S("Sun, 06 Nov 1994 08:49:37 GMT"), &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(http_parse_date(S("Sunday, 06-Nov-94 08:49:37 GMT"), &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(http_parse_date(S("Sun Nov  6 08:49:37 1994"), &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(http_parse_date(S("Wed, 01-Jan-2031 00:00:00 GMT"), &t), 0);
	assert_int_equal(t, 1924992000);
	assert_int_equal(http_parse_date(S("garbage"), &t), -ERR_PARSE);
	assert_int_equal(http_parse_date(S("Sun, 32 Nov 1994 08:49:37 GMT"), &t), -ERR_PARSE);
	assert_int_equal(http_parse_retry_after(S("120"), 0), 120);
	assert_int_equal(http_parse_retry_after(S("Sun, 06 Nov 1994 08:49:47 GMT"), 784111777), 10);
	assert_int_equal(http_parse_retry_after(S("Sun, 06 Nov 1994 08:49:37 GMT"), 784111800), 0);
	assert_int_equal(http_parse_retry_after(S("soon"), 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_basic),   cmocka_unit_test(test_head_incomplete_and_bad),
		cmocka_unit_test(test_head_framing), cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
