/* m3u8 parser (RFC 8216): master and media playlists into fixed tables of views. */
#ifndef SS_HLS_M3U8_H
#define SS_HLS_M3U8_H

#include "core/base/common.h"

/*
 * The parser never allocates and never reads past the buffer it is given. Every string
 * is a view into that buffer: the caller keeps the buffer alive as long as the parsed
 * playlist is used. Counts are capped by Kconfig (HLS_MAX_*); past a cap the parse
 * fails with -ERR_LIMIT and an error text naming the limit.
 */

struct m3u8_str {
	const char *p; /* not NUL-terminated; NULL when absent */
	uint32_t n;
};

enum m3u8_type { M3U8_MEDIA = 1, M3U8_MASTER = 2 };

/* ---- master playlists ----------------------------------------------------------- */

struct m3u8_variant {
	struct m3u8_str uri;
	uint64_t bandwidth;	   /* BANDWIDTH (required) */
	uint64_t avg_bandwidth;	   /* AVERAGE-BANDWIDTH, 0 if absent */
	int width, height;	   /* RESOLUTION, 0 if absent */
	uint32_t frame_rate_milli; /* FRAME-RATE x 1000, 0 if absent */
	struct m3u8_str codecs;	   /* CODECS, without quotes */
	struct m3u8_str audio;	   /* AUDIO group id */
};

enum m3u8_media_type { M3U8_MT_OTHER, M3U8_MT_AUDIO, M3U8_MT_VIDEO, M3U8_MT_SUBTITLES, M3U8_MT_CC };

struct m3u8_rendition {
	enum m3u8_media_type type;
	struct m3u8_str group_id, name, language, uri; /* uri absent: muxed into the variant */
	bool is_default, autoselect;
};

struct m3u8_master {
	int n_variants;
	struct m3u8_variant variant[CONFIG_HLS_MAX_VARIANTS];
	int n_media;
	struct m3u8_rendition media[CONFIG_HLS_MAX_MEDIA];
	int drm_session_key; /* an EXT-X-SESSION-KEY names a DRM key system */
};

/* ---- media playlists ------------------------------------------------------------ */

enum m3u8_key_method { M3U8_KEY_NONE, M3U8_KEY_AES128, M3U8_KEY_SAMPLE_AES, M3U8_KEY_OTHER };

struct m3u8_key {
	enum m3u8_key_method method;
	struct m3u8_str uri;
	struct m3u8_str keyformat; /* empty: "identity" */
	bool has_iv;
	uint8_t iv[16];
	bool drm; /* not decryptable here: SAMPLE-AES, Widevine, PlayReady, FairPlay, cenc/cbcs */
};

struct m3u8_map {
	struct m3u8_str uri;
	int64_t off, len; /* BYTERANGE; len < 0: whole resource */
};

struct m3u8_daterange {
	struct m3u8_str id, klass, start_date;
	int64_t duration_ms; /* DURATION or PLANNED-DURATION, -1 if absent */
	bool scte35_out, scte35_in;
};

enum {
	M3U8_SEG_DISCONTINUITY = 1 << 0, /* EXT-X-DISCONTINUITY before this segment */
	M3U8_SEG_CUE_OUT = 1 << 1,	 /* EXT-X-CUE-OUT (ad break starts) before it */
	M3U8_SEG_CUE_IN = 1 << 2,	 /* EXT-X-CUE-IN (ad break ends) before it */
	M3U8_SEG_GAP = 1 << 3,		 /* EXT-X-GAP: no media behind the URI */
	M3U8_SEG_BYTERANGE = 1 << 4,	 /* off/len are valid */
};

struct m3u8_segment {
	struct m3u8_str uri;
	uint32_t duration_ms; /* EXTINF */
	uint16_t flags;	      /* M3U8_SEG_* */
	int16_t key;	      /* index into keys[], -1: clear */
	int16_t map;	      /* index into maps[], -1: none */
	int64_t off, len;     /* BYTERANGE */
	int64_t pdt_ms;	      /* PROGRAM-DATE-TIME in ms since the epoch, 0 if none */
};

enum m3u8_playlist_type { M3U8_PT_NONE, M3U8_PT_VOD, M3U8_PT_EVENT };

struct m3u8_media {
	int version;
	uint32_t target_duration_s; /* EXT-X-TARGETDURATION (required) */
	uint64_t media_sequence;    /* first segment's sequence number */
	uint64_t disc_sequence;	    /* EXT-X-DISCONTINUITY-SEQUENCE */
	enum m3u8_playlist_type playlist_type;
	bool endlist;
	bool has_start;
	int64_t start_offset_ms; /* EXT-X-START TIME-OFFSET (negative: from the end) */
	bool start_precise;
	bool has_drm; /* some key is not decryptable here */
	int n_keys;
	struct m3u8_key keys[CONFIG_HLS_MAX_KEYS];
	int n_maps;
	struct m3u8_map maps[CONFIG_HLS_MAX_MAPS];
	int n_dateranges;
	struct m3u8_daterange
		dateranges[CONFIG_HLS_MAX_DATERANGES > 0 ? CONFIG_HLS_MAX_DATERANGES : 1];
	int n_segments;
	struct m3u8_segment seg[CONFIG_HLS_MAX_SEGMENTS];
};

/*
 * Which kind of playlist p[0..n) is (after an optional UTF-8 BOM): M3U8_MASTER,
 * M3U8_MEDIA, or -ERR_PARSE when it does not start with #EXTM3U or names neither
 * variants nor segments. Reads at most n bytes.
 */
int m3u8_probe(const uint8_t *p, size_t n);

/*
 * Parses a master playlist. *m is overwritten. Returns 0, -ERR_PARSE (malformed; err says
 * where), or -ERR_LIMIT (a Kconfig cap; err names it). err (cap bytes) may be NULL.
 */
int m3u8_parse_master(const uint8_t *p, size_t n, struct m3u8_master *m, char *err, size_t cap);

/* Parses a media playlist into *m (large: allocate it on the heap). Returns as above. */
int m3u8_parse_media(const uint8_t *p, size_t n, struct m3u8_media *m, char *err, size_t cap);

/*
 * Attribute-list iterator for tag values (`A=1,B="x,y",C=0x1F`). *pos starts at 0.
 * Returns 1 with name/val set (quotes stripped from val, *quoted set), 0 at the end,
 * or -ERR_PARSE on malformed input (unterminated quote, missing '=').
 */
int m3u8_attr_next(const char *p, size_t n, size_t *pos, struct m3u8_str *name,
		   struct m3u8_str *val, bool *quoted);

/* True when s equals the NUL-terminated literal lit (case-sensitive). */
bool m3u8_str_eq(struct m3u8_str s, const char *lit);
/* True when s equals lit ignoring ASCII case. */
bool m3u8_str_ieq(struct m3u8_str s, const char *lit);

/* Sum of segment durations in ms. */
int64_t m3u8_duration_ms(const struct m3u8_media *m);

#endif
