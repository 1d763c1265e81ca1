/*
 * What the parts of the MPEG-TS remuxer share (private to core/ts/remux*.c; the interface
 * is remux.h): remux.c the API and the stream slots, remux_ts.c TS input (framing, input
 * PSI, the hold at a segment start), remux_pass.c TS pass-through, remux_fmp4.c fMP4 input,
 * remux_time.c the timeline and sections, remux_out.c the output (buffer, PAT/PMT/PCR,
 * packetizer).
 */
#ifndef SS_TS_REMUX_INT_H
#define SS_TS_REMUX_INT_H

#include "core/ts/remux.h"

#define JUMP_90K ((int64_t)CONFIG_TS_JUMP_SECONDS * TS_CLOCK)

/* ts_stream.fast: continuations pass through the fast path; RX_FAST_COUNT counts frames too */
#define RX_FAST 1
#define RX_FAST_COUNT 2

static inline void set_err(struct ts_remux *r, int rc)
{
	if (rc < 0 && !r->err)
		r->err = rc;
}

/* ---- remux.c: stream slots -------------------------------------------------------------- */

/*
 * Audio stream slot 1 + na for a PMT or fMP4 init being applied: a slot beyond the streams
 * in use starts afresh on its output PID (a slot keeps its PID and CC across changes).
 */
struct ts_stream *rx_audio_slot(struct ts_remux *r, int na);

/* ---- remux_out.c: output buffer, PSI and PCR output, packetizer ----------------------- */

void rx_out_flush(struct ts_remux *r);
/* Writes the run of packets rewritten in place in the caller's buffer (see rx_run_add()). */
void rx_run_flush(struct ts_remux *r);
/*
 * Queues the packet s, already rewritten in place, for output without copying it:
 * consecutive packets make one run that goes to the sink in one write.
 */
void rx_run_add(struct ts_remux *r, const uint8_t *s);
/* Next free 188-byte slot; the caller fills it completely and calls rx_out_commit(). */
uint8_t *rx_out_slot(struct ts_remux *r);

static inline void rx_out_commit(struct ts_remux *r)
{
	r->out_n += TS_PKT;
}

/* Whether the packet at p lies in the writable buffer of ts_remux_feed_mut()'s caller. */
static inline bool in_mut(const struct ts_remux *r, const uint8_t *p)
{
	return p >= r->mut_lo && p < r->mut_hi;
}

/* Index of the stream that carries the output PCR: the video, else the first audio. */
static inline int pcr_index(const struct ts_remux *r)
{
	if (r->st[0].codec != TS_CODEC_NONE)
		return 0;
	for (int i = 1; i < r->n_streams; i++)
		if (r->st[i].codec != TS_CODEC_NONE)
			return i;
	return 0;
}

/* Monotonic output PCR for a wanted value. */
static inline int64_t pcr_clamp(const struct ts_remux *r, int64_t pcr)
{
	return r->pcr_last != TS_NOTS && pcr < r->pcr_last ? r->pcr_last : pcr;
}

void rx_emit_psi(struct ts_remux *r);
/* PAT/PMT when the period since the last ones (on the PCR clock) has passed. */
void rx_psi_if_due(struct ts_remux *r, int64_t now);
/* Fills a forward PCR step over the 100 ms limit with intermediate PCR packets. */
void rx_pcr_bridge(struct ts_remux *r, int64_t pcr);
/* An adaptation-field-only packet on the PCR PID carrying pcr (and the random access flag). */
void rx_emit_pcr(struct ts_remux *r, int64_t pcr, bool rai);
/* Generated PCR before a PES start on the PCR stream, when the period ran out or on a key. */
void rx_pcr_if_due(struct ts_remux *r, int64_t dts_out, bool key);
/* Packetizer: ends st's open PES (its last packet stuffed), begins one, adds bytes to it. */
void rx_pk_end(struct ts_remux *r, struct ts_stream *st);
void rx_pk_begin(struct ts_remux *r, struct ts_stream *st);
void rx_pk_data(struct ts_remux *r, struct ts_stream *st, const uint8_t *p, size_t n);
/* Packetizes an access unit delimiter (with its start code) for H.264, or HEVC when hevc. */
void rx_pk_aud(struct ts_remux *r, struct ts_stream *st, bool hevc);
/* Ends every stream's packetizer PES and its input PES state. */
void rx_pk_end_all(struct ts_remux *r);

/* ---- remux_time.c: timeline and sections ---------------------------------------------- */

/*
 * Decides whether input decode time ext (unwrapped) starts a new period and rebases the
 * whole program if so; lead is the PTS-DTS of this access unit, hs the hold scan of a TS
 * segment start (each stream's first DTS) or NULL. Returns the offset to add.
 */
int64_t rx_tl_check(struct ts_remux *r, struct ts_stream *st, int64_t ext, int64_t lead,
		    const struct ts_hold_scan *hs);
/* Unwraps a 33-bit input timestamp next to the last input time. */
int64_t rx_unwrap(const struct ts_remux *r, int64_t raw33);
/* Maps a PES's 33-bit PTS and DTS to output time (one rebase decision for both). */
void rx_tl_pes(struct ts_remux *r, struct ts_stream *st, int64_t pts33, int64_t dts33, int64_t *pts,
	       int64_t *dts);
/* Output time of an input PCR base, or TS_NOTS when it cannot be placed yet. */
int64_t rx_pcr_place(const struct ts_remux *r, int64_t raw33);
/* Records a written access unit: per-stream DTS/PTS/duration and the segment's range. */
void rx_note_au(struct ts_remux *r, struct ts_stream *st, int64_t pts, int64_t dts, int64_t dur);
/*
 * Audio PES start with payload p[0..n) (after the PES header): decides whether its frames
 * are counted; timed: the PES has a PTS (else its frames continue the previous PES's).
 * Call before rx_note_au(), then rx_af_walk() on the same payload.
 */
void rx_af_begin(struct ts_stream *st, const uint8_t *p, size_t n, bool timed);
/* Counts the frame headers in PES payload p[0..n) of a counted audio stream. */
void rx_af_walk(struct ts_remux *r, struct ts_stream *st, const uint8_t *p, size_t n);
/* Counts an audio access unit dropped before the first key frame; true: stop waiting. */
bool rx_audio_waited_enough(struct ts_remux *r);
bool rx_cfg_differs(const struct ts_section_info *a, const struct ts_section_info *b);
/* Opens section index+1 with configuration c; first_out is its first output time. */
void rx_section_open(struct ts_remux *r, const struct ts_section_info *c, int64_t first_out);
/* Builds the configuration the next data has, from the hold scan or the fMP4 init. */
void rx_cfg_now(const struct ts_remux *r, struct ts_section_info *c, int w, int h);

/* ---- remux_pass.c: TS pass-through ---------------------------------------------------- */

/* Writes input packet p of stream idx: passed through with its headers patched, or repacked. */
void rx_out_packet(struct ts_remux *r, int idx, const uint8_t *p);
/* Our PCR for an input packet's PCR, when it has one that can be placed. */
void rx_emit_input_pcr(struct ts_remux *r, const uint8_t *p);

/* ---- remux_ts.c: TS input ------------------------------------------------------------- */

void rx_ts_segment_begin(struct ts_remux *r);
void rx_ts_feed(struct ts_remux *r, const uint8_t *p, size_t n);
/* Ends a TS segment: the packets left in the carry buffer, then the hold goes out. */
void rx_ts_segment_end(struct ts_remux *r);
/* Releases the hold at a TS segment start (the section decision is made). */
void rx_hold_release(struct ts_remux *r);

/* ---- remux_fmp4.c: fMP4 input --------------------------------------------------------- */

void rx_fmp4_segment_begin(struct ts_remux *r);
void rx_fmp4_feed(struct ts_remux *r, const uint8_t *p, size_t n);
/* Ends an fMP4 segment: a truncated sample is closed, a truncated moof counted. */
void rx_fmp4_segment_end(struct ts_remux *r);

#endif
