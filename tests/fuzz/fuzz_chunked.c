/* libFuzzer harness: chunked decoder fed in pieces; data views must stay inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_chunked c;
	size_t step, i = 0;
	uint8_t *p;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 64 + 1; /* the first byte chooses how the input is split */
	data++;
	size--;
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	http_chunked_init(&c, 512);
	while (i < size) {
		size_t k = size - i < step ? size - i : step, used, doff, dlen;
		int rc = http_chunked_step(&c, p + i, k, &used, &doff, &dlen);

		if (rc < 0)
			break;
		if (used > k || doff + dlen > used)
			abort();
		i += used;
		if (rc == 1 || (used == 0 && dlen == 0))
			break;
	}
	free(p);
	return 0;
}
