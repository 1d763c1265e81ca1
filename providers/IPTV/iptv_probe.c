/* IPTV stream probing: HLS live/VOD, MP4 or raw TS from the first bytes (see iptv_probe.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "providers/IPTV/iptv_probe.h"
#include "providers/putil.h"

#define PROBE_MAX ((size_t)CONFIG_PROVIDER_PROBE_MAX_KB * 1024)
#define PROBE_BINARY 1024 /* bytes that settle MP4/TS; no need to read on */
#define PROBE_ENOUGH (-ERR__END - 1) /* our own abort code for the body callback */

static const uint8_t *find(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	for (size_t i = 0; i + l <= n; i++)
		if (p[i] == (uint8_t)s[0] && memcmp(p + i, s, l) == 0)
			return p + i;
	return NULL;
}

/* First URI line after #EXT-X-STREAM-INF. */
static void first_variant(const uint8_t *p, size_t n, char *out, size_t cap)
{
	const uint8_t *s = find(p, n, "#EXT-X-STREAM-INF");
	size_t i;

	out[0] = 0;
	if (!s)
		return;
	i = (size_t)(s - p);
	while (i < n) {
		size_t b = i, e;

		while (i < n && p[i] != '\n' && p[i] != '\r')
			i++;
		e = i;
		while (i < n && (p[i] == '\n' || p[i] == '\r'))
			i++;
		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (b < e && p[b] != '#') {
			if (e - b < cap) {
				memcpy(out, p + b, e - b);
				out[e - b] = 0;
			}
			return;
		}
	}
}

enum iptv_class iptv_classify(const uint8_t *p, size_t n, int complete, const char *ctype,
			      char *variant, size_t cap)
{
	size_t i = 0;

	if (cap)
		variant[0] = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (n - i >= 7 && memcmp(p + i, "#EXTM3U", 7) == 0) {
		if (find(p, n, "#EXT-X-STREAM-INF")) {
			if (cap)
				first_variant(p, n, variant, cap);
			return IPTV_HLS_MASTER;
		}
		if (find(p, n, "#EXT-X-ENDLIST") || !complete)
			return IPTV_HLS_VOD;
		if (find(p, n, "#EXT-X-PLAYLIST-TYPE:VOD"))
			return IPTV_HLS_VOD;
		return IPTV_HLS_LIVE;
	}
	if (n >= 8 && memcmp(p + 4, "ftyp", 4) == 0)
		return IPTV_MP4;
	if (n >= 1 && p[0] == 0x47 && (n < 189 || p[188] == 0x47))
		return IPTV_TS;
	if (!strcmp(ctype, "video/mp4"))
		return IPTV_MP4;
	if (!strcmp(ctype, "video/mp2t"))
		return IPTV_TS;
	return IPTV_UNKNOWN;
}

struct probe {
	uint8_t *buf;
	size_t len;
	int cut;
};

static int probe_body(void *ctx, const uint8_t *p, size_t n)
{
	struct probe *pr = ctx;
	size_t k = MIN(n, PROBE_MAX - pr->len);

	memcpy(pr->buf + pr->len, p, k);
	pr->len += k;
	if (k < n) {
		pr->cut = 1;
		return PROBE_ENOUGH;
	}
	/* a binary stream is settled by its first bytes; a live TS would never end */
	if (pr->len >= PROBE_BINARY && pr->buf[0] != '#' && pr->buf[0] != 0xef &&
	    pr->buf[0] != ' ' && pr->buf[0] != '\n' && pr->buf[0] != '\r') {
		pr->cut = 1;
		return PROBE_ENOUGH;
	}
	return 0;
}

static int get(struct http_session *s, const char *url, struct probe *pr,
	       struct http_response *rs)
{
	struct http_request rq;
	int rc;

	pr->len = 0;
	pr->cut = 0;
	http_request_init(&rq, url);
	rq.max_retries = 1;
	memset(rs, 0, sizeof(*rs));
	rc = http_get(s, &rq, rs, probe_body, pr);
	return rc == PROBE_ENOUGH ? 0 : rc;
}

int iptv_probe(const struct prov_ctx *ctx, const char *url, struct resolve_result *r)
{
	struct http_session *own = NULL, *s = ctx->http;
	struct http_response *rs = malloc(sizeof(*rs));
	struct probe pr = { .buf = malloc(PROBE_MAX) };
	char *variant = malloc(HTTP_URL_MAX), *next = malloc(HTTP_URL_MAX);
	enum iptv_class c = IPTV_UNKNOWN;
	int rc = 0;

	if (!rs || !pr.buf || !variant || !next) {
		rc = -ENOMEM;
		goto out;
	}
	if (!s) {
		struct http_session_opts o;

		http_session_opts_init(&o);
		o.cancel_fd = ctx->cancel_fd;
		rc = http_session_new(&o, &own);
		if (rc)
			goto out;
		s = own;
	}
	rc = get(s, url, &pr, rs);
	if (!rc)
		c = iptv_classify(pr.buf, pr.len, !pr.cut, rs->content_type, variant, HTTP_URL_MAX);
	if (!rc && c == IPTV_HLS_MASTER) {
		/* live or VOD is a property of the media playlists */
		const char *base = rs->final_url[0] ? rs->final_url : url;

		c = IPTV_HLS_LIVE;
		if (variant[0] && !prov_url_join(base, variant, next, HTTP_URL_MAX) &&
		    get(s, next, &pr, rs) == 0) {
			enum iptv_class v = iptv_classify(pr.buf, pr.len, !pr.cut, rs->content_type,
							  variant, HTTP_URL_MAX);

			if (v == IPTV_HLS_VOD)
				c = IPTV_HLS_VOD;
		}
	}
out:
	if (!rc) {
		static const enum rec_kind kinds[] = {
			[IPTV_UNKNOWN] = REC_AUTO,      [IPTV_HLS_LIVE] = REC_HLS_LIVE,
			[IPTV_HLS_VOD] = REC_HLS_BASIC, [IPTV_HLS_MASTER] = REC_HLS_LIVE,
			[IPTV_MP4] = REC_MP4,		[IPTV_TS] = REC_AUTO,
		};
		static const char *const names[] = { "unknown", "live HLS", "HLS VOD",
						     "HLS master", "MP4", "raw MPEG-TS" };

		r->kind = kinds[c];
		LOG_INFO(LOG_PROV, "IPTV: stream probed as %s (recorder %s)", names[c],
			 rec_kind_name(r->kind));
	}
	if (own)
		http_session_free(own);
	free(rs);
	free(pr.buf);
	free(variant);
	free(next);
	return rc;
}
