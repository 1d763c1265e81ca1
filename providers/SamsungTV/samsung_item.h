/* Samsung TV Plus: one upstream channel object -> one media item (pure; no I/O). */
#ifndef SS_PROV_SAMSUNG_ITEM_H
#define SS_PROV_SAMSUNG_ITEM_H

#include <time.h>

#include "core/base/common.h"
#include "core/base/json.h"

struct samsung_meta {
	char group[CONFIG_PROVIDER_NAME_MAX + 1]; /* upstream "group", UTF-8 ("" if none) */
	char name[CONFIG_PROVIDER_NAME_MAX + 1];  /* display name, UTF-8 */
	int drm;				  /* the channel has a license_url */
};

/*
 * Builds the item for channel object p[0..n) with key slug (raw, as in the list) of region
 * into out: {"name","url","slug","number","description","logo","group","region","drm",
 * "now","next"}; url = stream_prefix + slug (percent-encoded), pure ASCII. The description
 * holds what runs now and next at time now (from "programs": [[epoch, title]...]).
 * Returns 1 when written, 0 when the object is unusable, or a negative writer error.
 */
int samsung_item_build(const uint8_t *p, size_t n, const char *slug, size_t slug_len,
		       const char *region, const char *stream_prefix, time_t now, jsmntok_t *toks,
		       int ntoks, struct jw *out, struct samsung_meta *meta);

#endif
