/* Provider interface: browse a catalogue, resolve an item to a stream, refresh tokens. */
#ifndef SS_PROVIDER_H
#define SS_PROVIDER_H

#include "core/base/common.h"
#include "core/base/config.h"
#include "core/base/json.h"
#include "core/base/stream.h"
#include "net/http.h"

/* What a provider's callbacks may use. Everything is owned by the caller. */
struct prov_ctx {
	const char *provider_id;   /* directory name, e.g. "PlutoTV" */
	const char *data_dir;	   /* <data_dir>/<provider_id>, already created, confined */
	const struct config *cfg;  /* daemon configuration (upstream URLs, region, lists) */
	struct http_session *http; /* session for this call, cancel fd already set */
	int cancel_fd;		   /* readable once the caller gives up */
};

/* The `start` arguments a resolver may read (already validated by the control layer). */
struct start_args {
	const char *url;     /* item url as echoed by the client */
	const char *quality; /* "best", "1080p", "720p", ... ("provider" already replaced) */
	int show_ads;	     /* default 1 */
	int av1;	     /* default 0 */
	int buffering;	     /* segments before the start broadcast, >= 1 */
};

/*
 * One table per provider. All callbacks run on a worker thread, never the control thread;
 * they must honour ctx->cancel_fd (through the http session) and never touch client sockets.
 * Return 0 or a negative error (core/base/err.h); the control layer turns it into the reply.
 */
struct provider_ops {
	const char *id; /* provider_id, matches the providers/<id>/ directory */
	/* Required. Writes the JSON array of categories, sorted case-insensitively by name:
	 * [{"name", "icon", "provider_id"}...]; every value pure ASCII. */
	int (*list_categories)(const struct prov_ctx *ctx, struct jw *out);
	/* Required. Writes the JSON array of media items of one category, sorted
	 * case-insensitively by name: [{"name", "url", ...}...]; url pure ASCII. */
	int (*list_items)(const struct prov_ctx *ctx, const char *category, struct jw *out);
	/* Required. Turns a start request into a stream URL (may use the network). -ERR_DRM
	 * for protected items. */
	int (*resolve)(const struct prov_ctx *ctx, const struct start_args *a,
		       struct resolve_result *r);
	/* Optional (NULL: resolve is called again). Fresh URL after 401/403 (expired token). */
	int (*refresh)(const struct prov_ctx *ctx, const struct start_args *a,
		       struct resolve_result *r);
	/* Optional. NULL-terminated names the provider reads as provider.<id>.<name>. */
	const char *const *config_keys;
};

/* Provider compiled in with that id, or NULL. */
const struct provider_ops *provider_find(const char *id);
/* The n-th compiled-in provider (for listing), or NULL past the end. */
const struct provider_ops *provider_at(int n);
/* 1 when key is provider.<id>.<name> of a compiled-in provider listing name in its
 * config_keys, else 0. */
int provider_config_key(const char *key);

#endif
