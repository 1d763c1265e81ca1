/* Private to net/http*.c: the HTTP session's state and the calls between the client's parts
 * (http.c requests, http_session.c session and waiting, http_pool.c connections and TLS
 * sessions, http_body.c body framing and inflate, http_rate.c rate limit). */
#ifndef SS_NET_HTTP_INT_H
#define SS_NET_HTTP_INT_H

#include <sys/types.h>
#define ZLIB_CONST /* next_in is const: no cast needed to feed it our const bytes */
#include <zlib.h>

#include "core/base/common.h"
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
	struct dns_cache dns;
	uint64_t rng;
	z_stream z;
	bool z_live;
	uint8_t rbuf[RBUF_SIZE];	  /* socket reads: head, then body */
	uint8_t zbuf[CONFIG_HTTP_IO_BUF]; /* inflated output */
	char req[CONFIG_HTTP_MAX_HEADER]; /* request head being sent */
	char url[HTTP_URL_MAX];		  /* URL of the current hop */
	char next[HTTP_URL_MAX];	  /* redirect target */
};

/* One request of a redirect chain, as http.c and the body reader see it. */
struct hop {
	const struct http_request *rq;
	const char *method;
	bool same_origin; /* extra headers such as Authorization may be sent */
	int status;
	bool redirect;	/* s->next holds the next URL */
	bool delivered; /* body bytes reached the caller */
};

/* http_session.c: jitter and waiting on a socket, the cancel fd and a deadline */
uint32_t http_rng_next(struct http_session *s);
bool http_cancelled(struct http_session *s);
/* Waits for events on fd (or only for the cancel fd / deadline when fd < 0). */
int http_wait_fd(struct http_session *s, int fd, short events, int64_t deadline);
/* Sleeps ms unless cancelled: 0 or -ERR_CANCELLED. */
int http_sleep_ms(struct http_session *s, int64_t ms);

/* http_pool.c: keep-alive connections and the TLS session cache */
ssize_t http_conn_read(struct http_session *s, struct http_conn *c, void *buf, size_t n,
		       int64_t deadline);
int http_conn_write_all(struct http_session *s, struct http_conn *c, const void *buf, size_t n,
			int64_t deadline);
/* Returns a pooled live connection to the URL's origin, or opens one. */
int http_conn_get(struct http_session *s, const struct url_http *u, struct http_conn **out,
		  bool *reused, bool fresh);
void http_conn_release(struct http_session *s, struct http_conn *c, bool reusable);
void http_conn_close(struct http_session *s, struct http_conn *c);

/* http_rate.c: waits for the host's token bucket (0, or -ERR_CANCELLED) */
int http_rate_wait(struct http_session *s, const char *host);

/*
 * http_body.c: reads the body of the response whose head hd (hl bytes) starts rbuf, which
 * holds have bytes, hands it to fn, then keeps c in the pool or closes it. Returns 0 when
 * the body was read, or dropped because it is an error or redirect body; else an error.
 */
int http_body_read(struct http_session *s, struct http_conn *c, struct hop *h, struct http_head *hd,
		   size_t hl, size_t have, struct http_response *rs, http_body_fn fn, void *ctx);

#endif
