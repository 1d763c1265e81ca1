/* Small helpers shared by providers (see putil.h). */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "core/base/err.h"
#include "core/base/utf8.h"
#include "providers/putil.h"

int prov_uuid4(char out[PROV_UUID_LEN + 1])
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, PROV_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
		 r[15]);
	return 0;
}

static const char hexd[] = "0123456789ABCDEF";

int prov_url_ascii(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)in[i];
		int esc = c >= 0x80 || c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c);

		if (o + (esc ? 3 : 1) >= cap)
			return -ERR_TOO_LARGE;
		if (esc) {
			out[o++] = '%';
			out[o++] = hexd[c >> 4];
			out[o++] = hexd[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (o >= cap)
		return -ERR_TOO_LARGE;
	out[o] = 0;
	return (int)o;
}

void prov_pct_encode(struct dbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			dbuf_add(b, &c, 1);
		} else {
			char e[3] = {'%', hexd[c >> 4], hexd[c & 15]};

			dbuf_add(b, e, 3);
		}
	}
}

static const char *after_scheme(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return url + 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return url + 8;
	return NULL;
}

int prov_url_host(const char *url, char *host, size_t cap)
{
	const char *p = after_scheme(url), *e;
	size_t n;

	if (!p)
		return -ERR_BAD_REQUEST;
	e = p + strcspn(p, "/?#");
	/* drop user info */
	for (const char *q = p; q < e; q++)
		if (*q == '@')
			p = q + 1;
	if (*p == '[') {
		const char *r = memchr(p, ']', (size_t)(e - p));

		if (!r)
			return -ERR_BAD_REQUEST;
		n = (size_t)(r + 1 - p);
	} else {
		const char *c = memchr(p, ':', (size_t)(e - p));

		n = (size_t)((c ? c : e) - p);
	}
	if (n == 0 || n >= cap)
		return -ERR_BAD_REQUEST;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		host[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	host[n] = 0;
	return 0;
}

int prov_is_http_url(const char *url)
{
	char host[256];

	return prov_url_host(url, host, sizeof(host)) == 0;
}

void prov_icon_name(const char *ascii_name, char *out, size_t cap)
{
	size_t n = 0, s = 0, e = strlen(ascii_name);

	if (cap < 5) {
		if (cap)
			out[0] = 0;
		return;
	}
	while (s < e && (ascii_name[s] == '.' || ascii_name[s] == ' ' || ascii_name[s] == '\t'))
		s++;
	while (e > s &&
	       (ascii_name[e - 1] == '.' || ascii_name[e - 1] == ' ' || ascii_name[e - 1] == '\t'))
		e--;
	for (size_t i = s; i < e && n + 5 < cap; i++) {
		char c = ascii_name[i];

		if (strchr("\\/:*?\"<>| \r\n\t", c) || (uint8_t)c < 0x20 || (uint8_t)c >= 0x7f)
			c = '_';
		out[n++] = c;
	}
	memcpy(out + n, ".png", 5);
}

int prov_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (uint8_t)*a, y = (uint8_t)*b;

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y || !x)
			return x - y;
	}
}

static int num(const char *s, size_t n, size_t *i, int digits, int *v)
{
	*v = 0;
	for (int k = 0; k < digits; k++, (*i)++) {
		if (*i >= n || s[*i] < '0' || s[*i] > '9')
			return -ERR_PARSE;
		*v = *v * 10 + (s[*i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (long long)doe - 719468;
}

int prov_parse_iso8601(const char *s, size_t n, time_t *t)
{
	size_t i = 0;
	int y, mo, d, h, mi, se = 0, oh = 0, om = 0, sign = 0;

	if (num(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || num(s, n, &i, 2, &mo) || i >= n ||
	    s[i++] != '-' || num(s, n, &i, 2, &d) || i >= n || (s[i] != 'T' && s[i] != ' '))
		return -ERR_PARSE;
	i++;
	if (num(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || num(s, n, &i, 2, &mi))
		return -ERR_PARSE;
	if (i < n && s[i] == ':') {
		i++;
		if (num(s, n, &i, 2, &se))
			return -ERR_PARSE;
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
		}
	}
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if (num(s, n, &i, 2, &oh))
			return -ERR_PARSE;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && num(s, n, &i, 2, &om))
			return -ERR_PARSE;
	} else if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	}
	if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -ERR_PARSE;
	long long v = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + se;
	v -= (long long)sign * (oh * 3600 + om * 60);
	*t = (time_t)v;
	return 0;
}

void prov_fmt_hhmm(time_t t, char out[6])
{
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		memcpy(out, "--:--", 6);
		return;
	}
	out[0] = (char)('0' + (unsigned)tm.tm_hour / 10 % 10);
	out[1] = (char)('0' + (unsigned)tm.tm_hour % 10);
	out[2] = ':';
	out[3] = (char)('0' + (unsigned)tm.tm_min / 10 % 10);
	out[4] = (char)('0' + (unsigned)tm.tm_min % 10);
	out[5] = 0;
}

int prov_jr_str(const struct jr *r, int i, char *out, size_t cap)
{
	int rc;

	if (!cap)
		return -ERR_PARSE;
	memset(out, 0, cap);
	rc = jr_str(r, i, out, cap);
	if (rc == -ERR_TOO_LARGE) {
		/* jr_str copies whole characters: what it copied is valid and NUL-ended */
		out[cap - 1] = 0;
		return (int)strlen(out);
	}
	return rc;
}

int prov_json_str(const uint8_t *p, size_t n, jsmntok_t *toks, int ntoks, char *out, size_t cap)
{
	struct jr r;

	if (prov_jr_value(&r, p, n, toks, ntoks))
		return -ERR_PARSE;
	return prov_jr_str(&r, 0, out, cap);
}

void prov_append(char *out, size_t cap, const char *s)
{
	size_t l = strlen(out), n = strlen(s);

	if (l + 1 >= cap)
		return;
	if (n > cap - l - 1) {
		n = cap - l - 1;
		while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
			n--; /* s[n] would start the cut-off part: keep whole characters */
	}
	memcpy(out + l, s, n);
	out[l + n] = 0;
}

int prov_url_join(const char *base, const char *ref, char *out, size_t cap)
{
	const char *hs = after_scheme(base), *pe;
	size_t keep;
	int n;

	if (strncasecmp(ref, "http://", 7) == 0 || strncasecmp(ref, "https://", 8) == 0) {
		n = snprintf(out, cap, "%s", ref);
		return n < 0 || (size_t)n >= cap ? -ERR_TOO_LARGE : 0;
	}
	if (!hs)
		return -ERR_BAD_REQUEST;
	if (ref[0] == '/' && ref[1] == '/') {
		keep = (size_t)(hs - base) - 2; /* "http:" */
	} else if (ref[0] == '/') {
		keep = (size_t)(hs - base) + strcspn(hs, "/?#");
	} else {
		/* directory of the base path (query and fragment dropped) */
		pe = hs + strcspn(hs, "?#");
		keep = (size_t)(pe - base);
		while (keep > (size_t)(hs - base) && base[keep - 1] != '/')
			keep--;
		if (keep == (size_t)(hs - base)) {
			n = snprintf(out, cap, "%.*s/%s", (int)(pe - base), base, ref);
			return n < 0 || (size_t)n >= cap ? -ERR_TOO_LARGE : 0;
		}
	}
	n = snprintf(out, cap, "%.*s%s", (int)keep, base, ref);
	return n < 0 || (size_t)n >= cap ? -ERR_TOO_LARGE : 0;
}

void prov_copy(char *out, size_t cap, const char *s, size_t n)
{
	if (!cap)
		return;
	if (n > cap - 1) {
		n = cap - 1;
		while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = 0;
}

int prov_jr_value(struct jr *r, const uint8_t *p, size_t n, jsmntok_t *toks, int ntoks)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == '\t'))
		n--;
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
		p++;
		n--;
	}
	if (!n || ntoks < 1 || n > INT32_MAX)
		return -ERR_PARSE;
	if (p[0] == '{' || p[0] == '[')
		return jr_parse(r, (const char *)p, n, toks, ntoks) ? -ERR_PARSE : 0;
	r->js = (const char *)p;
	r->t = toks;
	r->n = 1;
	toks[0].size = 0;
	if (p[0] == '"') {
		if (n < 2 || p[n - 1] != '"')
			return -ERR_PARSE;
		for (size_t i = 1; i < n - 1;) {
			if (p[i] == '\\') {
				if (i + 1 >= n - 1)
					return -ERR_PARSE; /* the closing quote is escaped */
				i += 2;			   /* jr_str checks the escape itself */
				continue;
			}
			if (p[i] < 0x20 || p[i] == '"')
				return -ERR_PARSE;
			i++;
		}
		if (!utf8_valid(p + 1, n - 2))
			return -ERR_PARSE;
		toks[0].type = JSMN_STRING;
		toks[0].start = 1;
		toks[0].end = (int)n - 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-' ||
		      p[i] == '+' || p[i] == '.' || p[i] == 'E'))
			return -ERR_PARSE;
	toks[0].type = JSMN_PRIMITIVE;
	toks[0].start = 0;
	toks[0].end = (int)n;
	return 0;
}

int prov_jr_int(const struct jr *r, int i, long long *v)
{
	char buf[40], *end;
	const char *raw;
	size_t n;
	double d;

	if (i < 0 || i >= r->n || (r->t[i].type != JSMN_PRIMITIVE && r->t[i].type != JSMN_STRING))
		return -ERR_PARSE;
	raw = jr_raw(r, i, &n);
	if (!n || n >= sizeof(buf))
		return -ERR_PARSE;
	memcpy(buf, raw, n);
	buf[n] = 0;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (!*end && errno == 0)
		return 0;
	errno = 0;
	d = strtod(buf, &end);
	/* range first: converting an out-of-range double is undefined */
	if (*end || errno || !(d > -9e18 && d < 9e18) || d != (double)(long long)d)
		return -ERR_PARSE;
	*v = (long long)d;
	return 0;
}
