/* Streaming JSON scanner: picks the values at one path out of a large document, piece by piece. */
#ifndef SS_PROV_JSCAN_H
#define SS_PROV_JSCAN_H

#include "core/base/common.h"

/*
 * The scanner never holds the document: it follows brackets, strings and the object keys
 * of the levels above the wanted values, copies each wanted value into the caller's buffer
 * and hands it to a callback once complete. Values bigger than the buffer are skipped and
 * counted. It checks structure (nesting, separators), not the content of values: the
 * callback parses each value strictly (jr_parse) with a small token array.
 */
#define JSCAN_MAX_PATH 6 /* path segments a pattern may have (ours use up to 4) */
#define JSCAN_KEY_MAX 96 /* bytes of a path key kept (region codes, channel slugs) */
#define JSCAN_MAX_DEPTH CONFIG_PROVIDER_JSON_DEPTH /* nesting the scanner follows */

struct jscan;
/* Receives one complete value (raw JSON text) at the pattern's path; < 0 aborts the scan. */
typedef int (*jscan_fn)(void *ctx, const struct jscan *s, const uint8_t *p, size_t n);

struct jscan {
	const char *pat[JSCAN_MAX_PATH]; /* object key per level; NULL matches any key/index */
	int npat;
	jscan_fn fn;
	void *ctx;
	uint8_t *buf; /* caller's element buffer */
	size_t cap;
	size_t len;
	int depth;
	uint8_t kind[JSCAN_MAX_DEPTH]; /* '{' or '[' per open container */
	uint8_t want;		       /* what may come next (enum in jscan.c) */
	uint8_t in_str, esc, str_is_key, in_scalar, top_done;
	uint8_t capturing, cap_over;
	int cap_depth;
	char key[JSCAN_MAX_PATH][JSCAN_KEY_MAX]; /* current member key per level (raw) */
	uint8_t klen[JSCAN_MAX_PATH];
	uint8_t ktrunc[JSCAN_MAX_PATH];
	uint64_t offset;  /* bytes consumed so far (for error messages) */
	unsigned found;	  /* values delivered */
	unsigned skipped; /* values bigger than the buffer */
};

/*
 * Prepares s: values whose path is pat[0..npat) (npat >= 1; e.g. {NULL} = elements of a
 * top-level array, {"regions", NULL, "channels", NULL}) go to fn, collected in buf[0..cap).
 */
void jscan_init(struct jscan *s, const char *const *pat, int npat, uint8_t *buf, size_t cap,
		jscan_fn fn, void *ctx);
/* Feeds the next n bytes. 0, -ERR_PARSE on broken structure, -ERR_LIMIT past
 * JSCAN_MAX_DEPTH, or the callback's negative value. */
int jscan_feed(struct jscan *s, const uint8_t *p, size_t n);
/* Ends the document: 0 when exactly one complete top-level value was seen, else -ERR_PARSE. */
int jscan_end(struct jscan *s);
/* Raw (still escaped) key of the member at path level lvl of the value being delivered;
 * NULL when that level is an array. *trunc (may be NULL) set when the key was cut. */
const char *jscan_key(const struct jscan *s, int lvl, size_t *n, int *trunc);

/* ---- in-memory helpers for one complete value ------------------------------------ */

/* End offset (exclusive) of the JSON value starting at p[off] (after whitespace), or 0
 * when it is not complete within n. Strings, brackets and scalars; no validation. */
size_t jspan_value(const uint8_t *p, size_t n, size_t off);
/*
 * Iterates the members of the object text p[0..n): *off starts at 0. Returns 1 with the
 * raw key (without quotes) and the value span, 0 at the end, -ERR_PARSE when malformed.
 */
int jspan_member(const uint8_t *p, size_t n, size_t *off, const uint8_t **key, size_t *klen,
		 const uint8_t **val, size_t *vlen);
/* Iterates the elements of the array text p[0..n) the same way. */
int jspan_element(const uint8_t *p, size_t n, size_t *off, const uint8_t **val, size_t *vlen);

#endif
