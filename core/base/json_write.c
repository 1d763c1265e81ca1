/* JSON writer: escaping, ASCII transliteration, nesting checks, into a dbuf. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/json.h"
#include "core/base/utf8.h"

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
