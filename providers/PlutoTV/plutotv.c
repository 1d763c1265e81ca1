/* Pluto TV provider: channel list with EPG, categories, stitched stream URLs with fresh ids. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "providers/PlutoTV/pluto_item.h"
#include "providers/fetch.h"
#include "providers/jscan.h"
#include "providers/prov_common.h"
#include "providers/putil.h"

#define ITEM_MAX ((size_t)CONFIG_PROVIDER_ITEM_MAX_KB * 1024)
#define ITEM_JSON_MAX (8192 + CONFIG_PROVIDER_DESC_MAX * 2) /* one derived item */

struct pluto_fill {
	const struct prov_ctx *ctx;
	struct cat_build *b;
	struct jscan js;
	jsmntok_t *tok;
	struct dbuf item;
	time_t now;
	unsigned unplayable, bad;
};

static const char *api_url(const struct prov_ctx *ctx)
{
	return prov_cfg(ctx, "api_url", CONFIG_PROVIDER_PLUTOTV_API_URL);
}

static const char *stitcher_url(const struct prov_ctx *ctx)
{
	return prov_cfg(ctx, "stitcher_url", CONFIG_PROVIDER_PLUTOTV_STITCHER_URL);
}

static int on_channel(void *arg, const struct jscan *s, const uint8_t *p, size_t n)
{
	struct pluto_fill *f = arg;
	struct pluto_meta m;
	struct jw w;
	int rc;

	UNUSED(s);
	dbuf_reset(&f->item);
	jw_init(&w, &f->item);
	rc = pluto_item_build(p, n, f->now, f->tok, CONFIG_PROVIDER_ITEM_TOKENS, &w, &m);
	if (rc <= 0) {
		if (rc < 0)
			f->bad++;
		else
			f->unplayable++;
		return 0;
	}
	return cat_build_add(f->b, m.category, strlen(m.category), m.name, strlen(m.name),
			     (const char *)f->item.p, f->item.len);
}

static int on_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct pluto_fill *f = arg;

	return jscan_feed(&f->js, p, n);
}

/* "YYYY-MM-DD HH:00:00.000+0000" of t's UTC hour, percent-encoded as the old server did. */
static void add_hour(struct dbuf *u, time_t t)
{
	struct tm tm;
	char s[40];

	gmtime_r(&t, &tm);
	snprintf(s, sizeof(s), "%04d-%02d-%02d %02d:00:00.000+0000", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100);
	prov_pct_encode(u, s, strlen(s));
}

static int fill(void *arg, struct cat_build *b)
{
	struct pluto_fill *f = arg;
	static const char *const pat[] = {NULL};
	const char *api = api_url(f->ctx);
	uint8_t *elem = malloc(ITEM_MAX);
	struct dbuf url;
	int rc;

	f->b = b;
	f->now = time(NULL);
	f->tok = malloc(sizeof(jsmntok_t) * CONFIG_PROVIDER_ITEM_TOKENS);
	dbuf_init(&f->item, ITEM_JSON_MAX);
	dbuf_init(&url, HTTP_URL_MAX - 1);
	dbuf_adds(&url, api);
	if (api[0] != '/') {
		dbuf_adds(&url, strchr(api, '?') ? "&start=" : "?start=");
		add_hour(&url, f->now);
		dbuf_adds(&url, "&stop=");
		add_hour(&url, f->now + CONFIG_PROVIDER_EPG_HOURS * 3600);
	}
	rc = url.err;
	if (!elem || !f->tok)
		rc = -ENOMEM;
	if (!rc) {
		jscan_init(&f->js, pat, 1, elem, ITEM_MAX, on_channel, f);
		rc = prov_fetch(f->ctx, (const char *)url.p, prov_timeout_ms(f->ctx), on_bytes, f);
		if (!rc)
			rc = jscan_end(&f->js);
		if (rc == -ERR_PARSE)
			LOG_WARN(LOG_PROV, "PlutoTV: channel list is not valid JSON (byte %llu)",
				 (unsigned long long)f->js.offset);
	}
	if (!rc && !cat_build_count(b)) {
		LOG_WARN(LOG_PROV, "PlutoTV: the channel list has no playable channel");
		rc = -ERR_PARSE;
	}
	if (f->js.skipped || f->bad || f->unplayable)
		LOG_INFO(LOG_PROV, "PlutoTV: %u channels too large, %u malformed, %u not playable",
			 f->js.skipped, f->bad, f->unplayable);
	free(elem);
	free(f->tok);
	dbuf_free(&f->item);
	dbuf_free(&url);
	return rc;
}

static int pluto_categories(const struct prov_ctx *ctx, struct jw *out)
{
	struct pluto_fill f = {.ctx = ctx};

	return prov_list_categories(ctx, api_url(ctx), fill, &f, out);
}

static int pluto_items(const struct prov_ctx *ctx, const char *category, struct jw *out)
{
	struct pluto_fill f = {.ctx = ctx};

	return prov_list_items(ctx, api_url(ctx), fill, &f, category, out);
}

/* Hosts a show_ads stream URL may point at: Pluto's own and the configured ones. */
static int host_allowed(const struct prov_ctx *ctx, const char *url)
{
	char h[256], c[256];
	size_t n;

	if (prov_url_host(url, h, sizeof(h)))
		return 0;
	n = strlen(h);
	if (strcmp(h, "pluto.tv") == 0 || (n > 9 && strcmp(h + n - 9, ".pluto.tv") == 0))
		return 1;
	if (!prov_url_host(api_url(ctx), c, sizeof(c)) && strcmp(c, h) == 0)
		return 1;
	return !prov_url_host(stitcher_url(ctx), c, sizeof(c)) && strcmp(c, h) == 0;
}

struct qparam {
	const char *k, *v;
	size_t kn, vn;
};

#define QPARAMS_MAX 64

/* The old server's stitched-URL parameters (fresh ids per resolve). */
static int stitched_url(const char *url, const char *dev, const char *sid, struct dbuf *u)
{
	const char *set[][2] = {
		{"advertisingId", ""},
		{"appName", "web"},
		{"appVersion", "unknown"},
		{"appStoreUrl", ""},
		{"architecture", ""},
		{"buildVersion", ""},
		{"clientTime", "0"},
		{"deviceDNT", "0"},
		{"deviceId", dev},
		{"deviceMake", "Chrome"},
		{"deviceModel", "web"},
		{"deviceType", "web"},
		{"deviceVersion", "unknown"},
		{"includeExtendedEvents", "false"},
		{"sid", sid},
		{"userId", ""},
		{"serverSideAds", "true"},
	};
	struct qparam q[QPARAMS_MAX + ARRAY_SIZE(set)];
	const char *qs = strchr(url, '?'), *p;
	int nq = 0;

	dbuf_add(u, url, qs ? (size_t)(qs - url) : strlen(url));
	for (p = qs ? qs + 1 : NULL; p && *p;) {
		const char *e = p + strcspn(p, "&#"), *eq = memchr(p, '=', (size_t)(e - p));

		/* blank values are dropped, as the old server's parse_qs did */
		if (eq && eq + 1 < e && eq > p) {
			if (nq >= QPARAMS_MAX)
				return -ERR_LIMIT;
			q[nq++] =
				(struct qparam){p, eq + 1, (size_t)(eq - p), (size_t)(e - eq - 1)};
		}
		if (*e != '&')
			break;
		p = e + 1;
	}
	for (size_t s = 0; s < ARRAY_SIZE(set); s++) {
		size_t kn = strlen(set[s][0]);
		int i;

		for (i = 0; i < nq; i++)
			if (q[i].kn == kn && !memcmp(q[i].k, set[s][0], kn))
				break;
		if (i == nq)
			nq++;
		q[i] = (struct qparam){set[s][0], set[s][1], kn, strlen(set[s][1])};
	}
	for (int i = 0; i < nq; i++) {
		dbuf_add(u, i ? "&" : "?", 1);
		dbuf_add(u, q[i].k, q[i].kn);
		dbuf_add(u, "=", 1);
		dbuf_add(u, q[i].v, q[i].vn);
	}
	return u->err;
}

static int pluto_resolve(const struct prov_ctx *ctx, const struct start_args *a,
			 struct resolve_result *r)
{
	char id[64], dev[PROV_UUID_LEN + 1], sid[PROV_UUID_LEN + 1];
	struct dbuf u;
	int rc;

	if (!a->url || pluto_channel_id(a->url, id, sizeof(id))) {
		LOG_WARN(LOG_PROV, "PlutoTV: not a Pluto TV channel URL");
		return -ERR_NOT_FOUND;
	}
	if ((rc = prov_uuid4(dev)) || (rc = prov_uuid4(sid)))
		return rc;
	dbuf_init(&u, sizeof(r->url) - 1);
	if (!a->show_ads || !prov_is_http_url(a->url)) {
		/* no ads: the embed endpoint serves fillers instead (old resolver's URL) */
		const char *base = stitcher_url(ctx);
		size_t bl = strlen(base);

		while (bl && base[bl - 1] == '/')
			bl--;
		dbuf_add(&u, base, bl);
		dbuf_adds(&u, "/v1/stitch/embed/hls/channel/");
		prov_pct_encode(&u, id, strlen(id));
		dbuf_printf(&u,
			    "/master.m3u8?deviceType=unknown&deviceMake=unknown"
			    "&deviceModel=unknown&deviceVersion=unknown&appVersion=unknown"
			    "&deviceLat=90&deviceLon=0&deviceDNT=TARGETOPT&deviceId=%s"
			    "&advertisingId=%s&sid=%s&us_privacy=1YNY&profileLimit="
			    "&profileFloor=&embedPartner=",
			    dev, dev, sid);
		rc = u.err;
	} else if (!host_allowed(ctx, a->url)) {
		LOG_WARN(LOG_PROV, "PlutoTV: stream host is not Pluto TV's");
		rc = -ERR_NOT_FOUND;
	} else {
		rc = stitched_url(a->url, dev, sid, &u);
	}
	if (!rc && (!u.p || prov_url_ascii((const char *)u.p, u.len, r->url, sizeof(r->url)) < 0))
		rc = -ERR_TOO_LARGE;
	dbuf_free(&u);
	if (rc)
		return rc;
	r->kind = REC_HLS_LIVE;
	r->n_headers = 0;
	LOG_INFO(LOG_PROV, "PlutoTV: channel %s resolved (%s)", id,
		 a->show_ads ? "with ads" : "embed, no ads");
	return 0;
}

const struct provider_ops plutotv_ops = {
	.id = "PlutoTV",
	.list_categories = pluto_categories,
	.list_items = pluto_items,
	.resolve = pluto_resolve,
	/* new device and session ids are what an expired stitcher session needs */
	.refresh = pluto_resolve,
	.config_keys = (const char *const[]){"api_url", "stitcher_url", NULL},
};
