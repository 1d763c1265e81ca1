/* Pluto TV: one upstream channel object -> one media item (pure; no I/O). */
#ifndef SS_PROV_PLUTO_ITEM_H
#define SS_PROV_PLUTO_ITEM_H

#include <time.h>

#include "core/base/common.h"
#include "core/base/json.h"

/* What the catalogue needs besides the item JSON. */
struct pluto_meta {
	char category[CONFIG_PROVIDER_NAME_MAX + 1]; /* upstream "category", UTF-8 ("" if none) */
	char name[CONFIG_PROVIDER_NAME_MAX + 1];     /* display name, UTF-8 */
};

/*
 * Builds the item for the channel object p[0..n) and writes it as one JSON object to out:
 * {"name","url","description","id","slug","number","category","logo","now","next"} with
 * url and logo pure ASCII and a description holding what runs now and next at time now
 * (from "timelines"). Pieces are parsed one at a time with toks[0..ntoks).
 * Returns 1 when written, 0 when the channel is not playable (not stitched, no id or
 * stream URL, not an object), or a negative error from the writer.
 */
int pluto_item_build(const uint8_t *p, size_t n, time_t now, jsmntok_t *toks, int ntoks,
		     struct jw *out, struct pluto_meta *meta);

/* Channel id (24 hex digits and similar) from a Pluto stream URL ".../channel/<id>/..."
 * or a bare id; 0 or -ERR_NOT_FOUND. */
int pluto_channel_id(const char *url, char *id, size_t cap);

#endif
