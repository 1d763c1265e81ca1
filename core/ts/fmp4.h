/* Fragmented MP4 (CMAF / HLS EXT-X-MAP) parsing: init moov to track configs, moof to runs. */
#ifndef SS_TS_FMP4_H
#define SS_TS_FMP4_H

#include "core/base/common.h"
#include "core/ts/h26x.h"
#include "core/ts/pes.h"
#include "core/ts/psi.h"

#define FMP4_MAX_TRACKS (1 + CONFIG_TS_MAX_AUDIO)

/* Decode times (tfdt, edit lists) at or over this are rejected: sums of durations on top
 * of them stay far from 64-bit overflow. 2^56 ticks is 25 years even at a 90 MHz timescale. */
#define FMP4_TIME_MAX (1LL << 56)

/* Sample flags bit: sample_is_non_sync_sample (14496-12 §8.8.3.1). */
#define FMP4_NON_SYNC 0x00010000u

struct fmp4_track {
	uint32_t id;
	uint32_t timescale;
	bool video;
	enum ts_codec codec;
	int nal_len;		  /* video: NAL length field size (1, 2, 4) */
	struct h26x_sps_info sps; /* video resolution from the config's SPS */
	struct audio_cfg audio;
	unsigned aac_rate_index;	       /* ADTS sampling_frequency_index */
	int64_t elst_shift;		       /* media_time of the edit list, in timescale units */
	uint32_t def_dur, def_size, def_flags; /* trex defaults */
	int64_t next_dts; /* end of the last fragment, for a traf without tfdt; -1 */
	uint16_t ps_len;  /* Annex B parameter sets in ps[] */
	uint8_t ps[CONFIG_TS_PARAM_BYTES];
};

struct fmp4_init {
	int n_tracks;
	struct fmp4_track tracks[FMP4_MAX_TRACKS];
};

/*
 * Parses an init segment (ftyp + moov, or any data holding a moov) into ini. Tracks of other
 * kinds (subtitles, metadata) and audio beyond the cap are skipped. Returns 0, -ERR_PARSE,
 * -ERR_DRM (encv/enca: CENC encrypted), -ERR_UNSUPPORTED (no supported track).
 */
int fmp4_parse_init(const uint8_t *p, size_t n, struct fmp4_init *ini);

/* One trun of a moof, resolved against tfhd/trex defaults. Positions index the moof bytes. */
struct fmp4_run {
	int track;	      /* index into fmp4_init.tracks */
	uint64_t data_off;    /* segment offset of the first sample */
	uint32_t count;	      /* samples */
	uint32_t tab_off;     /* offset of the first sample entry in the moof */
	uint8_t entry_len;    /* bytes per sample entry */
	uint32_t tr_flags;    /* trun flags */
	uint32_t first_flags; /* first_sample_flags (when tr_flags & 4) */
	uint8_t version;      /* trun version (signed composition offsets when 1) */
	uint32_t def_dur, def_size, def_flags; /* tfhd or trex defaults */
	int64_t dts; /* decode time of the first sample, track timescale */
};

struct fmp4_moof {
	int n_runs;
	struct fmp4_run runs[CONFIG_TS_MAX_RUNS]; /* sorted by data_off */
};

/* One sample of a run. */
struct fmp4_sample {
	uint32_t size;
	uint32_t dur;
	uint32_t flags;
	int32_t cto; /* composition time offset */
};

/*
 * Parses a whole moof box (p[0..n), header included, found at segment offset moof_pos)
 * against ini, updating each track's next_dts. Returns 0, -ERR_PARSE, -ERR_LIMIT (more truns
 * than CONFIG_TS_MAX_RUNS).
 */
int fmp4_parse_moof(const uint8_t *p, size_t n, uint64_t moof_pos, struct fmp4_init *ini,
		    struct fmp4_moof *m);

/* Sample i of run r from the moof bytes (validated by fmp4_parse_moof). */
void fmp4_run_sample(const uint8_t *moof, const struct fmp4_run *r, uint32_t i,
		     struct fmp4_sample *s);

#endif
