/* MPEG-TS packet constants, header accessors and 33-bit timestamp helpers (ISO/IEC 13818-1). */
#ifndef SS_TS_TS_H
#define SS_TS_TS_H

#include "core/base/common.h"

#define TS_PKT 188
#define TS_SYNC 0x47
#define TS_PID_PAT 0x0000
#define TS_PID_NULL 0x1fff
#define TS_OUT_PID_PMT 0x1000  /* FFmpeg's pmt_start_pid */
#define TS_OUT_PID_VIDEO 0x100 /* FFmpeg's start_pid */
#define TS_OUT_PID_AUDIO 0x101 /* first audio; more audio streams count up */
#define TS_CLOCK 90000
#define TS_WRAP (1LL << 33)
#define TS_MASK (TS_WRAP - 1)
#define TS_NOTS INT64_MIN /* "no timestamp" in 64-bit unwrapped time */

static inline unsigned ts_pid(const uint8_t *p)
{
	return ((unsigned)(p[1] & 0x1f) << 8) | p[2];
}

static inline int ts_pusi(const uint8_t *p)
{
	return (p[1] >> 6) & 1;
}

/* adaptation_field_control: bit 1 = adaptation field, bit 0 = payload. */
static inline unsigned ts_afc(const uint8_t *p)
{
	return (p[3] >> 4) & 3;
}

static inline unsigned ts_cc(const uint8_t *p)
{
	return p[3] & 0x0f;
}

static inline unsigned ts_scrambled(const uint8_t *p)
{
	return p[3] >> 6;
}

/* Offset of the payload in a packet, or TS_PKT when it has none or the AF is malformed. */
static inline unsigned ts_payload_off(const uint8_t *p)
{
	unsigned afc = ts_afc(p), off = 4;

	if (!(afc & 1))
		return TS_PKT;
	if (afc & 2) {
		off = 5u + p[4];
		if (off > TS_PKT)
			return TS_PKT;
	}
	return off;
}

/*
 * Signed distance b - a between two 33-bit timestamps, in [-2^32, 2^32): the unwrap step
 * ((b - a + 2^32) mod 2^33) - 2^32 that keeps a long recording monotonic across wraps.
 */
static inline int64_t ts_diff33(int64_t a, int64_t b)
{
	return ((b - a + (1LL << 32)) & TS_MASK) - (1LL << 32);
}

/* Reads the 33-bit timestamp of a PES PTS/DTS field (5 bytes, marker bits ignored). */
static inline int64_t ts_read_pts(const uint8_t *q)
{
	return ((int64_t)(q[0] & 0x0e) << 29) | ((int64_t)q[1] << 22) |
	       ((int64_t)(q[2] & 0xfe) << 14) | ((int64_t)q[3] << 7) | (q[4] >> 1);
}

/* Writes a PES PTS/DTS field: prefix is 2 (PTS only), 3 (PTS of a pair) or 1 (DTS). */
static inline void ts_write_pts(uint8_t *q, unsigned prefix, int64_t t)
{
	t &= TS_MASK;
	q[0] = (uint8_t)((prefix << 4) | ((t >> 29) & 0x0e) | 1);
	q[1] = (uint8_t)(t >> 22);
	q[2] = (uint8_t)(((t >> 14) & 0xfe) | 1);
	q[3] = (uint8_t)(t >> 7);
	q[4] = (uint8_t)(((t << 1) & 0xfe) | 1);
}

/* Reads the PCR base (90 kHz) of a 6-byte PCR field. */
static inline int64_t ts_read_pcr_base(const uint8_t *q)
{
	return ((int64_t)q[0] << 25) | ((int64_t)q[1] << 17) | ((int64_t)q[2] << 9) |
	       ((int64_t)q[3] << 1) | (q[4] >> 7);
}

/* Writes a 6-byte PCR field from a 90 kHz base and a 27 MHz extension (0..299). */
static inline void ts_write_pcr(uint8_t *q, int64_t base, unsigned ext)
{
	base &= TS_MASK;
	q[0] = (uint8_t)(base >> 25);
	q[1] = (uint8_t)(base >> 17);
	q[2] = (uint8_t)(base >> 9);
	q[3] = (uint8_t)(base >> 1);
	q[4] = (uint8_t)(((base & 1) << 7) | 0x7e | ((ext >> 8) & 1));
	q[5] = (uint8_t)ext;
}

/* Bound for rescaled times: sums of a few such values cannot overflow 64 bits. */
#define TS_TIME_MAX (1LL << 59)

/*
 * Rescales t from timescale ts to 90 kHz without 64-bit overflow; results beyond
 * +-TS_TIME_MAX (about 200 000 years) saturate there, so hostile input stays defined.
 */
static inline int64_t ts_rescale90k(int64_t t, uint32_t timescale)
{
	int64_t q, r;

	if (timescale == 0)
		timescale = TS_CLOCK;
	q = t / (int64_t)timescale;
	r = t % (int64_t)timescale;
	if (q > TS_TIME_MAX / TS_CLOCK)
		return TS_TIME_MAX;
	if (q < -TS_TIME_MAX / TS_CLOCK)
		return -TS_TIME_MAX;
	return q * TS_CLOCK + r * TS_CLOCK / (int64_t)timescale;
}

#endif
