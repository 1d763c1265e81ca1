/* H.264/HEVC bitstream helpers: NAL start codes, SPS resolution, avcC/hvcC to Annex B. */
#ifndef SS_TS_H26X_H
#define SS_TS_H26X_H

#include "core/base/common.h"

/* NAL unit types we act on. */
enum {
	H264_NAL_SLICE = 1,
	H264_NAL_IDR = 5,
	H264_NAL_SEI = 6,
	H264_NAL_SPS = 7,
	H264_NAL_PPS = 8,
	H264_NAL_AUD = 9,
	HEVC_NAL_IRAP_FIRST = 16, /* BLA_W_LP .. CRA_NUT and reserved IRAP 22-23 */
	HEVC_NAL_IRAP_LAST = 23,
	HEVC_NAL_VPS = 32,
	HEVC_NAL_SPS = 33,
	HEVC_NAL_PPS = 34,
	HEVC_NAL_AUD = 35,
};

struct h26x_sps_info {
	int width;
	int height;
	int profile;
	int level;
};

/* What a scan of the first bytes of an access unit found. */
struct h26x_au_scan {
	bool aud;	    /* access unit delimiter present (first NAL) */
	bool key;	    /* IDR (H.264) / IRAP (HEVC) slice or a parameter set seen */
	bool vcl;	    /* a slice NAL was reached (nothing important follows) */
	const uint8_t *sps; /* SPS NAL (header included, start code excluded) in the input */
	size_t sps_len;	    /* bytes available of it (may be cut by the end of the scan) */
};

/*
 * Parses an H.264 SPS NAL (starting at the NAL header byte, emulation prevention bytes still
 * in) into info. Returns 0, -ERR_PARSE on a malformed or truncated SPS.
 */
int h264_parse_sps(const uint8_t *p, size_t n, struct h26x_sps_info *info);

/* Same for an HEVC SPS NAL (2-byte NAL header first). */
int hevc_parse_sps(const uint8_t *p, size_t n, struct h26x_sps_info *info);

/*
 * Scans Annex B bytes p[0..n) (the start of an access unit) for AUD, parameter sets, key
 * slices; hevc selects HEVC NAL types. Stops at the first slice. Views point into p.
 */
void h26x_scan_au(const uint8_t *p, size_t n, bool hevc, struct h26x_au_scan *s);

/*
 * Converts an avcC record to Annex B parameter sets (4-byte start codes) into out (cap bytes).
 * Returns the bytes written, or -ERR_PARSE / -ERR_TOO_LARGE; *nal_len gets the NAL length size
 * (1, 2 or 4) and info (may be NULL) the first SPS's resolution.
 */
int h264_avcc_to_annexb(const uint8_t *p, size_t n, uint8_t *out, size_t cap, int *nal_len,
			struct h26x_sps_info *info);

/* Same for an hvcC record (VPS, SPS and PPS arrays; SEI arrays are skipped). */
int hevc_hvcc_to_annexb(const uint8_t *p, size_t n, uint8_t *out, size_t cap, int *nal_len,
			struct h26x_sps_info *info);

/* Reads the sequence header (00 00 01 b3) size of MPEG-2 video in p[0..n). 0 or -ERR_PARSE. */
int mpeg2_parse_seq(const uint8_t *p, size_t n, struct h26x_sps_info *info);

#endif
