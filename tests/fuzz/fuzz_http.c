/* libFuzzer harness: response head parser, header iteration, Retry-After and dates. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy so ASan sees any read past n */
	uint8_t *p = malloc(size ? size : 1);
	struct http_head h;
	struct http_hdr hd;
	size_t pos = 0;
	time_t t;
	int n;

	if (!p)
		return 0;
	memcpy(p, data, size);
	n = http_parse_head(p, size, &h);
	if (n > 0) {
		if ((size_t)n > size || h.head_len != (size_t)n)
			abort();
		while (http_header_next(p, (size_t)n, &pos, &hd)) {
			if (hd.name < p || hd.name + hd.name_len > p + n ||
			    hd.value + hd.value_len > p + n)
				abort();
		}
		if (h.retry_after.off + h.retry_after.len > (size_t)n ||
		    h.location.off + h.location.len > (size_t)n)
			abort();
		http_parse_retry_after(p + h.retry_after.off, h.retry_after.len, 0);
	}
	http_parse_date(p, size, &t);
	free(p);
	return 0;
}
