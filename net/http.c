/* HTTP/1.1 client: sessions, keep-alive pool, redirects, cookies, gzip, retries, rate limit. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define ZLIB_CONST /* next_in is const: no cast needed to feed it our const bytes */
#include <zlib.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/cookie.h"
#include "net/dns.h"
#include "net/http.h"
#include "net/http_parse.h"
#include "net/tls.h"
#include "net/url.h"

#define RBUF_SIZE MAX(CONFIG_HTTP_IO_BUF, CONFIG_HTTP_MAX_HEADER)

struct http_conn {
	int fd; /* -1: slot free */
	struct tls_conn *tls;
	char host[URL_HOST_MAX];
	int port;
	bool is_tls;
	int64_t last_ms; /* when it was last released to the pool */
	unsigned uses;	 /* requests sent on it */
};

struct tls_saved {
	char host[URL_HOST_MAX];
	int port;
	struct tls_sess *sess;
};

struct rate_bucket {
	char host[URL_HOST_MAX];
	int64_t milli_tokens;
	int64_t last_ms;
};

struct dns_cached {
	char host[URL_HOST_MAX];
	int64_t at_ms;
	struct dns_result res;
};

struct http_session {
	struct http_session_opts o;
	char *ca_file;				    /* copy of o.ca_file */
	char *headers[CONFIG_HTTP_SESSION_HEADERS]; /* "Name: value" */
	struct cookie_jar jar;
	struct http_conn pool[CONFIG_HTTP_POOL];
	struct tls_saved saved[CONFIG_HTTP_POOL];
	const struct tls_ops *tls_ops;
	struct tls_ctx *tls; /* created at the first https request */
	struct rate_bucket rate[CONFIG_HTTP_RATE_HOSTS];
	struct dns_cached dns[CONFIG_HTTP_DNS_CACHE > 0 ? CONFIG_HTTP_DNS_CACHE : 1];
	uint64_t rng;
	z_stream z;
	bool z_live;
	uint8_t rbuf[RBUF_SIZE];	  /* socket reads: head, then body */
	uint8_t zbuf[CONFIG_HTTP_IO_BUF]; /* inflated output */
	char req[CONFIG_HTTP_MAX_HEADER]; /* request head being sent */
	char url[HTTP_URL_MAX];		  /* URL of the current hop */
	char next[HTTP_URL_MAX];	  /* redirect target */
};

/* State of one response body being read. */
struct body {
	enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE } mode;
	int64_t left; /* BODY_LENGTH: raw bytes still to read */
	struct http_chunked ch;
	enum http_encoding enc;
	bool deliver; /* hand bytes to fn (else discard) */
	bool inflate_done;
	bool raw_tried;	    /* "deflate" retried as raw deflate */
	int64_t skip, keep; /* range emulation on a 200: drop skip bytes, keep at most keep */
	bool keep_limited;
	bool stopped; /* keep reached: the rest is not wanted */
	uint64_t delivered;
	http_body_fn fn;
	http_body_buf_fn buf_fn; /* reads straight into fn's memory when set (plain bodies) */
	void *ctx;
};

static uint32_t rng_next(struct http_session *s)
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

static void conn_close(struct http_session *s, struct http_conn *c)
{
	if (c->fd < 0)
		return;
	if (c->tls)
		s->tls_ops->conn_free(c->tls);
	c->tls = NULL;
	close(c->fd);
	c->fd = -1;
}

void http_session_free(struct http_session *s)
{
	if (!s)
		return;
	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		conn_close(s, &s->pool[i]);
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

static bool header_name_is(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(line, name, n) == 0 && line[n] == ':';
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

static bool cancelled(struct http_session *s)
{
	struct pollfd pf = {s->o.cancel_fd, POLLIN, 0};

	return s->o.cancel_fd >= 0 && poll(&pf, 1, 0) > 0 && pf.revents;
}

/* Waits for events on fd (or only for the cancel fd / deadline when fd < 0). */
static int wait_fd(struct http_session *s, int fd, short events, int64_t deadline)
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
static int sleep_ms(struct http_session *s, int64_t ms)
{
	int rc = wait_fd(s, -1, 0, mono_ms() + ms);

	return rc == -ERR_TIMEOUT ? 0 : rc;
}

/* ---------------------------------------------------------------- connections */

static ssize_t conn_read(struct http_session *s, struct http_conn *c, void *buf, size_t n,
			 int64_t deadline)
{
	for (;;) {
		short want = POLLIN;
		ssize_t r;
		int rc;

		if (c->tls) {
			r = s->tls_ops->read(c->tls, buf, n, &want);
			if (r >= 0)
				return r;
			if (r != -EAGAIN)
				return r;
		} else {
			r = recv(c->fd, buf, n, 0);
			if (r >= 0)
				return r;
			if (errno == ECONNRESET || errno == EPIPE)
				return 0; /* like EOF: the framing decides */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
		}
		rc = wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
}

static int conn_write_all(struct http_session *s, struct http_conn *c, const void *buf, size_t n,
			  int64_t deadline)
{
	const uint8_t *p = buf;

	while (n) {
		short want = POLLOUT;
		ssize_t r;
		int rc;

		if (c->tls) {
			r = s->tls_ops->write(c->tls, p, n, &want);
			if (r < 0 && r != -EAGAIN)
				return (int)r;
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -ERR_EOF;
			if (r < 0)
				r = -EAGAIN;
		}
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		rc = wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

static int resolve(struct http_session *s, const char *host, int port, struct dns_result *res)
{
	int64_t t = mono_ms();
	struct dns_cached *slot = &s->dns[0];
	int rc;

	for (int i = 0; i < CONFIG_HTTP_DNS_CACHE; i++) {
		struct dns_cached *d = &s->dns[i];

		if (d->host[0] && !strcmp(d->host, host) &&
		    t - d->at_ms < CONFIG_HTTP_DNS_CACHE_S * 1000) {
			*res = d->res;
			for (int k = 0; k < res->n; k++) {
				if (res->addr[k].ss_family == AF_INET)
					((struct sockaddr_in *)&res->addr[k])->sin_port =
						htons((uint16_t)port);
				else
					((struct sockaddr_in6 *)&res->addr[k])->sin6_port =
						htons((uint16_t)port);
			}
			return 0;
		}
		if (d->at_ms < slot->at_ms)
			slot = d;
	}
	rc = dns_resolve(host, port, s->o.cancel_fd, s->o.connect_timeout_ms, res);
	if (rc == 0 && CONFIG_HTTP_DNS_CACHE > 0) {
		snprintf(slot->host, sizeof(slot->host), "%s", host);
		slot->at_ms = t;
		slot->res = *res;
	}
	return rc;
}

static struct tls_saved *saved_slot(struct http_session *s, const char *host, int port, bool make)
{
	struct tls_saved *free_slot = NULL;

	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		struct tls_saved *v = &s->saved[i];

		if (v->sess && v->port == port && !strcmp(v->host, host))
			return v;
		if (!v->sess && !free_slot)
			free_slot = v;
	}
	if (!make)
		return NULL;
	if (!free_slot) {
		free_slot = &s->saved[rng_next(s) % CONFIG_HTTP_POOL];
		s->tls_ops->sess_free(free_slot->sess);
		free_slot->sess = NULL;
	}
	snprintf(free_slot->host, sizeof(free_slot->host), "%s", host);
	free_slot->port = port;
	return free_slot;
}

static int tls_start(struct http_session *s, struct http_conn *c, const struct url_http *u,
		     int64_t deadline)
{
	struct tls_saved *sv;
	int rc;

	if (!s->tls_ops) {
		LOG_ERR(LOG_HTTP, "https URL but this build has no TLS backend");
		return -ERR_UNSUPPORTED;
	}
	if (!s->tls) {
		rc = s->tls_ops->ctx_new(s->ca_file, s->o.tls_verify, &s->tls);
		if (rc)
			return rc;
	}
	sv = saved_slot(s, u->host, u->port, false);
	rc = s->tls_ops->conn_new(s->tls, c->fd, u->host, sv ? sv->sess : NULL, &c->tls);
	if (rc)
		return rc;
	for (;;) {
		short want = POLLIN;

		rc = s->tls_ops->handshake(c->tls, &want);
		if (rc == 0)
			break;
		if (rc != -EAGAIN)
			return rc;
		rc = wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
	LOG_DBG(LOG_TLS, "%s:%d: %s", u->host, u->port, s->tls_ops->describe(c->tls));
	sv = saved_slot(s, u->host, u->port, true);
	if (sv) {
		struct tls_sess *ns = NULL;

		if (s->tls_ops->sess_get(c->tls, &ns) == 0) {
			s->tls_ops->sess_free(sv->sess);
			sv->sess = ns;
		}
	}
	return 0;
}

static int tcp_connect(struct http_session *s, const struct dns_result *res, int64_t deadline,
		       int *fd_out)
{
	int rc = -ERR_CONNECT;

	for (int i = 0; i < res->n; i++) {
		int fd = socket(res->addr[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);
		int one = 1, err = 0;
		socklen_t el = sizeof(err);

		if (fd < 0)
			return -errno;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (const struct sockaddr *)&res->addr[i], res->len[i]) == 0) {
			*fd_out = fd;
			return 0;
		}
		if (errno != EINPROGRESS) {
			close(fd);
			rc = -ERR_CONNECT;
			continue;
		}
		rc = wait_fd(s, fd, POLLOUT, deadline);
		if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
		if (rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT)
			return rc;
		rc = -ERR_CONNECT;
	}
	return rc;
}

/* Returns a pooled live connection to the URL's origin, or opens one. */
static int conn_get(struct http_session *s, const struct url_http *u, struct http_conn **out,
		    bool *reused, bool fresh)
{
	struct http_conn *c = NULL, *lru = NULL;
	struct dns_result res;
	int64_t t = mono_ms(), deadline;
	int rc;

	*reused = false;
	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		struct http_conn *p = &s->pool[i];

		if (p->fd >= 0 && (t - p->last_ms > CONFIG_HTTP_KEEPALIVE_IDLE_S * 1000L)) {
			conn_close(s, p);
		}
		if (p->fd >= 0 && p->port == u->port && p->is_tls == u->tls &&
		    !strcmp(p->host, u->host)) {
			struct pollfd pf = {p->fd, POLLIN, 0};

			/* readable while idle means closed (or junk): not reusable */
			if (fresh || poll(&pf, 1, 0) != 0) {
				conn_close(s, p);
			} else if (!c) {
				c = p;
				continue;
			}
		}
		if (!lru || p->fd < 0 || (lru->fd >= 0 && p->last_ms < lru->last_ms))
			lru = p;
	}
	if (c) {
		*reused = true;
		*out = c;
		return 0;
	}
	c = lru;
	conn_close(s, c);
	rc = resolve(s, u->host, u->port, &res);
	if (rc)
		return rc;
	deadline = mono_ms() + s->o.connect_timeout_ms;
	rc = tcp_connect(s, &res, deadline, &c->fd);
	if (rc) {
		if (rc == -ERR_CONNECT)
			LOG_WARN(LOG_HTTP, "cannot connect to %s:%d", u->host, u->port);
		else if (rc == -ERR_TIMEOUT)
			LOG_WARN(LOG_HTTP, "connecting to %s:%d timed out", u->host, u->port);
		c->fd = -1;
		return rc;
	}
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	c->port = u->port;
	c->is_tls = u->tls;
	c->uses = 0;
	c->tls = NULL;
	if (u->tls) {
		rc = tls_start(s, c, u, mono_ms() + s->o.connect_timeout_ms);
		if (rc) {
			if (rc == -ERR_TIMEOUT)
				LOG_WARN(LOG_HTTP, "TLS handshake with %s:%d timed out", u->host,
					 u->port);
			conn_close(s, c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

static void conn_release(struct http_session *s, struct http_conn *c, bool reusable)
{
	if (!reusable) {
		conn_close(s, c);
		return;
	}
	c->last_ms = mono_ms();
}

/* ---------------------------------------------------------------- rate limit */

static int rate_wait(struct http_session *s, const char *host)
{
	struct rate_bucket *b = NULL, *old = &s->rate[0];
	int64_t rate = s->o.rate_per_min, cap = (int64_t)s->o.rate_burst * 1000;
	int64_t t = mono_ms();

	if (rate <= 0)
		return 0;
	for (int i = 0; i < CONFIG_HTTP_RATE_HOSTS; i++) {
		if (!strcmp(s->rate[i].host, host)) {
			b = &s->rate[i];
			break;
		}
		if (s->rate[i].last_ms < old->last_ms)
			old = &s->rate[i];
	}
	if (!b) {
		b = old;
		snprintf(b->host, sizeof(b->host), "%s", host);
		b->milli_tokens = cap;
		b->last_ms = t;
	}
	for (;;) {
		int rc;

		t = mono_ms();
		/* tokens in thousandths: rate/min is rate/60 milli-tokens per ms */
		b->milli_tokens += (t - b->last_ms) * rate / 60;
		if (b->milli_tokens > cap)
			b->milli_tokens = cap;
		b->last_ms = t;
		if (b->milli_tokens >= 1000) {
			b->milli_tokens -= 1000;
			return 0;
		}
		LOG_DBG(LOG_HTTP, "rate limit for %s: waiting", host);
		rc = sleep_ms(s, (1000 - b->milli_tokens) * 60 / rate + 1);
		if (rc)
			return rc;
	}
}

/* ---------------------------------------------------------------- bodies */

static int body_emit(struct body *b, const uint8_t *p, size_t n)
{
	int rc;

	if (!b->deliver || b->stopped || !n)
		return 0;
	if (b->skip > 0) {
		size_t k = (size_t)MIN((int64_t)n, b->skip);

		b->skip -= (int64_t)k;
		p += k;
		n -= k;
		if (!n)
			return 0;
	}
	if (b->keep_limited) {
		if ((int64_t)n >= b->keep) {
			n = (size_t)b->keep;
			b->stopped = true;
		}
		b->keep -= (int64_t)n;
	}
	b->delivered += n;
	if (!n || !b->fn)
		return 0;
	rc = b->fn(b->ctx, p, n);
	return rc < 0 ? rc : 0;
}

/* Decodes content coding (if any) of raw body bytes and emits the result. */
static int body_decode(struct http_session *s, struct body *b, const uint8_t *p, size_t n)
{
	if (b->enc == HTTP_ENC_IDENTITY || !b->deliver)
		return body_emit(b, p, n);
	if (b->inflate_done)
		return 0; /* bytes after the end of the compressed stream are ignored */
	s->z.next_in = p;
	s->z.avail_in = (uInt)n;
	while (s->z.avail_in > 0 && !b->inflate_done) {
		uInt before_in = s->z.avail_in;
		int zr, rc;

		s->z.next_out = s->zbuf;
		s->z.avail_out = sizeof(s->zbuf);
		zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_DATA_ERROR && b->enc == HTTP_ENC_DEFLATE && !b->raw_tried &&
		    s->z.total_out == 0 && s->z.total_in <= n) {
			/* "deflate" sent as raw deflate (common server bug): retry without zlib
			 * header */
			inflateEnd(&s->z);
			memset(&s->z, 0, sizeof(s->z));
			if (inflateInit2(&s->z, -15) != Z_OK) {
				s->z_live = false;
				return -ENOMEM;
			}
			b->raw_tried = true;
			s->z.next_in = p;
			s->z.avail_in = (uInt)n;
			continue;
		}
		if (zr == Z_STREAM_END)
			b->inflate_done = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -ERR_PROTOCOL;
		rc = body_emit(b, s->zbuf, sizeof(s->zbuf) - s->z.avail_out);
		if (rc)
			return rc;
		if (zr == Z_BUF_ERROR && s->z.avail_in == before_in && s->z.avail_out > 0)
			return -ERR_PROTOCOL;
	}
	return 0;
}

/* Feeds raw (transfer-coded) bytes; sets *done when the body is complete. */
static int body_feed(struct http_session *s, struct body *b, const uint8_t *p, size_t n, bool *done,
		     size_t *consumed)
{
	size_t used_total = 0;
	int rc;

	*done = false;
	switch (b->mode) {
	case BODY_NONE:
		*done = true;
		break;
	case BODY_LENGTH: {
		size_t k = (size_t)MIN((int64_t)n, b->left);

		rc = body_decode(s, b, p, k);
		if (rc)
			return rc;
		b->left -= (int64_t)k;
		used_total = k;
		*done = b->left == 0;
		break;
	}
	case BODY_CLOSE:
		rc = body_decode(s, b, p, n);
		if (rc)
			return rc;
		used_total = n;
		break;
	case BODY_CHUNKED:
		while (used_total < n) {
			size_t used, doff, dlen;

			rc = http_chunked_step(&b->ch, p + used_total, n - used_total, &used, &doff,
					       &dlen);
			if (rc < 0) {
				LOG_WARN(LOG_HTTP, "malformed chunked body");
				return rc;
			}
			if (dlen) {
				int r2 = body_decode(s, b, p + used_total + doff, dlen);

				if (r2)
					return r2;
			}
			used_total += used;
			if (rc == 1) {
				*done = true;
				break;
			}
			if (used == 0)
				break;
		}
		break;
	}
	*consumed = used_total;
	return 0;
}

static int inflate_start(struct http_session *s, enum http_encoding enc)
{
	if (s->z_live) {
		inflateEnd(&s->z);
		s->z_live = false;
	}
	memset(&s->z, 0, sizeof(s->z));
	/* 15 + 32: zlib or gzip header detected automatically */
	if (inflateInit2(&s->z, enc == HTTP_ENC_GZIP ? 15 + 16 : 15 + 32) != Z_OK)
		return -ENOMEM;
	s->z_live = true;
	return 0;
}

/* ---------------------------------------------------------------- one exchange */

struct hop {
	const struct http_request *rq;
	const char *method;
	bool same_origin; /* extra headers such as Authorization may be sent */
	int status;
	bool redirect;	/* s->next holds the next URL */
	bool delivered; /* body bytes reached the caller */
};

static size_t append(char *buf, size_t cap, size_t o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t cap, size_t o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o >= cap)
		return cap;
	va_start(ap, fmt);
	r = vsnprintf(buf + o, cap - o, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= cap - o)
		return cap;
	return o + (size_t)r;
}

static int build_request(struct http_session *s, const struct url_http *u, struct hop *h,
			 size_t *len)
{
	const struct http_request *rq = h->rq;
	char *b = s->req;
	size_t cap = sizeof(s->req), o = 0;
	char cookies[CONFIG_HTTP_MAX_HEADER / 2];
	char path[HTTP_URL_MAX];
	const char *extra_cookie = NULL;
	bool have_ua = false, have_accept = false;
	size_t cl;

	snprintf(path, sizeof(path), "%.*s", (int)u->path.n, u->path.n ? u->path.p : "/");
	o = append(b, cap, o, "%s %.*s%s%.*s HTTP/1.1\r\nHost: %.*s\r\n", h->method, (int)u->path.n,
		   u->path.n ? u->path.p : "/", u->query.p ? "?" : "",
		   (int)(u->query.p ? u->query.n : 0), u->query.p ? u->query.p : "",
		   (int)u->hostport.n, u->hostport.p);
	for (int i = 0; i < CONFIG_HTTP_SESSION_HEADERS; i++) {
		if (!s->headers[i])
			continue;
		have_ua |= header_name_is(s->headers[i], "user-agent");
		have_accept |= header_name_is(s->headers[i], "accept");
		o = append(b, cap, o, "%s\r\n", s->headers[i]);
	}
	for (const char *const *e = rq->headers; e && *e; e++) {
		if (strchr(*e, '\r') || strchr(*e, '\n') || !strchr(*e, ':'))
			return -ERR_BAD_REQUEST;
		if (!h->same_origin &&
		    (header_name_is(*e, "authorization") || header_name_is(*e, "cookie")))
			continue; /* credentials do not follow a redirect to another host */
		if (header_name_is(*e, "cookie")) {
			extra_cookie = *e + 7;
			while (*extra_cookie == ' ')
				extra_cookie++;
			continue;
		}
		have_ua |= header_name_is(*e, "user-agent");
		have_accept |= header_name_is(*e, "accept");
		o = append(b, cap, o, "%s\r\n", *e);
	}
	if (!have_ua)
		o = append(b, cap, o, "User-Agent: %s\r\n", CONFIG_HTTP_USER_AGENT);
	if (!have_accept)
		o = append(b, cap, o, "Accept: */*\r\n");
	if (rq->range_start >= 0) {
		/* compressed ranges would be ranges of the compressed bytes: ask for identity */
		o = append(b, cap, o, "Accept-Encoding: identity\r\n");
		if (rq->range_end >= 0)
			o = append(b, cap, o, "Range: bytes=%lld-%lld\r\n",
				   (long long)rq->range_start, (long long)rq->range_end);
		else
			o = append(b, cap, o, "Range: bytes=%lld-\r\n", (long long)rq->range_start);
	} else {
		o = append(b, cap, o, "Accept-Encoding: gzip, deflate\r\n");
	}
	cl = cookie_jar_header(&s->jar, u->host, path, u->tls, time(NULL), cookies,
			       sizeof(cookies));
	if (extra_cookie || cl)
		o = append(b, cap, o, "Cookie: %s%s%s\r\n", extra_cookie ? extra_cookie : "",
			   extra_cookie && cl ? "; " : "", cookies);
	o = append(b, cap, o, "Connection: keep-alive\r\n\r\n");
	if (o >= cap) {
		LOG_ERR(LOG_HTTP, "request head exceeds CONFIG_HTTP_MAX_HEADER (%d)",
			CONFIG_HTTP_MAX_HEADER);
		return -ERR_TOO_LARGE;
	}
	*len = o;
	return 0;
}

static void fill_response(struct http_session *s, const struct http_head *hd,
			  struct http_response *rs)
{
	size_t i, j = 0;

	rs->status = hd->status;
	snprintf(rs->final_url, sizeof(rs->final_url), "%s", s->url);
	rs->content_length = hd->encoding == HTTP_ENC_IDENTITY ? hd->content_length : -1;
	rs->range_total = hd->range_total;
	rs->content_type[0] = 0;
	for (i = 0; i < hd->content_type.len && j + 1 < sizeof(rs->content_type); i++) {
		char c = (char)s->rbuf[hd->content_type.off + i];

		if (c == ';' || c == ' ' || c == '\t')
			break;
		rs->content_type[j++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	rs->content_type[j] = 0;
	rs->retry_after_s = hd->retry_after.len
				    ? http_parse_retry_after(s->rbuf + hd->retry_after.off,
							     hd->retry_after.len, time(NULL))
				    : -1;
}

static void log_head(struct http_session *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const uint8_t *lf = memchr(s->rbuf + i, '\n', len - i);
		size_t e = lf ? (size_t)(lf - s->rbuf) : len;
		size_t le = (e > i && s->rbuf[e - 1] == '\r') ? e - 1 : e;

		if (le > i)
			LOG_DBG(LOG_HTTP, "< %.*s", (int)(le - i), (const char *)s->rbuf + i);
		i = e + 1;
	}
}

static void log_request(const char *req, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *lf = memchr(req + i, '\n', len - i);
		size_t e = lf ? (size_t)(lf - req) : len;
		size_t le = (e > i && req[e - 1] == '\r') ? e - 1 : e;

		if (le > i)
			LOG_DBG(LOG_HTTP, "> %.*s", (int)(le - i), req + i);
		i = e + 1;
	}
}

/*
 * Reads a response head into rbuf, which already holds *have bytes; on success *have is
 * the number of bytes in rbuf and the head's length is returned.
 */
static int read_head(struct http_session *s, struct http_conn *c, struct http_head *hd,
		     size_t *have, bool *got_any)
{
	size_t n = *have;
	int64_t deadline = mono_ms() + s->o.first_byte_timeout_ms;

	if (n) {
		int rc = http_parse_head(s->rbuf, n, hd);

		if (rc != 0)
			return rc;
	}
	for (;;) {
		ssize_t r;
		int rc;

		if (n >= (size_t)CONFIG_HTTP_MAX_HEADER) {
			LOG_WARN(LOG_HTTP,
				 "response head exceeds CONFIG_HTTP_MAX_HEADER (%d bytes)",
				 CONFIG_HTTP_MAX_HEADER);
			return -ERR_PROTOCOL;
		}
		r = conn_read(s, c, s->rbuf + n,
			      MIN(sizeof(s->rbuf), (size_t)CONFIG_HTTP_MAX_HEADER) - n, deadline);
		if (r == -ERR_TIMEOUT)
			LOG_WARN(LOG_HTTP, "%s: no response within %d ms", s->url,
				 *got_any ? s->o.idle_timeout_ms : s->o.first_byte_timeout_ms);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return n ? -ERR_PROTOCOL : -ERR_EOF;
		*got_any = true;
		n += (size_t)r;
		deadline = mono_ms() + s->o.idle_timeout_ms;
		rc = http_parse_head(s->rbuf, n, hd);
		if (rc < 0) {
			LOG_WARN(LOG_HTTP, "%s: malformed response head", s->url);
			return rc;
		}
		if (rc > 0) {
			*have = n;
			return rc;
		}
	}
}

static bool is_redirect(int st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/*
 * One request/response on one connection. Returns 0 when a final response was handled
 * (h->status, h->redirect), or a negative error. *retry_fresh: a reused connection died
 * before any response byte, the caller may repeat the request on a new one.
 */
static int exchange(struct http_session *s, struct hop *h, struct http_response *rs,
		    http_body_fn fn, void *ctx, bool fresh, bool *retry_fresh)
{
	const struct http_request *rq = h->rq;
	struct http_conn *c;
	struct http_head hd;
	struct url_http u;
	struct body b;
	size_t reqlen, have, hl, pos;
	bool reused, got_any, done = false, head_req;
	char path[HTTP_URL_MAX];
	int rc;

	*retry_fresh = false;
	rc = url_http_parse(s->url, &u);
	if (rc) {
		LOG_WARN(LOG_HTTP, "bad URL %s", s->url);
		return rc == -ERR_UNSUPPORTED ? rc : -ERR_PARSE;
	}
	rc = build_request(s, &u, h, &reqlen);
	if (rc)
		return rc;
	rc = rate_wait(s, u.host);
	if (rc)
		return rc;
	rc = conn_get(s, &u, &c, &reused, fresh);
	if (rc)
		return rc;
	c->uses++;
	LOG_DBG(LOG_HTTP, "%s %s (%s connection to %s:%d)", h->method, s->url,
		reused ? "reused" : "new", u.host, u.port);
	if (log_enabled(LOG_HTTP, LOG_LVL_DEBUG))
		log_request(s->req, reqlen);
	rc = conn_write_all(s, c, s->req, reqlen, mono_ms() + s->o.idle_timeout_ms);
	if (rc) {
		conn_close(s, c);
		*retry_fresh = reused && rc != -ERR_CANCELLED;
		return rc == -ERR_TLS || rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT ? rc : -ERR_EOF;
	}
	have = 0;
	got_any = false;
	for (;;) {
		rc = read_head(s, c, &hd, &have, &got_any);
		if (rc < 0) {
			conn_close(s, c);
			*retry_fresh =
				reused && !got_any && rc != -ERR_CANCELLED && rc != -ERR_TIMEOUT;
			if (rc == -ERR_EOF && got_any)
				rc = -ERR_PROTOCOL;
			return rc;
		}
		hl = (size_t)rc;
		if (log_enabled(LOG_HTTP, LOG_LVL_DEBUG))
			log_head(s, hl);
		if (hd.status >= 100 && hd.status < 200 && hd.status != 101) {
			/* interim response: drop it and read the real one */
			memmove(s->rbuf, s->rbuf + hl, have - hl);
			have -= hl;
			continue;
		}
		break;
	}
	if (hd.status == 101) {
		conn_close(s, c);
		return -ERR_PROTOCOL;
	}
	h->status = hd.status;
	if (rs)
		fill_response(s, &hd, rs);
	/* cookies of every response, redirects included */
	snprintf(path, sizeof(path), "%.*s", (int)u.path.n, u.path.n ? u.path.p : "/");
	pos = 0;
	{
		struct http_hdr hh;

		while (http_header_next(s->rbuf, hl, &pos, &hh)) {
			if (http_token_eq(hh.name, hh.name_len, "set-cookie")) {
				int cr = cookie_jar_set(&s->jar, u.host, path, u.tls, hh.value,
							hh.value_len, time(NULL));

				if (cr)
					LOG_DBG(LOG_HTTP, "cookie from %s ignored (%s)", u.host,
						err_str(cr));
			}
		}
	}
	h->redirect = false;
	if (is_redirect(hd.status) && hd.location.len) {
		char loc[HTTP_URL_MAX];

		if (hd.location.len >= sizeof(loc)) {
			conn_close(s, c);
			return -ERR_PROTOCOL;
		}
		memcpy(loc, s->rbuf + hd.location.off, hd.location.len);
		loc[hd.location.len] = 0;
		if (url_resolve(s->url, loc, s->next, sizeof(s->next)) < 0) {
			LOG_WARN(LOG_HTTP, "%s: bad redirect target %s", s->url, loc);
			conn_close(s, c);
			return -ERR_PROTOCOL;
		}
		h->redirect = true;
	}
	head_req = !strcmp(h->method, "HEAD");
	memset(&b, 0, sizeof(b));
	b.enc = hd.encoding;
	b.fn = fn;
	b.buf_fn = rq->body_buf;
	b.ctx = ctx;
	b.deliver = hd.status >= 200 && hd.status < 300 && !h->redirect && !head_req;
	if (head_req || hd.status == 204 || hd.status == 304) {
		b.mode = BODY_NONE;
	} else if (hd.chunked) {
		b.mode = BODY_CHUNKED;
		http_chunked_init(&b.ch, CONFIG_HTTP_MAX_HEADER);
	} else if (hd.content_length >= 0 && !hd.te_other) {
		b.mode = hd.content_length ? BODY_LENGTH : BODY_NONE;
		b.left = hd.content_length;
	} else {
		b.mode = BODY_CLOSE;
		hd.conn_close = true;
	}
	if (!b.deliver) {
		/* an error or redirect body: read it only if small, to keep the connection */
		bool small = b.mode == BODY_NONE || b.mode == BODY_CHUNKED ||
			     (b.mode == BODY_LENGTH && b.left <= CONFIG_HTTP_ERROR_BODY_MAX);

		if (!small) {
			conn_close(s, c);
			return 0;
		}
	}
	if (b.deliver && b.enc == HTTP_ENC_OTHER) {
		LOG_WARN(LOG_HTTP, "%s: unsupported Content-Encoding", s->url);
		conn_close(s, c);
		return -ERR_UNSUPPORTED;
	}
	if (b.deliver && b.enc != HTTP_ENC_IDENTITY) {
		rc = inflate_start(s, b.enc);
		if (rc) {
			conn_close(s, c);
			return rc;
		}
	}
	if (b.deliver && hd.status == 206 && rq->range_start >= 0 && hd.range_start >= 0 &&
	    hd.range_start != rq->range_start) {
		LOG_WARN(LOG_HTTP, "%s: asked for bytes from %lld, got %lld", s->url,
			 (long long)rq->range_start, (long long)hd.range_start);
		conn_close(s, c);
		return -ERR_PROTOCOL;
	}
	if (b.deliver && rq->range_start > 0 && hd.status == 200) {
		/* the server ignored Range: deliver only the requested bytes */
		b.skip = rq->range_start;
		LOG_DBG(LOG_HTTP, "%s: Range ignored by the server, skipping %lld bytes", s->url,
			(long long)b.skip);
	}
	if (b.deliver && rq->range_start >= 0 && rq->range_end >= rq->range_start &&
	    hd.status == 200) {
		b.keep_limited = true;
		b.keep = rq->range_end - rq->range_start + 1;
	}
	/* body bytes that came with the head */
	{
		size_t off = hl, used, drained = 0;
		int64_t deadline;

		while (!done && off < have) {
			rc = body_feed(s, &b, s->rbuf + off, have - off, &done, &used);
			if (rc)
				goto fail;
			off += used;
			if (b.delivered)
				h->delivered = true;
			if (used == 0)
				break;
		}
		if (b.mode == BODY_NONE)
			done = true;
		if (off < have && done)
			hd.conn_close = true; /* unexpected extra bytes: framing not trusted */
		deadline = mono_ms() + s->o.idle_timeout_ms;
		while (!done && !b.stopped) {
			ssize_t r;
			size_t o2 = 0, want = sizeof(s->rbuf);
			uint8_t *dst = s->rbuf;

			if (cancelled(s)) {
				rc = -ERR_CANCELLED;
				goto fail;
			}
			/* A plain body can go straight into the caller's memory: no copy from
			 * rbuf. Never past the body's end, so the connection stays reusable. */
			if (b.buf_fn && b.fn && b.deliver && b.enc == HTTP_ENC_IDENTITY &&
			    !b.skip && (b.mode == BODY_LENGTH || b.mode == BODY_CLOSE)) {
				uint8_t *q = NULL;
				size_t cap = 0;

				rc = b.buf_fn(b.ctx, &q, &cap);
				if (rc < 0)
					goto fail;
				if (cap && q) {
					dst = q;
					want = b.mode == BODY_LENGTH
						       ? (size_t)MIN((int64_t)cap, b.left)
						       : cap;
				}
			}
			r = conn_read(s, c, dst, want, deadline);
			if (r < 0) {
				rc = (int)r;
				if (rc == -ERR_TIMEOUT)
					LOG_WARN(LOG_HTTP, "%s: body stalled for %d ms", s->url,
						 s->o.idle_timeout_ms);
				goto fail;
			}
			if (r == 0) {
				if (b.mode == BODY_CLOSE) {
					done = true;
					break;
				}
				LOG_WARN(LOG_HTTP, "%s: connection closed mid-body", s->url);
				rc = -ERR_EOF;
				goto fail;
			}
			deadline = mono_ms() + s->o.idle_timeout_ms;
			drained += (size_t)r;
			if (!b.deliver && drained > CONFIG_HTTP_ERROR_BODY_MAX) {
				conn_close(s, c); /* a chunked error body too long to drain */
				return 0;
			}
			while (o2 < (size_t)r && !done) {
				size_t k;

				rc = body_feed(s, &b, dst + o2, (size_t)r - o2, &done, &k);
				if (rc)
					goto fail;
				if (b.delivered)
					h->delivered = true;
				if (k == 0)
					break;
				o2 += k;
			}
			if (done && o2 < (size_t)r)
				hd.conn_close = true;
		}
	}
	if (b.deliver && b.enc != HTTP_ENC_IDENTITY && !b.inflate_done && !b.stopped) {
		LOG_WARN(LOG_HTTP, "%s: compressed body ends early", s->url);
		rc = -ERR_PROTOCOL;
		goto fail;
	}
	if (b.deliver && b.skip > 0) {
		rc = -ERR_EOF; /* the body was shorter than the requested range start */
		goto fail;
	}
	if (rs && b.deliver && b.keep_limited)
		rs->content_length = (int64_t)b.delivered;
	conn_release(s, c, done && !hd.conn_close && !b.stopped);
	return 0;
fail:
	conn_close(s, c);
	/* an error or redirect body that fails to drain: the status still stands */
	if (!b.deliver && rc != -ERR_CANCELLED)
		return 0;
	return rc;
}

static int status_error(int st)
{
	if (st >= 200 && st < 300)
		return 0;
	if (st == 401 || st == 403)
		return -ERR_FORBIDDEN;
	if (st == 404 || st == 410)
		return -ERR_NOT_FOUND;
	return -ERR_HTTP;
}

static bool status_retryable(int st)
{
	return st == 429 || (st >= 500 && st <= 504) || (st >= 520 && st <= 527);
}

/* One request with its redirects; *delivered: body bytes reached fn. */
static int request_once(struct http_session *s, const struct http_request *rq,
			struct http_response *rs, http_body_fn fn, void *ctx, struct hop *h)
{
	struct url_http first;
	char origin_host[URL_HOST_MAX];
	int origin_port;
	bool origin_tls;
	int rc;

	if (strlen(rq->url) >= sizeof(s->url))
		return -ERR_TOO_LARGE;
	snprintf(s->url, sizeof(s->url), "%s", rq->url);
	rc = url_http_parse(s->url, &first);
	if (rc)
		return rc;
	snprintf(origin_host, sizeof(origin_host), "%s", first.host);
	origin_port = first.port;
	origin_tls = first.tls;
	h->method = rq->method && rq->method[0] ? rq->method : "GET";
	if (strcmp(h->method, "GET") && strcmp(h->method, "HEAD"))
		return -ERR_UNSUPPORTED;
	for (int hops = 0;; hops++) {
		struct url_http u;
		bool retry_fresh;

		if (url_http_parse(s->url, &u) == 0)
			h->same_origin = !strcmp(u.host, origin_host) && u.port == origin_port &&
					 u.tls == origin_tls;
		rc = exchange(s, h, rs, fn, ctx, false, &retry_fresh);
		if (rc && retry_fresh) {
			LOG_DBG(LOG_HTTP, "kept-alive connection was closed; reconnecting");
			rc = exchange(s, h, rs, fn, ctx, true, &retry_fresh);
		}
		if (rc)
			return rc;
		if (!h->redirect)
			return 0;
		if (hops + 1 > CONFIG_HTTP_MAX_REDIRECTS) {
			LOG_WARN(LOG_HTTP, "%s: more than %d redirects", rq->url,
				 CONFIG_HTTP_MAX_REDIRECTS);
			return -ERR_PROTOCOL;
		}
		LOG_DBG(LOG_HTTP, "%d redirect to %s", h->status, s->next);
		if (h->status == 303)
			h->method = strcmp(h->method, "HEAD") ? "GET" : "HEAD";
		memcpy(s->url, s->next, sizeof(s->url));
	}
}

int http_get(struct http_session *s, const struct http_request *rq, struct http_response *rs,
	     http_body_fn fn, void *ctx)
{
	int retries = rq->max_retries < 0 ? CONFIG_HTTP_RETRIES : rq->max_retries;
	int rc;

	if (rs) {
		memset(rs, 0, sizeof(*rs));
		rs->content_length = -1;
		rs->range_total = -1;
		rs->retry_after_s = -1;
	}
	for (int attempt = 0;; attempt++) {
		struct hop h = {.rq = rq};
		int64_t delay;

		rc = request_once(s, rq, rs, fn, ctx, &h);
		if (rc)
			return rc;
		if (!status_retryable(h.status) || h.delivered || attempt >= retries) {
			rc = status_error(h.status);
			if (rc)
				LOG_INFO(LOG_HTTP, "%s: HTTP %d", rq->url, h.status);
			return rc;
		}
		delay = (int64_t)CONFIG_HTTP_RETRY_BASE_MS << MIN(attempt, 20);
		if (delay > CONFIG_HTTP_RETRY_MAX_MS)
			delay = CONFIG_HTTP_RETRY_MAX_MS;
		delay = delay / 2 + rng_next(s) % (uint32_t)(delay / 2 + 1);
		if (rs && rs->retry_after_s >= 0)
			delay = (int64_t)MIN(rs->retry_after_s, CONFIG_HTTP_RETRY_AFTER_MAX_S) *
				1000;
		LOG_INFO(LOG_HTTP, "%s: HTTP %d, retry %d/%d in %lld ms", rq->url, h.status,
			 attempt + 1, retries, (long long)delay);
		rc = sleep_ms(s, delay);
		if (rc)
			return rc;
	}
}

struct buf_sink {
	uint8_t *buf;
	size_t cap, len;
};

static int buf_sink_fn(void *ctx, const uint8_t *p, size_t n)
{
	struct buf_sink *b = ctx;

	if (n > b->cap - b->len)
		return -ERR_TOO_LARGE;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

int http_get_buf(struct http_session *s, const char *url, struct http_response *rs, uint8_t *buf,
		 size_t cap, size_t *len)
{
	struct http_request rq;
	struct buf_sink b = {buf, cap, 0};
	int rc;

	http_request_init(&rq, url);
	rc = http_get(s, &rq, rs, buf_sink_fn, &b);
	*len = b.len;
	return rc;
}
