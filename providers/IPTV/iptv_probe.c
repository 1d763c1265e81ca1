/* IPTV stream classification: HLS live/VOD, MP4 or raw TS from the first bytes (pure). */
#include <string.h>

#include "core/base/err.h"
#include "core/base/stream.h"
#include "providers/IPTV/iptv_probe.h"

static const uint8_t *find(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	for (size_t i = 0; i + l <= n; i++)
		if (p[i] == (uint8_t)s[0] && memcmp(p + i, s, l) == 0)
			return p + i;
	return NULL;
}

/* First URI line after #EXT-X-STREAM-INF. */
static void first_variant(const uint8_t *p, size_t n, char *out, size_t cap)
{
	const uint8_t *s = find(p, n, "#EXT-X-STREAM-INF");
	size_t i;

	out[0] = 0;
	if (!s)
		return;
	i = (size_t)(s - p);
	while (i < n) {
		size_t b = i, e;

		while (i < n && p[i] != '\n' && p[i] != '\r')
			i++;
		e = i;
		while (i < n && (p[i] == '\n' || p[i] == '\r'))
			i++;
		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (b < e && p[b] != '#') {
			if (e - b < cap) {
				memcpy(out, p + b, e - b);
				out[e - b] = 0;
			}
			return;
		}
	}
}

enum iptv_class iptv_classify(const uint8_t *p, size_t n, int complete, const char *ctype,
			      char *variant, size_t cap)
{
	if (cap)
		variant[0] = 0;
	switch (stream_classify(p, n, false)) {
	case STREAM_HLS:
		if (find(p, n, "#EXT-X-STREAM-INF")) {
			if (cap)
				first_variant(p, n, variant, cap);
			return IPTV_HLS_MASTER;
		}
		if (find(p, n, "#EXT-X-ENDLIST") || !complete)
			return IPTV_HLS_VOD;
		if (find(p, n, "#EXT-X-PLAYLIST-TYPE:VOD"))
			return IPTV_HLS_VOD;
		return IPTV_HLS_LIVE;
	case STREAM_MP4:
		return IPTV_MP4;
	case STREAM_TS:
		return IPTV_TS;
	case STREAM_UNKNOWN:
	case STREAM_MORE:
		break;
	}
	if (!strcmp(ctype, "video/mp4"))
		return IPTV_MP4;
	if (!strcmp(ctype, "video/mp2t"))
		return IPTV_TS;
	return IPTV_UNKNOWN;
}
