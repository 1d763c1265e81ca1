/*
 * What a provider hands the recorder engine: the stream URL, its request headers and, when
 * the provider knows it, which recorder backend it needs. The engine (core/rec) owns what the
 * kinds mean; the types live here because providers/ may include core/base/ only, and the
 * engine must not include providers/.
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

#endif
