/* PES headers (parse, patch, build) and audio frame headers (ADTS, AC-3, MPEG audio). */
#ifndef SS_TS_PES_H
#define SS_TS_PES_H

#include "core/base/common.h"
#include "core/ts/psi.h"

#define PES_SID_VIDEO 0xe0
#define PES_SID_AUDIO 0xc0
#define PES_SID_PRIVATE1 0xbd /* AC-3 / E-AC-3 in DVB */
#define PES_HDR_MAX 19	      /* start code .. PTS + DTS */

/* A parsed PES header: offsets into the bytes given to pes_parse(). */
struct pes_hdr {
	uint8_t stream_id;
	unsigned hdr_len; /* bytes before the ES payload */
	unsigned pts_off; /* offset of the 5-byte PTS field, 0 when absent */
	unsigned dts_off; /* offset of the 5-byte DTS field, 0 when absent */
	int64_t pts, dts; /* 33-bit values, dts == pts when absent; TS_NOTS when no PTS */
	unsigned pes_len; /* PES_packet_length (0: unbounded) */
};

/*
 * Parses the PES header at p[0..n) (the payload of a PUSI packet). Returns 0,
 * -ERR_PARSE when it is not a PES start, -ERR_EOF when n is too short for the header.
 */
int pes_parse(const uint8_t *p, size_t n, struct pes_hdr *h);

/*
 * Writes a PES header for stream_id with pts (and dts when != pts, both TS_NOTS: none) into
 * out (PES_HDR_MAX bytes); payload_len is the ES bytes following (0: unbounded, video only).
 * Returns the header size.
 */
unsigned pes_build(uint8_t *out, uint8_t stream_id, int64_t pts, int64_t dts, size_t payload_len);

/* Audio configuration as the section decision compares it. */
struct audio_cfg {
	enum ts_codec codec;
	int rate;     /* Hz, 0 unknown */
	int channels; /* 0 unknown */
	int object;   /* AAC audio object type, 0 otherwise */
};

/* Parses an ADTS header at p[0..n) into c; returns the frame length or -ERR_PARSE/-ERR_EOF. */
int adts_parse(const uint8_t *p, size_t n, struct audio_cfg *c);

/* Parses an AC-3 or E-AC-3 sync frame header; returns the frame length or -ERR_PARSE/-ERR_EOF. */
int ac3_parse(const uint8_t *p, size_t n, struct audio_cfg *c);

/* Parses an MPEG-1/2 audio frame header; returns the frame length or -ERR_PARSE/-ERR_EOF. */
int mpa_parse(const uint8_t *p, size_t n, struct audio_cfg *c);

/*
 * Parses an AudioSpecificConfig (14496-3 §1.6.2.1) into c and the ADTS fields. 0 or
 * -ERR_PARSE / -ERR_UNSUPPORTED (no ADTS form: channel config 0 or rate index 15).
 */
int aac_parse_asc(const uint8_t *p, size_t n, struct audio_cfg *c, unsigned *rate_index);

/* Writes the 7-byte ADTS header for a raw AAC frame of frame_len bytes. */
void adts_build(uint8_t *out, int object, unsigned rate_index, int channels, size_t frame_len);

#endif
