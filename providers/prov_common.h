/* Glue every catalogue provider shares: cache settings from the config, list callbacks. */
#ifndef SS_PROV_COMMON_H
#define SS_PROV_COMMON_H

#include "providers/catalog.h"
#include "providers/provider.h"

/* Cache lifetime: config "provider.cache_ttl" (seconds), else CONFIG_PROVIDER_CACHE_TTL. */
int prov_cache_ttl(const struct prov_ctx *ctx);
/* Download deadline in ms: 3/4 of the browse deadline (config "provider_timeout_ms", else
 * CONFIG_PROVIDER_TIMEOUT s), leaving time to build or to fall back on the stale cache. */
int prov_timeout_ms(const struct prov_ctx *ctx);
/* Config value of "provider.<provider_id>.<name>", or def. */
const char *prov_cfg(const struct prov_ctx *ctx, const char *name, const char *def);

/* Opens the provider's catalogue (cat_get with the settings above); -ERR_PATH_DENIED when
 * the context has no data_dir. */
int prov_catalog(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
		 struct cat *c);
/* list_categories / list_items bodies on top of prov_catalog(). */
int prov_list_categories(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
			 struct jw *out);
int prov_list_items(const struct prov_ctx *ctx, const char *src, cat_fill_fn fill, void *arg,
		    const char *category, struct jw *out);
/* Looks for the item whose "url" is url in c: 1 (and *drm from its "drm" flag), 0 when
 * absent, or a negative read error. */
int prov_find_url(const struct cat *c, const char *url, int *drm);

#endif
