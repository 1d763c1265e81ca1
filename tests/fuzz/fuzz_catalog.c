/* libFuzzer harness: the streaming JSON scanner and the per-item Pluto/Samsung parsers it
 * feeds, on arbitrary bytes split into arbitrary chunks. */
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "providers/PlutoTV/pluto_item.h"
#include "providers/SamsungTV/samsung_item.h"
#include "providers/jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

static jsmntok_t toks[256];

static int on_item(void *ctx, const struct jscan *s, const uint8_t *p, size_t n)
{
	struct dbuf b;
	struct jw w;
	int samsung = *(int *)ctx;

	dbuf_init(&b, 16384);
	jw_init(&w, &b);
	if (samsung) {
		struct samsung_meta m;
		size_t kn;
		const char *k = jscan_key(s, 3, &kn, NULL);

		if (k)
			(void)samsung_item_build(p, n, k, kn, "de", "http://x/stvp-", 1714559400,
						 toks, 256, &w, &m);
	} else {
		struct pluto_meta m;

		(void)pluto_item_build(p, n, 1714559400, toks, 256, &w, &m);
	}
	/* whatever was written is one valid JSON object */
	if (b.len && !b.err) {
		static jsmntok_t check[4096];
		struct jr r;

		if (jr_parse(&r, (const char *)b.p, b.len, check, 4096) == 0 && !jr_is_obj(&r, 0))
			abort();
	}
	dbuf_free(&b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const char *const pluto[] = {NULL};
	static const char *const samsung[] = {"regions", NULL, "channels", NULL};
	static uint8_t buf[8192];
	struct jscan s;
	size_t step;

	if (n < 1)
		return 0;
	step = 1 + p[0] % 97;
	p++;
	n--;
	for (int mode = 0; mode < 2; mode++) {
		int rc = 0;

		jscan_init(&s, mode ? samsung : pluto, mode ? 4 : 1, buf, sizeof(buf), on_item,
			   &mode);
		for (size_t i = 0; i < n && !rc; i += step)
			rc = jscan_feed(&s, p + i, step < n - i ? step : n - i);
		if (!rc)
			(void)jscan_end(&s);
	}
	/* the in-memory helpers on the same bytes */
	{
		const uint8_t *k, *v;
		size_t kn, vn, off = 0;

		while (jspan_member(p, n, &off, &k, &kn, &v, &vn) == 1)
			if (v < p || v + vn > p + n)
				abort();
		off = 0;
		while (jspan_element(p, n, &off, &v, &vn) == 1)
			if (v < p || v + vn > p + n)
				abort();
	}
	return 0;
}
