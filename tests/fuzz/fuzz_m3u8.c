/* libFuzzer harness: the m3u8 probe and both parsers on arbitrary bytes. */
#include <stdlib.h>

#include "core/hls/m3u8.h"
#include "core/hls/variant.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static struct m3u8_media media;
	static struct m3u8_master master;
	struct hls_caps caps;
	char err[128];

	hls_caps_board(&caps, 0);
	(void)m3u8_probe(p, n);
	if (m3u8_parse_master(p, n, &master, err, sizeof(err)) == 0)
		(void)hls_variant_pick(&master, "720p", &caps);
	if (m3u8_parse_media(p, n, &media, err, sizeof(err)) == 0)
		(void)m3u8_duration_ms(&media);
	return 0;
}
