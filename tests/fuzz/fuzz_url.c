/* libFuzzer harness: URL parsing, resolution against a base, serialization, encoding. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[URL_MAX], ref[URL_MAX], out[URL_MAX], enc[URL_MAX];
	const uint8_t *split;
	struct url_ref u;
	struct url_http h;
	size_t bn, rn;
	char *copy;

	if (size >= URL_MAX)
		return 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (url_parse(copy, size, &u) == 0) {
		int n = url_serialize(&u, out, sizeof(out));

		if (n >= 0 && ((size_t)n != size || memcmp(out, copy, size) != 0))
			abort(); /* parse + serialize must round-trip */
	}
	free(copy);
	/* "base\nref": NUL bytes end the strings early, which is fine */
	split = memchr(data, '\n', size);
	bn = split ? (size_t)(split - data) : size;
	rn = split ? size - bn - 1 : 0;
	memcpy(base, data, bn);
	base[bn] = 0;
	memcpy(ref, split ? split + 1 : data, rn);
	ref[rn] = 0;
	if (url_resolve(base, ref, out, sizeof(out)) >= 0) {
		if (strlen(out) >= sizeof(out))
			abort();
		url_http_parse(out, &h);
	}
	url_http_parse(base, &h);
	url_encode(ref, strlen(ref), enc, sizeof(enc));
	url_decode(ref, strlen(ref), enc, sizeof(enc), true);
	return 0;
}
