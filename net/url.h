/* URLs (RFC 3986): parse into views, resolve references, serialize, percent-encode. */
#ifndef SS_NET_URL_H
#define SS_NET_URL_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/common.h"

/* Longest URL handled anywhere (same as HTTP_URL_MAX in net/http.h). */
#define URL_MAX 2048
/* Longest host name (RFC 1035 limit plus the brackets of an IPv6 literal). */
#define URL_HOST_MAX 256

/* A view into the parsed string; p == NULL means the component is undefined. */
struct url_view {
	const char *p;
	size_t n;
};

/*
 * A URI reference split per RFC 3986 §3 (appendix B), with the authority further split.
 * host keeps the brackets of an IP literal ("[::1]"); port is -1 when absent or empty.
 */
struct url_ref {
	struct url_view scheme, authority, userinfo, host, port_str, path, query, fragment;
	int port;
};

/* What an HTTP client needs from an absolute http(s) URL. */
struct url_http {
	bool tls;		  /* https */
	int port;		  /* explicit or 80/443 */
	char host[URL_HOST_MAX];  /* lower case, IPv6 literal without brackets */
	bool ipv6;		  /* host is an IPv6 literal */
	struct url_view hostport; /* for the Host header: authority without userinfo */
	struct url_view path;	  /* path ("" when empty: the request target is then "/") */
	struct url_view query;	  /* query without '?' (p NULL when absent) */
};

/*
 * Splits p[0..n) into components; views point into p. Rejects control bytes, spaces,
 * malformed IP literals and ports above 65535. Returns 0 or -ERR_PARSE.
 */
int url_parse(const char *p, size_t n, struct url_ref *u);

/*
 * Parses an absolute http:// or https:// URL (NUL-terminated) into *h; views point into
 * url. Returns 0, -ERR_PARSE, -ERR_UNSUPPORTED (another scheme) or -ERR_TOO_LARGE.
 */
int url_http_parse(const char *url, struct url_http *h);

/*
 * Resolves reference ref against absolute URI base (RFC 3986 §5.2, strict) and writes
 * the NUL-terminated result to out[cap]. Bytes not allowed in a URI (spaces, controls,
 * non-ASCII) in ref are percent-encoded first. Returns the length, -ERR_PARSE or
 * -ERR_TOO_LARGE.
 */
int url_resolve(const char *base, const char *ref, char *out, size_t cap);

/*
 * Recomposes u (RFC 3986 §5.3) into out[cap], NUL-terminated. Returns the length or
 * -ERR_TOO_LARGE.
 */
int url_serialize(const struct url_ref *u, char *out, size_t cap);

/*
 * RFC 3986 §5.2.4 remove_dot_segments of p[0..n) written to out (which may equal p;
 * the result is never longer than the input). Returns the output length.
 */
size_t url_remove_dot_segments(const char *p, size_t n, char *out);

/*
 * Percent-encodes p[0..n) into out[cap] (NUL-terminated), keeping only the unreserved
 * characters A-Z a-z 0-9 - . _ ~. Returns the length or -ERR_TOO_LARGE.
 */
int url_encode(const char *p, size_t n, char *out, size_t cap);

/*
 * Decodes %XX escapes (and '+' as space when plus_space) of p[0..n) into out[cap],
 * NUL-terminated. Returns the length, -ERR_PARSE for a bad escape or -ERR_TOO_LARGE.
 */
int url_decode(const char *p, size_t n, char *out, size_t cap, bool plus_space);

/*
 * Appends "name=value" (both percent-encoded) to the URL or query in buf[cap], with '?'
 * when buf has no query yet and '&' otherwise. Returns the new length or -ERR_TOO_LARGE
 * (buf unchanged then).
 */
int url_query_add(char *buf, size_t cap, const char *name, const char *value);

#endif
