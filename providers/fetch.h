/* Catalogue downloads: streamed, gunzipped when needed, capped, with an overall deadline. */
#ifndef SS_PROV_FETCH_H
#define SS_PROV_FETCH_H

#include "providers/decode.h"
#include "providers/provider.h"

/*
 * Streams the body of url to fn: an http(s) URL (cancelled by ctx->cancel_fd too), or a
 * local file when url starts with '/'. A gzip body is inflated
 * whether or not the server declared it (the Samsung list is a plain .gz file); a gzip
 * stream that ends early is -ERR_PARSE. More than CONFIG_PROVIDER_CATALOG_MAX_KB decoded
 * bytes: -ERR_TOO_LARGE. Not finished within timeout_ms: -ERR_TIMEOUT. The session is ctx->http
 * (its cancel fd is swapped for the call) or, without one, a session of our own. Otherwise
 * http_get's result (0 after a complete 2xx body) or fn's own error.
 */
int prov_fetch(const struct prov_ctx *ctx, const char *url, int timeout_ms, prov_sink_fn fn,
	       void *arg);

#endif
