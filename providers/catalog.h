/* Provider catalogue cache: items grouped by category in one file, built atomically, with a TTL. */
#ifndef SS_PROV_CATALOG_H
#define SS_PROV_CATALOG_H

#include <time.h>

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

#include "core/base/common.h"
#include "core/base/json.h"

/*
 * <data_dir>/<provider_id>/catalog.v1 holds, for each category (sorted case-insensitively),
 * the complete JSON array that get_media_items sends (items sorted by name), then one index
 * line (categories with offset, length, count and CRC-32 of their array, the build time and
 * a description of the source configuration) and a fixed footer pointing at the index.
 * It is written to a temporary file and renamed, so readers see the old or the new
 * catalogue, never a mix; a file that fails any check is treated as absent.
 */
#define CAT_FILE "catalog.v1"

struct cat {
	int fd;
	char *index;	/* index line (heap) */
	jsmntok_t *tok; /* its tokens (heap) */
	struct jr jr;
	int cats; /* token of the categories array */
	int ncat;
	time_t fetched; /* when the upstream was read */
	int stale;	/* 1 when served although older than the TTL (upstream failed) */
};

/* Opens and checks dir/catalog.v1. 0, -ENOENT, or -ERR_PARSE for a corrupt file. Close it
 * with cat_close(). */
int cat_open(const char *dir, struct cat *c);
void cat_close(struct cat *c);
/* 1 when the catalogue was built from the source description src. */
int cat_src_is(const struct cat *c, const char *src);
/* Writes the category array [{"name","icon","provider_id"}...]. */
int cat_write_categories(const struct cat *c, struct jw *out);
/* Writes the item array of category name (ASCII, as sent in get_categories); an unknown
 * name gives []. -ERR_PARSE when the stored array fails its CRC. */
int cat_write_items(const struct cat *c, const char *name, struct jw *out);
/* Calls fn(ctx, item_json, n) for every item of every category until fn returns non-zero,
 * which is then returned; 0 after the last item. */
int cat_each_item(const struct cat *c, int (*fn)(void *ctx, const uint8_t *p, size_t n), void *ctx);

/* ---- building ------------------------------------------------------------------------ */

struct cat_build;

/* Starts a new catalogue for dir (temp files there). *out freed by commit or abort. */
int cat_build_begin(const char *dir, const char *provider_id, const char *src,
		    struct cat_build **out);
/*
 * Adds one item: category and name in UTF-8 (the category is transliterated to ASCII, the
 * lookup key; "" becomes "Other"), json one complete object (written verbatim). Items past
 * the Kconfig caps are dropped and counted. 0 or an I/O error.
 */
int cat_build_add(struct cat_build *b, const char *category, size_t cat_len, const char *name,
		  size_t name_len, const char *json, size_t n);
/* Items added so far (not counting dropped ones). */
int cat_build_count(const struct cat_build *b);
/* Sorts, writes and renames the catalogue into place; frees b. 0 or a negative error. */
int cat_build_commit(struct cat_build *b);
/* Discards the build and its temp files; frees b. */
void cat_build_abort(struct cat_build *b);

/* ---- cache policy -------------------------------------------------------------------- */

/* Fills a build from the upstream; 0 or a negative error (the build is then discarded). */
typedef int (*cat_fill_fn)(void *arg, struct cat_build *b);

/*
 * Opens the catalogue of dir. It is rebuilt through fill when absent, corrupt, built from
 * another src, or older than ttl_s. When the rebuild fails and a readable catalogue of the
 * same src exists, that one is returned with c->stale = 1 (and a warning logged); otherwise
 * the rebuild's error.
 */
int cat_get(const char *dir, const char *provider_id, const char *src, int ttl_s, cat_fill_fn fill,
	    void *arg, struct cat *c);

#endif
