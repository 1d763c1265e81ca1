/* JSON: a writer with escaping into a capped buffer, and a reader on top of jsmn. */
#ifndef SS_JSON_H
#define SS_JSON_H

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

#include "core/base/common.h"
#include "core/base/dbuf.h"

/* ---- writer ---------------------------------------------------------------------- */

struct jw {
	struct dbuf *b;
	int depth;
	uint8_t first[CONFIG_JSON_MAX_DEPTH]; /* 1 while no element was written at that level */
	uint8_t after_key;		      /* a key was written, its value comes next */
	int err;			      /* sticky first error */
};

/* Starts writing into b (appending). */
void jw_init(struct jw *w, struct dbuf *b);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
/* Object key; the next call writes its value. */
void jw_key(struct jw *w, const char *k);
/* String value, escaped (control chars, quote, backslash; invalid UTF-8 replaced by U+FFFD). */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
/* String value transliterated to pure ASCII (ä->ae, ß->ss, accents dropped, rest '?'). */
void jw_str_ascii(struct jw *w, const char *s);
void jw_strn_ascii(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* Pre-encoded JSON value, copied verbatim (caller guarantees validity). */
void jw_raw(struct jw *w, const char *json, size_t n);
/* Shortcuts: key + value. */
void jw_kstr(struct jw *w, const char *k, const char *v);
void jw_kint(struct jw *w, const char *k, long long v);
void jw_kbool(struct jw *w, const char *k, int v);
/* 0 when everything written so far is complete and valid, else the first error. */
int jw_finish(struct jw *w);

/* ---- reader ---------------------------------------------------------------------- */

struct jr {
	const char *js; /* the parsed text (caller's buffer, not copied) */
	jsmntok_t *t;	/* caller's token array */
	int n;		/* tokens used */
};

/*
 * Parses js[0..len) strictly (one value, nothing but whitespace after it, valid UTF-8,
 * valid literals and numbers) into toks[0..ntoks). Returns 0, -ERR_PARSE, or -ERR_LIMIT
 * when the text needs more than ntoks tokens.
 */
int jr_parse(struct jr *r, const char *js, size_t len, jsmntok_t *toks, int ntoks);
/* Index of the token after the whole value at i (its next sibling), or r->n. */
int jr_next(const struct jr *r, int i);
/* Index of key's value in the object at obj, or -1 (also when obj is not an object). */
int jr_get(const struct jr *r, int obj, const char *key);
/* Path lookup: jr_path(r, 0, "video", "license_url", (const char *)NULL); -1 if absent. */
int jr_path(const struct jr *r, int obj, ...);
/* Index of element k of the array at arr, or -1. */
int jr_at(const struct jr *r, int arr, int k);
/* 1 when the token is of that kind. */
int jr_is_str(const struct jr *r, int i);
int jr_is_obj(const struct jr *r, int i);
int jr_is_arr(const struct jr *r, int i);
/* 1 when the token is the literal null. */
int jr_is_null(const struct jr *r, int i);
/*
 * Unescapes the string token i into out (NUL-terminated). Returns its length, -ERR_PARSE
 * when i is not a string, or -ERR_TOO_LARGE when it does not fit in cap.
 */
int jr_str(const struct jr *r, int i, char *out, size_t cap);
/* 1 when string token i equals s after unescaping. */
int jr_streq(const struct jr *r, int i, const char *s);
/* Integer value of a number token (also accepts a numeric string); 0 or -ERR_PARSE. */
int jr_int(const struct jr *r, int i, long long *v);
/* Boolean value of true/false (also 0/1 numbers); 0 or -ERR_PARSE. */
int jr_bool(const struct jr *r, int i, int *v);
/* Raw text span of token i (strings without quotes). */
const char *jr_raw(const struct jr *r, int i, size_t *n);

#endif
