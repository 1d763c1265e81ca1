/* Configuration: "key = value" file plus command-line overrides, fixed capacity, reloadable. */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include "core/base/common.h"

/*
 * Contract: the control module implements this (core/base/config.c). Keys are lower-case
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

/* ---- owner side (control thread) -------------------------------------------------- */

/* A new empty config with one reference; NULL on ENOMEM. */
struct config *config_new(void);
/* Takes another reference (any thread); returns c. A job holds one while it runs. */
struct config *config_ref(struct config *c);
/* Drops a reference (any thread); the last one frees c. NULL is ignored. */
void config_unref(struct config *c);
/* Sets key (replacing an earlier value); 0, -ERR_BAD_REQUEST (bad key) or -ERR_LIMIT (full). */
int config_set(struct config *c, const char *key, const char *value);
/*
 * Parses "key = value" lines from text[0..n) into c: '#' starts a comment line, blank lines
 * are skipped, whitespace around key and value is trimmed, a value in double quotes keeps
 * its inner spaces. Malformed lines are skipped; *bad_line (may be NULL) gets the first
 * one's number or 0. Returns 0, or -ERR_LIMIT when the keys do not fit.
 */
int config_parse(struct config *c, const char *text, size_t n, int *bad_line);
/* Reads and parses the file at path; 0, -errno, -ERR_TOO_LARGE or -ERR_LIMIT. */
int config_load_file(struct config *c, const char *path, int *bad_line);
/* Copies every key of src into dst (src wins); 0 or -ERR_LIMIT. */
int config_merge(struct config *dst, const struct config *src);
/*
 * Parses the daemon's options argv[0..argc) into overrides: --listen A, --port N,
 * --providers-dir D, --allowed-roots A:B, --log-level L, --syslog, --auth-token T,
 * --data-dir D, --set key=value (also --opt=value). --config F sets *config_file (argv
 * string). Returns 0, or -ERR_BAD_REQUEST with a sentence in err[0..cap).
 */
int config_parse_args(struct config *ov, int argc, char **argv, const char **config_file, char *err,
		      size_t cap);
/*
 * How many argv entries the daemon option a takes (1: --syslog or --opt=value, 2: --opt
 * value), or 0 when a is none of the options config_parse_args() knows.
 */
int config_arg_count(const char *a);

/* ---- key checking ------------------------------------------------------------------ */

/*
 * 1 when the daemon itself reads key: the fixed keys (listen, port, ..., test_hooks; a new
 * key read anywhere must be added to config_known[] in config.c), log_level.<module> and
 * iptv.list.<n>. provider.<Id>.<name> keys are the providers' (provider_config_key()).
 */
int config_key_known(const char *key);
/*
 * Calls fn(ctx, key, line) (fn may be NULL) for every key of c that known() rejects, in
 * file order; line is the config file line it came from, 0 for the command line
 * (--set) or config_set(). Returns how many keys were rejected.
 */
int config_each_unknown(const struct config *c, int (*known)(const char *key),
			void (*fn)(void *ctx, const char *key, int line), void *ctx);

#endif
