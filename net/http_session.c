/* HTTP client session: options, session headers, cookies, and waiting on the cancel fd. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/http_int.h"

uint32_t http_rng_next(struct http_session *s)
{
	/* xorshift64*: jitter only, no security use */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

void http_session_opts_init(struct http_session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cancel_fd = -1;
	o->connect_timeout_ms = CONFIG_HTTP_CONNECT_TIMEOUT_MS;
	o->first_byte_timeout_ms = CONFIG_HTTP_FIRST_BYTE_TIMEOUT_MS;
	o->idle_timeout_ms = CONFIG_HTTP_IDLE_TIMEOUT_MS;
	o->tls_verify = 1;
	o->ca_file = NULL;
}

int http_session_new(const struct http_session_opts *o, struct http_session **out)
{
	struct http_session_opts def;
	struct http_session *s;
	struct timespec ts;

	*out = NULL;
	if (!o) {
		http_session_opts_init(&def);
		o = &def;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *o;
	if (s->o.connect_timeout_ms <= 0)
		s->o.connect_timeout_ms = CONFIG_HTTP_CONNECT_TIMEOUT_MS;
	if (s->o.first_byte_timeout_ms <= 0)
		s->o.first_byte_timeout_ms = CONFIG_HTTP_FIRST_BYTE_TIMEOUT_MS;
	if (s->o.idle_timeout_ms <= 0)
		s->o.idle_timeout_ms = CONFIG_HTTP_IDLE_TIMEOUT_MS;
	if (s->o.rate_per_min == 0)
		s->o.rate_per_min = CONFIG_HTTP_RATE_PER_MIN;
	if (s->o.rate_burst <= 0)
		s->o.rate_burst = CONFIG_HTTP_RATE_BURST;
	s->ca_file = strdup(o->ca_file ? o->ca_file :
#ifdef CONFIG_TLS_CA_FILE
				       CONFIG_TLS_CA_FILE
#else
				       ""
#endif
	);
	if (!s->ca_file) {
		free(s);
		return -ENOMEM;
	}
	s->o.ca_file = s->ca_file;
	for (int i = 0; i < CONFIG_HTTP_POOL; i++)
		s->pool[i].fd = -1;
	cookie_jar_init(&s->jar);
	s->tls_ops = tls_default_ops();
	clock_gettime(CLOCK_REALTIME, &ts);
	s->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)s ^
		 ((uint64_t)getpid() << 40);
	if (!s->rng)
		s->rng = 0x9e3779b97f4a7c15ULL;
	if (!s->o.tls_verify)
		LOG_WARN(LOG_TLS, "TLS certificate verification is OFF (tls_verify = 0): "
				  "servers are not authenticated");
	*out = s;
	return 0;
}

void http_session_free(struct http_session *s)
{
	if (!s)
		return;
	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		http_conn_close(s, &s->pool[i]);
		if (s->saved[i].sess)
			s->tls_ops->sess_free(s->saved[i].sess);
	}
	if (s->tls)
		s->tls_ops->ctx_free(s->tls);
	for (int i = 0; i < CONFIG_HTTP_SESSION_HEADERS; i++)
		free(s->headers[i]);
	if (s->z_live)
		inflateEnd(&s->z);
	cookie_jar_clear(&s->jar);
	free(s->ca_file);
	free(s);
}

int http_session_set_header(struct http_session *s, const char *name, const char *value)
{
	size_t nl = strlen(name);
	int free_slot = -1;
	char *line = NULL;

	for (size_t i = 0; i < nl; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || c == ':')
			return -ERR_BAD_REQUEST;
	}
	if (!nl)
		return -ERR_BAD_REQUEST;
	if (value) {
		for (const char *p = value; *p; p++) {
			if (*p == '\r' || *p == '\n')
				return -ERR_BAD_REQUEST; /* no header injection */
		}
		if (nl + 2 + strlen(value) >= CONFIG_HTTP_HEADER_LINE_MAX)
			return -ERR_TOO_LARGE;
		size_t vl = strlen(value);

		line = malloc(nl + 3 + vl);
		if (!line)
			return -ENOMEM;
		memcpy(line, name, nl);
		memcpy(line + nl, ": ", 2);
		memcpy(line + nl + 2, value, vl + 1);
	}
	for (int i = 0; i < CONFIG_HTTP_SESSION_HEADERS; i++) {
		if (s->headers[i] && strncasecmp(s->headers[i], name, nl) == 0 &&
		    s->headers[i][nl] == ':') {
			free(s->headers[i]);
			s->headers[i] = line;
			return 0;
		}
		if (!s->headers[i] && free_slot < 0)
			free_slot = i;
	}
	if (!line)
		return 0;
	if (free_slot < 0) {
		free(line);
		return -ERR_LIMIT;
	}
	s->headers[free_slot] = line;
	return 0;
}

void http_session_set_cancel_fd(struct http_session *s, int fd)
{
	s->o.cancel_fd = fd;
}

const struct http_session_opts *http_session_get_opts(const struct http_session *s)
{
	return &s->o;
}

struct cookie_jar *http_session_cookies(struct http_session *s)
{
	return &s->jar;
}

int http_session_add_cookie(struct http_session *s, const char *url, const char *set_cookie)
{
	struct url_http u;
	char path[HTTP_URL_MAX];
	int rc = url_http_parse(url, &u);

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%.*s", (int)u.path.n, u.path.n ? u.path.p : "/");
	return cookie_jar_set(&s->jar, u.host, path, u.tls, (const uint8_t *)set_cookie,
			      strlen(set_cookie), time(NULL));
}

void http_request_init(struct http_request *rq, const char *url)
{
	memset(rq, 0, sizeof(*rq));
	rq->url = url;
	rq->method = NULL;
	rq->range_start = -1;
	rq->range_end = -1;
	rq->headers = NULL;
	rq->max_retries = -1;
}

/* ---------------------------------------------------------------- waiting */

bool http_cancelled(struct http_session *s)
{
	struct pollfd pf = {s->o.cancel_fd, POLLIN, 0};

	return s->o.cancel_fd >= 0 && poll(&pf, 1, 0) > 0 && pf.revents;
}

/* Waits for events on fd (or only for the cancel fd / deadline when fd < 0). */
int http_wait_fd(struct http_session *s, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pf[2] = {{s->o.cancel_fd, POLLIN, 0}, {fd, events, 0}};
		int64_t left = deadline - mono_ms();
		int rc;

		if (left <= 0)
			return -ERR_TIMEOUT;
		/* a negative fd in pollfd is ignored by poll(), which is what we want */
		rc = poll(pf, 2, (int)MIN(left, 1000000));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (s->o.cancel_fd >= 0 && pf[0].revents)
			return -ERR_CANCELLED;
		if (fd >= 0 && pf[1].revents)
			return 0;
		if (fd < 0 && rc == 0)
			return -ERR_TIMEOUT;
	}
}

/* Sleeps ms unless cancelled: 0 or -ERR_CANCELLED. */
int http_sleep_ms(struct http_session *s, int64_t ms)
{
	int rc = http_wait_fd(s, -1, 0, mono_ms() + ms);

	return rc == -ERR_TIMEOUT ? 0 : rc;
}
