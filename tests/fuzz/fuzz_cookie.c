/* libFuzzer harness: Set-Cookie parsing and the jar (store, replace, evict, select). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"www.example.com", "example.com", "127.0.0.1", "a.b"};
	struct cookie_jar j;
	struct cookie_view cv;
	char out[1024];
	size_t i = 0;
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	cookie_parse(p, size, &cv);
	cookie_jar_init(&j);
	/* every line is one Set-Cookie from a host chosen by its length */
	while (i < size) {
		const uint8_t *nl = memchr(p + i, '\n', size - i);
		size_t e = nl ? (size_t)(nl - p) : size;
		const char *host = hosts[(e - i) % 4];

		cookie_jar_set(&j, host, "/a/b", (e - i) & 1, p + i, e - i, 1700000000);
		i = e + 1;
	}
	for (size_t k = 0; k < 4; k++) {
		size_t n = cookie_jar_header(&j, hosts[k], "/a/b/c", true, 1700000000, out,
					     sizeof(out));

		if (n >= sizeof(out) || strlen(out) != n)
			abort();
	}
	cookie_jar_clear(&j);
	free(p);
	return 0;
}
