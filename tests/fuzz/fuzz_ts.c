/*
 * libFuzzer harness for the TS remuxer: the input is split into up to three segments (with
 * discontinuity flags) and fed in pseudo-random pieces. Output must be whole sync'd packets.
 * Input: [flags][seed][cut1 hi][cut1 lo][cut2 hi][cut2 lo] then TS bytes.
 */
#include <stdlib.h>
#include <string.h>

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
	int *last = ctx;

	if (info->index != *last + 1)
		abort();
	*last = info->index;
	return 0;
}

static const struct ts_sink_ops ops = {sink_write, sink_section};
static struct ts_remux rx;

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
	int last = -1;
	unsigned flags, seed;
	size_t cut[4];

	if (size < 6)
		return 0;
	flags = data[0];
	seed = data[1] | 1u;
	cut[0] = 0;
	cut[1] = ((size_t)data[2] << 8 | data[3]) * 16;
	cut[2] = cut[1] + ((size_t)data[4] << 8 | data[5]) * 16;
	data += 6;
	size -= 6;
	cut[3] = size;
	for (int k = 1; k < 3; k++)
		if (cut[k] > size)
			cut[k] = size;
	ts_remux_init(&rx, &ops, &last);
	for (int s = 0; s < 3; s++) {
		const uint8_t *p = data + cut[s];
		size_t n = cut[s + 1] > cut[s] ? cut[s + 1] - cut[s] : 0;

		if (ts_remux_segment_begin(&rx, (flags >> s) & 1 ? TS_SEG_DISCONTINUITY : 0) < 0)
			break;
		while (n) {
			size_t c;

			seed = seed * 1103515245u + 12345u;
			c = 1 + (seed >> 16) % ((flags & 0x80) ? 7 : 3000);
			if (c > n)
				c = n;
			if (ts_remux_feed(&rx, p, c) < 0)
				break;
			p += c;
			n -= c;
		}
		if (ts_remux_segment_end(&rx, NULL) < 0)
			break;
	}
	ts_remux_finish(&rx);
	return 0;
}
