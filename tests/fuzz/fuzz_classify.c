/* libFuzzer harness: the stream classifier and the IPTV classification built on it. */
#include <stdlib.h>
#include <string.h>

#include "core/base/stream.h"
#include "providers/IPTV/iptv_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

/*
 * An answer given while more bytes could come must be the answer on every longer prefix
 * (the engine stops reading on it); with no more bytes there is always an answer.
 */
int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	enum stream_class whole = stream_classify(p, n, false);
	char variant[64];

	if (whole == STREAM_MORE)
		abort();
	for (size_t k = 0; k <= n && k <= STREAM_CLASSIFY_SETTLED + 1; k++) {
		enum stream_class c = stream_classify(p, k, true);

		if (c != STREAM_MORE && c != whole)
			abort();
	}
	(void)iptv_classify(p, n, (int)(n & 1), n > 4 ? "video/mp4" : "", variant, sizeof(variant));
	if (memchr(variant, 0, sizeof(variant)) == NULL)
		abort();
	return 0;
}
