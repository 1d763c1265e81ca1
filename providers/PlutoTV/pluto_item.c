/* Pluto TV channel object -> media item with EPG now/next (see pluto_item.h). */
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "net/http.h"
#include "providers/PlutoTV/pluto_item.h"
#include "providers/jscan.h"
#include "providers/putil.h"

#define TITLE_MAX (CONFIG_PROVIDER_NAME_MAX + 1) /* programme titles in descriptions */

struct epg {
	time_t start, stop;
	char title[TITLE_MAX];
};

struct chan {
	char id[64], slug[CONFIG_PROVIDER_NAME_MAX + 1], url[HTTP_URL_MAX], logo[HTTP_URL_MAX];
	char summary[CONFIG_PROVIDER_DESC_MAX];
	long long number;
	int has_number, stitched, stitched_seen, logo_rank;
	struct epg now, next;
	int has_now, has_next;
};

static int key_is(const uint8_t *k, size_t kn, const char *s)
{
	return kn == strlen(s) && memcmp(k, s, kn) == 0;
}

/* Parses one member value into the token array; 0 or -ERR_PARSE/-ERR_LIMIT. */
static int parse(struct jr *r, const uint8_t *v, size_t vn, jsmntok_t *toks, int ntoks)
{
	return prov_jr_value(r, v, vn, toks, ntoks);
}

/* "logo": {"path": ...}; the first of colorLogoPNG, logo, solidLogoPNG, thumbnail wins. */
static void take_logo(struct chan *c, struct jr *r, int rank)
{
	int p = jr_get(r, 0, "path");
	char tmp[HTTP_URL_MAX];

	if (rank >= c->logo_rank && c->logo_rank)
		return;
	if (p < 0 || prov_jr_str(r, p, tmp, sizeof(tmp)) <= 0)
		return;
	if (prov_url_ascii(tmp, strlen(tmp), c->logo, sizeof(c->logo)) > 0)
		c->logo_rank = rank;
}

static void take_timeline(struct chan *c, struct jr *r, time_t now)
{
	int s = jr_get(r, 0, "start"), e = jr_get(r, 0, "stop"), t = jr_get(r, 0, "title");
	struct epg x;
	const char *raw;
	size_t rn;

	if (s < 0 || e < 0 || t < 0 || !jr_is_str(r, s) || !jr_is_str(r, e))
		return;
	raw = jr_raw(r, s, &rn);
	if (prov_parse_iso8601(raw, rn, &x.start))
		return;
	raw = jr_raw(r, e, &rn);
	if (prov_parse_iso8601(raw, rn, &x.stop) || x.stop <= x.start)
		return;
	if (prov_jr_str(r, t, x.title, sizeof(x.title)) < 0)
		return;
	if (x.start <= now && now < x.stop) {
		c->now = x;
		c->has_now = 1;
	} else if (x.start > now && (!c->has_next || x.start < c->next.start)) {
		c->next = x;
		c->has_next = 1;
	}
}

static void take_stitched(struct chan *c, struct jr *r)
{
	int urls = jr_get(r, 0, "urls");
	char tmp[HTTP_URL_MAX];

	c->stitched_seen = 1;
	for (int k = 0; urls >= 0 && jr_at(r, urls, k) >= 0; k++) {
		int u = jr_at(r, urls, k);
		int ty = jr_get(r, u, "type"), ur = jr_get(r, u, "url");

		if (ty >= 0 && !jr_streq(r, ty, "hls"))
			continue;
		if (ur >= 0 && prov_jr_str(r, ur, tmp, sizeof(tmp)) > 0 &&
		    prov_url_ascii(tmp, strlen(tmp), c->url, sizeof(c->url)) > 0)
			return;
	}
	c->url[0] = 0;
}

static void member(struct chan *c, struct pluto_meta *m, const uint8_t *k, size_t kn,
		   const uint8_t *v, size_t vn, time_t now, jsmntok_t *toks, int ntoks)
{
	struct jr r;

	if (key_is(k, kn, "timelines")) {
		const uint8_t *ev;
		size_t en, off = 0;

		/* 48 h of EPG: one entry at a time, never the whole array */
		while (jspan_element(v, vn, &off, &ev, &en) == 1)
			if (!parse(&r, ev, en, toks, ntoks) && jr_is_obj(&r, 0))
				take_timeline(c, &r, now);
		return;
	}
	if (parse(&r, v, vn, toks, ntoks))
		return;
	if (key_is(k, kn, "_id") || (key_is(k, kn, "id") && !c->id[0]))
		prov_jr_str(&r, 0, c->id, sizeof(c->id));
	else if (key_is(k, kn, "name"))
		prov_jr_str(&r, 0, m->name, sizeof(m->name));
	else if (key_is(k, kn, "slug"))
		prov_jr_str(&r, 0, c->slug, sizeof(c->slug));
	else if (key_is(k, kn, "category"))
		prov_jr_str(&r, 0, m->category, sizeof(m->category));
	else if (key_is(k, kn, "summary"))
		prov_jr_str(&r, 0, c->summary, sizeof(c->summary));
	else if (key_is(k, kn, "number"))
		c->has_number = prov_jr_int(&r, 0, &c->number) == 0;
	else if (key_is(k, kn, "isStitched"))
		jr_bool(&r, 0, &c->stitched);
	else if (key_is(k, kn, "stitched") && jr_is_obj(&r, 0))
		take_stitched(c, &r);
	else if (key_is(k, kn, "colorLogoPNG") && jr_is_obj(&r, 0))
		take_logo(c, &r, 1);
	else if (key_is(k, kn, "logo") && jr_is_obj(&r, 0))
		take_logo(c, &r, 2);
	else if (key_is(k, kn, "solidLogoPNG") && jr_is_obj(&r, 0))
		take_logo(c, &r, 3);
	else if (key_is(k, kn, "thumbnail") && jr_is_obj(&r, 0))
		take_logo(c, &r, 4);
}

static void epg_line(char *out, size_t cap, const char *what, const struct epg *e)
{
	char head[32], a[6], b[6];

	prov_fmt_hhmm(e->start, a);
	prov_fmt_hhmm(e->stop, b);
	snprintf(head, sizeof(head), "%s%s %s-%s: ", out[0] ? "\n" : "", what, a, b);
	prov_append(out, cap, head);
	prov_append(out, cap, e->title);
}

int pluto_item_build(const uint8_t *p, size_t n, time_t now, jsmntok_t *toks, int ntoks,
		     struct jw *out, struct pluto_meta *meta)
{
	static const struct chan zero;
	struct chan c = zero;
	char desc[CONFIG_PROVIDER_DESC_MAX];
	const uint8_t *k, *v;
	size_t kn, vn, off = 0;
	int rc;

	memset(meta, 0, sizeof(*meta));
	while ((rc = jspan_member(p, n, &off, &k, &kn, &v, &vn)) == 1)
		member(&c, meta, k, kn, v, vn, now, toks, ntoks);
	if (rc < 0 || !c.id[0] || !meta->name[0])
		return 0;
	/* isStitched may be missing in trimmed answers; a stream URL is what counts */
	if ((c.stitched_seen && !c.url[0]) || (!c.stitched && !c.url[0]))
		return 0;
	desc[0] = 0;
	if (c.has_now)
		epg_line(desc, sizeof(desc), "Now", &c.now);
	if (c.has_next)
		epg_line(desc, sizeof(desc), "Next", &c.next);
	if (c.summary[0]) {
		if (desc[0])
			prov_append(desc, sizeof(desc), "\n\n");
		prov_append(desc, sizeof(desc), c.summary);
	}
	jw_obj_begin(out);
	jw_kstr(out, "name", meta->name);
	jw_kstr(out, "url", c.url);
	jw_kstr(out, "description", desc);
	jw_key(out, "id");
	jw_str_ascii(out, c.id);
	jw_key(out, "slug");
	jw_str_ascii(out, c.slug);
	if (c.has_number)
		jw_kint(out, "number", c.number);
	jw_kstr(out, "category", meta->category[0] ? meta->category : "Other");
	jw_kstr(out, "logo", c.logo);
	jw_kstr(out, "now", c.has_now ? c.now.title : "");
	jw_kstr(out, "next", c.has_next ? c.next.title : "");
	jw_obj_end(out);
	rc = jw_finish(out);
	return rc ? rc : 1;
}

static int id_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '-' || ch == '_';
}

int pluto_channel_id(const char *url, char *id, size_t cap)
{
	const char *s = strstr(url, "/channel/"), *e;

	s = s ? s + 9 : url;
	for (e = s; id_char(*e); e++)
		;
	/* a bare id must be the whole string; after /channel/ it ends at '/', '?' or the end */
	if (e == s || (size_t)(e - s) >= cap || (s == url && *e) ||
	    (s != url && *e && *e != '/' && *e != '?'))
		return -ERR_NOT_FOUND;
	memcpy(id, s, (size_t)(e - s));
	id[e - s] = 0;
	return 0;
}
