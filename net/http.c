/* HTTP/1.1 client requests: the request head, one exchange, redirects, cookies, retries. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/http_int.h"

/* ---------------------------------------------------------------- request head */

static bool header_name_is(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

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

/* ---------------------------------------------------------------- one exchange */

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
		r = http_conn_read(s, c, s->rbuf + n,
				   MIN(sizeof(s->rbuf), (size_t)CONFIG_HTTP_MAX_HEADER) - n,
				   deadline);
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
 * Reads the head of the final response (interim 1xx ones dropped) into rbuf, *have bytes in
 * all; returns the head's length, or a negative error with c closed. *retry_fresh: as for
 * exchange().
 */
static int read_final_head(struct http_session *s, struct http_conn *c, struct http_head *hd,
			   size_t *have, bool reused, bool *retry_fresh)
{
	bool got_any = false;
	size_t hl;
	int rc;

	*have = 0;
	for (;;) {
		rc = read_head(s, c, hd, have, &got_any);
		if (rc < 0) {
			http_conn_close(s, c);
			*retry_fresh =
				reused && !got_any && rc != -ERR_CANCELLED && rc != -ERR_TIMEOUT;
			if (rc == -ERR_EOF && got_any)
				rc = -ERR_PROTOCOL;
			return rc;
		}
		hl = (size_t)rc;
		if (log_enabled(LOG_HTTP, LOG_LVL_DEBUG))
			log_head(s, hl);
		if (hd->status >= 100 && hd->status < 200 && hd->status != 101) {
			/* interim response: drop it and read the real one */
			memmove(s->rbuf, s->rbuf + hl, *have - hl);
			*have -= hl;
			continue;
		}
		break;
	}
	if (hd->status == 101) {
		http_conn_close(s, c);
		return -ERR_PROTOCOL;
	}
	return (int)hl;
}

/* Stores the cookies of a response head (hl bytes in rbuf) from URL u, redirects included. */
static void store_cookies(struct http_session *s, const struct url_http *u, size_t hl)
{
	char path[HTTP_URL_MAX];
	struct http_hdr hh;
	size_t pos = 0;

	snprintf(path, sizeof(path), "%.*s", (int)u->path.n, u->path.n ? u->path.p : "/");
	while (http_header_next(s->rbuf, hl, &pos, &hh)) {
		if (http_token_eq(hh.name, hh.name_len, "set-cookie")) {
			int cr = cookie_jar_set(&s->jar, u->host, path, u->tls, hh.value,
						hh.value_len, time(NULL));

			if (cr)
				LOG_DBG(LOG_HTTP, "cookie from %s ignored (%s)", u->host,
					err_str(cr));
		}
	}
}

/* Sets h->redirect and s->next when hd redirects: 0, or -ERR_PROTOCOL with c closed. */
static int take_redirect(struct http_session *s, struct http_conn *c, const struct http_head *hd,
			 struct hop *h)
{
	char loc[HTTP_URL_MAX];

	h->redirect = false;
	if (!is_redirect(hd->status) || !hd->location.len)
		return 0;
	if (hd->location.len >= sizeof(loc)) {
		http_conn_close(s, c);
		return -ERR_PROTOCOL;
	}
	memcpy(loc, s->rbuf + hd->location.off, hd->location.len);
	loc[hd->location.len] = 0;
	if (url_resolve(s->url, loc, s->next, sizeof(s->next)) < 0) {
		LOG_WARN(LOG_HTTP, "%s: bad redirect target %s", s->url, loc);
		http_conn_close(s, c);
		return -ERR_PROTOCOL;
	}
	h->redirect = true;
	return 0;
}

/*
 * One request/response on one connection. Returns 0 when a final response was handled
 * (h->status, h->redirect), or a negative error. *retry_fresh: a reused connection died
 * before any response byte, the caller may repeat the request on a new one.
 */
static int exchange(struct http_session *s, struct hop *h, struct http_response *rs,
		    http_body_fn fn, void *ctx, bool fresh, bool *retry_fresh)
{
	struct http_conn *c;
	struct http_head hd;
	struct url_http u;
	size_t reqlen, have, hl;
	bool reused;
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
	rc = http_rate_wait(s, u.host);
	if (rc)
		return rc;
	rc = http_conn_get(s, &u, &c, &reused, fresh);
	if (rc)
		return rc;
	c->uses++;
	LOG_DBG(LOG_HTTP, "%s %s (%s connection to %s:%d)", h->method, s->url,
		reused ? "reused" : "new", u.host, u.port);
	if (log_enabled(LOG_HTTP, LOG_LVL_DEBUG))
		log_request(s->req, reqlen);
	rc = http_conn_write_all(s, c, s->req, reqlen, mono_ms() + s->o.idle_timeout_ms);
	if (rc) {
		http_conn_close(s, c);
		*retry_fresh = reused && rc != -ERR_CANCELLED;
		return rc == -ERR_TLS || rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT ? rc : -ERR_EOF;
	}
	rc = read_final_head(s, c, &hd, &have, reused, retry_fresh);
	if (rc < 0)
		return rc;
	hl = (size_t)rc;
	h->status = hd.status;
	if (rs)
		fill_response(s, &hd, rs);
	/* cookies of every response, redirects included */
	store_cookies(s, &u, hl);
	rc = take_redirect(s, c, &hd, h);
	if (rc)
		return rc;
	return http_body_read(s, c, h, &hd, hl, have, rs, fn, ctx);
}

/* ---------------------------------------------------------------- redirects and retries */

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
		delay = delay / 2 + http_rng_next(s) % (uint32_t)(delay / 2 + 1);
		if (rs && rs->retry_after_s >= 0)
			delay = (int64_t)MIN(rs->retry_after_s, CONFIG_HTTP_RETRY_AFTER_MAX_S) *
				1000;
		LOG_INFO(LOG_HTTP, "%s: HTTP %d, retry %d/%d in %lld ms", rq->url, h.status,
			 attempt + 1, retries, (long long)delay);
		rc = http_sleep_ms(s, delay);
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
