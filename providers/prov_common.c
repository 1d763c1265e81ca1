/* Glue every catalogue provider shares (see prov_common.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/base/err.h"
#include "providers/prov_common.h"

int prov_cache_ttl(const struct prov_ctx *ctx)
{
	long v = ctx->cfg
			 ? config_get_int(ctx->cfg, "provider.cache_ttl", CONFIG_PROVIDER_CACHE_TTL)
			 : CONFIG_PROVIDER_CACHE_TTL;

	return v > 0 && v < 100000000 ? (int)v : CONFIG_PROVIDER_CACHE_TTL;
}

int prov_timeout_ms(const struct prov_ctx *ctx)
{
	long def = (long)CONFIG_PROVIDER_TIMEOUT * 1000;
	long v = ctx->cfg ? config_get_int(ctx->cfg, "provider_timeout_ms", def) : def;

	if (v <= 0 || v > 3600L * 1000)
		v = def;
	return (int)(v * 3 / 4 > 0 ? v * 3 / 4 : 1);
}

const char *prov_cfg(const struct prov_ctx *ctx, const char *name, const char *def)
{
	char key[128];

	if (!ctx->cfg)
		return def;
	snprintf(key, sizeof(key), "provider.%s.%s", ctx->provider_id, name);
	return config_get(ctx->cfg, key, def);
}

int prov_catalog(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
		 struct cat *c)
{
	if (!ctx->data_dir || !ctx->data_dir[0])
		return -ERR_PATH_DENIED;
	return cat_get(ctx->data_dir, ctx->provider_id, src, prov_cache_ttl(ctx), fill, arg, c);
}

int prov_list_categories(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
			 struct jw *out)
{
	struct cat c;
	int rc = prov_catalog(ctx, src, fill, arg, &c);

	if (rc)
		return rc;
	rc = cat_write_categories(&c, out);
	cat_close(&c);
	return rc;
}

int prov_list_items(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
		    const char *category, struct jw *out)
{
	struct cat c;
	int rc;

	if (!category)
		return -ERR_BAD_REQUEST;
	rc = prov_catalog(ctx, src, fill, arg, &c);
	if (rc)
		return rc;
	rc = cat_write_items(&c, category, out);
	cat_close(&c);
	return rc;
}

struct find_url {
	const char *url;
	int drm;
	jsmntok_t tok[64]; /* derived items are flat objects of a dozen members */
};

static int match_url(void *ctx, const uint8_t *p, size_t n)
{
	struct find_url *f = ctx;
	struct jr r;
	int u, d;

	if (jr_parse(&r, (const char *)p, n, f->tok, (int)ARRAY_SIZE(f->tok)))
		return 0;
	u = jr_get(&r, 0, "url");
	if (u < 0 || !jr_streq(&r, u, f->url))
		return 0;
	d = jr_get(&r, 0, "drm");
	if (d >= 0)
		jr_bool(&r, d, &f->drm);
	return 1;
}

int prov_find_url(const struct cat *c, const char *url, int *drm)
{
	struct find_url *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return -ENOMEM;
	f->url = url;
	rc = cat_each_item(c, match_url, f);
	*drm = f->drm;
	free(f);
	return rc;
}
