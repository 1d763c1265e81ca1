/* m3u8 parser (RFC 8216): line scanner, tags, attribute lists and values, keys, probe. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "core/hls/m3u8_int.h"

int m3u8_fail(struct m3u8_scan *s, int rc, const char *fmt, ...)
{
	if (s->err && s->cap) {
		va_list ap;
		int k = snprintf(s->err, s->cap, "line %d: ", s->lineno);

		if (k >= 0 && (size_t)k < s->cap) {
			va_start(ap, fmt);
			vsnprintf(s->err + k, s->cap - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

static void scan_init(struct m3u8_scan *s, const uint8_t *p, size_t n, char *err, size_t cap)
{
	s->p = (const char *)p;
	s->n = n;
	s->pos = 0;
	s->lineno = 0;
	s->err = err;
	s->cap = cap;
	if (err && cap)
		err[0] = '\0';
	/* A UTF-8 byte order mark is tolerated (some encoders write one). */
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		s->pos = 3;
}

/* Next non-empty line, trimmed of surrounding blanks; 0 at the end, -ERR_LIMIT past the cap. */
int m3u8_scan_line(struct m3u8_scan *s, struct m3u8_line *l)
{
	while (s->pos < s->n) {
		size_t b = s->pos, e = b;

		while (e < s->n && s->p[e] != '\n' && s->p[e] != '\r')
			e++;
		s->pos = e;
		/* CRLF, LF and lone CR all end a line. */
		if (s->pos < s->n && s->p[s->pos] == '\r')
			s->pos++;
		if (s->pos < s->n && s->p[s->pos] == '\n')
			s->pos++;
		if (++s->lineno > CONFIG_HLS_MAX_LINES) {
			/* m3u8_fail() returns its rc; said here for the analyzer, which does not
			 * follow the variadic call */
			(void)m3u8_fail(s, -ERR_LIMIT, "more than %d lines (CONFIG_HLS_MAX_LINES)",
					CONFIG_HLS_MAX_LINES);
			return -ERR_LIMIT;
		}
		while (b < e && (s->p[b] == ' ' || s->p[b] == '\t'))
			b++;
		while (e > b && (s->p[e - 1] == ' ' || s->p[e - 1] == '\t'))
			e--;
		if (e == b)
			continue;
		l->p = s->p + b;
		l->n = e - b;
		return 1;
	}
	return 0;
}

bool m3u8_str_eq(struct m3u8_str s, const char *lit)
{
	size_t k = strlen(lit);

	return s.p && s.n == k && memcmp(s.p, lit, k) == 0;
}

bool m3u8_str_ieq(struct m3u8_str s, const char *lit)
{
	size_t k = strlen(lit);

	if (!s.p || s.n != k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char a = s.p[i], b = lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* If line starts with tag (e.g. "#EXTINF"), sets *val to what follows the ':' and returns 1. */
int m3u8_tag_is(const struct m3u8_line *l, const char *tag, struct m3u8_str *val)
{
	size_t k = strlen(tag);

	if (l->n < k || memcmp(l->p, tag, k) != 0)
		return 0;
	if (l->n == k) {
		val->p = l->p + k;
		val->n = 0;
		return 1;
	}
	if (l->p[k] != ':')
		return 0; /* a longer tag name with the same prefix */
	val->p = l->p + k + 1;
	val->n = (uint32_t)(l->n - k - 1);
	return 1;
}

/* Unsigned decimal integer filling the whole view; 0 or -ERR_PARSE (also on overflow). */
int m3u8_parse_u64(struct m3u8_str v, uint64_t *out)
{
	uint64_t x = 0;

	if (!v.p || v.n == 0 || v.n > 20)
		return -ERR_PARSE;
	for (uint32_t i = 0; i < v.n; i++) {
		unsigned d = (unsigned)(v.p[i] - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -ERR_PARSE;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/*
 * Signed decimal number ("6", "-3.5", "10.010") to thousandths, rounded down; the whole
 * view must be used. Locale independent, unlike strtod. 0 or -ERR_PARSE.
 */
int m3u8_parse_milli(struct m3u8_str v, int64_t *out)
{
	uint32_t i = 0;
	int neg = 0, digits = 0;
	int64_t ip = 0, frac = 0;
	int64_t scale = 100;

	if (!v.p || v.n == 0)
		return -ERR_PARSE;
	if (v.p[0] == '-' || v.p[0] == '+')
		neg = v.p[i++] == '-';
	for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++, digits++) {
		if (ip > (INT64_MAX / 1000 - 9) / 10)
			return -ERR_PARSE;
		ip = ip * 10 + (v.p[i] - '0');
	}
	if (i < v.n && v.p[i] == '.') {
		for (i++; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++, digits++) {
			frac += (v.p[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i != v.n || digits == 0)
		return -ERR_PARSE;
	*out = (ip * 1000 + frac) * (neg ? -1 : 1);
	return 0;
}

int m3u8_attr_next(const char *p, size_t n, size_t *pos, struct m3u8_str *name,
		   struct m3u8_str *val, bool *quoted)
{
	size_t i = *pos, b;

	while (i < n && (p[i] == ',' || p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n) {
		*pos = i;
		return 0;
	}
	b = i;
	while (i < n && p[i] != '=' && p[i] != ',')
		i++;
	if (i >= n || p[i] != '=' || i == b)
		return -ERR_PARSE;
	name->p = p + b;
	name->n = (uint32_t)(i - b);
	i++;
	if (i < n && p[i] == '"') {
		b = ++i;
		while (i < n && p[i] != '"')
			i++;
		if (i >= n)
			return -ERR_PARSE;
		val->p = p + b;
		val->n = (uint32_t)(i - b);
		*quoted = true;
		i++;
		/* Only a separator may follow a quoted string. */
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i < n && p[i] != ',')
			return -ERR_PARSE;
	} else {
		b = i;
		while (i < n && p[i] != ',')
			i++;
		val->p = p + b;
		val->n = (uint32_t)(i - b);
		while (val->n && (val->p[val->n - 1] == ' ' || val->p[val->n - 1] == '\t'))
			val->n--;
		*quoted = false;
	}
	*pos = i;
	return 1;
}

/* IV attribute: 0x followed by up to 32 hex digits, right-aligned into 16 bytes. */
static int parse_iv(struct m3u8_str v, uint8_t iv[16])
{
	uint32_t nd;

	if (v.n < 3 || v.p[0] != '0' || (v.p[1] != 'x' && v.p[1] != 'X'))
		return -ERR_PARSE;
	nd = v.n - 2;
	if (nd > 32)
		return -ERR_PARSE;
	memset(iv, 0, 16);
	for (uint32_t k = 0; k < nd; k++) {
		int h = hex_digit(v.p[v.n - 1 - k]);

		if (h < 0)
			return -ERR_PARSE;
		iv[15 - k / 2] |= (uint8_t)(k & 1 ? h << 4 : h);
	}
	return 0;
}

/* "<len>[@<off>]"; off < 0 when absent. */
int m3u8_parse_byterange(struct m3u8_str v, int64_t *len, int64_t *off)
{
	struct m3u8_str a = v, b = {NULL, 0};
	uint64_t x;

	for (uint32_t i = 0; i < v.n; i++) {
		if (v.p[i] == '@') {
			a.n = i;
			b.p = v.p + i + 1;
			b.n = v.n - i - 1;
			break;
		}
	}
	if (m3u8_parse_u64(a, &x) || x > INT64_MAX / 2)
		return -ERR_PARSE;
	*len = (int64_t)x;
	*off = -1;
	if (b.p) {
		if (m3u8_parse_u64(b, &x) || x > INT64_MAX / 2)
			return -ERR_PARSE;
		*off = (int64_t)x;
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Fixed-width decimal field at s[i..i+w); -1 when not all digits. */
static int dec_field(struct m3u8_str s, uint32_t i, uint32_t w)
{
	int x = 0;

	if (i + w > s.n)
		return -1;
	for (uint32_t k = i; k < i + w; k++) {
		if (s.p[k] < '0' || s.p[k] > '9')
			return -1;
		x = x * 10 + (s.p[k] - '0');
	}
	return x;
}

/* ISO 8601 date-time ("2026-01-02T03:04:05.678+01:00" or "...Z") to ms since the epoch. */
int m3u8_parse_datetime(struct m3u8_str s, int64_t *ms)
{
	int y = dec_field(s, 0, 4), mo = dec_field(s, 5, 2), d = dec_field(s, 8, 2);
	int h = dec_field(s, 11, 2), mi = dec_field(s, 14, 2), se = dec_field(s, 17, 2);
	uint32_t i = 19;
	int64_t frac = 0, scale = 100, tz = 0;

	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    se < 0 || se > 60 || s.p[4] != '-' || s.p[7] != '-' ||
	    (s.p[10] != 'T' && s.p[10] != 't' && s.p[10] != ' ') || s.p[13] != ':' ||
	    s.p[16] != ':')
		return -ERR_PARSE;
	if (i < s.n && (s.p[i] == '.' || s.p[i] == ',')) {
		for (i++; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
			frac += (s.p[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i < s.n && (s.p[i] == 'Z' || s.p[i] == 'z')) {
		i++;
	} else if (i < s.n && (s.p[i] == '+' || s.p[i] == '-')) {
		int sign = s.p[i] == '-' ? -1 : 1;
		int th = dec_field(s, i + 1, 2), tm;

		if (th < 0)
			return -ERR_PARSE;
		i += 3;
		if (i < s.n && s.p[i] == ':')
			i++;
		tm = dec_field(s, i, 2);
		if (tm < 0)
			tm = 0;
		else
			i += 2;
		tz = sign * (th * 3600 + tm * 60);
	}
	if (i != s.n)
		return -ERR_PARSE;
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
		tz) *
	       1000) +
	      frac;
	return 0;
}

/*
 * Starts a scan of a playlist and reads its first line, which must be #EXTM3U. 0, or
 * -ERR_PARSE (empty, not #EXTM3U) or -ERR_LIMIT with the error text.
 */
int m3u8_scan_playlist(struct m3u8_scan *s, const uint8_t *p, size_t n, char *err, size_t cap)
{
	struct m3u8_line l;
	struct m3u8_str v;
	int rc;

	scan_init(s, p, n, err, cap);
	rc = m3u8_scan_line(s, &l);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return m3u8_fail(s, -ERR_PARSE, "empty playlist");
	if (!m3u8_tag_is(&l, "#EXTM3U", &v))
		return m3u8_fail(s, -ERR_PARSE, "not a playlist (no #EXTM3U)");
	return 0;
}

int m3u8_probe(const uint8_t *p, size_t n)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v;
	int rc = m3u8_scan_playlist(&s, p, n, NULL, 0);

	if (rc < 0)
		return rc;
	while ((rc = m3u8_scan_line(&s, &l)) > 0) {
		if (m3u8_tag_is(&l, "#EXT-X-STREAM-INF", &v))
			return M3U8_MASTER;
		if (m3u8_tag_is(&l, "#EXTINF", &v) || m3u8_tag_is(&l, "#EXT-X-TARGETDURATION", &v))
			return M3U8_MEDIA;
	}
	return rc < 0 ? rc : -ERR_PARSE;
}

/* KEYFORMAT or URI that names a DRM system rather than a plain AES key. */
static bool key_is_drm(const struct m3u8_key *k)
{
	if (k->method == M3U8_KEY_SAMPLE_AES || k->method == M3U8_KEY_OTHER)
		return true;
	if (k->uri.n >= 6 && m3u8_str_ieq((struct m3u8_str){k->uri.p, 6}, "skd://"))
		return true;
	if (k->uri.n >= 5 && m3u8_str_ieq((struct m3u8_str){k->uri.p, 5}, "data:") &&
	    k->method != M3U8_KEY_AES128)
		return true;
	return k->keyformat.n && !m3u8_str_eq(k->keyformat, "identity");
}

/* Fills k from an EXT-X-KEY / EXT-X-SESSION-KEY attribute list. */
int m3u8_parse_key_attrs(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_key *k)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc, have_method = 0;

	memset(k, 0, sizeof(*k));
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "METHOD")) {
			have_method = 1;
			if (m3u8_str_eq(av, "NONE"))
				k->method = M3U8_KEY_NONE;
			else if (m3u8_str_eq(av, "AES-128"))
				k->method = M3U8_KEY_AES128;
			else if (m3u8_str_eq(av, "SAMPLE-AES") ||
				 m3u8_str_eq(av, "SAMPLE-AES-CTR") ||
				 m3u8_str_eq(av, "SAMPLE-AES-CENC"))
				k->method = M3U8_KEY_SAMPLE_AES;
			else
				k->method = M3U8_KEY_OTHER;
		} else if (m3u8_str_eq(an, "URI")) {
			k->uri = av;
		} else if (m3u8_str_eq(an, "IV")) {
			if (parse_iv(av, k->iv))
				return m3u8_fail(s, -ERR_PARSE, "bad IV attribute");
			k->has_iv = true;
		} else if (m3u8_str_eq(an, "KEYFORMAT")) {
			k->keyformat = av;
		}
	}
	if (rc < 0)
		return m3u8_fail(s, rc, "malformed attribute list");
	if (!have_method)
		return m3u8_fail(s, -ERR_PARSE, "EXT-X-KEY without METHOD");
	if (k->method != M3U8_KEY_NONE && !k->uri.n)
		return m3u8_fail(s, -ERR_PARSE, "EXT-X-KEY without URI");
	k->drm = k->method != M3U8_KEY_NONE && key_is_drm(k);
	return 0;
}
