/* Control-protocol framing: 4-byte big-endian length + payload. Pure, no allocation. */
#ifndef SS_FRAME_H
#define SS_FRAME_H

#include "core/base/common.h"

#define FRAME_HDR 4

/* A complete frame found in the caller's buffer (points into it). */
struct frame_view {
	const uint8_t *p; /* payload */
	uint32_t len;	  /* payload bytes */
};

/*
 * Looks at p[0..n) for one frame whose payload may be at most max bytes.
 * Returns 1 with *out and *used (header + payload bytes) set when a whole frame is there,
 * 0 when more bytes are needed (*need then holds the total bytes the frame occupies once
 * its header is known, else FRAME_HDR), or -ERR_TOO_LARGE when the announced length
 * exceeds max (nothing is consumed; the stream cannot be resynchronised).
 */
int frame_decode(const uint8_t *p, size_t n, uint32_t max, struct frame_view *out, size_t *used,
		 size_t *need);
/* Writes the 4-byte header for a payload of len bytes. */
void frame_put_len(uint8_t hdr[FRAME_HDR], uint32_t len);

#endif
