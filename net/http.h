/* HTTP/1.1 client: sessions with headers, cookies, a keep-alive pool, TLS; bodies streamed. */
#ifndef SS_NET_HTTP_H
#define SS_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/common.h"

/*
 * Contract shared by every caller (recorders, providers, --fetch). The net/ module owns
 * the implementation and may add functions, but keeps these signatures and meanings.
 *
 * A session belongs to one thread at a time (one per job). Every blocking step polls the
 * socket and the session's cancel fd; when the cancel fd becomes readable the call
 * returns -ERR_CANCELLED within 200 ms. Name resolution never blocks a cancel either.
 */
struct http_session;

struct http_session_opts {
	int cancel_fd;		   /* -1: none */
	int connect_timeout_ms;	   /* 0: CONFIG_HTTP_CONNECT_TIMEOUT_MS */
	int first_byte_timeout_ms; /* 0: CONFIG_HTTP_FIRST_BYTE_TIMEOUT_MS */
	int idle_timeout_ms;	   /* 0: CONFIG_HTTP_IDLE_TIMEOUT_MS */
	int tls_verify;	     /* 1: verify chain and host name (default); 0: off, logs a warning */
	const char *ca_file; /* NULL: CONFIG_TLS_CA_FILE */
	int rate_per_min;    /* per-host request rate; 0: CONFIG_HTTP_RATE_PER_MIN, < 0: none */
	int rate_burst;	     /* token-bucket size; 0: CONFIG_HTTP_RATE_BURST */
};

/* Sets *o to the defaults (cancel_fd -1, Kconfig timeouts, verification on). */
void http_session_opts_init(struct http_session_opts *o);
/* Creates a session; *out is owned by the caller and freed with http_session_free(). */
int http_session_new(const struct http_session_opts *o, struct http_session **out);
void http_session_free(struct http_session *s);
/* Sets (or with value NULL removes) a header sent on every request of the session. */
int http_session_set_header(struct http_session *s, const char *name, const char *value);
/* Replaces the cancel fd (-1: none). */
void http_session_set_cancel_fd(struct http_session *s, int fd);
/* The options the session uses (its ca_file is owned by the session), so that helper
 * sessions (a recorder's segment fetchers) trust and verify exactly like it. */
const struct http_session_opts *http_session_get_opts(const struct http_session *s);

struct cookie_jar;
/* The session's cookie jar (net/cookie.h), e.g. for cookies a provider resolved. */
struct cookie_jar *http_session_cookies(struct http_session *s);
/* Stores a Set-Cookie value as if url had sent it. Returns 0 or a negative error. */
int http_session_add_cookie(struct http_session *s, const char *url, const char *set_cookie);

/*
 * Optional zero-copy delivery: called before each socket read of a plain (identity, not
 * chunked) body with the context of http_get()'s fn. It may point *p at *cap bytes of the
 * caller's memory to read into; fn then receives bytes read there in place (its p points
 * into that memory). *cap = 0: read into the session's buffer as usual. A negative return
 * aborts the transfer with that value.
 */
typedef int (*http_body_buf_fn)(void *ctx, uint8_t **p, size_t *cap);

struct http_request {
	const char *url;
	const char *method;	    /* NULL or "GET"; "HEAD" */
	int64_t range_start;	    /* < 0: no Range header */
	int64_t range_end;	    /* inclusive; < 0: open-ended */
	const char *const *headers; /* NULL-terminated "Name: value" extras, or NULL */
	int max_retries;	    /* < 0: CONFIG_HTTP_RETRIES; 0: none */
	int max_body;		    /* unused by http_get; reserved */
	http_body_buf_fn body_buf;  /* NULL, or where to read the body (see above) */
};

#define HTTP_URL_MAX 2048

struct http_response {
	int status;		      /* final status (after redirects) */
	char final_url[HTTP_URL_MAX]; /* URL that produced the final response (for relative URIs) */
	int64_t content_length;	      /* decoded body length if known, else -1 */
	int64_t range_total;	      /* total size from Content-Range, else -1 */
	char content_type[128];	      /* media type without parameters, lower case; "" if none */
	int retry_after_s;	      /* Retry-After of the last response, -1 if none */
};

/* Initialises a request: GET, no range, default retries. */
void http_request_init(struct http_request *rq, const char *url);

/*
 * Receives decoded body bytes as they arrive. Return 0 to go on, or a negative value to
 * abort the transfer; http_get() then returns that value.
 */
typedef int (*http_body_fn)(void *ctx, const uint8_t *p, size_t n);

/*
 * Performs the request: redirects (at most CONFIG_HTTP_MAX_REDIRECTS), cookies, gzip/deflate,
 * retries of 429/5xx/52x with backoff (only while no body byte has reached fn).
 * Returns 0 after a complete 2xx body; -ERR_FORBIDDEN (401/403), -ERR_NOT_FOUND (404/410),
 * -ERR_HTTP (other status), -ERR_TIMEOUT, -ERR_DNS, -ERR_CONNECT, -ERR_TLS, -ERR_PROTOCOL,
 * -ERR_EOF (connection closed mid-body: never a silent short body), -ERR_CANCELLED, or
 * fn's own negative value. rs (optional) is filled in every case where a response arrived.
 * A Range request answered with a plain 200 is trimmed here: fn still receives exactly the
 * requested bytes (rs->status stays 200).
 */
int http_get(struct http_session *s, const struct http_request *rq, struct http_response *rs,
	     http_body_fn fn, void *ctx);

/* http_get() of a whole body into buf (at most cap bytes, else -ERR_TOO_LARGE); *len set. */
int http_get_buf(struct http_session *s, const char *url, struct http_response *rs, uint8_t *buf,
		 size_t cap, size_t *len);

#endif
