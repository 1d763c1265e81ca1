/* Cookie jar (RFC 6265): Set-Cookie parsing, domain/path/expiry matching, bounded storage. */
#ifndef SS_NET_COOKIE_H
#define SS_NET_COOKIE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/base/common.h"

/* One Set-Cookie header as parsed: views into the header value. */
struct cookie_view {
	const uint8_t *name, *value, *domain, *path;
	size_t name_len, value_len, domain_len, path_len; /* domain/path: 0 when absent */
	bool have_max_age, have_expires, secure, http_only;
	int64_t max_age; /* seconds */
	time_t expires;	 /* UTC */
};

/* One stored cookie; the strings live in one heap block owned by the jar. */
struct cookie {
	char *name, *value, *domain, *path;
	size_t size;	/* bytes of the block */
	time_t expires; /* 0: session cookie */
	uint64_t seq;	/* creation order */
	bool host_only, secure, http_only;
};

struct cookie_jar {
	struct cookie c[CONFIG_HTTP_COOKIES];
	unsigned n;
	size_t bytes; /* sum of sizes, at most CONFIG_HTTP_COOKIE_JAR_BYTES */
	uint64_t seq;
};

/*
 * Parses a Set-Cookie value p[0..n) (RFC 6265 §5.2). Returns 0, or -ERR_PARSE when there
 * is no name=value pair, the name is empty or a byte is not allowed.
 */
int cookie_parse(const uint8_t *p, size_t n, struct cookie_view *cv);

/* Prepares an empty jar. */
void cookie_jar_init(struct cookie_jar *j);
/* Frees every cookie; the jar is empty and reusable afterwards. */
void cookie_jar_clear(struct cookie_jar *j);

/*
 * Stores (or replaces, or with a past expiry deletes) the cookie of Set-Cookie value
 * p[0..n) received from host (lower case) for request path. secure_origin: the response
 * came over https. Returns 0 when stored or deleted, -ERR_PARSE for a malformed header,
 * -EACCES when the domain or Secure rules reject it, -ERR_TOO_LARGE over the size cap.
 */
int cookie_jar_set(struct cookie_jar *j, const char *host, const char *path, bool secure_origin,
		   const uint8_t *p, size_t n, time_t now);

/*
 * Writes "a=1; b=2" of the cookies to send to host/path (secure: https) into out[cap],
 * longest paths first; cookies that do not fit are left out. Returns the length (0: none).
 */
size_t cookie_jar_header(struct cookie_jar *j, const char *host, const char *path, bool secure,
			 time_t now, char *out, size_t cap);

/* True when host domain-matches domain (RFC 6265 §5.1.3); both lower case. */
bool cookie_domain_match(const char *host, const char *domain);

#endif
