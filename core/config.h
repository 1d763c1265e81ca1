/* Configuration: "key = value" file plus command-line overrides, fixed capacity, reloadable. */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include "core/common.h"

/*
 * Contract: the control module implements this (core/config.c). Keys are lower-case
 * words with dots ("listen", "port", "allowed_roots", "log_level.http",
 * "provider.PlutoTV.api_url", "iptv.list.1"). Values are strings; the getters convert.
 * Lookups are read-only and safe from any thread while no reload runs (a reload happens
 * on the control thread between jobs' reads via config_snapshot()).
 */
struct config;

/* Value for key, or def when absent. The string lives as long as the config. */
const char *config_get(const struct config *c, const char *key, const char *def);
/* Integer value (decimal), or def when absent or malformed. */
long config_get_int(const struct config *c, const char *key, long def);
/* Boolean value (1/0, yes/no, true/false, on/off), or def. */
int config_get_bool(const struct config *c, const char *key, int def);
/*
 * Calls fn for each key starting with prefix, in file order (e.g. "iptv.list."); stops and
 * returns fn's value when it returns non-zero, else 0.
 */
int config_each(const struct config *c, const char *prefix,
		int (*fn)(void *ctx, const char *key, const char *value), void *ctx);

#endif
