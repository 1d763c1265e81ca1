/* M3U/M3U8 channel list parser: line based, views only (see m3u.h). */
#include <string.h>
#include <strings.h>

#include "providers/m3u.h"

/* Finds the line at p[i..n): its end (without CR/LF) in *end and the next line's start in
 * *next. Returns 0 when the line is not terminated and more text may follow. */
static int line_at(const uint8_t *p, size_t n, size_t i, int at_eof, size_t *end, size_t *next)
{
	size_t j = i;

	while (j < n && p[j] != '\n' && p[j] != '\r')
		j++;
	if (j >= n) {
		if (!at_eof)
			return 0;
		*end = j;
		*next = n;
		return 1;
	}
	*end = j;
	if (p[j] == '\r' && j + 1 >= n && !at_eof)
		return 0; /* CR at the end of the buffer: an LF may follow */
	if (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
		j++;
	*next = j + 1;
	return 1;
}

static int has_prefix(const uint8_t *p, size_t n, const char *pre)
{
	size_t l = strlen(pre);

	if (n < l)
		return 0;
	for (size_t i = 0; i < l; i++) {
		uint8_t c = p[i];

		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 32);
		if (c != (uint8_t)pre[i])
			return 0;
	}
	return 1;
}

static void trim(const uint8_t **p, size_t *n)
{
	/* a byte order mark may start the file, or any line of concatenated files */
	if (*n >= 3 && (*p)[0] == 0xef && (*p)[1] == 0xbb && (*p)[2] == 0xbf) {
		*p += 3;
		*n -= 3;
	}
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* Splits "#EXTINF:-1 attr=\"v\",Title" into attributes and title. */
static void parse_extinf(const uint8_t *p, size_t n, struct m3u_entry *e)
{
	size_t i = 7; /* after "#EXTINF" */
	int q = 0;

	if (i < n && p[i] == ':')
		i++;
	while (i < n && (p[i] == '-' || p[i] == '.' || p[i] == '+' || (p[i] >= '0' && p[i] <= '9')))
		i++;
	size_t a = i;
	for (; i < n; i++) {
		if (p[i] == '"')
			q = !q;
		else if (p[i] == ',' && !q)
			break;
	}
	const uint8_t *ap = p + a, *tp = p + (i < n ? i + 1 : n);
	size_t an = i - a, tn = i < n ? n - i - 1 : 0;

	trim(&ap, &an);
	trim(&tp, &tn);
	e->attrs = (const char *)ap;
	e->attrs_len = an;
	e->title = (const char *)tp;
	e->title_len = tn;
}

int m3u_next(const uint8_t *p, size_t n, size_t *off, int at_eof, struct m3u_entry *e)
{
	size_t i = *off, start = *off;
	int have_inf = 0;

	memset(e, 0, sizeof(*e));
	e->attrs = e->title = e->group = e->url = "";
	while (i < n) {
		size_t end, next;
		const uint8_t *l = p + i;
		size_t ln;

		if (!line_at(p, n, i, at_eof, &end, &next))
			break;
		ln = end - i;
		trim(&l, &ln);
		if (ln == 0) {
			/* blank line */
		} else if (has_prefix(l, ln, "#EXTINF")) {
			/* a second #EXTINF without a URI replaces the first */
			memset(e, 0, sizeof(*e));
			e->attrs = e->title = e->group = e->url = "";
			parse_extinf(l, ln, e);
			have_inf = 1;
		} else if (has_prefix(l, ln, "#EXTGRP:")) {
			const uint8_t *g = l + 8;
			size_t gn = ln - 8;

			trim(&g, &gn);
			e->group = (const char *)g;
			e->group_len = gn;
		} else if (l[0] == '#') {
			/* #EXTM3U, #EXTVLCOPT, #KODIPROP, comments: not needed */
		} else {
			e->url = (const char *)l;
			e->url_len = ln;
			*off = next;
			return 1;
		}
		i = next;
		if (!have_inf && !e->group_len)
			start = i; /* nothing pending: the caller may drop what was read */
	}
	*off = at_eof ? n : start;
	return 0;
}

int m3u_attr(const struct m3u_entry *e, const char *name, const char **v, size_t *vn)
{
	const char *p = e->attrs;
	size_t n = e->attrs_len, nl = strlen(name), i = 0;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t ks = i;
		while (i < n && p[i] != '=' && p[i] != ' ' && p[i] != '\t')
			i++;
		size_t kn = i - ks;
		if (i >= n || p[i] != '=') {
			continue; /* a bare word: skip it */
		}
		i++;
		size_t vs, ve;
		if (i < n && p[i] == '"') {
			vs = ++i;
			while (i < n && p[i] != '"')
				i++;
			ve = i;
			if (i < n)
				i++;
		} else {
			vs = i;
			while (i < n && p[i] != ' ' && p[i] != '\t')
				i++;
			ve = i;
		}
		if (kn == nl && strncasecmp(p + ks, name, nl) == 0) {
			*v = p + vs;
			*vn = ve - vs;
			return 1;
		}
	}
	return 0;
}
