/* Variant choice: the best variant the board decodes, capped by the requested quality. */
#ifndef SS_HLS_VARIANT_H
#define SS_HLS_VARIANT_H

#include "core/hls/m3u8.h"

/* What the box can play (from the board's Kconfig, plus the client's av1 flag). */
struct hls_caps {
	bool h264, hevc, av1, aac, ac3, eac3, mp3;
	int max_height;
};

/* Fills c from CONFIG_DEC_* ; av1 is the client's "av1" start argument. */
void hls_caps_board(struct hls_caps *c, int av1);

/*
 * Height cap of a quality argument: "1080p" -> 1080, "4k" -> 2160; 0 for "best",
 * "provider", "" or NULL (no cap); -1 for "worst"/"lowest"; -ERR_BAD_REQUEST otherwise.
 */
int hls_quality_height(const char *quality);

/* True when every codec named in CODECS is one c decodes (no CODECS: assumed decodable). */
bool hls_variant_decodable(const struct m3u8_variant *v, const struct hls_caps *c);

/*
 * Index of the variant to record: the highest BANDWIDTH among decodable variants whose
 * height fits the quality (and the board's max height); when none fits, the lowest
 * decodable one. Audio-only variants are chosen only when there is no video. Returns
 * the index, or -ERR_UNSUPPORTED when no variant is decodable.
 */
int hls_variant_pick(const struct m3u8_master *m, const char *quality, const struct hls_caps *c);

/*
 * After a re-resolve: index of the variant in m that matches the pinned one (same
 * resolution, codecs and bandwidth; else same resolution and codecs; else the closest
 * bandwidth among those), or -1 when none matches.
 */
int hls_variant_same(const struct m3u8_master *m, int width, int height, uint64_t bandwidth,
		     const char *codecs);

#endif
