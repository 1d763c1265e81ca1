/* JSON writer (escaping, ASCII transliteration) and a strict reader on top of jsmn. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STRICT
#include <jsmn.h>

#include "core/base/err.h"
#include "core/base/json.h"

/* ---- UTF-8 ----------------------------------------------------------------------- */

/* Decodes one code point at p[0..n); returns its length (>= 1) or 0 when invalid. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int utf8_valid(const uint8_t *p, size_t n)
{
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		size_t l;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		l = utf8_decode(p + i, n - i, &cp);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- ASCII transliteration --------------------------------------------------------- */

/* U+00C0..U+017F; "" means drop the character. German umlauts get their two-letter forms. */
static const char *const latin_map[] = {
	/* C0 */ "A",  "A", "A",  "A",	"Ae", "A", "AE", "C",
	"E",	       "E", "E",  "E",	"I",  "I", "I",	 "I",
	/* D0 */ "D",  "N", "O",  "O",	"O",  "O", "Oe", "x",
	"O",	       "U", "U",  "U",	"Ue", "Y", "Th", "ss",
	/* E0 */ "a",  "a", "a",  "a",	"ae", "a", "ae", "c",
	"e",	       "e", "e",  "e",	"i",  "i", "i",	 "i",
	/* F0 */ "d",  "n", "o",  "o",	"o",  "o", "oe", "/",
	"o",	       "u", "u",  "u",	"ue", "y", "th", "y",
	/* 100 */ "A", "a", "A",  "a",	"A",  "a", "C",	 "c",
	"C",	       "c", "C",  "c",	"C",  "c", "D",	 "d",
	/* 110 */ "D", "d", "E",  "e",	"E",  "e", "E",	 "e",
	"E",	       "e", "E",  "e",	"G",  "g", "G",	 "g",
	/* 120 */ "G", "g", "G",  "g",	"H",  "h", "H",	 "h",
	"I",	       "i", "I",  "i",	"I",  "i", "I",	 "i",
	/* 130 */ "I", "i", "IJ", "ij", "J",  "j", "K",	 "k",
	"k",	       "L", "l",  "L",	"l",  "L", "l",	 "L",
	/* 140 */ "l", "L", "l",  "N",	"n",  "N", "n",	 "N",
	"n",	       "n", "N",  "n",	"O",  "o", "O",	 "o",
	/* 150 */ "O", "o", "OE", "oe", "R",  "r", "R",	 "r",
	"R",	       "r", "S",  "s",	"S",  "s", "S",	 "s",
	/* 160 */ "S", "s", "T",  "t",	"T",  "t", "T",	 "t",
	"U",	       "u", "U",  "u",	"U",  "u", "U",	 "u",
	/* 170 */ "U", "u", "U",  "u",	"W",  "w", "Y",	 "y",
	"Y",	       "Z", "z",  "Z",	"z",  "Z", "z",	 "s",
};

static const char *translit_cp(uint32_t cp)
{
	if (cp >= 0xc0 && cp <= 0x17f)
		return latin_map[cp - 0xc0];
	switch (cp) {
	case 0xa0: /* no-break space */
	case 0x2002:
	case 0x2003:
	case 0x2009:
	case 0x202f:
		return " ";
	case 0xa9:
		return "(c)";
	case 0xae:
		return "(R)";
	case 0xb0:
		return "deg";
	case 0xb4:
	case 0x2018:
	case 0x2019:
	case 0x201a:
	case 0x2032:
		return "'";
	case 0xab:
	case 0xbb:
	case 0x201c:
	case 0x201d:
	case 0x201e:
		return "\"";
	case 0xb7:
	case 0x2022:
		return "-";
	case 0x2010:
	case 0x2011:
	case 0x2012:
	case 0x2013:
	case 0x2014:
	case 0x2015:
	case 0x2212:
		return "-";
	case 0x2026:
		return "...";
	case 0x20ac:
		return "EUR";
	case 0xa3:
		return "GBP";
	case 0x2122:
		return "(TM)";
	case 0x1e9e:
		return "SS";
	case 0x200b: /* zero-width space, joiners, BOM */
	case 0x200c:
	case 0x200d:
	case 0xfeff:
		return "";
	default:
		break;
	}
	if (cp >= 0x300 && cp <= 0x36f) /* combining accents */
		return "";
	return "?";
}

size_t ascii_translit(const char *in, size_t n, char *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t o = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		const char *rep;
		char one[2] = {0, 0};
		uint32_t cp;
		size_t l, rl;

		if (p[i] < 0x80) {
			one[0] = (char)p[i];
			rep = one;
			l = 1;
		} else {
			l = utf8_decode(p + i, n - i, &cp);
			if (!l) {
				rep = "?";
				l = 1;
			} else {
				rep = translit_cp(cp);
			}
		}
		rl = strlen(rep);
		if (o + rl >= cap)
			break;
		memcpy(out + o, rep, rl);
		o += rl;
		i += l;
	}
	out[o] = '\0';
	return o;
}

/* ---- writer ---------------------------------------------------------------------- */

void jw_init(struct jw *w, struct dbuf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void jw_fail(struct jw *w, int rc)
{
	if (!w->err)
		w->err = rc;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	int rc;

	if (w->err)
		return;
	rc = dbuf_add(w->b, s, n);
	if (rc)
		jw_fail(w, rc);
}

/* Writes the separator a new value needs at the current position. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			jw_put(w, ",", 1);
		w->first[w->depth - 1] = 0;
	}
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	if (w->depth >= CONFIG_JSON_MAX_DEPTH) {
		jw_fail(w, -ERR_LIMIT);
		return;
	}
	jw_put(w, &c, 1);
	w->first[w->depth++] = 1;
}

static void jw_close(struct jw *w, char c)
{
	if (w->depth <= 0 || w->after_key) {
		jw_fail(w, -ERR_FAILURE);
		return;
	}
	w->depth--;
	jw_put(w, &c, 1);
}

void jw_arr_begin(struct jw *w)
{
	jw_open(w, '[');
}

void jw_arr_end(struct jw *w)
{
	jw_close(w, ']');
}

void jw_obj_begin(struct jw *w)
{
	jw_open(w, '{');
}

void jw_obj_end(struct jw *w)
{
	jw_close(w, '}');
}

/* Writes s[0..n) as a JSON string literal; invalid UTF-8 becomes U+FFFD. */
static void jw_quote(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t run = 0, i = 0;

	jw_put(w, "\"", 1);
	while (i < n) {
		uint8_t c = p[i];
		char esc[6];
		size_t el = 0, l = 1;
		uint32_t cp;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			l = utf8_decode(p + i, n - i, &cp);
			if (l) {
				i += l;
				run += l;
				continue;
			}
			l = 1;
		}
		jw_put(w, (const char *)p + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			el = 2, esc[0] = '\\', esc[1] = '"';
			break;
		case '\\':
			el = 2, esc[0] = '\\', esc[1] = '\\';
			break;
		case '\n':
			el = 2, esc[0] = '\\', esc[1] = 'n';
			break;
		case '\r':
			el = 2, esc[0] = '\\', esc[1] = 'r';
			break;
		case '\t':
			el = 2, esc[0] = '\\', esc[1] = 't';
			break;
		case '\b':
			el = 2, esc[0] = '\\', esc[1] = 'b';
			break;
		case '\f':
			el = 2, esc[0] = '\\', esc[1] = 'f';
			break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				el = 6;
			} else {
				memcpy(esc, "\xef\xbf\xbd", 3); /* U+FFFD for a broken byte */
				el = 3;
			}
			break;
		}
		jw_put(w, esc, el);
		i += l;
	}
	jw_put(w, (const char *)p + i - run, run);
	jw_put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *k)
{
	if (w->depth <= 0 || w->after_key) {
		jw_fail(w, -ERR_FAILURE);
		return;
	}
	jw_sep(w);
	jw_quote(w, k, strlen(k));
	jw_put(w, ":", 1);
	w->after_key = 1;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	jw_sep(w);
	jw_quote(w, s ? s : "", s ? n : 0);
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, s ? strlen(s) : 0);
}

void jw_strn_ascii(struct jw *w, const char *s, size_t n)
{
	char small[512], *buf = small;
	size_t cap = sizeof(small), len;

	if (!s)
		s = "", n = 0;
	/* Worst case a byte expands to 3 ASCII bytes ("..." for a 3-byte sequence is 1:1). */
	if (n * 2 + 1 > cap) {
		cap = n * 2 + 1;
		buf = malloc(cap);
		if (!buf) {
			jw_fail(w, -ENOMEM);
			return;
		}
	}
	len = ascii_translit(s, n, buf, cap);
	jw_strn(w, buf, len);
	if (buf != small)
		free(buf);
}

void jw_str_ascii(struct jw *w, const char *s)
{
	jw_strn_ascii(w, s, s ? strlen(s) : 0);
}

void jw_int(struct jw *w, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);

	jw_sep(w);
	jw_put(w, tmp, (size_t)n);
}

void jw_bool(struct jw *w, int v)
{
	jw_sep(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	jw_put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
	jw_sep(w);
	jw_put(w, json, n);
}

void jw_kstr(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

void jw_kint(struct jw *w, const char *k, long long v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *k, int v)
{
	jw_key(w, k);
	jw_bool(w, v);
}

int jw_finish(struct jw *w)
{
	if (w->err)
		return w->err;
	if (w->depth || w->after_key)
		return -ERR_FAILURE;
	return 0;
}

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
