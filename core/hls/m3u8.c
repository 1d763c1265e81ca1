/* m3u8 parser (RFC 8216): line scanner, attribute lists, master and media playlists. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "core/hls/m3u8.h"

/* One line of the playlist: [p, p+n) without the line terminator. */
struct m3u8_line {
	const char *p;
	size_t n;
};

struct m3u8_scan {
	const char *p;
	size_t n, pos;
	int lineno;
	char *err;
	size_t cap;
};

static int fail(struct m3u8_scan *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct m3u8_scan *s, int rc, const char *fmt, ...)
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
static int scan_line(struct m3u8_scan *s, struct m3u8_line *l)
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
		if (++s->lineno > CONFIG_HLS_MAX_LINES)
			return fail(s, -ERR_LIMIT, "more than %d lines (CONFIG_HLS_MAX_LINES)",
				    CONFIG_HLS_MAX_LINES);
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
static int tag_is(const struct m3u8_line *l, const char *tag, struct m3u8_str *val)
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
static int parse_u64(struct m3u8_str v, uint64_t *out)
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
static int parse_milli(struct m3u8_str v, int64_t *out)
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
static int parse_byterange(struct m3u8_str v, int64_t *len, int64_t *off)
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
	if (parse_u64(a, &x) || x > INT64_MAX / 2)
		return -ERR_PARSE;
	*len = (int64_t)x;
	*off = -1;
	if (b.p) {
		if (parse_u64(b, &x) || x > INT64_MAX / 2)
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
static int parse_datetime(struct m3u8_str s, int64_t *ms)
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

int m3u8_probe(const uint8_t *p, size_t n)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v;
	int first = 1, rc;

	scan_init(&s, p, n, NULL, 0);
	while ((rc = scan_line(&s, &l)) > 0) {
		if (first) {
			if (!tag_is(&l, "#EXTM3U", &v))
				return -ERR_PARSE;
			first = 0;
			continue;
		}
		if (tag_is(&l, "#EXT-X-STREAM-INF", &v))
			return M3U8_MASTER;
		if (tag_is(&l, "#EXTINF", &v) || tag_is(&l, "#EXT-X-TARGETDURATION", &v))
			return M3U8_MEDIA;
	}
	return rc < 0 ? rc : -ERR_PARSE;
}

/* ---- master --------------------------------------------------------------------- */

static int parse_resolution(struct m3u8_str v, int *w, int *h)
{
	uint64_t a, b;

	for (uint32_t i = 0; i < v.n; i++) {
		if (v.p[i] == 'x' || v.p[i] == 'X') {
			struct m3u8_str x = {v.p, i}, y = {v.p + i + 1, v.n - i - 1};

			if (parse_u64(x, &a) || parse_u64(y, &b) || a > 65535 || b > 65535)
				return -ERR_PARSE;
			*w = (int)a;
			*h = (int)b;
			return 0;
		}
	}
	return -ERR_PARSE;
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
static int parse_key_attrs(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_key *k)
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
				return fail(s, -ERR_PARSE, "bad IV attribute");
			k->has_iv = true;
		} else if (m3u8_str_eq(an, "KEYFORMAT")) {
			k->keyformat = av;
		}
	}
	if (rc < 0)
		return fail(s, rc, "malformed attribute list");
	if (!have_method)
		return fail(s, -ERR_PARSE, "EXT-X-KEY without METHOD");
	if (k->method != M3U8_KEY_NONE && !k->uri.n)
		return fail(s, -ERR_PARSE, "EXT-X-KEY without URI");
	k->drm = k->method != M3U8_KEY_NONE && key_is_drm(k);
	return 0;
}

static int parse_stream_inf(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_variant *var)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc, have_bw = 0;
	int64_t fr;

	memset(var, 0, sizeof(*var));
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "BANDWIDTH")) {
			if (parse_u64(av, &var->bandwidth))
				return fail(s, -ERR_PARSE, "bad BANDWIDTH");
			have_bw = 1;
		} else if (m3u8_str_eq(an, "AVERAGE-BANDWIDTH")) {
			if (parse_u64(av, &var->avg_bandwidth))
				return fail(s, -ERR_PARSE, "bad AVERAGE-BANDWIDTH");
		} else if (m3u8_str_eq(an, "RESOLUTION")) {
			if (parse_resolution(av, &var->width, &var->height))
				return fail(s, -ERR_PARSE, "bad RESOLUTION");
		} else if (m3u8_str_eq(an, "FRAME-RATE")) {
			if (parse_milli(av, &fr) || fr < 0 || fr > 1000000)
				return fail(s, -ERR_PARSE, "bad FRAME-RATE");
			var->frame_rate_milli = (uint32_t)fr;
		} else if (m3u8_str_eq(an, "CODECS")) {
			var->codecs = av;
		} else if (m3u8_str_eq(an, "AUDIO")) {
			var->audio = av;
		}
	}
	if (rc < 0)
		return fail(s, rc, "malformed EXT-X-STREAM-INF attributes");
	if (!have_bw)
		return fail(s, -ERR_PARSE, "EXT-X-STREAM-INF without BANDWIDTH");
	return 0;
}

static int parse_media_tag(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_rendition *r)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "TYPE")) {
			r->type = m3u8_str_eq(av, "AUDIO")	       ? M3U8_MT_AUDIO
				  : m3u8_str_eq(av, "VIDEO")	       ? M3U8_MT_VIDEO
				  : m3u8_str_eq(av, "SUBTITLES")       ? M3U8_MT_SUBTITLES
				  : m3u8_str_eq(av, "CLOSED-CAPTIONS") ? M3U8_MT_CC
								       : M3U8_MT_OTHER;
		} else if (m3u8_str_eq(an, "GROUP-ID")) {
			r->group_id = av;
		} else if (m3u8_str_eq(an, "NAME")) {
			r->name = av;
		} else if (m3u8_str_eq(an, "LANGUAGE")) {
			r->language = av;
		} else if (m3u8_str_eq(an, "URI")) {
			r->uri = av;
		} else if (m3u8_str_eq(an, "DEFAULT")) {
			r->is_default = m3u8_str_eq(av, "YES");
		} else if (m3u8_str_eq(an, "AUTOSELECT")) {
			r->autoselect = m3u8_str_eq(av, "YES");
		}
	}
	if (rc < 0)
		return fail(s, rc, "malformed EXT-X-MEDIA attributes");
	return 0;
}

int m3u8_parse_master(const uint8_t *p, size_t n, struct m3u8_master *m, char *err, size_t cap)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v;
	struct m3u8_variant pending;
	int have_pending = 0, first = 1, rc;

	memset(m, 0, sizeof(*m));
	scan_init(&s, p, n, err, cap);
	while ((rc = scan_line(&s, &l)) > 0) {
		if (first) {
			if (!tag_is(&l, "#EXTM3U", &v))
				return fail(&s, -ERR_PARSE, "not a playlist (no #EXTM3U)");
			first = 0;
			continue;
		}
		if (l.p[0] != '#') {
			if (!have_pending)
				continue; /* a URI without EXT-X-STREAM-INF: ignored */
			if (m->n_variants >= CONFIG_HLS_MAX_VARIANTS)
				return fail(&s, -ERR_LIMIT,
					    "more than %d variants (CONFIG_HLS_MAX_VARIANTS)",
					    CONFIG_HLS_MAX_VARIANTS);
			pending.uri.p = l.p;
			pending.uri.n = (uint32_t)l.n;
			m->variant[m->n_variants++] = pending;
			have_pending = 0;
		} else if (tag_is(&l, "#EXT-X-STREAM-INF", &v)) {
			if ((rc = parse_stream_inf(&s, v, &pending)) < 0)
				return rc;
			have_pending = 1;
		} else if (tag_is(&l, "#EXT-X-MEDIA", &v)) {
			if (m->n_media >= CONFIG_HLS_MAX_MEDIA)
				return fail(&s, -ERR_LIMIT,
					    "more than %d renditions (CONFIG_HLS_MAX_MEDIA)",
					    CONFIG_HLS_MAX_MEDIA);
			if ((rc = parse_media_tag(&s, v, &m->media[m->n_media])) < 0)
				return rc;
			m->n_media++;
		} else if (tag_is(&l, "#EXT-X-SESSION-KEY", &v)) {
			struct m3u8_key k;

			if ((rc = parse_key_attrs(&s, v, &k)) < 0)
				return rc;
			if (k.drm)
				m->drm_session_key = 1;
		} else if (tag_is(&l, "#EXTINF", &v)) {
			return fail(&s, -ERR_PARSE, "media segment in a master playlist");
		}
	}
	if (rc < 0)
		return rc;
	if (first)
		return fail(&s, -ERR_PARSE, "empty playlist");
	if (have_pending)
		return fail(&s, -ERR_PARSE, "EXT-X-STREAM-INF without URI");
	if (m->n_variants == 0)
		return fail(&s, -ERR_PARSE, "master playlist without variants");
	return 0;
}

/* ---- media ---------------------------------------------------------------------- */

static bool key_same(const struct m3u8_key *a, const struct m3u8_key *b)
{
	return a->method == b->method && a->has_iv == b->has_iv &&
	       (!a->has_iv || memcmp(a->iv, b->iv, 16) == 0) && a->uri.n == b->uri.n &&
	       (a->uri.n == 0 || memcmp(a->uri.p, b->uri.p, a->uri.n) == 0) &&
	       a->keyformat.n == b->keyformat.n &&
	       (a->keyformat.n == 0 || memcmp(a->keyformat.p, b->keyformat.p, a->keyformat.n) == 0);
}

/* Index of k in the table (added when new), or a negative error. */
static int key_intern(struct m3u8_scan *s, struct m3u8_media *m, const struct m3u8_key *k)
{
	for (int i = 0; i < m->n_keys; i++)
		if (key_same(&m->keys[i], k))
			return i;
	if (m->n_keys >= CONFIG_HLS_MAX_KEYS)
		return fail(s, -ERR_LIMIT, "more than %d keys (CONFIG_HLS_MAX_KEYS)",
			    CONFIG_HLS_MAX_KEYS);
	m->keys[m->n_keys] = *k;
	return m->n_keys++;
}

static int parse_map(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_str an, av;
	struct m3u8_map mp = {{NULL, 0}, 0, -1};
	bool q;
	size_t pos = 0;
	int rc;

	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "URI")) {
			mp.uri = av;
		} else if (m3u8_str_eq(an, "BYTERANGE")) {
			if (parse_byterange(av, &mp.len, &mp.off))
				return fail(s, -ERR_PARSE, "bad EXT-X-MAP BYTERANGE");
			if (mp.off < 0)
				mp.off = 0;
		}
	}
	if (rc < 0 || !mp.uri.n)
		return fail(s, -ERR_PARSE, "malformed EXT-X-MAP");
	for (int i = 0; i < m->n_maps; i++) {
		const struct m3u8_map *o = &m->maps[i];

		if (o->uri.n == mp.uri.n && memcmp(o->uri.p, mp.uri.p, mp.uri.n) == 0 &&
		    o->off == mp.off && o->len == mp.len)
			return i;
	}
	if (m->n_maps >= CONFIG_HLS_MAX_MAPS)
		return fail(s, -ERR_LIMIT, "more than %d init sections (CONFIG_HLS_MAX_MAPS)",
			    CONFIG_HLS_MAX_MAPS);
	m->maps[m->n_maps] = mp;
	return m->n_maps++;
}

static int parse_daterange(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_daterange d;
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;
	int64_t x;

	memset(&d, 0, sizeof(d));
	d.duration_ms = -1;
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "ID"))
			d.id = av;
		else if (m3u8_str_eq(an, "CLASS"))
			d.klass = av;
		else if (m3u8_str_eq(an, "START-DATE"))
			d.start_date = av;
		else if ((m3u8_str_eq(an, "DURATION") || m3u8_str_eq(an, "PLANNED-DURATION")) &&
			 !parse_milli(av, &x) && x >= 0)
			d.duration_ms = x;
		else if (m3u8_str_eq(an, "SCTE35-OUT"))
			d.scte35_out = true;
		else if (m3u8_str_eq(an, "SCTE35-IN"))
			d.scte35_in = true;
	}
	if (rc < 0 || !d.id.n)
		return fail(s, -ERR_PARSE, "malformed EXT-X-DATERANGE");
	if (m->n_dateranges >= CONFIG_HLS_MAX_DATERANGES)
		return fail(s, -ERR_LIMIT, "more than %d date ranges (CONFIG_HLS_MAX_DATERANGES)",
			    CONFIG_HLS_MAX_DATERANGES);
	m->dateranges[m->n_dateranges++] = d;
	return 0;
}

static int parse_start(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;

	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "TIME-OFFSET")) {
			if (parse_milli(av, &m->start_offset_ms))
				return fail(s, -ERR_PARSE, "bad EXT-X-START TIME-OFFSET");
			m->has_start = true;
		} else if (m3u8_str_eq(an, "PRECISE")) {
			m->start_precise = m3u8_str_eq(av, "YES");
		}
	}
	if (rc < 0 || !m->has_start)
		return fail(s, -ERR_PARSE, "malformed EXT-X-START");
	return 0;
}

int m3u8_parse_media(const uint8_t *p, size_t n, struct m3u8_media *m, char *err, size_t cap)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v, prev_uri = {NULL, 0};
	struct m3u8_segment cur;
	int first = 1, have_inf = 0, have_target = 0, key_group = 0, rc;
	int cur_key = -1, cur_map = -1;
	int64_t next_off = 0, x;
	uint64_t u;

	/* The segment table is large: clear only the header, segments are written in full. */
	memset(m, 0, offsetof(struct m3u8_media, seg));
	memset(&cur, 0, sizeof(cur));
	cur.key = cur.map = -1;
	scan_init(&s, p, n, err, cap);
	while ((rc = scan_line(&s, &l)) > 0) {
		if (first) {
			if (!tag_is(&l, "#EXTM3U", &v))
				return fail(&s, -ERR_PARSE, "not a playlist (no #EXTM3U)");
			first = 0;
			continue;
		}
		if (l.p[0] != '#') {
			if (!have_inf)
				return fail(&s, -ERR_PARSE, "segment URI without EXTINF");
			if (m->n_segments >= CONFIG_HLS_MAX_SEGMENTS)
				return fail(&s, -ERR_LIMIT,
					    "more than %d segments (CONFIG_HLS_MAX_SEGMENTS)",
					    CONFIG_HLS_MAX_SEGMENTS);
			cur.uri.p = l.p;
			cur.uri.n = (uint32_t)l.n;
			cur.key = (int16_t)cur_key;
			cur.map = (int16_t)cur_map;
			if (cur.flags & M3U8_SEG_BYTERANGE) {
				if (cur.off < 0) {
					/* No offset: continues the previous range of the same URI.
					 */
					if (!prev_uri.p || prev_uri.n != cur.uri.n ||
					    memcmp(prev_uri.p, cur.uri.p, cur.uri.n) != 0)
						return fail(&s, -ERR_PARSE,
							    "BYTERANGE without offset after "
							    "another URI");
					cur.off = next_off;
				}
				next_off = cur.off + cur.len;
			}
			prev_uri = cur.uri;
			m->seg[m->n_segments++] = cur;
			memset(&cur, 0, sizeof(cur));
			have_inf = 0;
			key_group = 0;
			continue;
		}
		if (tag_is(&l, "#EXTINF", &v)) {
			struct m3u8_str d = v;

			for (uint32_t i = 0; i < v.n; i++) {
				if (v.p[i] == ',') {
					d.n = i;
					break;
				}
			}
			if (parse_milli(d, &x) || x < 0 || x > 86400000)
				return fail(&s, -ERR_PARSE, "bad EXTINF duration");
			cur.duration_ms = (uint32_t)x;
			have_inf = 1;
		} else if (tag_is(&l, "#EXT-X-TARGETDURATION", &v)) {
			if (parse_u64(v, &u) || u > 86400)
				return fail(&s, -ERR_PARSE, "bad EXT-X-TARGETDURATION");
			m->target_duration_s = (uint32_t)u;
			have_target = 1;
		} else if (tag_is(&l, "#EXT-X-MEDIA-SEQUENCE", &v)) {
			if (parse_u64(v, &m->media_sequence) ||
			    m->media_sequence > (UINT64_MAX >> 2))
				return fail(&s, -ERR_PARSE, "bad EXT-X-MEDIA-SEQUENCE");
		} else if (tag_is(&l, "#EXT-X-DISCONTINUITY-SEQUENCE", &v)) {
			if (parse_u64(v, &m->disc_sequence))
				return fail(&s, -ERR_PARSE, "bad EXT-X-DISCONTINUITY-SEQUENCE");
		} else if (tag_is(&l, "#EXT-X-VERSION", &v)) {
			if (parse_u64(v, &u) || u > 100)
				return fail(&s, -ERR_PARSE, "bad EXT-X-VERSION");
			m->version = (int)u;
		} else if (tag_is(&l, "#EXT-X-BYTERANGE", &v)) {
			if (parse_byterange(v, &cur.len, &cur.off))
				return fail(&s, -ERR_PARSE, "bad EXT-X-BYTERANGE");
			cur.flags |= M3U8_SEG_BYTERANGE;
		} else if (tag_is(&l, "#EXT-X-KEY", &v)) {
			struct m3u8_key k;

			if ((rc = parse_key_attrs(&s, v, &k)) < 0)
				return rc;
			/*
			 * Several KEY tags in a row (before one segment) are alternatives for
			 * different key systems: keep a decryptable one when there is one.
			 */
			if (key_group && cur_key >= 0 && !m->keys[cur_key].drm && k.drm)
				continue;
			if (k.method == M3U8_KEY_NONE) {
				cur_key = -1;
			} else {
				if ((rc = key_intern(&s, m, &k)) < 0)
					return rc;
				cur_key = rc;
			}
			key_group = 1;
		} else if (tag_is(&l, "#EXT-X-MAP", &v)) {
			if ((rc = parse_map(&s, m, v)) < 0)
				return rc;
			cur_map = rc;
		} else if (tag_is(&l, "#EXT-X-DISCONTINUITY", &v)) {
			cur.flags |= M3U8_SEG_DISCONTINUITY;
		} else if (tag_is(&l, "#EXT-X-PROGRAM-DATE-TIME", &v)) {
			if (parse_datetime(v, &cur.pdt_ms))
				cur.pdt_ms = 0; /* informational only: a bad date is not fatal */
		} else if (tag_is(&l, "#EXT-X-ENDLIST", &v)) {
			m->endlist = true;
		} else if (tag_is(&l, "#EXT-X-PLAYLIST-TYPE", &v)) {
			if (m3u8_str_eq(v, "VOD"))
				m->playlist_type = M3U8_PT_VOD;
			else if (m3u8_str_eq(v, "EVENT"))
				m->playlist_type = M3U8_PT_EVENT;
			else
				return fail(&s, -ERR_PARSE, "bad EXT-X-PLAYLIST-TYPE");
		} else if (tag_is(&l, "#EXT-X-CUE-OUT", &v)) {
			cur.flags |= M3U8_SEG_CUE_OUT;
		} else if (tag_is(&l, "#EXT-X-CUE-IN", &v)) {
			cur.flags |= M3U8_SEG_CUE_IN;
		} else if (tag_is(&l, "#EXT-X-GAP", &v)) {
			cur.flags |= M3U8_SEG_GAP;
		} else if (tag_is(&l, "#EXT-X-DATERANGE", &v)) {
			if ((rc = parse_daterange(&s, m, v)) < 0)
				return rc;
		} else if (tag_is(&l, "#EXT-X-START", &v)) {
			if ((rc = parse_start(&s, m, v)) < 0)
				return rc;
		} else if (tag_is(&l, "#EXT-X-STREAM-INF", &v)) {
			return fail(&s, -ERR_PARSE, "variant in a media playlist");
		}
	}
	if (rc < 0)
		return rc;
	if (first)
		return fail(&s, -ERR_PARSE, "empty playlist");
	if (!have_target)
		return fail(&s, -ERR_PARSE, "media playlist without EXT-X-TARGETDURATION");
	for (int i = 0; i < m->n_keys; i++)
		if (m->keys[i].drm)
			m->has_drm = true;
	return 0;
}

int64_t m3u8_duration_ms(const struct m3u8_media *m)
{
	int64_t t = 0;

	for (int i = 0; i < m->n_segments; i++)
		t += m->seg[i].duration_ms;
	return t;
}
