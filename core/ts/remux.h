/*
 * MPEG-TS remuxer: turns HLS segments (TS, or fMP4 with an EXT-X-MAP init or a moov of its
 * own) fed as bytes arrive into continuous section files (fixed PIDs, renumbered CCs,
 * rebased timestamps, PAT/PMT every 0.3 s, PCR every 60 ms, AUD per access unit).
 *
 * Use: ts_remux_init() once per recording; per segment ts_remux_segment_begin(),
 * ts_remux_feed() any number of times with any split, ts_remux_segment_end(); for fMP4 call
 * ts_remux_fmp4_init() with the whole init section before the segments that use it (again
 * when the EXT-X-MAP changes); ts_remux_finish() at the end. No allocation: the struct holds
 * every buffer (sizes from CONFIG_TS_*); embed it or allocate it once.
 */
#ifndef SS_TS_REMUX_H
#define SS_TS_REMUX_H

#include "core/base/common.h"
#include "core/ts/fmp4.h"
#include "core/ts/pes.h"
#include "core/ts/psi.h"
#include "core/ts/ts.h"

/*
 * Configuration of a section file: a change of any of it starts a new section (timestamps
 * still continue from the previous section; each file starts with PAT, PMT, PCR, key frame).
 */
struct ts_section_info {
	int index;	      /* N of stream_<N>.ts, from 0 */
	enum ts_codec vcodec; /* TS_CODEC_NONE for audio-only */
	int width, height;    /* 0 when unknown */
	int n_audio;
	struct audio_cfg audio[CONFIG_TS_MAX_AUDIO];
};

/* What one input segment contained, reported by ts_remux_segment_end(). */
struct ts_segment_info {
	int section;	      /* section the segment's packets went to (-1: nothing written) */
	bool new_section;     /* this segment opened that section */
	bool rebased;	      /* timestamps were rebased (tagged or unannounced discontinuity) */
	bool keyframe;	      /* a video key frame (or audio only) was written */
	enum ts_codec vcodec; /* as in the section */
	int width, height;
	enum ts_codec acodec; /* first audio stream */
	int audio_rate, audio_channels;
	int64_t duration;   /* 90 kHz, from the first to past the last access unit written */
	uint64_t bytes_in;  /* bytes fed */
	uint64_t bytes_out; /* bytes given to the sink */
	uint64_t skipped;   /* input bytes dropped: garbage, truncated packets, bad boxes */
};

/*
 * Output sink. write is required; section is optional (NULL) but a recorder needs it.
 * Neither may call back into the remuxer.
 */
struct ts_sink_ops {
	/* Writes n bytes (whole 188-byte packets) to the current section file; 0 or -errno. */
	int (*write)(void *ctx, const uint8_t *p, size_t n);
	/*
	 * Called before the first packet of section info->index: close the previous file and
	 * open stream_<index>.ts. Returns 0 or a negative error that stops the remuxer.
	 */
	int (*section)(void *ctx, const struct ts_section_info *info);
};

/* ts_remux_segment_begin() flags. */
#define TS_SEG_DISCONTINUITY 1u /* EXT-X-DISCONTINUITY precedes the segment */
#define TS_SEG_FMP4 2u /* fMP4 (moof/mdat): init from ts_remux_fmp4_init() or a moov in it */

/* ---- private state below: read only through the functions ---- */

struct ts_stream {
	uint16_t in_pid; /* input PID (TS input) */
	uint16_t out_pid;
	uint8_t out_cc;
	int8_t in_cc; /* last input CC, -1 none */
	uint8_t sid;  /* PES stream_id written */
	bool video;
	enum ts_codec codec;
	char lang[4];
	struct audio_cfg acfg; /* audio: as seen in the stream */
	int64_t last_dts;      /* output timeline (unwrapped), TS_NOTS none */
	int64_t dur;	       /* last access-unit duration, 90 kHz */
	int64_t last_in;       /* last input DTS (unwrapped) in this period, TS_NOTS */
	/*
	 * Audio frames counted in the PES written (ADTS, AC-3, MPEG audio through TS input):
	 * a PES holds several frames, so its end is last_dts + af_n frames, not a PES step.
	 */
	bool af_count;	   /* the current PES's frames are counted (its end is exact) */
	uint8_t af_have;   /* bytes of a frame header split over two packets, in af_hdr */
	uint16_t af_skip;  /* PES payload bytes before the next frame header */
	uint16_t af_n;	   /* frames begun since last_dts */
	uint16_t af_spf;   /* samples per frame */
	int32_t af_rate;   /* sample rate, Hz */
	uint8_t af_hdr[8]; /* that split header */
	bool in_pes;	   /* inside a PES being written */
	bool drop;	   /* inside a PES being dropped (waiting for a key frame) */
	bool repack;	   /* current PES goes through the packetizer (AUD inserted) */
	uint8_t fast;	   /* in_pes && !drop && !repack: continuations take the fast path:
			    * RX_FAST, or RX_FAST_COUNT when they count audio frames, 0 not */
	bool pk_open;	   /* packetizer has a PES open */
	bool pk_first;	   /* next packetizer packet starts the PES (PUSI) */
	uint8_t pk_len;	   /* payload bytes waiting in pk */
	uint8_t pk[TS_PKT - 4];
};

/* What the hold at a TS segment start has learned. */
struct ts_hold_scan {
	bool video_cfg; /* video resolution known (or no video) */
	bool audio_seen[CONFIG_TS_MAX_AUDIO];
	int64_t first_ts; /* earliest PTS/DTS seen in the segment (33-bit), TS_NOTS */
	int64_t first[1 + CONFIG_TS_MAX_AUDIO];	   /* each stream's first DTS (33-bit) */
	bool first_known[1 + CONFIG_TS_MAX_AUDIO]; /* first[i] is set */
	int64_t lead;				   /* PTS - DTS of the segment's first video PES */
	bool lead_known;
	uint16_t head_len; /* bytes of the current video PES head collected */
	bool head_done;
	uint8_t head[512];
};

/* fMP4 streaming state. */
struct ts_fmp4 {
	bool have_init;
	struct fmp4_init init;
	uint64_t pos;	  /* segment offset of the next input byte */
	uint64_t box_pos; /* offset of the current top-level box */
	uint64_t box_end; /* its end (UINT64_MAX: to the end) */
	uint32_t box_type;
	uint8_t hdr[16];
	uint8_t hdr_have;
	bool in_box;
	uint32_t moof_len;
	bool moof_ok; /* moof parsed, its samples not all consumed */
	struct fmp4_moof moof;
	int run;	      /* current run index */
	uint32_t sample;      /* current sample in the run */
	uint64_t sample_pos;  /* segment offset of the current sample */
	uint32_t sample_left; /* bytes of it not yet consumed, 0: not started */
	int64_t run_dts;      /* decode time of the current sample, track timescale */
	bool sample_active;   /* the current sample is being consumed */
	bool sample_drop;     /* ... but not written (waiting for a key frame, bad NAL) */
	bool decided;	      /* section decision made for this segment */
	bool first_nal;	      /* video: next NAL is the sample's first (AUD goes before it) */
	bool ps_pending;      /* video: parameter sets still to insert in this key sample */
	uint32_t sample_size, sample_dur;
	uint32_t nal_len_cur; /* video: length of the NAL whose header is being read */
	uint8_t nal_hdr[5];   /* video: length prefix + first byte being collected */
	uint8_t nal_have;
	uint32_t nal_left; /* video: bytes of the current NAL still to copy */
};

struct ts_remux {
	struct ts_sink_ops ops;
	void *ctx;
	int err; /* sticky error: every later call returns it */

	/* input framing */
	bool synced;
	uint16_t carry_n;
	uint8_t carry[3 * TS_PKT];

	/* PSI input */
	uint16_t pmt_pid; /* 0: not known yet */
	uint16_t in_pcr_pid;
	uint8_t pmt_crc[4]; /* CRC of the PMT in use, to spot changes */
	uint16_t psi_pid;
	uint16_t psi_len;
	int8_t psi_cc;
	uint8_t psi[CONFIG_TS_PSI_BYTES];

	/* streams: [0] video (when present), then audio */
	int n_streams;
	struct ts_stream st[1 + CONFIG_TS_MAX_AUDIO];
	uint8_t pid_map[8192]; /* input PID -> stream index + 1, 0: dropped */

	/* timeline */
	int64_t ref_in;	     /* last unwrapped input timestamp, TS_NOTS before the first */
	int64_t offset;	     /* added to unwrapped input time to get output time */
	bool rebase_pending; /* tagged discontinuity: rebase at the next timestamp */
	int64_t next_lead;   /* PTS - DTS of the picture a rebase is computed for, or 0 */
	int64_t out_end;     /* end of the output timeline: latest DTS + duration, TS_NOTS */
	int64_t out_pend;    /* end of the pictures' presentation: latest PTS + duration */
	int64_t pcr_last;    /* last PCR written (90 kHz base, unwrapped output), TS_NOTS */
	int64_t pcr_delay;   /* input DTS - PCR, used for generated PCRs */
	int64_t in_pcr;	     /* last input PCR mapped to output time, TS_NOTS */
	uint32_t key_wait;   /* video PES dropped while waiting for a key frame */
	uint32_t audio_wait; /* audio PES dropped while waiting for that key frame */
	uint8_t pmt_version;
	int64_t psi_last; /* PCR time of the last PAT/PMT */
	bool psi_fresh;	  /* PAT/PMT just sent at a section start, not yet timed */
	uint8_t pat_cc, pmt_cc;

	/* sections */
	int section; /* current section index, -1 before the first */
	struct ts_section_info cur;
	bool need_key; /* drop video until a key frame (section start) */
	bool seg_fmp4;

	/* hold at a TS segment start */
	bool holding;
	uint32_t hold_n;
	struct ts_hold_scan hs;
	int hs_width, hs_height; /* resolution found by the hold scan, 0 unknown */

	/* per-segment report */
	struct ts_segment_info seg;
	int64_t seg_first, seg_last; /* output DTS range of the segment */

	struct ts_fmp4 f;

	/* A segment is TS or fMP4: the TS hold and the fMP4 moof never live at the same time. */
	union {
		uint8_t hold[CONFIG_TS_HOLD_BYTES / TS_PKT * TS_PKT];
		uint8_t moof[CONFIG_TS_MOOF_BYTES];
	} u;

	uint32_t out_n;
	uint8_t out[CONFIG_TS_OUT_BYTES / TS_PKT * TS_PKT];

	/* ts_remux_feed_mut(): the caller's buffer, and the run rewritten in place there */
	const uint8_t *mut_lo, *mut_hi;
	const uint8_t *run_p;
	uint32_t run_n;
};

/* Initialises r (caller-owned memory) to write to ops/ctx. Always 0. */
int ts_remux_init(struct ts_remux *r, const struct ts_sink_ops *ops, void *ctx);

/*
 * Gives the whole fMP4 init section (EXT-X-MAP). Parsed at once; p is not kept. Returns 0,
 * -ERR_PARSE, -ERR_DRM (encrypted tracks), -ERR_UNSUPPORTED (no usable track).
 */
int ts_remux_fmp4_init(struct ts_remux *r, const uint8_t *p, size_t n);

/* Starts an input segment; flags are TS_SEG_*. 0 or the sticky error. */
int ts_remux_segment_begin(struct ts_remux *r, unsigned flags);

/*
 * Feeds the next n bytes of the segment (any split). Returns 0; -ERR_DRM for SAMPLE-AES
 * streams, scrambled packets or encrypted fMP4 tracks; -ERR_PARSE for fMP4 that cannot be
 * followed; -ERR_TOO_LARGE for a moof over CONFIG_TS_MOOF_BYTES; -ERR_PROTOCOL for fMP4
 * fragments without any init; a sink error. Errors are sticky: the recording should stop.
 */
int ts_remux_feed(struct ts_remux *r, const uint8_t *p, size_t n);

/*
 * As ts_remux_feed(), but p is writable and the caller's until it returns: whole TS
 * packets passed through are rewritten in place (PID, CC, PCR, PTS/DTS) and handed to the
 * sink straight from p in runs, without a copy. The bytes of p are undefined afterwards.
 */
int ts_remux_feed_mut(struct ts_remux *r, uint8_t *p, size_t n);

/*
 * Ends the segment: flushes held packets and buffered output to the sink, fills info (may
 * be NULL). A truncated last packet or sample is dropped and counted in info->skipped.
 * Returns 0 or the sticky error.
 */
int ts_remux_segment_end(struct ts_remux *r, struct ts_segment_info *info);

/* Ends the recording: closes open PES and flushes. Returns 0 or the sticky error. */
int ts_remux_finish(struct ts_remux *r);

#endif
