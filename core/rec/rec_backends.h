/* The recorder backends: declared for engine.c's dispatch table and for their own files. */
#ifndef SS_REC_BACKENDS_H
#define SS_REC_BACKENDS_H

#include "core/rec/rec_ctx.h"

/*
 * HLS recorder: buf[0..n) is the first playlist, fetched from url (final URL). buf (cap
 * bytes, CONFIG_HLS_PLAYLIST_MAX_KB) is lent for the whole recording: playlist reloads
 * reuse it; the caller frees it afterwards.
 */
int hls_record(struct rec_ctx *c, uint8_t *buf, size_t cap, size_t n, const char *url);
/* Raw MPEG-TS over HTTP, recorded as one live section. */
int rec_rawts(struct rec_ctx *c, const char *url);
/* Progressive MP4 download to stream_0.mp4. */
int rec_mp4(struct rec_ctx *c, const char *url);

#endif
