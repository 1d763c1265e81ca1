/* HTTP/1.1 response parsing as pure functions on (p, n): heads and dates (the chunked decoder
 * declared here lives in http_chunked.c). */
#include <string.h>

#include "core/base/err.h"
#include "net/http_parse.h"

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool http_token_eq(const uint8_t *a, size_t n, const char *b)
{
	size_t bn = strlen(b);

	if (n != bn)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower(a[i]) != lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Finds the end of the line starting at i: returns the index of its LF, or n. */
static size_t line_end(const uint8_t *p, size_t n, size_t i)
{
	const uint8_t *lf = memchr(p + i, '\n', n - i);

	return lf ? (size_t)(lf - p) : n;
}

/* Parses a non-negative decimal of at most 18 digits; -1 on anything else. */
static int64_t parse_dec(const uint8_t *p, size_t n)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Does comma-separated list value contain token tok (case-insensitive)? */
static bool list_has(const uint8_t *v, size_t n, const char *tok, bool *last_is)
{
	bool found = false;
	size_t i = 0;

	if (last_is)
		*last_is = false;
	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s) {
			/* a transfer coding may carry parameters: "chunked;x=y" is not chunked */
			bool eq = http_token_eq(v + s, e - s, tok);

			found |= eq;
			if (last_is)
				*last_is = eq;
		}
	}
	return found;
}

static void parse_content_range(const uint8_t *v, size_t n, struct http_head *h)
{
	/* "bytes 0-99/1000", "bytes (star)/1000" or "bytes 0-99/(star)" */
	size_t i = 0, s;

	if (n < 6 || !http_token_eq(v, 5, "bytes") || (v[5] != ' ' && v[5] != '='))
		return;
	i = 6;
	while (i < n && v[i] == ' ')
		i++;
	s = i;
	if (i < n && v[i] == '*') {
		i++;
	} else {
		while (i < n && v[i] != '-')
			i++;
		if (i >= n)
			return;
		h->range_start = parse_dec(v + s, i - s);
		s = ++i;
		while (i < n && v[i] != '/')
			i++;
		h->range_end = parse_dec(v + s, i - s);
		if (h->range_start < 0 || h->range_end < h->range_start) {
			h->range_start = h->range_end = -1;
			return;
		}
	}
	if (i >= n || v[i] != '/')
		return;
	i++;
	if (n - i == 1 && v[i] == '*')
		return;
	h->range_total = parse_dec(v + i, n - i);
}

static struct http_span span(const uint8_t *base, const uint8_t *p, size_t n)
{
	struct http_span s = {(uint32_t)(p - base), (uint32_t)n};

	return s;
}

/* Splits the header line p[s..e) (no CR/LF) into name and trimmed value; -1 if malformed. */
static int split_header(const uint8_t *p, size_t s, size_t e, struct http_hdr *hd)
{
	size_t c = s;

	while (c < e && is_tchar(p[c]))
		c++;
	if (c == s || c >= e || p[c] != ':')
		return -1;
	hd->name = p + s;
	hd->name_len = c - s;
	c++;
	while (c < e && (p[c] == ' ' || p[c] == '\t'))
		c++;
	while (e > c && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	for (size_t i = c; i < e; i++) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return -1;
	}
	hd->value = p + c;
	hd->value_len = e - c;
	return 0;
}

int http_parse_head(const uint8_t *p, size_t n, struct http_head *h)
{
	size_t i, e, le;
	bool keep_alive = false, have_cl = false;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	h->range_start = h->range_end = h->range_total = -1;
	/* status line: HTTP/1.x SP 3DIGIT [SP reason] */
	le = line_end(p, n, 0);
	if (le == n) {
		/* reject early what can never become a status line (no need to wait for more) */
		static const char pfx[] = "HTTP/1.";
		size_t k = MIN(n, sizeof(pfx) - 1);

		if (memcmp(p, pfx, k) != 0)
			return -ERR_PROTOCOL;
		return 0;
	}
	e = (le > 0 && p[le - 1] == '\r') ? le - 1 : le;
	if (e < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return -ERR_PROTOCOL;
	h->minor = p[7] - '0';
	if (p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
		return -ERR_PROTOCOL;
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (e > 12 && p[12] != ' ')
		return -ERR_PROTOCOL;
	for (i = 12; i < e; i++) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return -ERR_PROTOCOL;
	}
	if (e > 13)
		h->reason = span(p, p + 13, e - 13);
	i = le + 1;
	for (;;) {
		struct http_hdr hd;

		if (i >= n)
			return 0;
		le = line_end(p, n, i);
		if (le == n)
			return 0;
		e = (le > i && p[le - 1] == '\r') ? le - 1 : le;
		if (e == i)
			break; /* blank line: end of head */
		if (p[i] == ' ' || p[i] == '\t') {
			/* obs-fold continuation (RFC 9112 §5.2): its value only extends the
			 * previous field, which none of the fields we interpret may use */
			i = le + 1;
			continue;
		}
		if (split_header(p, i, e, &hd))
			return -ERR_PROTOCOL;
		h->n_headers++;
		if (http_token_eq(hd.name, hd.name_len, "content-length")) {
			int64_t v = parse_dec(hd.value, hd.value_len);

			if (v < 0 || (have_cl && v != h->content_length))
				return -ERR_PROTOCOL;
			h->content_length = v;
			have_cl = true;
		} else if (http_token_eq(hd.name, hd.name_len, "transfer-encoding")) {
			bool last;

			if (hd.value_len == 0)
				return -ERR_PROTOCOL;
			list_has(hd.value, hd.value_len, "chunked", &last);
			if (last)
				h->chunked = true;
			else
				h->te_other = true;
		} else if (http_token_eq(hd.name, hd.name_len, "connection")) {
			if (list_has(hd.value, hd.value_len, "close", NULL))
				h->conn_close = true;
			if (list_has(hd.value, hd.value_len, "keep-alive", NULL))
				keep_alive = true;
		} else if (http_token_eq(hd.name, hd.name_len, "content-encoding")) {
			if (hd.value_len == 0 || http_token_eq(hd.value, hd.value_len, "identity"))
				h->encoding = HTTP_ENC_IDENTITY;
			else if (http_token_eq(hd.value, hd.value_len, "gzip") ||
				 http_token_eq(hd.value, hd.value_len, "x-gzip"))
				h->encoding = HTTP_ENC_GZIP;
			else if (http_token_eq(hd.value, hd.value_len, "deflate"))
				h->encoding = HTTP_ENC_DEFLATE;
			else
				h->encoding = HTTP_ENC_OTHER;
		} else if (http_token_eq(hd.name, hd.name_len, "location")) {
			h->location = span(p, hd.value, hd.value_len);
		} else if (http_token_eq(hd.name, hd.name_len, "content-type")) {
			h->content_type = span(p, hd.value, hd.value_len);
		} else if (http_token_eq(hd.name, hd.name_len, "retry-after")) {
			h->retry_after = span(p, hd.value, hd.value_len);
		} else if (http_token_eq(hd.name, hd.name_len, "content-range")) {
			parse_content_range(hd.value, hd.value_len, h);
		}
		i = le + 1;
	}
	h->head_len = le + 1;
	if (h->chunked || h->te_other) {
		/* RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; such a message
		 * may be an attempt at smuggling, so the connection is not reused */
		if (have_cl)
			h->conn_close = true;
		h->content_length = -1;
	}
	if (h->te_other)
		h->conn_close = true; /* body delimited by close */
	if (h->minor == 0 && !keep_alive)
		h->conn_close = true;
	if (h->head_len > INT32_MAX)
		return -ERR_PROTOCOL;
	return (int)h->head_len;
}

int http_header_next(const uint8_t *p, size_t n, size_t *pos, struct http_hdr *hd)
{
	size_t i = *pos;

	if (i == 0)
		i = line_end(p, n, 0) + 1; /* skip the status line */
	while (i < n) {
		size_t le = line_end(p, n, i);
		size_t e = (le > i && p[le - 1] == '\r') ? le - 1 : le;

		if (e == i || le == n) {
			*pos = n;
			return 0;
		}
		*pos = le + 1;
		if (p[i] == ' ' || p[i] == '\t' || split_header(p, i, e, hd)) {
			i = le + 1;
			continue;
		}
		return 1;
	}
	*pos = n;
	return 0;
}

/* ---------------------------------------------------------------- dates */

static bool date_delim(unsigned char c)
{
	return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
	       (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

static size_t digits(const uint8_t *p, size_t n, size_t max, int *v)
{
	size_t i = 0;

	*v = 0;
	while (i < n && i <= max && p[i] >= '0' && p[i] <= '9')
		*v = *v * 10 + (p[i++] - '0');
	return i;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int http_parse_date(const uint8_t *p, size_t n, time_t *t)
{
	static const unsigned char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	bool have_time = false, have_day = false, have_month = false, have_year = false;
	int hh = 0, mi = 0, ss = 0, day = 0, mon = 0, year = 0;
	size_t i = 0;

	while (i < n) {
		size_t s, tl;

		while (i < n && date_delim(p[i]))
			i++;
		s = i;
		while (i < n && !date_delim(p[i]))
			i++;
		tl = i - s;
		if (tl == 0)
			break;
		const uint8_t *tok = p + s;
		int a, b, c;
		size_t k, k2, k3;

		if (!have_time) {
			k = digits(tok, tl, 1, &a);
			if (k >= 1 && k <= 2 && k < tl && tok[k] == ':') {
				k2 = digits(tok + k + 1, tl - k - 1, 1, &b);
				if (k2 >= 1 && k2 <= 2 && k + 1 + k2 < tl &&
				    tok[k + 1 + k2] == ':') {
					size_t o = k + 2 + k2;

					k3 = digits(tok + o, tl - o, 1, &c);
					if (k3 >= 1 && k3 <= 2 &&
					    (o + k3 == tl || tok[o + k3] < '0' ||
					     tok[o + k3] > '9')) {
						hh = a;
						mi = b;
						ss = c;
						have_time = true;
						continue;
					}
				}
			}
		}
		if (!have_day) {
			k = digits(tok, tl, 2, &a);
			if (k >= 1 && k <= 2 && (k == tl || tok[k] < '0' || tok[k] > '9')) {
				day = a;
				have_day = true;
				continue;
			}
		}
		if (!have_month && tl >= 3) {
			for (int m = 0; m < 12; m++) {
				if (lower(tok[0]) == months[m * 3] &&
				    lower(tok[1]) == months[m * 3 + 1] &&
				    lower(tok[2]) == months[m * 3 + 2]) {
					mon = m + 1;
					have_month = true;
					break;
				}
			}
			if (have_month)
				continue;
		}
		if (!have_year) {
			k = digits(tok, tl, 4, &a);
			if (k >= 2 && k <= 4 && (k == tl || tok[k] < '0' || tok[k] > '9')) {
				year = a;
				have_year = true;
				continue;
			}
		}
	}
	if (!have_time || !have_day || !have_month || !have_year)
		return -ERR_PARSE;
	if (year >= 70 && year <= 99)
		year += 1900;
	else if (year >= 0 && year <= 69)
		year += 2000;
	if (day < 1 || day > 31 || year < 1601 || hh > 23 || mi > 59 || ss > 59)
		return -ERR_PARSE;
	int64_t v = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 + ss;

	if (sizeof(time_t) < 8 && (v > INT32_MAX || v < INT32_MIN))
		v = v > 0 ? INT32_MAX : INT32_MIN;
	*t = (time_t)v;
	return 0;
}

int http_parse_retry_after(const uint8_t *p, size_t n, time_t now)
{
	int64_t v = parse_dec(p, n);
	time_t t;

	if (v >= 0)
		return v > INT32_MAX ? INT32_MAX : (int)v;
	if (http_parse_date(p, n, &t) == 0) {
		if (t <= now)
			return 0;
		return (int64_t)(t - now) > INT32_MAX ? INT32_MAX : (int)(t - now);
	}
	return -1;
}
