/* Names of the recorder kinds and the stream classifier (core/base/stream.h). */
#include <string.h>

#include "core/base/stream.h"

const char *rec_kind_name(enum rec_kind k)
{
	switch (k) {
	case REC_HLS_LIVE:
		return "hls_live";
	case REC_HLS_BASIC:
		return "hls_basic";
	case REC_HLS_M4S:
		return "hls_m4s";
	case REC_MP4:
		return "mp4";
	case REC_AUTO:
		break;
	}
	return "unknown";
}

/* "#EXTM3U" first, after an optional UTF-8 byte order mark and blanks (RFC 8216 4.3.1.1). */
static bool is_playlist(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return n - i >= 7 && memcmp(p + i, "#EXTM3U", 7) == 0;
}

/*
 * ISO/IEC 14496-12 4.2: a 32-bit size (0: to the end of the file, 1: a 64-bit size
 * follows, else at least the 8 header bytes) and a type a file or fragment starts with.
 */
static bool is_mp4_box(const uint8_t *p, size_t n)
{
	static const char *const types[] = {"ftyp", "moov", "mdat", "free",
					    "skip", "wide", "styp", "moof"};
	uint32_t size;

	if (n < 8)
		return false;
	size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (size >= 2 && size < 8)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (memcmp(p + 4, types[i], 4) == 0)
			return true;
	return false;
}

/* The sync byte at the start of each of the first three 188-byte packets that are there. */
static bool ts_syncs(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < STREAM_CLASSIFY_SETTLED; i += 188)
		if (i < n && p[i] != 0x47)
			return false;
	return n > 0;
}

enum stream_class stream_classify(const uint8_t *p, size_t n, bool more)
{
	if (is_playlist(p, n))
		return STREAM_HLS;
	if (is_mp4_box(p, n))
		return STREAM_MP4;
	if (ts_syncs(p, n))
		return n >= STREAM_CLASSIFY_SETTLED || !more ? STREAM_TS : STREAM_MORE;
	return more ? STREAM_MORE : STREAM_UNKNOWN;
}
