/* Samsung TV Plus channel object -> media item with EPG now/next (see samsung_item.h). */
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "net/http.h"
#include "providers/SamsungTV/samsung_item.h"
#include "providers/jscan.h"
#include "providers/putil.h"

#define TITLE_MAX (CONFIG_PROVIDER_NAME_MAX + 1) /* programme titles in descriptions */

struct chan {
	char logo[HTTP_URL_MAX], desc[CONFIG_PROVIDER_DESC_MAX];
	long long chno;
	int has_chno;
	time_t now_start, next_start, after_next;
	char now[TITLE_MAX], next[TITLE_MAX];
	int has_now, has_next;
};

static int key_is(const uint8_t *k, size_t kn, const char *s)
{
	return kn == strlen(s) && memcmp(k, s, kn) == 0;
}

/* "programs": [[start_epoch, "title"], ...] in time order. */
static void programs(struct chan *c, const uint8_t *v, size_t vn, time_t now, jsmntok_t *toks,
		     int ntoks)
{
	const uint8_t *ev;
	size_t en, off = 0;
	struct jr r;

	while (jspan_element(v, vn, &off, &ev, &en) == 1) {
		long long t;
		char title[TITLE_MAX];

		if (jr_parse(&r, (const char *)ev, en, toks, ntoks) || !jr_is_arr(&r, 0) ||
		    prov_jr_int(&r, jr_at(&r, 0, 0), &t) ||
		    prov_jr_str(&r, jr_at(&r, 0, 1), title, sizeof(title)) < 0)
			continue;
		if (t <= now && (!c->has_now || t >= c->now_start)) {
			c->now_start = (time_t)t;
			strcpy(c->now, title);
			c->has_now = 1;
		} else if (t > now && (!c->has_next || t < c->next_start)) {
			if (c->has_next)
				c->after_next = c->next_start;
			c->next_start = (time_t)t;
			strcpy(c->next, title);
			c->has_next = 1;
		} else if (t > now && c->has_next && (!c->after_next || t < c->after_next)) {
			c->after_next = (time_t)t;
		}
	}
}

static void epg_line(char *out, size_t cap, const char *what, time_t a, time_t b, const char *title)
{
	char head[40], x[6], y[6];

	prov_fmt_hhmm(a, x);
	if (b > a) {
		prov_fmt_hhmm(b, y);
		snprintf(head, sizeof(head), "%s%s %s-%s: ", out[0] ? "\n" : "", what, x, y);
	} else {
		snprintf(head, sizeof(head), "%s%s %s: ", out[0] ? "\n" : "", what, x);
	}
	prov_append(out, cap, head);
	prov_append(out, cap, title);
}

int samsung_item_build(const uint8_t *p, size_t n, const char *slug, size_t slug_len,
		       const char *region, const char *stream_prefix, time_t now, jsmntok_t *toks,
		       int ntoks, struct jw *out, struct samsung_meta *meta)
{
	static const struct chan zero;
	struct chan c = zero;
	char desc[CONFIG_PROVIDER_DESC_MAX], url[HTTP_URL_MAX], slug_s[JSCAN_KEY_MAX + 8],
		quoted[JSCAN_KEY_MAX + 8];
	const uint8_t *k, *v;
	size_t kn, vn, off = 0;
	struct dbuf u;
	struct jr r;
	int rc;

	memset(meta, 0, sizeof(*meta));
	/* the slug is an object key: unescape it like any JSON string */
	if (slug_len + 2 >= sizeof(quoted))
		return 0;
	quoted[0] = '"';
	memcpy(quoted + 1, slug, slug_len);
	quoted[slug_len + 1] = '"';
	if (prov_json_str((const uint8_t *)quoted, slug_len + 2, toks, ntoks, slug_s,
			  sizeof(slug_s)) <= 0)
		return 0;
	while ((rc = jspan_member(p, n, &off, &k, &kn, &v, &vn)) == 1) {
		if (key_is(k, kn, "programs")) {
			programs(&c, v, vn, now, toks, ntoks);
			continue;
		}
		if (prov_jr_value(&r, v, vn, toks, ntoks))
			continue;
		if (key_is(k, kn, "name"))
			prov_jr_str(&r, 0, meta->name, sizeof(meta->name));
		else if (key_is(k, kn, "group"))
			prov_jr_str(&r, 0, meta->group, sizeof(meta->group));
		else if (key_is(k, kn, "description"))
			prov_jr_str(&r, 0, c.desc, sizeof(c.desc));
		else if (key_is(k, kn, "chno"))
			c.has_chno = prov_jr_int(&r, 0, &c.chno) == 0;
		else if (key_is(k, kn, "logo") && jr_is_str(&r, 0)) {
			char tmp[HTTP_URL_MAX];

			if (prov_jr_str(&r, 0, tmp, sizeof(tmp)) > 0)
				prov_url_ascii(tmp, strlen(tmp), c.logo, sizeof(c.logo));
		} else if (key_is(k, kn, "license_url")) {
			/* any non-empty license URL means Widevine: not recordable */
			meta->drm = !jr_is_null(&r, 0) &&
				    !(jr_is_str(&r, 0) && r.t[0].end == r.t[0].start);
		}
	}
	if (rc < 0 || !meta->name[0])
		return 0;
	dbuf_init(&u, sizeof(url) - 1);
	dbuf_adds(&u, stream_prefix);
	prov_pct_encode(&u, slug_s, strlen(slug_s));
	rc = u.err || !u.p || prov_url_ascii((const char *)u.p, u.len, url, sizeof(url)) < 0;
	dbuf_free(&u);
	if (rc)
		return 0;
	desc[0] = 0;
	if (meta->drm)
		prov_append(desc, sizeof(desc), "DRM protected: cannot be recorded.");
	if (c.has_now)
		epg_line(desc, sizeof(desc), "Now", c.now_start, c.has_next ? c.next_start : 0,
			 c.now);
	if (c.has_next)
		epg_line(desc, sizeof(desc), "Next", c.next_start, c.after_next, c.next);
	if (c.desc[0]) {
		if (desc[0])
			prov_append(desc, sizeof(desc), "\n\n");
		prov_append(desc, sizeof(desc), c.desc);
	}
	jw_obj_begin(out);
	jw_kstr(out, "name", meta->name);
	jw_kstr(out, "url", url);
	jw_key(out, "slug");
	jw_str_ascii(out, slug_s);
	if (c.has_chno)
		jw_kint(out, "number", c.chno);
	jw_kstr(out, "description", desc);
	jw_kstr(out, "logo", c.logo);
	jw_kstr(out, "group", meta->group[0] ? meta->group : "Other");
	jw_key(out, "region");
	jw_str_ascii(out, region);
	jw_kbool(out, "drm", meta->drm);
	jw_kstr(out, "now", c.has_now ? c.now : "");
	jw_kstr(out, "next", c.has_next ? c.next : "");
	jw_obj_end(out);
	rc = jw_finish(out);
	return rc ? rc : 1;
}
