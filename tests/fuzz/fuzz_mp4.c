/*
 * libFuzzer harness for fMP4 and MP4 boxes: the input is [init length hi][lo][flags][init]
 * [fragment]. The init goes to ts_remux_fmp4_init(), the fragment is fed in pieces as an fMP4
 * segment; the same bytes also go through the box scanner and the faststart rewrite.
 */
#include <stdlib.h>
#include <string.h>

#include "core/ts/mp4box.h"
#include "core/base/log.h"
#include "core/ts/remux.h"

static int sink_write(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (n == 0 || n % TS_PKT)
		abort();
	for (size_t o = 0; o < n; o += TS_PKT)
		if (p[o] != TS_SYNC)
			abort();
	return 0;
}

static int sink_section(void *ctx, const struct ts_section_info *info)
{
	(void)ctx;
	(void)info;
	return 0;
}

static const struct ts_sink_ops ops = {sink_write, sink_section};
static struct ts_remux rx;
static uint8_t out[1 << 17];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level_all(LOG_LVL_ERROR); /* the remuxer logs sections; keep runs quiet */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t init_n, out_n;
	unsigned flags;

	if (size < 3)
		return 0;
	init_n = (size_t)data[0] << 8 | data[1];
	flags = data[2];
	data += 3;
	size -= 3;
	if (init_n > size)
		init_n = size;
	ts_remux_init(&rx, &ops, NULL);
	if (ts_remux_fmp4_init(&rx, data, init_n) == 0) {
		for (int rep = 0; rep < 2; rep++) {
			const uint8_t *p = data + init_n;
			size_t n = size - init_n, chunk = 1 + (flags & 0x3f) * (rep ? 97 : 1);

			if (ts_remux_segment_begin(&rx,
						   TS_SEG_FMP4 | (rep ? TS_SEG_DISCONTINUITY : 0)))
				break;
			while (n) {
				size_t c = chunk < n ? chunk : n;

				if (ts_remux_feed(&rx, p, c) < 0)
					break;
				p += c;
				n -= c;
			}
			if (ts_remux_segment_end(&rx, NULL) < 0)
				break;
		}
		ts_remux_finish(&rx);
	}
	/* the box scanner over everything, in pieces */
	{
		struct mp4_scan s;
		struct mp4_scan_box b;
		size_t o = 0;

		mp4_scan_init(&s);
		while (o < size) {
			size_t c = 1 + (flags % 13), used = 0;
			int rc;

			if (c > size - o)
				c = size - o;
			rc = mp4_scan_feed(&s, data + o, c, &used, &b);
			if (rc < 0)
				break;
			o += rc == 1 ? used : c;
			if (rc == 1 && used == 0 && s.hdr_have == 0 && b.size == 0)
				break; /* a box to the end of file: nothing more to find */
		}
	}
	/* faststart on the init part taken as a moov */
	{
		int64_t shift = (int64_t)(flags & 0x0f) << (flags >> 4 << 1);

		if (mp4_faststart_moov(data, init_n, shift, out, sizeof(out), &out_n) == 0) {
			size_t n2;

			if (mp4_faststart_size(data, init_n, shift, &n2) != 0 || n2 != out_n)
				abort();
		}
	}
	return 0;
}
