/* Unit tests for the session API and cancellable name resolution (no network: loopback names). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/base/err.h"
#include "net/dns.h"
#include "net/http.h"

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_dns_literals_and_hosts_file(void **state)
{
	struct dns_result r;

	(void)state;
	assert_int_equal(dns_resolve("127.0.0.1", 8080, -1, 1000, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.addr[0].ss_family, AF_INET);
	assert_int_equal(dns_resolve("::1", 80, -1, 1000, &r), 0);
	assert_int_equal(r.addr[0].ss_family, AF_INET6);
	/* /etc/hosts, through the helper thread */
	assert_int_equal(dns_resolve("localhost", 80, -1, 5000, &r), 0);
	assert_true(r.n >= 1);
	assert_int_equal(dns_resolve("", 80, -1, 1000, &r), -ERR_DNS);
}

static void test_dns_cancel_and_deadline_return_at_once(void **state)
{
	struct dns_result r;
	struct timespec t0;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dns_resolve("localhost", 80, p[0], 5000, &r), -ERR_CANCELLED);
	assert_true(ms_since(&t0) < 200);
	close(p[0]);
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dns_resolve("localhost", 80, -1, 0, &r), -ERR_TIMEOUT);
	assert_true(ms_since(&t0) < 200);
	usleep(100000); /* let the abandoned helpers finish (leak checkers) */
}

static void test_session_headers_and_opts(void **state)
{
	struct http_session_opts o;
	struct http_session *s;
	char name[16];

	(void)state;
	http_session_opts_init(&o);
	assert_int_equal(o.cancel_fd, -1);
	assert_int_equal(o.tls_verify, 1);
	assert_int_equal(o.connect_timeout_ms, CONFIG_HTTP_CONNECT_TIMEOUT_MS);
	assert_int_equal(http_session_new(&o, &s), 0);
	assert_int_equal(http_session_set_header(s, "User-Agent", "x"), 0);
	assert_int_equal(http_session_set_header(s, "user-agent", "y"), 0); /* replaces */
	assert_int_equal(http_session_set_header(s, "User-Agent", NULL), 0);
	assert_int_equal(http_session_set_header(s, "Bad Name", "x"), -ERR_BAD_REQUEST);
	assert_int_equal(http_session_set_header(s, "X", "a\r\nInjected: 1"), -ERR_BAD_REQUEST);
	for (int i = 0; i < CONFIG_HTTP_SESSION_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-%d", i);
		assert_int_equal(http_session_set_header(s, name, "v"), 0);
	}
	assert_int_equal(http_session_set_header(s, "X-Over", "v"), -ERR_LIMIT);
	assert_int_equal(http_session_add_cookie(s, "http://h.example/a/b", "c=1"), 0);
	assert_int_equal(http_session_add_cookie(s, "ftp://h.example/", "c=1"), -ERR_UNSUPPORTED);
	http_session_free(s);
}

static void test_get_cancelled_before_connect(void **state)
{
	struct http_session_opts o;
	struct http_session *s;
	struct http_response rs;
	uint8_t buf[16];
	size_t len;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	http_session_opts_init(&o);
	o.cancel_fd = p[0];
	assert_int_equal(http_session_new(&o, &s), 0);
	/* localhost goes through the resolver thread, which the cancel fd interrupts */
	assert_int_equal(http_get_buf(s, "http://localhost:9/x", &rs, buf, sizeof(buf), &len),
			 -ERR_CANCELLED);
	assert_int_equal(http_get_buf(s, "gopher://x/", &rs, buf, sizeof(buf), &len),
			 -ERR_UNSUPPORTED);
	assert_int_equal(http_get_buf(s, "http://[::1/", &rs, buf, sizeof(buf), &len), -ERR_PARSE);
	http_session_free(s);
	close(p[0]);
	close(p[1]);
	usleep(100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_literals_and_hosts_file),
		cmocka_unit_test(test_dns_cancel_and_deadline_return_at_once),
		cmocka_unit_test(test_session_headers_and_opts),
		cmocka_unit_test(test_get_cancelled_before_connect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
