/* ISO BMFF box headers, a top-level box scanner, and the faststart moov rewrite. */
#ifndef SS_TS_MP4BOX_H
#define SS_TS_MP4BOX_H

#include "core/base/common.h"

#define MP4_FOURCC(a, b, c, d)                                                                     \
	((uint32_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |         \
		    (uint32_t)(d)))

struct mp4_box {
	uint32_t type;
	uint64_t size;	  /* whole box including the header; 0 = extends to end of file */
	unsigned hdr_len; /* 8, or 16 with a 64-bit largesize */
};

/*
 * Reads a box header at p[0..n). Returns 0, -ERR_EOF when more bytes are needed (n < 8 or
 * n < 16 for largesize), -ERR_PARSE for a size smaller than its header.
 */
int mp4_box_header(const uint8_t *p, size_t n, struct mp4_box *b);

/*
 * Finds the child box of type inside p[0..n) (a box's payload). Returns 0 and sets *child /
 * *child_n to the child's payload (after its header), -ERR_NOT_FOUND, or -ERR_PARSE when a
 * child overruns n.
 */
int mp4_box_find(const uint8_t *p, size_t n, uint32_t type, const uint8_t **child, size_t *child_n);

/* Incremental top-level box scanner over a file read sequentially in arbitrary pieces. */
struct mp4_scan {
	uint64_t pos;	  /* file offset of the next byte fed */
	uint64_t box_pos; /* offset of the current box */
	uint64_t box_end; /* end offset of the current box (UINT64_MAX: to end of file) */
	uint8_t hdr[16];
	unsigned hdr_have;
	struct mp4_box box;
};

/* One top-level box found by mp4_scan_feed. */
struct mp4_scan_box {
	uint32_t type;
	uint64_t offset; /* file offset of the box header */
	uint64_t size;	 /* 0: extends to end of file */
	unsigned hdr_len;
};

/* Starts a scan at file offset 0. */
void mp4_scan_init(struct mp4_scan *s);

/*
 * Feeds p[0..n). On finding a box header, fills *out, sets *used to the bytes consumed so far
 * and returns 1 (call again with the rest); returns 0 when all n bytes were consumed, or
 * -ERR_PARSE on a malformed header. Box payloads are skipped, not stored.
 */
int mp4_scan_feed(struct mp4_scan *s, const uint8_t *p, size_t n, size_t *used,
		  struct mp4_scan_box *out);

/*
 * Faststart: copies a whole moov box (moov[0..n), header included) to out (cap bytes), with
 * every stco/co64 chunk offset increased by shift + the new moov size, i.e. for the layout
 * where the media data moves from old offset A to (moov_new_offset + new moov size):
 * shift = moov_new_offset - A. stco tables whose offsets would overflow 32 bits become co64
 * (the moov and its parents grow; that growth is included). Returns 0 and *out_n, or
 * -ERR_PARSE, -ERR_TOO_LARGE (cap too small), -ERR_UNSUPPORTED (offset would go negative).
 */
int mp4_faststart_moov(const uint8_t *moov, size_t n, int64_t shift, uint8_t *out, size_t cap,
		       size_t *out_n);

/* Size the moov will have after mp4_faststart_moov with the same shift; 0 or error as above. */
int mp4_faststart_size(const uint8_t *moov, size_t n, int64_t shift, size_t *out_n);

#endif
