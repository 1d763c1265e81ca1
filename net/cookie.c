/* Cookie jar (RFC 6265): parse Set-Cookie, store with fixed caps, select for requests. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "net/cookie.h"
#include "net/http_parse.h"

static bool ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around p[*s..*e). */
static void trim(const uint8_t *p, size_t *s, size_t *e)
{
	while (*s < *e && ws(p[*s]))
		(*s)++;
	while (*e > *s && ws(p[*e - 1]))
		(*e)--;
}

int cookie_parse(const uint8_t *p, size_t n, struct cookie_view *cv)
{
	size_t i = 0, s, e, eq;

	memset(cv, 0, sizeof(*cv));
	for (size_t k = 0; k < n; k++) {
		if ((p[k] < 0x20 && p[k] != '\t') || p[k] == 0x7f)
			return -ERR_PARSE;
	}
	/* name=value up to the first ';' */
	while (i < n && p[i] != ';')
		i++;
	s = 0;
	e = i;
	eq = s;
	while (eq < e && p[eq] != '=')
		eq++;
	if (eq == e)
		return -ERR_PARSE;
	{
		size_t ns = s, ne = eq, vs = eq + 1, ve = e;

		trim(p, &ns, &ne);
		trim(p, &vs, &ve);
		if (ne == ns)
			return -ERR_PARSE;
		for (size_t k = ns; k < ne; k++) {
			if (ws(p[k]) || p[k] == ',' || p[k] == '"')
				return -ERR_PARSE;
		}
		cv->name = p + ns;
		cv->name_len = ne - ns;
		cv->value = p + vs;
		cv->value_len = ve - vs;
	}
	/* attributes: ; name[=value] */
	while (i < n) {
		size_t as, ae, vs, ve;

		i++; /* ';' */
		as = i;
		while (i < n && p[i] != ';')
			i++;
		ae = i;
		eq = as;
		while (eq < ae && p[eq] != '=')
			eq++;
		vs = eq < ae ? eq + 1 : ae;
		ve = ae;
		ae = eq;
		trim(p, &as, &ae);
		trim(p, &vs, &ve);
		if (http_token_eq(p + as, ae - as, "domain")) {
			if (ve > vs && p[vs] == '.')
				vs++; /* a leading dot is ignored (§5.2.3) */
			cv->domain = p + vs;
			cv->domain_len = ve - vs;
		} else if (http_token_eq(p + as, ae - as, "path")) {
			if (ve > vs && p[vs] == '/') {
				cv->path = p + vs;
				cv->path_len = ve - vs;
			} else {
				cv->path = NULL; /* not absolute: use the default path */
				cv->path_len = 0;
			}
		} else if (http_token_eq(p + as, ae - as, "max-age")) {
			size_t k = vs;
			bool neg = false;
			int64_t v = 0;

			if (k < ve && p[k] == '-') {
				neg = true;
				k++;
			}
			if (k == ve)
				continue;
			for (; k < ve; k++) {
				if (p[k] < '0' || p[k] > '9')
					break;
				if (v < INT64_MAX / 20)
					v = v * 10 + (p[k] - '0');
			}
			if (k != ve)
				continue; /* not a number: ignored */
			cv->max_age = neg ? -v : v;
			cv->have_max_age = true;
		} else if (http_token_eq(p + as, ae - as, "expires")) {
			time_t t;

			if (http_parse_date(p + vs, ve - vs, &t) == 0) {
				cv->expires = t;
				cv->have_expires = true;
			}
		} else if (http_token_eq(p + as, ae - as, "secure")) {
			cv->secure = true;
		} else if (http_token_eq(p + as, ae - as, "httponly")) {
			cv->http_only = true;
		}
	}
	return 0;
}

void cookie_jar_init(struct cookie_jar *j)
{
	memset(j, 0, sizeof(*j));
}

static void cookie_free(struct cookie_jar *j, unsigned idx)
{
	j->bytes -= j->c[idx].size;
	free(j->c[idx].name);
	j->c[idx] = j->c[--j->n];
	memset(&j->c[j->n], 0, sizeof(j->c[j->n]));
}

void cookie_jar_clear(struct cookie_jar *j)
{
	while (j->n)
		cookie_free(j, j->n - 1);
	j->bytes = 0;
}

static bool is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

bool cookie_domain_match(const char *host, const char *domain)
{
	size_t hl = strlen(host), dl = strlen(domain);

	if (hl == dl)
		return strcmp(host, domain) == 0;
	if (dl == 0 || hl < dl + 1 || is_ip(host))
		return false;
	return host[hl - dl - 1] == '.' && strcmp(host + hl - dl, domain) == 0;
}

/* RFC 6265 §5.1.4: does request path rp match cookie path cp? */
static bool path_match(const char *rp, const char *cp)
{
	size_t cl = strlen(cp);

	if (strncmp(rp, cp, cl) != 0)
		return false;
	return rp[cl] == 0 || cp[cl - 1] == '/' || rp[cl] == '/';
}

static void expire(struct cookie_jar *j, time_t now)
{
	for (unsigned i = 0; i < j->n;) {
		if (j->c[i].expires && j->c[i].expires <= now)
			cookie_free(j, i);
		else
			i++;
	}
}

int cookie_jar_set(struct cookie_jar *j, const char *host, const char *path, bool secure_origin,
		   const uint8_t *p, size_t n, time_t now)
{
	struct cookie_view cv;
	char dom[256];
	size_t dl, pl, size;
	const char *pp;
	bool host_only;
	time_t exp = 0;
	char *blk;
	unsigned i;

	if (cookie_parse(p, n, &cv))
		return -ERR_PARSE;
	if (cv.secure && !secure_origin)
		return -EACCES; /* RFC 6265bis: only secure origins set Secure cookies */
	if (cv.domain_len) {
		if (cv.domain_len >= sizeof(dom))
			return -EACCES;
		for (dl = 0; dl < cv.domain_len; dl++) {
			uint8_t c = cv.domain[dl];

			dom[dl] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
		}
		dom[dl] = 0;
		if (!cookie_domain_match(host, dom))
			return -EACCES;
		/* no public-suffix list here: at least refuse single-label domains ("com") */
		if (!strchr(dom, '.') && strcmp(dom, host) != 0)
			return -EACCES;
		host_only = strcmp(dom, host) == 0 && is_ip(host);
	} else {
		dl = strlen(host);
		if (dl >= sizeof(dom))
			return -EACCES;
		memcpy(dom, host, dl + 1);
		host_only = true;
	}
	/* default path (§5.1.4): the request path up to its last '/' */
	if (cv.path_len) {
		pp = (const char *)cv.path;
		pl = cv.path_len;
	} else {
		const char *slash = strrchr(path, '/');

		pp = path;
		pl = (path[0] != '/' || !slash || slash == path) ? 0 : (size_t)(slash - path);
		if (pl == 0)
			pp = "/", pl = 1;
	}
	if (cv.have_max_age)
		exp = cv.max_age <= 0 ? 1
				      : (cv.max_age > (int64_t)INT32_MAX ? 0 : now + cv.max_age);
	else if (cv.have_expires)
		exp = cv.expires <= now ? 1 : cv.expires;
	if (exp == 1 && now > 1)
		exp = now - 1;
	/* replace or delete an existing cookie with the same name, domain and path */
	for (i = 0; i < j->n; i++) {
		struct cookie *c = &j->c[i];

		if (strlen(c->name) == cv.name_len && !memcmp(c->name, cv.name, cv.name_len) &&
		    !strcmp(c->domain, dom) && strlen(c->path) == pl && !memcmp(c->path, pp, pl)) {
			cookie_free(j, i);
			break;
		}
	}
	if (exp && exp <= now)
		return 0;
	size = cv.name_len + cv.value_len + dl + pl + 4;
	if (size > CONFIG_HTTP_COOKIE_MAX || size > CONFIG_HTTP_COOKIE_JAR_BYTES)
		return -ERR_TOO_LARGE;
	expire(j, now);
	while (j->n &&
	       (j->n >= ARRAY_SIZE(j->c) || j->bytes + size > CONFIG_HTTP_COOKIE_JAR_BYTES)) {
		unsigned old = 0;

		for (i = 1; i < j->n; i++) {
			if (j->c[i].seq < j->c[old].seq)
				old = i;
		}
		cookie_free(j, old);
	}
	blk = malloc(size);
	if (!blk)
		return -ENOMEM;
	struct cookie *c = &j->c[j->n++];

	c->name = blk;
	memcpy(c->name, cv.name, cv.name_len);
	c->name[cv.name_len] = 0;
	c->value = c->name + cv.name_len + 1;
	memcpy(c->value, cv.value, cv.value_len);
	c->value[cv.value_len] = 0;
	c->domain = c->value + cv.value_len + 1;
	memcpy(c->domain, dom, dl + 1);
	c->path = c->domain + dl + 1;
	memcpy(c->path, pp, pl);
	c->path[pl] = 0;
	c->size = size;
	c->expires = exp;
	c->seq = ++j->seq;
	c->host_only = host_only || !cv.domain_len;
	c->secure = cv.secure;
	c->http_only = cv.http_only;
	j->bytes += size;
	return 0;
}

size_t cookie_jar_header(struct cookie_jar *j, const char *host, const char *path, bool secure,
			 time_t now, char *out, size_t cap)
{
	unsigned char picked[CONFIG_HTTP_COOKIES] = {0};
	size_t o = 0;

	if (cap)
		out[0] = 0;
	expire(j, now);
	for (;;) {
		int best = -1;

		for (unsigned i = 0; i < j->n; i++) {
			struct cookie *c = &j->c[i];

			if (picked[i] || (c->secure && !secure))
				continue;
			if (c->host_only ? strcmp(c->domain, host) != 0
					 : !cookie_domain_match(host, c->domain))
				continue;
			if (!path_match(path, c->path))
				continue;
			if (best < 0 || strlen(c->path) > strlen(j->c[best].path) ||
			    (strlen(c->path) == strlen(j->c[best].path) && c->seq < j->c[best].seq))
				best = (int)i;
		}
		if (best < 0)
			break;
		picked[best] = 1;
		struct cookie *c = &j->c[best];
		size_t nl = strlen(c->name), vl = strlen(c->value);
		size_t need = (o ? 2 : 0) + nl + 1 + vl;

		if (o + need >= cap)
			continue;
		if (o) {
			out[o++] = ';';
			out[o++] = ' ';
		}
		memcpy(out + o, c->name, nl);
		o += nl;
		out[o++] = '=';
		memcpy(out + o, c->value, vl);
		o += vl;
		out[o] = 0;
	}
	return o;
}
