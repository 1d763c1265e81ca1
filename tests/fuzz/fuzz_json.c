/*
 * libFuzzer harness: the JSON reader (every accessor on every token) and the writer
 * (whatever bytes it is given, its output must parse back and the ASCII variant must be
 * pure ASCII).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/json.h"
#include "core/base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(const uint8_t *data, size_t size)
{
	static jsmntok_t toks[512];
	struct jr r;
	char s[64];

	if (jr_parse(&r, (const char *)data, size, toks, 512))
		return;
	for (int i = 0; i < r.n; i++) {
		long long n;
		int b;
		size_t len;

		jr_str(&r, i, s, sizeof(s));
		jr_int(&r, i, &n);
		jr_bool(&r, i, &b);
		jr_raw(&r, i, &len);
		if (jr_next(&r, i) <= i || jr_next(&r, i) > r.n)
			abort();
		jr_get(&r, i, "provider");
		jr_at(&r, i, 1);
		jr_streq(&r, i, "start");
	}
	jr_path(&r, 0, "video", "license_url", (const char *)NULL);
}

static void write_back(const uint8_t *data, size_t size)
{
	static jsmntok_t toks[8];
	static char out[8 * 4096 + 64];
	struct dbuf b, a;
	struct jw w;
	struct jr r;
	int n;

	/* UTF-8 string: must parse back, and valid input must round-trip exactly. */
	dbuf_init(&b, 8 * size + 64);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	jw_strn(&w, (const char *)data, size);
	jw_arr_end(&w);
	if (jw_finish(&w) == 0) {
		if (jr_parse(&r, (const char *)b.p, b.len, toks, 8))
			abort();
		/* The reader refuses \u0000 by design (C strings); everything else reads back. */
		n = jr_str(&r, 1, out, sizeof(out));
		if (n < 0 && !memchr(data, 0, size))
			abort();
		if (n >= 0 && utf8_valid(data, size) &&
		    ((size_t)n != size || memcmp(out, data, size)))
			abort();
	}
	dbuf_free(&b);
	/* ASCII variant: pure ASCII output that parses. */
	dbuf_init(&a, 8 * size + 64);
	jw_init(&w, &a);
	jw_arr_begin(&w);
	jw_strn_ascii(&w, (const char *)data, size);
	jw_arr_end(&w);
	if (jw_finish(&w) == 0) {
		for (size_t i = 0; i < a.len; i++)
			if (a.p[i] >= 0x80)
				abort();
		if (jr_parse(&r, (const char *)a.p, a.len, toks, 8))
			abort();
	}
	dbuf_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all(data, size);
	if (size <= 4096)
		write_back(data, size);
	return 0;
}
