/* Variant choice: codec capability filter, quality cap, highest bandwidth. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/err.h"
#include "core/hls/variant.h"

void hls_caps_board(struct hls_caps *c, int av1)
{
	memset(c, 0, sizeof(*c));
	c->h264 = IS_ENABLED(CONFIG_DEC_H264);
	c->hevc = IS_ENABLED(CONFIG_DEC_HEVC);
	c->aac = IS_ENABLED(CONFIG_DEC_AAC);
	c->ac3 = IS_ENABLED(CONFIG_DEC_AC3);
	c->eac3 = IS_ENABLED(CONFIG_DEC_EAC3);
	c->mp3 = true; /* every DVB box decodes MPEG audio */
	c->av1 = av1 != 0;
	c->max_height = CONFIG_DEC_MAX_HEIGHT;
}

int hls_quality_height(const char *q)
{
	char *end;
	long h;

	if (!q || !*q || !strcmp(q, "best") || !strcmp(q, "provider") || !strcmp(q, "highest"))
		return 0;
	if (!strcmp(q, "worst") || !strcmp(q, "lowest"))
		return -1;
	if (!strcasecmp(q, "4k") || !strcasecmp(q, "uhd"))
		return 2160;
	if (!strcasecmp(q, "fhd"))
		return 1080;
	if (!strcasecmp(q, "hd"))
		return 720;
	if (!strcasecmp(q, "sd"))
		return 576;
	h = strtol(q, &end, 10);
	if (end == q || h < 100 || h > 8640 || (*end && strcmp(end, "p") && strcmp(end, "P")))
		return -ERR_BAD_REQUEST;
	return (int)h;
}

enum codec_kind { CK_UNKNOWN, CK_VIDEO_OK, CK_VIDEO_NO, CK_AUDIO_OK, CK_AUDIO_NO, CK_OTHER };

static bool prefix(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && strncasecmp(p, lit, k) == 0;
}

/* Classifies one RFC 6381 codec string. */
static enum codec_kind codec_kind(const char *p, size_t n, const struct hls_caps *c)
{
	if (prefix(p, n, "avc1") || prefix(p, n, "avc3"))
		return c->h264 ? CK_VIDEO_OK : CK_VIDEO_NO;
	if (prefix(p, n, "hvc1") || prefix(p, n, "hev1"))
		return c->hevc ? CK_VIDEO_OK : CK_VIDEO_NO;
	if (prefix(p, n, "av01"))
		return c->av1 ? CK_VIDEO_OK : CK_VIDEO_NO;
	if (prefix(p, n, "vp09") || prefix(p, n, "vp8") || prefix(p, n, "dvh1") ||
	    prefix(p, n, "dvhe"))
		return CK_VIDEO_NO;
	if (prefix(p, n, "mp4a.40.34") || prefix(p, n, "mp4a.6b") || prefix(p, n, "mp4a.69"))
		return c->mp3 ? CK_AUDIO_OK : CK_AUDIO_NO;
	if (prefix(p, n, "mp4a"))
		return c->aac ? CK_AUDIO_OK : CK_AUDIO_NO;
	if (prefix(p, n, "ac-3"))
		return c->ac3 ? CK_AUDIO_OK : CK_AUDIO_NO;
	if (prefix(p, n, "ec-3"))
		return c->eac3 ? CK_AUDIO_OK : CK_AUDIO_NO;
	if (prefix(p, n, "ac-4") || prefix(p, n, "opus") || prefix(p, n, "flac") ||
	    prefix(p, n, "mha1") || prefix(p, n, "dtsc"))
		return CK_AUDIO_NO;
	if (prefix(p, n, "wvtt") || prefix(p, n, "stpp"))
		return CK_OTHER;
	return CK_UNKNOWN;
}

/* Walks CODECS: sets *has_video / *ok. Unknown codec strings are ignored. */
static void scan_codecs(const struct m3u8_variant *v, const struct hls_caps *c, bool *has_video,
			bool *ok)
{
	uint32_t i = 0;

	*has_video = v->height > 0;
	*ok = true;
	while (v->codecs.p && i < v->codecs.n) {
		uint32_t b, e;

		while (i < v->codecs.n && (v->codecs.p[i] == ',' || v->codecs.p[i] == ' '))
			i++;
		b = i;
		while (i < v->codecs.n && v->codecs.p[i] != ',')
			i++;
		e = i;
		while (e > b && v->codecs.p[e - 1] == ' ')
			e--;
		if (e == b)
			continue;
		switch (codec_kind(v->codecs.p + b, e - b, c)) {
		case CK_VIDEO_OK:
			*has_video = true;
			break;
		case CK_VIDEO_NO:
			*has_video = true;
			*ok = false;
			break;
		case CK_AUDIO_NO:
			*ok = false;
			break;
		default:
			break;
		}
	}
}

bool hls_variant_decodable(const struct m3u8_variant *v, const struct hls_caps *c)
{
	bool video, ok;

	scan_codecs(v, c, &video, &ok);
	return ok && v->height <= c->max_height;
}

/* a better than b at equal eligibility: higher bandwidth, average bandwidth, frame rate. */
static bool better(const struct m3u8_variant *a, const struct m3u8_variant *b)
{
	if (a->bandwidth != b->bandwidth)
		return a->bandwidth > b->bandwidth;
	if (a->avg_bandwidth != b->avg_bandwidth)
		return a->avg_bandwidth > b->avg_bandwidth;
	return a->frame_rate_milli > b->frame_rate_milli;
}

int hls_variant_pick(const struct m3u8_master *m, const char *quality, const struct hls_caps *c)
{
	int cap = hls_quality_height(quality);
	int best = -1, lowest = -1, any_video = 0;

	if (cap < -1)
		cap = 0; /* an unknown quality word records the best variant */
	for (int i = 0; i < m->n_variants; i++) {
		bool video, ok;

		scan_codecs(&m->variant[i], c, &video, &ok);
		if (ok && video && m->variant[i].height <= c->max_height)
			any_video = 1;
	}
	for (int i = 0; i < m->n_variants; i++) {
		const struct m3u8_variant *v = &m->variant[i];
		bool video, ok;

		scan_codecs(v, c, &video, &ok);
		if (!ok || v->height > c->max_height || (any_video && !video))
			continue;
		if (lowest < 0 || v->height < m->variant[lowest].height ||
		    (v->height == m->variant[lowest].height &&
		     v->bandwidth < m->variant[lowest].bandwidth))
			lowest = i;
		if (cap > 0 && v->height > cap)
			continue;
		if (best < 0 || better(v, &m->variant[best]))
			best = i;
	}
	if (cap == -1 || best < 0)
		best = lowest;
	return best >= 0 ? best : -ERR_UNSUPPORTED;
}

int hls_variant_same(const struct m3u8_master *m, int width, int height, uint64_t bandwidth,
		     const char *codecs)
{
	int best = -1;
	uint64_t best_diff = UINT64_MAX;

	for (int i = 0; i < m->n_variants; i++) {
		const struct m3u8_variant *v = &m->variant[i];
		uint64_t diff;

		if (v->width != width || v->height != height)
			continue;
		if (codecs && *codecs && !m3u8_str_eq(v->codecs, codecs))
			continue;
		diff = v->bandwidth > bandwidth ? v->bandwidth - bandwidth
						: bandwidth - v->bandwidth;
		if (diff < best_diff) {
			best_diff = diff;
			best = i;
		}
	}
	return best;
}
