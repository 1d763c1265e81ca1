/* Catalogue downloads: streamed, gunzipped when needed, capped, with an overall deadline. */
#ifndef SS_PROV_FETCH_H
#define SS_PROV_FETCH_H

#include "providers/provider.h"

/* Receives decoded body bytes in order; a negative return aborts the download with it. */
typedef int (*prov_sink_fn)(void *ctx, const uint8_t *p, size_t n);

/*
 * Streams the body of url to fn: an http(s) URL through a session of its own (cancelled by
 * ctx->cancel_fd too), or a local file when url starts with '/'. A gzip body is inflated
 * whether or not the server declared it (the Samsung list is a plain .gz file); a gzip
 * stream that ends early is -ERR_PARSE. More than CONFIG_PROVIDER_CATALOG_MAX_KB decoded
 * bytes: -ERR_TOO_LARGE. Not finished within timeout_s: -ERR_TIMEOUT. Otherwise http_get's
 * result (0 after a complete 2xx body) or fn's own error.
 */
int prov_fetch(const struct prov_ctx *ctx, const char *url, int timeout_s, prov_sink_fn fn,
	       void *arg);

/* The gzip-or-plain decoder behind prov_fetch, usable on any byte stream. */
struct prov_dec;
/* Creates a decoder that passes at most cap decoded bytes to fn; NULL when out of memory. */
struct prov_dec *prov_dec_new(size_t cap, prov_sink_fn fn, void *arg);
/* Feeds encoded bytes; 0 or a negative error (-ERR_PARSE corrupt gzip, -ERR_TOO_LARGE). */
int prov_dec_feed(struct prov_dec *d, const uint8_t *p, size_t n);
/* Ends the stream: 0, or -ERR_PARSE when a gzip stream is incomplete. */
int prov_dec_end(struct prov_dec *d);
void prov_dec_free(struct prov_dec *d);

#endif
