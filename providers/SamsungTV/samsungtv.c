/* Samsung TV Plus provider: the gzip JSON channel list, one region (or all), DRM refusal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "providers/SamsungTV/samsung_item.h"
#include "providers/fetch.h"
#include "providers/jscan.h"
#include "providers/prov_common.h"
#include "providers/putil.h"

#define ITEM_MAX ((size_t)CONFIG_PROVIDER_ITEM_MAX_KB * 1024)
#define ITEM_JSON_MAX (8192 + CONFIG_PROVIDER_DESC_MAX * 2)

struct samsung_fill {
	const struct prov_ctx *ctx;
	struct cat_build *b;
	struct jscan js;
	jsmntok_t *tok;
	struct dbuf item;
	time_t now;
	int all;
	char src[HTTP_URL_MAX * 2 + 64];
	unsigned unusable, bad, drm;
};

static const char *list_url(const struct prov_ctx *ctx)
{
	return prov_cfg(ctx, "url", CONFIG_PROVIDER_SAMSUNGTV_URL);
}

static const char *region(const struct prov_ctx *ctx)
{
	return prov_cfg(ctx, "region", CONFIG_PROVIDER_SAMSUNGTV_REGION);
}

static const char *stream_prefix(const struct prov_ctx *ctx)
{
	return prov_cfg(ctx, "stream_url", CONFIG_PROVIDER_SAMSUNGTV_STREAM_URL);
}

static void fill_init(struct samsung_fill *f, const struct prov_ctx *ctx)
{
	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	f->all = strcmp(region(ctx), "all") == 0;
	/* a different list, region or redirector makes the cached catalogue unusable */
	snprintf(f->src, sizeof(f->src), "%s|%s|%s", list_url(ctx), region(ctx),
		 stream_prefix(ctx));
}

static int on_channel(void *arg, const struct jscan *s, const uint8_t *p, size_t n)
{
	struct samsung_fill *f = arg;
	struct samsung_meta m;
	char reg[16], cat[CONFIG_PROVIDER_NAME_MAX + 24];
	const char *k;
	size_t kn, sn;
	int rc, trunc = 0;
	struct jw w;

	k = jscan_key(s, 1, &kn, NULL);
	if (!k || kn == 0 || kn >= sizeof(reg)) {
		f->unusable++;
		return 0;
	}
	memcpy(reg, k, kn);
	reg[kn] = 0;
	k = jscan_key(s, 3, &sn, &trunc);
	if (!k || !sn || trunc) {
		f->unusable++;
		return 0;
	}
	dbuf_reset(&f->item);
	jw_init(&w, &f->item);
	rc = samsung_item_build(p, n, k, sn, reg, stream_prefix(f->ctx), f->now, f->tok,
				CONFIG_PROVIDER_ITEM_TOKENS, &w, &m);
	if (rc <= 0) {
		if (rc < 0)
			f->bad++;
		else
			f->unusable++;
		return 0;
	}
	f->drm += m.drm;
	if (f->all) {
		for (size_t i = 0; reg[i]; i++)
			if (reg[i] >= 'a' && reg[i] <= 'z')
				reg[i] = (char)(reg[i] - 32);
		snprintf(cat, sizeof(cat), "%s - %s", reg, m.group[0] ? m.group : "Other");
	} else {
		snprintf(cat, sizeof(cat), "%s", m.group);
	}
	return cat_build_add(f->b, cat, strlen(cat), m.name, strlen(m.name),
			     (const char *)f->item.p, f->item.len);
}

static int on_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct samsung_fill *f = arg;

	return jscan_feed(&f->js, p, n);
}

static int fill(void *arg, struct cat_build *b)
{
	struct samsung_fill *f = arg;
	const char *pat[] = {"regions", f->all ? NULL : region(f->ctx), "channels", NULL};
	uint8_t *elem = malloc(ITEM_MAX);
	int rc = 0;

	f->b = b;
	f->now = time(NULL);
	f->tok = malloc(sizeof(jsmntok_t) * CONFIG_PROVIDER_ITEM_TOKENS);
	dbuf_init(&f->item, ITEM_JSON_MAX);
	if (!elem || !f->tok)
		rc = -ENOMEM;
	if (!rc) {
		jscan_init(&f->js, pat, 4, elem, ITEM_MAX, on_channel, f);
		rc = prov_fetch(f->ctx, list_url(f->ctx), prov_timeout_ms(f->ctx), on_bytes, f);
		if (!rc)
			rc = jscan_end(&f->js);
		if (rc == -ERR_PARSE)
			LOG_WARN(LOG_PROV, "SamsungTV: channel list is not valid JSON (byte %llu)",
				 (unsigned long long)f->js.offset);
	}
	if (!rc && !cat_build_count(b)) {
		LOG_WARN(LOG_PROV, "SamsungTV: no channel for region %s in the list",
			 region(f->ctx));
		rc = -ERR_NOT_FOUND;
	}
	if (f->js.skipped || f->bad || f->unusable || f->drm)
		LOG_INFO(LOG_PROV,
			 "SamsungTV: %u channels too large, %u malformed, %u unusable, %u with DRM",
			 f->js.skipped, f->bad, f->unusable, f->drm);
	free(elem);
	free(f->tok);
	f->tok = NULL;
	dbuf_free(&f->item);
	return rc;
}

static int samsung_categories(const struct prov_ctx *ctx, struct jw *out)
{
	struct samsung_fill *f = malloc(sizeof(*f));
	int rc;

	if (!f)
		return -ENOMEM;
	fill_init(f, ctx);
	rc = prov_list_categories(ctx, f->src, fill, f, out);
	free(f);
	return rc;
}

static int samsung_items(const struct prov_ctx *ctx, const char *category, struct jw *out)
{
	struct samsung_fill *f = malloc(sizeof(*f));
	int rc;

	if (!f)
		return -ENOMEM;
	fill_init(f, ctx);
	rc = prov_list_items(ctx, f->src, fill, f, category, out);
	free(f);
	return rc;
}

static int samsung_resolve(const struct prov_ctx *ctx, const struct start_args *a,
			   struct resolve_result *r)
{
	const char *pre = stream_prefix(ctx);
	struct samsung_fill *f;
	struct cat c;
	int rc, drm = 0;

	/* only the redirector's URLs: the client must not make us fetch arbitrary hosts */
	if (!a->url || strncmp(a->url, pre, strlen(pre)) || !a->url[strlen(pre)] ||
	    strlen(a->url) >= sizeof(r->url)) {
		LOG_WARN(LOG_PROV, "SamsungTV: not a Samsung TV Plus channel URL");
		return -ERR_NOT_FOUND;
	}
	for (const char *p = a->url; *p; p++)
		if ((uint8_t)*p <= 0x20 || (uint8_t)*p >= 0x7f)
			return -ERR_BAD_REQUEST;
	/* the plugin sends only the url: DRM channels are known from the catalogue */
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	fill_init(f, ctx);
	/* any catalogue of this configuration will do, however old: DRM status hardly
	 * changes, and a start should not wait for a download when one is at hand */
	rc = ctx->data_dir ? cat_open(ctx->data_dir, &c) : -ENOENT;
	if (rc == 0 && !cat_src_is(&c, f->src)) {
		cat_close(&c);
		rc = -ENOENT;
	}
	if (rc)
		rc = prov_catalog(ctx, f->src, fill, f, &c);
	free(f);
	if (rc == 0) {
		rc = prov_find_url(&c, a->url, &drm);
		cat_close(&c);
		if (rc < 0)
			LOG_WARN(LOG_PROV, "SamsungTV: catalogue unreadable: %s", err_str(rc));
		else if (rc == 0)
			LOG_INFO(LOG_PROV, "SamsungTV: channel not in the catalogue; trying it");
	} else {
		LOG_WARN(LOG_PROV, "SamsungTV: no catalogue for the DRM check: %s", err_str(rc));
	}
	if (drm) {
		LOG_INFO(LOG_PROV, "SamsungTV: channel is DRM protected");
		return -ERR_DRM;
	}
	strcpy(r->url, a->url);
	r->kind = REC_HLS_LIVE;
	r->n_headers = 0;
	return 0;
}

const struct provider_ops samsungtv_ops = {
	.id = "SamsungTV",
	.list_categories = samsung_categories,
	.list_items = samsung_items,
	.resolve = samsung_resolve,
	.refresh = NULL, /* the redirector URL carries no token: resolving again is enough */
	.config_keys = (const char *const[]){"url", "region", "stream_url", NULL},
};
