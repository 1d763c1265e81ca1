/* Catalogue body decoder: inflates gzip bodies (detected by magic), passes others through. */
#ifndef SS_PROV_DECODE_H
#define SS_PROV_DECODE_H

#include "core/base/common.h"

/* Receives decoded body bytes in order; a negative return aborts with it. */
typedef int (*prov_sink_fn)(void *ctx, const uint8_t *p, size_t n);

struct prov_dec;
/* Creates a decoder that passes at most cap decoded bytes to fn; NULL when out of memory. */
struct prov_dec *prov_dec_new(size_t cap, prov_sink_fn fn, void *arg);
/* Feeds encoded bytes; 0 or a negative error (-ERR_PARSE corrupt gzip, -ERR_TOO_LARGE). */
int prov_dec_feed(struct prov_dec *d, const uint8_t *p, size_t n);
/* Ends the stream: 0, or -ERR_PARSE when a gzip stream is incomplete. */
int prov_dec_end(struct prov_dec *d);
void prov_dec_free(struct prov_dec *d);

#endif
