/* Streaming JSON scanner (see jscan.h): structure only, values go to a callback one by one. */
#include <string.h>

#include "core/base/err.h"
#include "providers/jscan.h"

enum {
	W_VALUE,	/* a value must come (top level, after ':' or an array's ',') */
	W_VALUE_OR_END, /* after '[' */
	W_KEY,		/* after an object's ',' */
	W_KEY_OR_END,	/* after '{' */
	W_COLON,	/* after a key */
	W_COMMA_OR_END, /* after a value inside a container */
	W_DONE,		/* the top-level value is complete */
};

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_scalar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '+' || c == '-' || c == '.';
}

void jscan_init(struct jscan *s, const char *const *pat, int npat, uint8_t *buf, size_t cap,
		jscan_fn fn, void *ctx)
{
	memset(s, 0, sizeof(*s));
	if (npat > JSCAN_MAX_PATH)
		npat = JSCAN_MAX_PATH;
	for (int i = 0; i < npat; i++)
		s->pat[i] = pat[i];
	s->npat = npat;
	s->buf = buf;
	s->cap = cap;
	s->fn = fn;
	s->ctx = ctx;
	s->want = W_VALUE;
}

static void put(struct jscan *s, uint8_t c)
{
	if (s->len < s->cap)
		s->buf[s->len++] = c;
	else
		s->cap_over = 1;
}

static int path_match(const struct jscan *s)
{
	for (int i = 0; i < s->npat; i++) {
		if (s->kind[i] == '[') {
			if (s->pat[i])
				return 0;
			continue;
		}
		if (!s->pat[i])
			continue;
		if (s->ktrunc[i] || strlen(s->pat[i]) != s->klen[i] ||
		    memcmp(s->pat[i], s->key[i], s->klen[i]))
			return 0;
	}
	return 1;
}

static void value_start(struct jscan *s, uint8_t c)
{
	if (!s->capturing && s->depth == s->npat && path_match(s)) {
		s->capturing = 1;
		s->cap_over = 0;
		s->cap_depth = s->depth;
		s->len = 0;
		put(s, c);
	}
}

static int value_end(struct jscan *s)
{
	if (s->capturing && s->depth == s->cap_depth) {
		s->capturing = 0;
		if (s->cap_over) {
			s->skipped++;
		} else {
			int rc;

			s->found++;
			rc = s->fn(s->ctx, s, s->buf, s->len);
			if (rc < 0)
				return rc;
		}
	}
	if (s->depth == 0) {
		s->top_done = 1;
		s->want = W_DONE;
	} else {
		s->want = W_COMMA_OR_END;
	}
	return 0;
}

static int in_string(struct jscan *s, uint8_t c)
{
	int lvl = s->depth - 1;
	int keep = s->str_is_key && lvl >= 0 && lvl < s->npat;

	if (s->capturing)
		put(s, c);
	if (s->esc) {
		s->esc = 0;
	} else if (c == '\\') {
		s->esc = 1;
	} else if (c == '"') {
		s->in_str = 0;
		if (s->str_is_key) {
			s->want = W_COLON;
			return 0;
		}
		return value_end(s);
	}
	if (keep) {
		if (s->klen[lvl] < JSCAN_KEY_MAX - 1)
			s->key[lvl][s->klen[lvl]++] = (char)c;
		else
			s->ktrunc[lvl] = 1;
	}
	return 0;
}

static int step(struct jscan *s, uint8_t c)
{
	int top;

	if (s->in_str)
		return in_string(s, c);
	if (s->in_scalar) {
		if (is_scalar(c)) {
			if (s->capturing)
				put(s, c);
			return 0;
		}
		s->in_scalar = 0;
		int rc = value_end(s);
		if (rc < 0)
			return rc;
	}
	if (s->capturing)
		put(s, c);
	if (is_ws(c))
		return 0;
	top = s->depth ? s->kind[s->depth - 1] : 0;
	switch (c) {
	case '"':
		if (s->want == W_KEY || s->want == W_KEY_OR_END) {
			int lvl = s->depth - 1;

			if (lvl < s->npat) {
				s->klen[lvl] = 0;
				s->ktrunc[lvl] = 0;
			}
			s->in_str = 1;
			s->str_is_key = 1;
			return 0;
		}
		if (s->want != W_VALUE && s->want != W_VALUE_OR_END)
			return -ERR_PARSE;
		value_start(s, c);
		s->in_str = 1;
		s->str_is_key = 0;
		return 0;
	case '{':
	case '[':
		if (s->want != W_VALUE && s->want != W_VALUE_OR_END)
			return -ERR_PARSE;
		if (s->depth >= JSCAN_MAX_DEPTH)
			return -ERR_LIMIT;
		value_start(s, c);
		s->kind[s->depth++] = c;
		s->want = c == '{' ? W_KEY_OR_END : W_VALUE_OR_END;
		return 0;
	case '}':
		if (top != '{' || (s->want != W_KEY_OR_END && s->want != W_COMMA_OR_END))
			return -ERR_PARSE;
		s->depth--;
		return value_end(s);
	case ']':
		if (top != '[' || (s->want != W_VALUE_OR_END && s->want != W_COMMA_OR_END))
			return -ERR_PARSE;
		s->depth--;
		return value_end(s);
	case ',':
		if (s->want != W_COMMA_OR_END)
			return -ERR_PARSE;
		s->want = top == '{' ? W_KEY : W_VALUE;
		return 0;
	case ':':
		if (s->want != W_COLON)
			return -ERR_PARSE;
		s->want = W_VALUE;
		return 0;
	default:
		if (!is_scalar(c) || (s->want != W_VALUE && s->want != W_VALUE_OR_END))
			return -ERR_PARSE;
		value_start(s, c);
		s->in_scalar = 1;
		return 0;
	}
}

int jscan_feed(struct jscan *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = step(s, p[i]);

		if (rc < 0)
			return rc;
		s->offset++;
	}
	return 0;
}

int jscan_end(struct jscan *s)
{
	if (s->in_scalar) {
		int rc;

		s->in_scalar = 0;
		rc = value_end(s);
		if (rc < 0)
			return rc;
	}
	if (s->in_str || s->depth || !s->top_done)
		return -ERR_PARSE;
	return 0;
}

const char *jscan_key(const struct jscan *s, int lvl, size_t *n, int *trunc)
{
	if (lvl < 0 || lvl >= s->npat || lvl >= s->depth || s->kind[lvl] != '{') {
		*n = 0;
		return NULL;
	}
	*n = s->klen[lvl];
	if (trunc)
		*trunc = s->ktrunc[lvl];
	return s->key[lvl];
}

/* ---- in-memory helpers ------------------------------------------------------------ */

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && is_ws(p[i]))
		i++;
	return i;
}

/* End of the string whose opening quote is at p[i], or 0. */
static size_t string_end(const uint8_t *p, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return 0;
}

size_t jspan_value(const uint8_t *p, size_t n, size_t off)
{
	size_t i = skip_ws(p, n, off);
	int depth = 0;

	if (i >= n)
		return 0;
	if (p[i] == '"')
		return string_end(p, n, i);
	if (p[i] != '{' && p[i] != '[') {
		size_t j = i;

		while (j < n && is_scalar(p[j]))
			j++;
		return j > i ? j : 0;
	}
	for (; i < n; i++) {
		switch (p[i]) {
		case '"': {
			size_t e = string_end(p, n, i);

			if (!e)
				return 0;
			i = e - 1;
			break;
		}
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return i + 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Shared by member/element iteration: open is '{' or '['. */
static int span_next(const uint8_t *p, size_t n, size_t *off, uint8_t open, const uint8_t **key,
		     size_t *klen, const uint8_t **val, size_t *vlen)
{
	uint8_t close = open == '{' ? '}' : ']';
	size_t i = *off;

	if (i == 0) {
		i = skip_ws(p, n, 0);
		if (i >= n || p[i] != open)
			return -ERR_PARSE;
		i = skip_ws(p, n, i + 1);
		if (i < n && p[i] == close) {
			*off = n;
			return 0;
		}
	} else {
		if (i >= n)
			return 0;
		i = skip_ws(p, n, i);
		if (i < n && p[i] == close) {
			*off = n;
			return 0;
		}
		if (i >= n || p[i] != ',')
			return -ERR_PARSE;
		i = skip_ws(p, n, i + 1);
	}
	if (i >= n)
		return -ERR_PARSE;
	if (key) {
		size_t e;

		if (p[i] != '"')
			return -ERR_PARSE;
		e = string_end(p, n, i);
		if (!e)
			return -ERR_PARSE;
		*key = p + i + 1;
		*klen = e - i - 2;
		i = skip_ws(p, n, e);
		if (i >= n || p[i] != ':')
			return -ERR_PARSE;
		i = skip_ws(p, n, i + 1);
	}
	size_t e = jspan_value(p, n, i);
	if (!e)
		return -ERR_PARSE;
	*val = p + i;
	*vlen = e - i;
	*off = e;
	return 1;
}

int jspan_member(const uint8_t *p, size_t n, size_t *off, const uint8_t **key, size_t *klen,
		 const uint8_t **val, size_t *vlen)
{
	return span_next(p, n, off, '{', key, klen, val, vlen);
}

int jspan_element(const uint8_t *p, size_t n, size_t *off, const uint8_t **val, size_t *vlen)
{
	return span_next(p, n, off, '[', NULL, NULL, val, vlen);
}
