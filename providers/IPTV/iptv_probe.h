/* IPTV: which recorder a stream needs, from its first bytes (pure; iptv.c does the fetching). */
#ifndef SS_PROV_IPTV_PROBE_H
#define SS_PROV_IPTV_PROBE_H

#include "providers/provider.h"

enum iptv_class {
	IPTV_UNKNOWN,	 /* nothing recognised: leave it to the recorder (REC_AUTO) */
	IPTV_HLS_LIVE,	 /* media playlist without EXT-X-ENDLIST */
	IPTV_HLS_VOD,	 /* media playlist with EXT-X-ENDLIST (or too big to be live) */
	IPTV_HLS_MASTER, /* master playlist: *variant holds its first variant URI */
	IPTV_MP4,	 /* ISO BMFF (stream_classify(): STREAM_MP4) */
	IPTV_TS,	 /* raw MPEG-TS (stream_classify(): STREAM_TS) */
};

/*
 * Classifies the first n bytes of a body (complete: the whole body is in p, else it was
 * cut at the probe limit): the format by stream_classify(), then live/VOD/master for a
 * playlist, or by ctype (the media type, "" if none) when the bytes say nothing. For a master
 * playlist the first variant URI (as written, maybe relative) is copied into variant[cap].
 */
enum iptv_class iptv_classify(const uint8_t *p, size_t n, int complete, const char *ctype,
			      char *variant, size_t cap);

#endif
