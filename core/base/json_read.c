/* Strict JSON reader on top of jsmn: validation, typed getters, string unescaping. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STRICT
#include <jsmn.h>

#include "core/base/err.h"
#include "core/base/json.h"
#include "core/base/utf8.h"

/* ---- reader ---------------------------------------------------------------------- */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strict JSON number grammar on s[0..n). */
static int valid_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0') {
		i++;
	} else if (is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

static int valid_primitive(const char *s, size_t n)
{
	if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
	    (n == 4 && !memcmp(s, "null", 4)))
		return 1;
	return valid_number(s, n);
}

static int tok_lo(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int tok_hi(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* True when js[a..b) is whitespace around exactly one sep (sep 0: whitespace only). */
static int gap_ok(const char *js, int a, int b, char sep)
{
	int seen = 0;

	if (a > b)
		return 0;
	for (int k = a; k < b; k++) {
		if (is_ws(js[k]))
			continue;
		if (sep && js[k] == sep && !seen) {
			seen = 1;
			continue;
		}
		return 0;
	}
	return sep ? seen : 1;
}

/* Checks the punctuation between the children of container token i. */
static int container_ok(const struct jr *r, int i)
{
	const jsmntok_t *t = &r->t[i];
	int is_obj = t->type == JSMN_OBJECT;
	int pos = t->start + 1, k = i + 1;

	for (int m = 0; m < t->size; m++) {
		if (k >= r->n)
			return 0;
		if (!gap_ok(r->js, pos, tok_lo(&r->t[k]), m ? ',' : 0))
			return 0;
		if (is_obj) {
			if (r->t[k].type != JSMN_STRING || r->t[k].size != 1 || k + 1 >= r->n)
				return 0;
			if (!gap_ok(r->js, tok_hi(&r->t[k]), tok_lo(&r->t[k + 1]), ':'))
				return 0;
			pos = tok_hi(&r->t[k + 1]);
			if (r->t[k + 1].type == JSMN_OBJECT || r->t[k + 1].type == JSMN_ARRAY)
				pos = r->t[k + 1].end;
		} else {
			if (r->t[k].type == JSMN_STRING && r->t[k].size)
				return 0;
			pos = tok_hi(&r->t[k]);
		}
		k = jr_next(r, k);
	}
	return gap_ok(r->js, pos, t->end - 1, 0) && r->js[t->end - 1] == (is_obj ? '}' : ']');
}

int jr_next(const struct jr *r, int i)
{
	int pending = 1;

	if (i < 0)
		return r->n;
	while (pending > 0 && i < r->n) {
		pending += r->t[i].size - 1;
		i++;
	}
	return i;
}

int jr_parse(struct jr *r, const char *js, size_t len, jsmntok_t *toks, int ntoks)
{
	jsmn_parser p;
	int n;

	r->js = js;
	r->t = toks;
	r->n = 0;
	if (len > (size_t)INT32_MAX)
		return -ERR_TOO_LARGE;
	if (!utf8_valid((const uint8_t *)js, len))
		return -ERR_PARSE;
	if (ntoks < 1)
		return -ERR_LIMIT;
	/* jsmn's strict mode cannot end the input on a bare primitive: check that case here. */
	{
		size_t a = 0, b = len;

		while (a < b && is_ws(js[a]))
			a++;
		while (b > a && is_ws(js[b - 1]))
			b--;
		if (a < b && js[a] != '[' && js[a] != '{' && js[a] != '"') {
			if (!valid_primitive(js + a, b - a))
				return -ERR_PARSE;
			toks[0].type = JSMN_PRIMITIVE;
			toks[0].start = (int)a;
			toks[0].end = (int)b;
			toks[0].size = 0;
			r->n = 1;
			return 0;
		}
	}
	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, toks, (unsigned)ntoks);
	if (n == JSMN_ERROR_NOMEM)
		return -ERR_LIMIT;
	if (n <= 0)
		return -ERR_PARSE;
	r->n = n;
	/* Exactly one root value, followed by nothing but whitespace. */
	if (jr_next(r, 0) != n)
		return -ERR_PARSE;
	for (size_t i = (size_t)tok_hi(&toks[0]); i < len; i++)
		if (!is_ws(js[i]))
			return -ERR_PARSE;
	for (int i = 0; i < n; i++) {
		const jsmntok_t *t = &toks[i];

		if (t->start < 0 || t->end < t->start || (size_t)t->end > len)
			return -ERR_PARSE;
		switch (t->type) {
		case JSMN_PRIMITIVE:
			if (t->size || !valid_primitive(js + t->start, (size_t)(t->end - t->start)))
				return -ERR_PARSE;
			break;
		case JSMN_STRING:
			for (int k = t->start; k < t->end; k++)
				if ((unsigned char)js[k] < 0x20)
					return -ERR_PARSE;
			if (t->size > 1)
				return -ERR_PARSE;
			break;
		case JSMN_OBJECT:
		case JSMN_ARRAY:
			if (!container_ok(r, i))
				return -ERR_PARSE;
			break;
		default:
			return -ERR_PARSE;
		}
	}
	return 0;
}

static int hex4(const char *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(s[i]);

		if (h < 0)
			return -1;
		*v = (*v << 4) | (uint32_t)h;
	}
	return 0;
}

int jr_str(const struct jr *r, int i, char *out, size_t cap)
{
	const char *s, *e;
	size_t o = 0;

	if (i < 0 || i >= r->n || r->t[i].type != JSMN_STRING || !cap)
		return -ERR_PARSE;
	s = r->js + r->t[i].start;
	e = r->js + r->t[i].end;
	while (s < e) {
		char tmp[4];
		size_t tl = 1;

		if (*s != '\\') {
			tmp[0] = *s++;
		} else {
			uint32_t cp, lo;

			if (e - s < 2)
				return -ERR_PARSE;
			switch (s[1]) {
			case '"':
			case '\\':
			case '/':
				tmp[0] = s[1];
				break;
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u':
				if (e - s < 6 || hex4(s + 2, &cp))
					return -ERR_PARSE;
				s += 4;
				if (cp >= 0xd800 && cp <= 0xdbff && e - s >= 8 && s[2] == '\\' &&
				    s[3] == 'u' && !hex4(s + 4, &lo) && lo >= 0xdc00 &&
				    lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				} else if (cp >= 0xd800 && cp <= 0xdfff) {
					cp = 0xfffd; /* lone surrogate */
				}
				if (cp == 0)
					return -ERR_PARSE; /* C strings cannot hold NUL */
				tl = utf8_encode(cp, tmp);
				break;
			default:
				return -ERR_PARSE;
			}
			s += 2;
		}
		if (o + tl >= cap)
			return -ERR_TOO_LARGE;
		memcpy(out + o, tmp, tl);
		o += tl;
	}
	out[o] = '\0';
	return (int)o;
}

int jr_streq(const struct jr *r, int i, const char *s)
{
	size_t n = strlen(s);
	const jsmntok_t *t;

	if (i < 0 || i >= r->n || r->t[i].type != JSMN_STRING)
		return 0;
	t = &r->t[i];
	if (!memchr(r->js + t->start, '\\', (size_t)(t->end - t->start)))
		return (size_t)(t->end - t->start) == n && !memcmp(r->js + t->start, s, n);
	{
		char buf[256];
		int l = jr_str(r, i, buf, sizeof(buf));

		return l >= 0 && (size_t)l == n && !memcmp(buf, s, n);
	}
}

int jr_get(const struct jr *r, int obj, const char *key)
{
	int k;

	if (obj < 0 || obj >= r->n || r->t[obj].type != JSMN_OBJECT)
		return -1;
	k = obj + 1;
	for (int m = 0; m < r->t[obj].size && k < r->n; m++) {
		if (jr_streq(r, k, key))
			return k + 1 < r->n ? k + 1 : -1;
		k = jr_next(r, k);
	}
	return -1;
}

int jr_path(const struct jr *r, int obj, ...)
{
	va_list ap;
	const char *key;

	va_start(ap, obj);
	while (obj >= 0 && (key = va_arg(ap, const char *)) != NULL)
		obj = jr_get(r, obj, key);
	va_end(ap);
	return obj;
}

int jr_at(const struct jr *r, int arr, int k)
{
	int i;

	if (arr < 0 || arr >= r->n || r->t[arr].type != JSMN_ARRAY || k < 0 || k >= r->t[arr].size)
		return -1;
	i = arr + 1;
	while (k-- > 0)
		i = jr_next(r, i);
	return i < r->n ? i : -1;
}

int jr_is_str(const struct jr *r, int i)
{
	return i >= 0 && i < r->n && r->t[i].type == JSMN_STRING;
}

int jr_is_obj(const struct jr *r, int i)
{
	return i >= 0 && i < r->n && r->t[i].type == JSMN_OBJECT;
}

int jr_is_arr(const struct jr *r, int i)
{
	return i >= 0 && i < r->n && r->t[i].type == JSMN_ARRAY;
}

int jr_is_null(const struct jr *r, int i)
{
	return i >= 0 && i < r->n && r->t[i].type == JSMN_PRIMITIVE && r->js[r->t[i].start] == 'n';
}

int jr_int(const struct jr *r, int i, long long *v)
{
	char buf[32];
	const char *s;
	size_t n;
	char *end;
	double d;

	if (i < 0 || i >= r->n)
		return -ERR_PARSE;
	if (r->t[i].type == JSMN_STRING) {
		if (jr_str(r, i, buf, sizeof(buf)) <= 0)
			return -ERR_PARSE;
	} else if (r->t[i].type == JSMN_PRIMITIVE) {
		s = r->js + r->t[i].start;
		n = (size_t)(r->t[i].end - r->t[i].start);
		if (n >= sizeof(buf) || !valid_number(s, n))
			return -ERR_PARSE;
		memcpy(buf, s, n);
		buf[n] = '\0';
	} else {
		return -ERR_PARSE;
	}
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (*end == '\0' && end != buf && errno == 0)
		return 0;
	/* Integral values written as 5.0 or 5e0 are accepted. */
	errno = 0;
	d = strtod(buf, &end);
	if (*end != '\0' || end == buf || errno || !(d <= 9e18 && d >= -9e18) ||
	    d != (double)(long long)d)
		return -ERR_PARSE;
	*v = (long long)d;
	return 0;
}

int jr_bool(const struct jr *r, int i, int *v)
{
	const char *s;

	if (i < 0 || i >= r->n || r->t[i].type != JSMN_PRIMITIVE)
		return -ERR_PARSE;
	s = r->js + r->t[i].start;
	switch (s[0]) {
	case 't':
		*v = 1;
		return 0;
	case 'f':
		*v = 0;
		return 0;
	case '0':
	case '1':
		if (r->t[i].end - r->t[i].start == 1) {
			*v = s[0] == '1';
			return 0;
		}
		return -ERR_PARSE;
	default:
		return -ERR_PARSE;
	}
}

const char *jr_raw(const struct jr *r, int i, size_t *n)
{
	if (i < 0 || i >= r->n) {
		*n = 0;
		return "";
	}
	*n = (size_t)(r->t[i].end - r->t[i].start);
	return r->js + r->t[i].start;
}
