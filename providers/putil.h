/* Small helpers shared by providers: ids, URL escaping, names, times. */
#ifndef SS_PROV_PUTIL_H
#define SS_PROV_PUTIL_H

#include <time.h>

#include "core/base/common.h"
#include "core/base/dbuf.h"
#include "core/base/json.h"

#define PROV_UUID_LEN 36

/* Fresh random (version 4) UUID from getrandom() into out[37]; 0 or -errno. */
int prov_uuid4(char out[PROV_UUID_LEN + 1]);

/*
 * Copies the URL in[0..n) to out (NUL-terminated) keeping it pure ASCII: bytes >= 0x80,
 * controls, space and " < > \ ^ ` { | } become %XX. Returns the length or -ERR_TOO_LARGE.
 */
int prov_url_ascii(const char *in, size_t n, char *out, size_t cap);
/* Appends s[0..n) percent-encoded for a query value or path segment (only A-Z a-z 0-9 - . _ ~
 * stay); the dbuf's sticky error reports overflow. */
void prov_pct_encode(struct dbuf *b, const char *s, size_t n);
/* Host (lower case, without port) of an http(s) URL into host; 0 or -ERR_BAD_REQUEST. */
int prov_url_host(const char *url, char *host, size_t cap);
/* 1 when url starts with http:// or https:// (any case) and has a host. */
int prov_is_http_url(const char *url);

/*
 * The old server's icon file name for a category: each of \ / : * ? " < > | CR LF TAB and
 * space becomes '_', surrounding dots and blanks are dropped, ".png" appended. out is ASCII.
 */
void prov_icon_name(const char *ascii_name, char *out, size_t cap);
/* Case-insensitive ASCII comparison of two sort keys (strcasecmp without the locale). */
int prov_casecmp(const char *a, const char *b);

/* Parses an ISO 8601 UTC time ("2024-05-01T10:00:00.000Z", "+0000"/"+02:00" offsets);
 * 0 or -ERR_PARSE. */
int prov_parse_iso8601(const char *s, size_t n, time_t *t);
/* Formats t as local "HH:MM" into out[6]. */
void prov_fmt_hhmm(time_t t, char out[6]);

/* jr_str() that cuts an over-long string at a character boundary instead of failing;
 * returns the length or -ERR_PARSE when token i is not a string. */
int prov_jr_str(const struct jr *r, int i, char *out, size_t cap);
/* Parses the JSON value p[0..n) into toks and returns its string (prov_jr_str) in out;
 * -ERR_PARSE when it is not a string. */
int prov_json_str(const uint8_t *p, size_t n, jsmntok_t *toks, int ntoks, char *out,
		  size_t cap); /* Appends s to the NUL-terminated out[cap], cutting at a UTF-8
				  character boundary. */
void prov_append(char *out, size_t cap, const char *s);
/* Resolves reference ref against base URL (RFC 3986 cases that playlists use: absolute,
 * scheme-relative, host-relative, path-relative) into out; 0 or -ERR_TOO_LARGE /
 * -ERR_BAD_REQUEST. */
int prov_url_join(const char *base, const char *ref, char *out, size_t cap);
/* Copies s[0..n) into out[cap] (NUL-terminated), cut at a UTF-8 character boundary. */
void prov_copy(char *out, size_t cap, const char *s, size_t n);
/*
 * Parses one JSON value p[0..n) into r: containers with jr_parse(), a bare string or
 * literal as a single token (jr_parse only takes containers at the root). 0 or -ERR_PARSE.
 */
int prov_jr_value(struct jr *r, const uint8_t *p, size_t n, jsmntok_t *toks, int ntoks);
/* Integer value of number token i (integral floats like 5.0 accepted, others and values
 * outside long long refused); 0 or -ERR_PARSE. Numeric strings ("512") count too. */
int prov_jr_int(const struct jr *r, int i, long long *v);

#endif
