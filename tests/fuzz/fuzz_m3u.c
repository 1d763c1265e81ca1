/* libFuzzer harness: the M3U list parser, whole and fed through a small sliding window. */
#include <stdlib.h>
#include <string.h>

#include "providers/m3u.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n);

/* Every entry once with the whole text, then again through a window like iptv.c uses; the
 * two runs must find the same number of entries (windowing must not lose or invent any). */
int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const char *const attrs[] = {"tvg-id", "tvg-logo", "group-title", "tvg-name"};
	uint8_t win[512];
	struct m3u_entry e;
	size_t off = 0, step, len = 0, fed = 0;
	unsigned whole = 0, windowed = 0;
	int too_long = 0;

	if (n < 1)
		return 0;
	step = 1 + p[0] % 64;
	p++;
	n--;
	while (m3u_next(p, n, &off, 1, &e) == 1) {
		const char *v;
		size_t vn;

		whole++;
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
			if (m3u_attr(&e, attrs[i], &v, &vn) &&
			    (v < e.attrs || v + vn > e.attrs + e.attrs_len))
				abort();
		if (e.url_len == 0 || e.url < (const char *)p ||
		    e.url + e.url_len > (const char *)p + n)
			abort();
	}
	if (off != n)
		abort();
	while (fed < n || len) {
		size_t k = fed < n ? (step < n - fed ? step : n - fed) : 0;
		int eof;

		if (k > sizeof(win) - len) {
			too_long = 1; /* an entry longer than the window: iptv.c drops it */
			break;
		}
		memcpy(win + len, p + fed, k);
		len += k;
		fed += k;
		eof = fed >= n;
		off = 0;
		while (m3u_next(win, len, &off, eof, &e) == 1)
			windowed++;
		memmove(win, win + off, len - off);
		len -= off;
		if (eof)
			break;
	}
	if (!too_long && windowed != whole)
		abort();
	return 0;
}
