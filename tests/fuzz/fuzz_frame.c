/*
 * libFuzzer harness: the control server's input path. The input is a byte stream that
 * arrives in chunks (sizes taken from the first bytes); frames are decoded as they complete
 * and each payload goes through the strict JSON reader and the [command, args] checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/ctrl/frame.h"
#include "core/base/json.h"

#define FUZZ_MAX_FRAME 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(const struct frame_view *v)
{
	static jsmntok_t toks[256];
	struct jr r;
	char cmd[32];

	if (jr_parse(&r, (const char *)v->p, v->len, toks, 256))
		return;
	if (jr_is_arr(&r, 0) && r.t[0].size >= 1) {
		int name = jr_at(&r, 0, 0), args = jr_at(&r, 0, 1);

		if (jr_is_str(&r, name))
			jr_str(&r, name, cmd, sizeof(cmd));
		if (args >= 0 && jr_is_obj(&r, args)) {
			char s[256];
			long long n;
			int b;

			jr_str(&r, jr_path(&r, args, "provider", "provider_id", (const char *)NULL),
			       s, sizeof(s));
			jr_int(&r, jr_get(&r, args, "buffering"), &n);
			jr_bool(&r, jr_get(&r, args, "show_ads"), &b);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t have = 0, pos, chunk;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	pos = 1;
	buf = malloc(FUZZ_MAX_FRAME + FRAME_HDR);
	while (pos < size) {
		size_t n = MIN(chunk, size - pos), off = 0, need = FRAME_HDR;

		/* Like the server: read at most what fits in the buffer. */
		n = MIN(n, FUZZ_MAX_FRAME + FRAME_HDR - have);
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		for (;;) {
			struct frame_view v;
			size_t used;
			int r = frame_decode(buf + off, have - off, FUZZ_MAX_FRAME, &v, &used,
					     &need);

			if (r < 0) {
				free(buf);
				return 0; /* connection closed */
			}
			if (r == 0)
				break;
			if (used < FRAME_HDR || used > have - off || v.p + v.len > buf + have)
				abort();
			check_frame(&v);
			off += used;
		}
		if (need > FUZZ_MAX_FRAME + FRAME_HDR)
			abort();
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	free(buf);
	return 0;
}
