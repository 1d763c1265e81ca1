/* URLs (RFC 3986): split into views, resolve references with dot-segment removal. */
#include <arpa/inet.h>
#include <string.h>

#include "core/base/err.h"
#include "net/url.h"

static bool url_byte_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' &&
	       c != '`' && c != '{' && c != '|' && c != '}';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int url_parse_authority(struct url_ref *u)
{
	const char *a = u->authority.p;
	size_t n = u->authority.n, i, hs = 0, he;

	for (i = n; i > 0; i--) {
		if (a[i - 1] == '@') {
			u->userinfo.p = a;
			u->userinfo.n = i - 1;
			hs = i;
			break;
		}
	}
	if (hs < n && a[hs] == '[') {
		char lit[64];
		const char *close = memchr(a + hs, ']', n - hs);
		size_t ln;

		if (!close)
			return -ERR_PARSE;
		ln = (size_t)(close - (a + hs)) - 1;
		if (ln == 0 || ln >= sizeof(lit))
			return -ERR_PARSE;
		memcpy(lit, a + hs + 1, ln);
		lit[ln] = 0;
		/* IPvFuture ("v1.x") is syntactically allowed but no client can use it */
		if (lit[0] != 'v' && lit[0] != 'V') {
			struct in6_addr a6;
			char *pct = strchr(lit, '%'); /* zone id ("%25eth0", RFC 6874) */

			if (pct)
				*pct = 0;
			if (inet_pton(AF_INET6, lit, &a6) != 1)
				return -ERR_PARSE;
		}
		he = (size_t)(close - a) + 1;
		if (he < n && a[he] != ':')
			return -ERR_PARSE;
	} else {
		for (he = hs; he < n && a[he] != ':'; he++) {
			if (a[he] == '[' || a[he] == ']')
				return -ERR_PARSE;
		}
	}
	u->host.p = a + hs;
	u->host.n = he - hs;
	u->port = -1;
	if (he < n) { /* ':' port */
		long v = 0;

		u->port_str.p = a + he + 1;
		u->port_str.n = n - he - 1;
		for (i = 0; i < u->port_str.n; i++) {
			if (!is_digit((unsigned char)u->port_str.p[i]))
				return -ERR_PARSE;
			v = v * 10 + (u->port_str.p[i] - '0');
			if (v > 65535)
				return -ERR_PARSE;
		}
		if (u->port_str.n)
			u->port = (int)v;
	}
	return 0;
}

int url_parse(const char *p, size_t n, struct url_ref *u)
{
	size_t i = 0, j;

	memset(u, 0, sizeof(*u));
	u->port = -1;
	for (j = 0; j < n; j++) {
		if (!url_byte_ok((unsigned char)p[j]) && p[j] != '%')
			return -ERR_PARSE;
	}
	/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (n && is_alpha((unsigned char)p[0])) {
		for (j = 1; j < n; j++) {
			unsigned char c = (unsigned char)p[j];

			if (c == ':') {
				u->scheme.p = p;
				u->scheme.n = j;
				i = j + 1;
				break;
			}
			if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
				break;
		}
	}
	if (n - i >= 2 && p[i] == '/' && p[i + 1] == '/') {
		i += 2;
		for (j = i; j < n && p[j] != '/' && p[j] != '?' && p[j] != '#'; j++)
			;
		u->authority.p = p + i;
		u->authority.n = j - i;
		i = j;
		if (url_parse_authority(u))
			return -ERR_PARSE;
	}
	for (j = i; j < n && p[j] != '?' && p[j] != '#'; j++)
		;
	u->path.p = p + i;
	u->path.n = j - i;
	i = j;
	if (i < n && p[i] == '?') {
		for (j = i + 1; j < n && p[j] != '#'; j++)
			;
		u->query.p = p + i + 1;
		u->query.n = j - i - 1;
		i = j;
	}
	if (i < n && p[i] == '#') {
		u->fragment.p = p + i + 1;
		u->fragment.n = n - i - 1;
	}
	return 0;
}

static bool view_eq_ci(struct url_view v, const char *s)
{
	size_t n = strlen(s);

	if (!v.p || v.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)s[i])
			return false;
	}
	return true;
}

int url_http_parse(const char *url, struct url_http *h)
{
	struct url_ref u;
	size_t n = strlen(url), hn;
	const char *hp;
	int rc;

	memset(h, 0, sizeof(*h));
	if (n >= URL_MAX)
		return -ERR_TOO_LARGE;
	rc = url_parse(url, n, &u);
	if (rc)
		return rc;
	if (view_eq_ci(u.scheme, "https"))
		h->tls = true;
	else if (!view_eq_ci(u.scheme, "http"))
		return u.scheme.p ? -ERR_UNSUPPORTED : -ERR_PARSE;
	if (!u.authority.p || !u.host.n)
		return -ERR_PARSE;
	hp = u.host.p;
	hn = u.host.n;
	if (hp[0] == '[') {
		const char *pct;

		hp++;
		hn -= 2;
		pct = memchr(hp, '%', hn);
		if (pct)
			hn = (size_t)(pct - hp); /* zone ids mean nothing off-link; drop */
		h->ipv6 = true;
	}
	if (hn >= sizeof(h->host))
		return -ERR_TOO_LARGE;
	for (size_t i = 0; i < hn; i++) {
		char c = hp[i];

		h->host[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	h->host[hn] = 0;
	h->port = u.port >= 0 ? u.port : (h->tls ? 443 : 80);
	if (h->port == 0)
		return -ERR_PARSE;
	h->hostport.p = u.host.p;
	h->hostport.n = (size_t)((u.authority.p + u.authority.n) - u.host.p);
	if (u.port_str.p && !u.port_str.n)
		h->hostport.n--; /* "host:" -> "host" */
	h->path = u.path;
	h->query = u.query;
	return 0;
}

size_t url_remove_dot_segments(const char *p, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t left = n - i;
		const char *s = p + i;

		if (left >= 3 && !memcmp(s, "../", 3)) {
			i += 3;
		} else if (left >= 2 && !memcmp(s, "./", 2)) {
			i += 2;
		} else if (left >= 3 && !memcmp(s, "/./", 3)) {
			i += 2;
		} else if (left == 2 && !memcmp(s, "/.", 2)) {
			out[o++] = '/';
			i += 2;
		} else if ((left >= 4 && !memcmp(s, "/../", 4)) ||
			   (left == 3 && !memcmp(s, "/..", 3))) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (left == 3) {
				out[o++] = '/';
				i += 3;
			} else {
				i += 3;
			}
		} else if ((left == 1 && s[0] == '.') || (left == 2 && !memcmp(s, "..", 2))) {
			i = n;
		} else {
			size_t j = (s[0] == '/') ? 1 : 0;

			while (j < left && s[j] != '/')
				j++;
			memmove(out + o, s, j);
			o += j;
			i += j;
		}
	}
	return o;
}

/* Appends to out[cap] at *o; false when it does not fit (room kept for the NUL). */
static bool put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (n >= cap - *o)
		return false;
	memmove(out + *o, s, n);
	*o += n;
	return true;
}

int url_serialize(const struct url_ref *u, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return -ERR_TOO_LARGE;
	if (u->scheme.p &&
	    (!put(out, cap, &o, u->scheme.p, u->scheme.n) || !put(out, cap, &o, ":", 1)))
		return -ERR_TOO_LARGE;
	if (u->authority.p &&
	    (!put(out, cap, &o, "//", 2) || !put(out, cap, &o, u->authority.p, u->authority.n)))
		return -ERR_TOO_LARGE;
	if (!put(out, cap, &o, u->path.p, u->path.n))
		return -ERR_TOO_LARGE;
	if (u->query.p &&
	    (!put(out, cap, &o, "?", 1) || !put(out, cap, &o, u->query.p, u->query.n)))
		return -ERR_TOO_LARGE;
	if (u->fragment.p &&
	    (!put(out, cap, &o, "#", 1) || !put(out, cap, &o, u->fragment.p, u->fragment.n)))
		return -ERR_TOO_LARGE;
	out[o] = 0;
	return (int)o;
}

static const char hexd[] = "0123456789ABCDEF";

/* Bytes url_encode() keeps as they are: RFC 3986 unreserved. */
static bool url_unreserved(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Bytes a URI may already hold: valid URI bytes and existing escapes. */
static bool url_keep_valid(unsigned char c)
{
	return url_byte_ok(c) || c == '%';
}

/* Copies p[0..n) into out[cap], percent-encoding every byte keep() refuses. */
static int pct_encode(const char *p, size_t n, char *out, size_t cap, bool (*keep)(unsigned char))
{
	size_t o = 0;

	if (cap == 0)
		return -ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (keep(c)) {
			if (o + 1 >= cap)
				return -ERR_TOO_LARGE;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return -ERR_TOO_LARGE;
			out[o++] = '%';
			out[o++] = hexd[c >> 4];
			out[o++] = hexd[c & 15];
		}
	}
	out[o] = 0;
	return (int)o;
}

int url_resolve(const char *base, const char *ref, char *out, size_t cap)
{
	char rbuf[URL_MAX];
	struct url_ref b, r, t;
	size_t o = 0, ps;
	int rc;

	if (cap < 2)
		return -ERR_TOO_LARGE;
	if (strlen(base) >= URL_MAX)
		return -ERR_TOO_LARGE;
	rc = pct_encode(ref, strlen(ref), rbuf, sizeof(rbuf), url_keep_valid);
	if (rc < 0)
		return rc;
	if (url_parse(base, strlen(base), &b) || !b.scheme.p)
		return -ERR_PARSE;
	if (url_parse(rbuf, (size_t)rc, &r))
		return -ERR_PARSE;
	memset(&t, 0, sizeof(t));
	if (r.scheme.p) {
		t = r;
	} else {
		t.scheme = b.scheme;
		if (r.authority.p) {
			t.authority = r.authority;
			t.path = r.path;
			t.query = r.query;
		} else {
			t.authority = b.authority;
			if (r.path.n == 0) {
				t.path = b.path;
				t.query = r.query.p ? r.query : b.query;
			} else {
				t.path = r.path;
				t.query = r.query;
			}
		}
	}
	t.fragment = r.fragment;
	/* Write scheme and authority, then the (merged) path, then remove dots in place. */
	if (!put(out, cap, &o, t.scheme.p, t.scheme.n) || !put(out, cap, &o, ":", 1))
		return -ERR_TOO_LARGE;
	if (t.authority.p &&
	    (!put(out, cap, &o, "//", 2) || !put(out, cap, &o, t.authority.p, t.authority.n)))
		return -ERR_TOO_LARGE;
	ps = o;
	if (!r.scheme.p && !r.authority.p && r.path.n && r.path.p[0] != '/') {
		/* merge (§5.2.3) */
		if (b.authority.p && b.path.n == 0) {
			if (!put(out, cap, &o, "/", 1))
				return -ERR_TOO_LARGE;
		} else {
			size_t k = b.path.n;

			while (k > 0 && b.path.p[k - 1] != '/')
				k--;
			if (!put(out, cap, &o, b.path.p, k))
				return -ERR_TOO_LARGE;
		}
		if (!put(out, cap, &o, r.path.p, r.path.n))
			return -ERR_TOO_LARGE;
		o = ps + url_remove_dot_segments(out + ps, o - ps, out + ps);
	} else if (t.path.p == b.path.p) {
		if (!put(out, cap, &o, t.path.p, t.path.n))
			return -ERR_TOO_LARGE;
	} else {
		if (!put(out, cap, &o, t.path.p, t.path.n))
			return -ERR_TOO_LARGE;
		o = ps + url_remove_dot_segments(out + ps, o - ps, out + ps);
	}
	if (t.query.p && (!put(out, cap, &o, "?", 1) || !put(out, cap, &o, t.query.p, t.query.n)))
		return -ERR_TOO_LARGE;
	if (t.fragment.p &&
	    (!put(out, cap, &o, "#", 1) || !put(out, cap, &o, t.fragment.p, t.fragment.n)))
		return -ERR_TOO_LARGE;
	out[o] = 0;
	return (int)o;
}

int url_encode(const char *p, size_t n, char *out, size_t cap)
{
	return pct_encode(p, n, out, cap, url_unreserved);
}

int url_decode(const char *p, size_t n, char *out, size_t cap, bool plus_space)
{
	size_t o = 0;

	if (cap == 0)
		return -ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return -ERR_PARSE;
			hi = hex_digit((unsigned char)p[i + 1]);
			lo = hex_digit((unsigned char)p[i + 2]);
			if (hi < 0 || lo < 0)
				return -ERR_PARSE;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -ERR_TOO_LARGE;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return (int)o;
}

int url_query_add(char *buf, size_t cap, const char *name, const char *value)
{
	size_t len = strnlen(buf, cap);
	size_t o = len;
	int rc;

	if (len >= cap)
		return -ERR_TOO_LARGE;
	if (o + 1 >= cap)
		return -ERR_TOO_LARGE;
	buf[o++] = strchr(buf, '?') ? '&' : '?';
	rc = url_encode(name, strlen(name), buf + o, cap - o);
	if (rc < 0)
		goto undo;
	o += (size_t)rc;
	if (o + 1 >= cap) {
		rc = -ERR_TOO_LARGE;
		goto undo;
	}
	buf[o++] = '=';
	rc = url_encode(value, strlen(value), buf + o, cap - o);
	if (rc < 0)
		goto undo;
	o += (size_t)rc;
	return (int)o;
undo:
	buf[len] = 0;
	return rc;
}
