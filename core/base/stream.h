/*
 * What a provider hands the recorder engine: the stream URL, its request headers and, when
 * the provider knows it, which recorder backend it needs. The engine (core/rec) owns what the
 * kinds mean; the types live here because providers/ may include core/base/ only, and the
 * engine must not include providers/. The classifier of stream bodies lives here for the
 * same reason: the engine and the IPTV provider share it.
 */
#ifndef SS_STREAM_H
#define SS_STREAM_H

#include "core/base/common.h"

/* Longest stream URL (equals HTTP_URL_MAX and URL_MAX; the engine checks it at compile time). */
#define STREAM_URL_MAX 2048

/* Which recorder a resolved stream needs. */
enum rec_kind {
	REC_AUTO = 0,  /* probe the URL: HLS master/media playlist, MP4, raw TS */
	REC_HLS_LIVE,  /* "hls_live": live HLS, sections follow until stop */
	REC_HLS_BASIC, /* "hls_basic": HLS VOD, ends with stop/complete */
	REC_HLS_M4S,   /* "hls_m4s": HLS with fMP4 segments */
	REC_MP4,       /* "mp4": progressive download */
};

/* Protocol name of a recorder kind ("hls_live", ...; "unknown" for REC_AUTO). */
const char *rec_kind_name(enum rec_kind k);

#define RESOLVE_HEADERS_MAX 8

struct resolve_result {
	char url[STREAM_URL_MAX]; /* stream URL to record */
	enum rec_kind kind;	  /* REC_AUTO lets the recorder probe */
	/* Extra request headers for every request of the recording ("Name: value"). */
	char headers[RESOLVE_HEADERS_MAX][256];
	int n_headers;
};

/*
 * What the first bytes of a stream body are: the one classifier of the recorder engine
 * (REC_AUTO probe) and the IPTV provider. It parses bytes from outside, nothing else.
 */
enum stream_class {
	STREAM_UNKNOWN = 0, /* none of the formats below */
	STREAM_MORE,	    /* not settled yet: more bytes may decide (only when more is true) */
	STREAM_HLS,	    /* m3u8 playlist: "#EXTM3U" after an optional UTF-8 BOM and blanks */
	STREAM_MP4,	    /* ISO BMFF: a plausible header of a top-level box type first */
	STREAM_TS, /* MPEG-TS: sync byte 0x47 at 0, 188 and 376 (as far as there are bytes) */
};

/* Bytes that settle every format: the sync bytes of three TS packets. */
#define STREAM_CLASSIFY_SETTLED (2 * 188 + 1)

/*
 * Classifies the first n bytes of a body (pure). more: the caller can still read more of
 * it; then STREAM_MORE comes back while the answer could change (nothing recognised yet,
 * or a TS with fewer than STREAM_CLASSIFY_SETTLED bytes). With more false the answer
 * uses what is there. An answer given with more true never changes with more bytes.
 */
enum stream_class stream_classify(const uint8_t *p, size_t n, bool more);

#endif
