/* `streamingserver --fetch URL`: a tiny wget over our own HTTP client, for users and tests. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cli/cli.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/http.h"

#define FETCH_MAX_HEADERS 16
#ifdef CONFIG_TLS_CA_FILE
#define FETCH_CA_DEFAULT CONFIG_TLS_CA_FILE
#else
#define FETCH_CA_DEFAULT "none: no TLS in this build"
#endif

static const char fetch_usage[] =
	"usage: streamingserver --fetch URL [-H 'Name: value']... [-o FILE] [-v]\n"
	"       [-I] [-r START-[END]] [--ca FILE] [-k] [--retries N] [--timeout MS]\n"
	"       [--rate PER_MIN] [--burst N]\n"
	"  -H        extra request header (repeatable)\n"
	"  -o FILE   write the body to FILE instead of standard output\n"
	"  -v        log request and response heads and a summary to standard error\n"
	"  -I        HEAD request\n"
	"  -r        byte range (Range: bytes=START-END)\n"
	"  --ca      CA bundle (default " FETCH_CA_DEFAULT ")\n"
	"  -k        do not verify TLS certificates (logs a warning)\n"
	"  --retries retries of 429/5xx answers (default from Kconfig)\n"
	"  --timeout connect, first-byte and idle timeout in ms\n"
	"  --rate    requests per minute per host (token bucket of --burst requests)\n"
	"Exit status 0 after a complete 2xx body; else 1 with 'error=<name>' on standard error.\n";

/* Signal handlers may only touch this: the write end of the cancel pipe. */
static volatile sig_atomic_t fetch_cancel_wfd = -1;

static void fetch_on_signal(int sig)
{
	int fd = fetch_cancel_wfd;

	(void)sig;
	if (fd >= 0)
		(void)!write(fd, "x", 1);
}

struct fetch_out {
	int fd;
	uint64_t bytes;
};

static int fetch_write(void *ctx, const uint8_t *p, size_t n)
{
	struct fetch_out *o = ctx;

	while (n) {
		ssize_t r = write(o->fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		n -= (size_t)r;
		o->bytes += (uint64_t)r;
	}
	return 0;
}

/* Short names of the errors a fetch can end with (what tests and users grep for). */
static const char *fetch_err_name(int rc)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ERR_TIMEOUT, "timeout"},
		{ERR_FORBIDDEN, "forbidden"},
		{ERR_NOT_FOUND, "not_found"},
		{ERR_TLS, "tls"},
		{ERR_DNS, "dns"},
		{ERR_CONNECT, "connect"},
		{ERR_PROTOCOL, "protocol"},
		{ERR_HTTP, "http"},
		{ERR_EOF, "eof"},
		{ERR_CANCELLED, "cancelled"},
		{ERR_TOO_LARGE, "too_large"},
		{ERR_UNSUPPORTED, "unsupported"},
		{ERR_PARSE, "parse"},
		{ERR_BAD_REQUEST, "bad_request"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (-rc == names[i].code)
			return names[i].name;
	}
	return "failure";
}

static int parse_range(const char *s, int64_t *a, int64_t *b)
{
	char *end;

	*a = strtoll(s, &end, 10);
	if (end == s || *end != '-' || *a < 0)
		return -1;
	s = end + 1;
	if (!*s) {
		*b = -1;
		return 0;
	}
	*b = strtoll(s, &end, 10);
	return (*end || *b < *a) ? -1 : 0;
}

/* 0 and *v set when s is a whole decimal int (atoi would take "x" or "5s" as 0 or 5). */
static int parse_int(const char *s, int *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (end == s || *end || errno || x < INT_MIN || x > INT_MAX)
		return -1;
	*v = (int)x;
	return 0;
}

/* What the command line asks for beyond the session and request options. */
struct fetch_args {
	const char *headers[FETCH_MAX_HEADERS + 1];
	int n_headers;
	const char *url, *out_path;
	int verbose;
	bool head;
	int64_t r0, r1;
};

/* Parses argv into fa, so and rq: -1 to go on, else the exit status to return at once. */
static int fetch_parse_args(int argc, char **argv, struct fetch_args *fa,
			    struct http_session_opts *so, struct http_request *rq)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int t;

		if (!a)
			break; /* argv[argc] is NULL; a caller passing a shorter vector ends here */
		if (!strcmp(a, "-H") && v) {
			if (fa->n_headers >= FETCH_MAX_HEADERS) {
				fprintf(stderr, "fetch: at most %d -H options\n",
					FETCH_MAX_HEADERS);
				return 2;
			}
			fa->headers[fa->n_headers++] = v;
			i++;
		} else if (!strcmp(a, "-o") && v) {
			fa->out_path = v;
			i++;
		} else if (!strcmp(a, "-v")) {
			fa->verbose = 1;
		} else if (!strcmp(a, "-I")) {
			fa->head = true;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--insecure")) {
			so->tls_verify = 0;
		} else if (!strcmp(a, "--ca") && v) {
			so->ca_file = v;
			i++;
		} else if (!strcmp(a, "-r") && v) {
			if (parse_range(v, &fa->r0, &fa->r1)) {
				fprintf(stderr, "fetch: bad range '%s'\n", v);
				return 2;
			}
			i++;
		} else if ((!strcmp(a, "--retries") || !strcmp(a, "--rate") ||
			    !strcmp(a, "--burst") || !strcmp(a, "--timeout")) &&
			   v) {
			if (parse_int(v, &t)) {
				fprintf(stderr, "fetch: %s needs a number, not '%s'\n", a, v);
				return 2;
			}
			if (!strcmp(a, "--retries"))
				rq->max_retries = t;
			else if (!strcmp(a, "--rate"))
				so->rate_per_min = t;
			else if (!strcmp(a, "--burst"))
				so->rate_burst = t;
			else
				so->connect_timeout_ms = so->first_byte_timeout_ms =
					so->idle_timeout_ms = t;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(fetch_usage, stdout);
			return 0;
		} else if (a[0] != '-' && !fa->url) {
			fa->url = a;
		} else {
			fprintf(stderr, "fetch: unexpected argument '%s'\n%s", a, fetch_usage);
			return 2;
		}
	}
	if (!fa->url) {
		fputs(fetch_usage, stderr);
		return 2;
	}
	return -1;
}

int fetch_main(int argc, char **argv)
{
	struct fetch_args fa = {.r0 = -1, .r1 = -1};
	struct http_session_opts so;
	struct http_session *s = NULL;
	struct http_request rq;
	struct http_response rs;
	struct fetch_out out = {STDOUT_FILENO, 0};
	struct sigaction sa;
	struct timespec t0, t1;
	int pfd[2] = {-1, -1}, rc;
	double secs;

	http_session_opts_init(&so);
	cli_http_opts(&so); /* --set tls_verify=0 / ca_file=F given around --fetch */
	http_request_init(&rq, NULL);
	rc = fetch_parse_args(argc, argv, &fa, &so, &rq);
	if (rc >= 0)
		return rc;
	if (fa.verbose) {
		log_set_level_name("http", LOG_LVL_DEBUG);
		log_set_level_name("tls", LOG_LVL_DEBUG);
	}
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == 0) {
		fetch_cancel_wfd = pfd[1];
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = fetch_on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		so.cancel_fd = pfd[0];
	}
	signal(SIGPIPE, SIG_IGN);
	if (fa.out_path && strcmp(fa.out_path, "-")) {
		out.fd = open(fa.out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out.fd < 0) {
			fprintf(stderr, "fetch: %s: %s\n", fa.out_path, strerror(errno));
			rc = 2;
			goto done;
		}
	}
	rc = http_session_new(&so, &s);
	if (rc) {
		fprintf(stderr, "fetch: %s\n", err_str(rc));
		rc = 1;
		goto done;
	}
	rq.url = fa.url;
	rq.method = fa.head ? "HEAD" : "GET";
	rq.range_start = fa.r0;
	rq.range_end = fa.r1;
	rq.headers = fa.n_headers ? fa.headers : NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = http_get(s, &rq, &rs, fetch_write, &out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (fa.verbose || rc)
		fprintf(stderr,
			"fetch: status=%d bytes=%llu time=%.3f rate=%.1fMB/s type=%s "
			"length=%lld range_total=%lld final_url=%s\n",
			rs.status, (unsigned long long)out.bytes, secs,
			secs > 0 ? (double)out.bytes / secs / 1e6 : 0.0,
			rs.content_type[0] ? rs.content_type : "-", (long long)rs.content_length,
			(long long)rs.range_total, rs.final_url[0] ? rs.final_url : fa.url);
	if (rc) {
		fprintf(stderr, "fetch: error=%s (%s)\n", fetch_err_name(rc), err_str(rc));
		rc = 1;
	}
done:
	http_session_free(s);
	if (out.fd != STDOUT_FILENO && out.fd >= 0)
		close(out.fd);
	fetch_cancel_wfd = -1;
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return rc;
}
