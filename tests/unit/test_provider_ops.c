/* Unit tests: the three providers' callbacks end to end against a fake HTTP client and a
 * fake configuration (canned upstream bodies, gzip, stalls, HTTP errors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/base/common.h"
#include "core/base/err.h"
#include "providers/provider.h"

/* ---- fake configuration ----------------------------------------------------------------- */

struct config {
	const char *kv[32][2];
	int n;
};

const char *config_get(const struct config *c, const char *key, const char *def)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->kv[i][0], key))
			return c->kv[i][1];
	return def;
}

long config_get_int(const struct config *c, const char *key, long def)
{
	const char *v = config_get(c, key, NULL);

	return v ? atol(v) : def;
}

int config_get_bool(const struct config *c, const char *key, int def)
{
	const char *v = config_get(c, key, NULL);

	return v ? !strcmp(v, "1") || !strcmp(v, "true") : def;
}

int config_each(const struct config *c, const char *prefix,
		int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	for (int i = 0; i < c->n; i++)
		if (!strncmp(c->kv[i][0], prefix, strlen(prefix))) {
			int rc = fn(ctx, c->kv[i][0], c->kv[i][1]);

			if (rc)
				return rc;
		}
	return 0;
}

/* ---- fake HTTP client ------------------------------------------------------------------- */

struct route {
	const char *prefix;
	int status; /* 0: stall until cancelled */
	const uint8_t *body;
	size_t len;
	const char *ctype;
};

static struct route routes[16];
static int nroutes;
static char last_url[4096];
static int requests;

struct http_session {
	int cancel_fd;
};

void http_session_opts_init(struct http_session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cancel_fd = -1;
	o->tls_verify = 1;
}

int http_session_new(const struct http_session_opts *o, struct http_session **out)
{
	*out = calloc(1, sizeof(**out));
	(*out)->cancel_fd = o->cancel_fd;
	return 0;
}

void http_session_free(struct http_session *s)
{
	free(s);
}

int http_session_set_header(struct http_session *s, const char *name, const char *value)
{
	(void)s;
	(void)name;
	(void)value;
	return 0;
}

void http_session_set_cancel_fd(struct http_session *s, int fd)
{
	s->cancel_fd = fd;
}

void http_request_init(struct http_request *rq, const char *url)
{
	memset(rq, 0, sizeof(*rq));
	rq->url = url;
	rq->range_start = rq->range_end = -1;
	rq->max_retries = -1;
}

int http_get(struct http_session *s, const struct http_request *rq, struct http_response *rs,
	     http_body_fn fn, void *ctx)
{
	requests++;
	snprintf(last_url, sizeof(last_url), "%s", rq->url);
	for (int i = 0; i < nroutes; i++) {
		const struct route *r = &routes[i];

		if (strncmp(rq->url, r->prefix, strlen(r->prefix)))
			continue;
		if (rs) {
			memset(rs, 0, sizeof(*rs));
			rs->status = r->status;
			snprintf(rs->final_url, sizeof(rs->final_url), "%s", rq->url);
			snprintf(rs->content_type, sizeof(rs->content_type), "%s",
				 r->ctype ? r->ctype : "");
		}
		if (r->status == 0) {
			/* a stalled upstream: only the cancel fd ends the wait */
			struct pollfd p = {.fd = s->cancel_fd, .events = POLLIN};

			if (s->cancel_fd < 0 || poll(&p, 1, 10000) != 1)
				return -ERR_TIMEOUT;
			return -ERR_CANCELLED;
		}
		if (r->status == 404)
			return -ERR_NOT_FOUND;
		if (r->status >= 300)
			return -ERR_HTTP;
		/* deliver in odd-sized pieces */
		for (size_t off = 0; off < r->len; off += 1000) {
			int rc = fn(ctx, r->body + off, MIN(1000, r->len - off));

			if (rc)
				return rc;
		}
		return 0;
	}
	return -ERR_CONNECT;
}

int http_get_buf(struct http_session *s, const char *url, struct http_response *rs, uint8_t *buf,
		 size_t cap, size_t *len)
{
	(void)s;
	(void)url;
	(void)rs;
	(void)buf;
	(void)cap;
	*len = 0;
	return -ERR_CONNECT;
}

static void route(const char *prefix, int status, const void *body, size_t len, const char *ct)
{
	routes[nroutes++] = (struct route){prefix, status, body, len, ct};
}

/* ---- helpers ------------------------------------------------------------------------------ */

static char dir[64];
static struct config cfg;
static jsmntok_t toks[4096];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ss-test-ops-XXXXXX");
	nroutes = 0;
	requests = 0;
	memset(&cfg, 0, sizeof(cfg));
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void set(const char *k, const char *v)
{
	cfg.kv[cfg.n][0] = k;
	cfg.kv[cfg.n][1] = v;
	cfg.n++;
}

static struct prov_ctx ctx_for(const char *id)
{
	return (struct prov_ctx){
		.provider_id = id, .data_dir = dir, .cfg = &cfg, .http = NULL, .cancel_fd = -1};
}

/* Runs a list callback and parses its output into r (static storage). */
static int list(const struct provider_ops *ops, const char *cat, struct jr *r)
{
	static struct dbuf b;
	struct prov_ctx ctx = ctx_for(ops->id);
	struct jw w;
	int rc;

	dbuf_free(&b);
	dbuf_init(&b, 1 << 22);
	jw_init(&w, &b);
	rc = cat ? ops->list_items(&ctx, cat, &w) : ops->list_categories(&ctx, &w);
	if (rc)
		return rc;
	assert_int_equal(jr_parse(r, (const char *)b.p, b.len, toks, 4096), 0);
	for (size_t i = 0; i < b.len; i++)
		if (b.p[i] >= 0x80 && !cat)
			fail_msg("non-ASCII byte in categories");
	return 0;
}

static const char *str_at(struct jr *r, int k, const char *key)
{
	static char out[4][2048];
	static int slot;
	char *o = out[slot++ % 4];

	assert_true(jr_str(r, jr_get(r, jr_at(r, 0, k), key), o, 2048) >= 0);
	return o;
}

static int resolve(const struct provider_ops *ops, const char *url, int show_ads,
		   struct resolve_result *res)
{
	struct prov_ctx ctx = ctx_for(ops->id);
	struct start_args a = {.url = url, .quality = "best", .show_ads = show_ads, .buffering = 5};

	memset(res, 0, sizeof(*res));
	return ops->resolve(&ctx, &a, res);
}

/* ---- Pluto TV ----------------------------------------------------------------------------- */

static const char pluto_json[] =
	"[{\"_id\":\"aaa111\",\"name\":\"Zeta Kan\\u00e4l\",\"category\":\"Filme\",\"number\":5,"
	"\"isStitched\":true,\"stitched\":{\"urls\":[{\"type\":\"hls\",\"url\":"
	"\"https://service-stitcher.clusters.pluto.tv/stitch/hls/channel/aaa111/master.m3u8"
	"?deviceId=unknown&sid=old&appName=web&empty=\"}]}},"
	" {\"_id\":\"bbb222\",\"name\":\"alpha\",\"category\":\"Filme\",\"isStitched\":true,"
	"\"stitched\":{\"urls\":[{\"url\":\"https://s.pluto.tv/stitch/hls/channel/bbb222/"
	"master.m3u8\"}]}},"
	" {\"_id\":\"ccc333\",\"name\":\"Nachrichten\",\"category\":\"Nachrichten & "
	"Wetter\\u00df\","
	"\"isStitched\":true,\"stitched\":{\"urls\":[{\"url\":\"https://s.pluto.tv/stitch/hls/"
	"channel/ccc333/m.m3u8\"}]}},"
	" {\"_id\":\"ddd444\",\"name\":\"Not stitched\",\"isStitched\":false},"
	" {\"no\":\"name\"}]";

static void test_pluto(void **state)
{
	const struct provider_ops *ops = provider_find("PlutoTV");
	struct resolve_result res;
	struct jr r;

	(void)state;
	assert_non_null(ops);
	set("provider.PlutoTV.api_url", "http://fake/pluto/v2/channels");
	set("provider.PlutoTV.stitcher_url", "http://fake/stitcher/");
	route("http://fake/pluto/v2/channels?start=", 200, pluto_json, sizeof(pluto_json) - 1,
	      NULL);

	assert_int_equal(list(ops, NULL, &r), 0);
	assert_non_null(strstr(last_url, "&stop="));
	assert_non_null(strstr(last_url, "%3A00%3A00.000%2B0000"));
	assert_int_equal(r.t[0].size, 2);
	assert_string_equal(str_at(&r, 0, "name"), "Filme");
	assert_string_equal(str_at(&r, 1, "name"), "Nachrichten & Wetterss");
	assert_string_equal(str_at(&r, 1, "icon"), "Nachrichten_&_Wetterss.png");
	assert_string_equal(str_at(&r, 1, "provider_id"), "PlutoTV");

	assert_int_equal(list(ops, "Filme", &r), 0);
	assert_int_equal(r.t[0].size, 2);
	assert_string_equal(str_at(&r, 0, "name"), "alpha");
	assert_string_equal(str_at(&r, 1, "name"), "Zeta Kan\xc3\xa4l");
	const char *url = str_at(&r, 1, "url");
	assert_int_equal(requests, 1); /* served from the cache */

	/* no ads: embed URL with the channel id and fresh ids */
	assert_int_equal(resolve(ops, url, 0, &res), 0);
	assert_int_equal(res.kind, REC_HLS_LIVE);
	assert_memory_equal(res.url,
			    "http://fake/stitcher/v1/stitch/embed/hls/channel/aaa111/master.m3u8?",
			    67);
	assert_non_null(strstr(res.url, "&deviceId="));
	assert_non_null(strstr(res.url, "&sid="));
	char first[HTTP_URL_MAX];
	strcpy(first, res.url);
	assert_int_equal(resolve(ops, url, 0, &res), 0);
	assert_string_not_equal(first, res.url); /* new ids each time */
	/* with ads: the stitched URL, ids replaced, blank values dropped */
	assert_int_equal(resolve(ops, url, 1, &res), 0);
	assert_memory_equal(res.url,
			    "https://service-stitcher.clusters.pluto.tv/stitch/hls/channel/aaa111/"
			    "master.m3u8?deviceId=",
			    90);
	assert_null(strstr(res.url, "deviceId=unknown"));
	assert_null(strstr(res.url, "sid=old"));
	assert_null(strstr(res.url, "empty="));
	assert_non_null(strstr(res.url, "&serverSideAds=true"));
	/* refresh makes new ids too */
	{
		struct prov_ctx ctx = ctx_for("PlutoTV");
		struct start_args a = {.url = url, .show_ads = 1};
		struct resolve_result r2;

		assert_int_equal(ops->refresh(&ctx, &a, &r2), 0);
		assert_string_not_equal(r2.url, res.url);
	}
	/* foreign hosts are refused with ads, and garbage is not a channel */
	assert_int_equal(
		resolve(ops, "http://evil.example/stitch/hls/channel/aaa111/m.m3u8", 1, &res),
		-ERR_NOT_FOUND);
	assert_int_equal(resolve(ops, "http://x/y", 0, &res), -ERR_NOT_FOUND);
	assert_int_equal(resolve(ops, NULL, 0, &res), -ERR_NOT_FOUND);
}

static void test_pluto_upstream_errors(void **state)
{
	const struct provider_ops *ops = provider_find("PlutoTV");
	static const char bad[] = "[{\"_id\":\"a\",\"name\":\"x\"},{\"broken";
	struct jr r;
	time_t t0;

	(void)state;
	set("provider.PlutoTV.api_url", "http://fake/p");
	set("provider_timeout_ms", "1500");
	set("provider.cache_ttl", "1");
	route("http://fake/p?", 500, NULL, 0, NULL);
	assert_int_equal(list(ops, NULL, &r), -ERR_HTTP);
	routes[0] =
		(struct route){"http://fake/p?", 200, (const uint8_t *)bad, sizeof(bad) - 1, NULL};
	assert_int_equal(list(ops, NULL, &r), -ERR_PARSE);
	/* a stalled upstream gets the timeout after provider.timeout */
	routes[0] = (struct route){"http://fake/p?", 0, NULL, 0, NULL};
	t0 = time(NULL);
	assert_int_equal(list(ops, NULL, &r), -ERR_TIMEOUT);
	assert_true(time(NULL) - t0 <= 3);
	/* with a good catalogue cached, later failures serve it (stale) */
	routes[0] = (struct route){"http://fake/p?", 200, (const uint8_t *)pluto_json,
				   sizeof(pluto_json) - 1, NULL};
	assert_int_equal(list(ops, NULL, &r), 0);
	routes[0] = (struct route){"http://fake/p?", 500, NULL, 0, NULL};
	sleep(2);
	requests = 0;
	assert_int_equal(list(ops, "Filme", &r), 0);
	assert_int_equal(requests, 1);
	assert_int_equal(r.t[0].size, 2);
}

/* ---- Samsung TV Plus ---------------------------------------------------------------------- */

static const char samsung_json[] =
	"{\"regions\":{\"at\":{\"channels\":{\"AT1\":{\"name\":\"Austria "
	"One\",\"group\":\"News\"}}},"
	"\"de\":{\"name\":\"Germany\",\"channels\":{"
	"\"DE100\":{\"name\":\"Filmkanal\",\"group\":\"Filme\",\"chno\":1},"
	"\"DE200\":{\"name\":\"Geschuetzt\",\"group\":\"Filme\",\"license_url\":\"https://lic/x\"},"
	"\"DE300\":{\"name\":\"\\u00d6sterreich\",\"group\":\"\\u00c4rger\"},"
	"\"DE400\":{\"group\":\"no name\"}}}}}";

static size_t gzip(const char *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void test_samsung(void **state)
{
	const struct provider_ops *ops = provider_find("SamsungTV");
	static uint8_t gz[4096];
	size_t gn = gzip(samsung_json, sizeof(samsung_json) - 1, gz, sizeof(gz));
	struct resolve_result res;
	struct jr r;

	(void)state;
	assert_non_null(ops);
	set("provider.SamsungTV.url", "http://fake/s.json.gz");
	set("provider.SamsungTV.stream_url", "http://fake/stvp-");
	route("http://fake/s.json.gz", 200, gz, gn, "application/gzip");
	assert_int_equal(list(ops, NULL, &r), 0);
	assert_int_equal(r.t[0].size, 2);
	assert_string_equal(str_at(&r, 0, "name"), "Aerger");
	assert_string_equal(str_at(&r, 1, "name"), "Filme");
	assert_int_equal(list(ops, "Filme", &r), 0);
	assert_int_equal(r.t[0].size, 2);
	assert_string_equal(str_at(&r, 0, "url"), "http://fake/stvp-DE100");
	assert_string_equal(str_at(&r, 0, "slug"), "DE100");
	assert_string_equal(str_at(&r, 1, "name"), "Geschuetzt");

	assert_int_equal(resolve(ops, "http://fake/stvp-DE100", 0, &res), 0);
	assert_string_equal(res.url, "http://fake/stvp-DE100");
	assert_int_equal(res.kind, REC_HLS_LIVE);
	assert_int_equal(resolve(ops, "http://fake/stvp-DE200", 0, &res), -ERR_DRM);
	assert_int_equal(resolve(ops, "http://elsewhere/x", 0, &res), -ERR_NOT_FOUND);
	assert_int_equal(resolve(ops, "http://fake/stvp-", 0, &res), -ERR_NOT_FOUND);
}

static void test_samsung_regions(void **state)
{
	const struct provider_ops *ops = provider_find("SamsungTV");
	static uint8_t gz[4096];
	size_t gn = gzip(samsung_json, sizeof(samsung_json) - 1, gz, sizeof(gz));
	struct jr r;

	(void)state;
	set("provider.SamsungTV.url", "http://fake/s.json.gz");
	set("provider.SamsungTV.region", "all");
	route("http://fake/s.json.gz", 200, gz, gn, NULL);
	assert_int_equal(list(ops, NULL, &r), 0);
	assert_int_equal(r.t[0].size, 3);
	assert_string_equal(str_at(&r, 0, "name"), "AT - News");
	assert_string_equal(str_at(&r, 2, "name"), "DE - Filme");
	/* a truncated gzip body fails (and a region without channels) */
	cfg.kv[1][1] = "xx";
	routes[0].len = gn - 10;
	assert_int_equal(list(ops, NULL, &r), -ERR_PARSE);
	routes[0].len = gn;
	assert_int_equal(list(ops, NULL, &r), -ERR_NOT_FOUND);
}

/* ---- IPTV --------------------------------------------------------------------------------- */

static const char m3u_a[] = "#EXTM3U\n"
			    "#EXTINF:-1 tvg-id=\"a.de\" tvg-logo=\"http://l/a.png\" "
			    "group-title=\"Nachrichten\",Kanal A\n"
			    "http://fake/live.m3u8\n"
			    "#EXTINF:-1 group-title=\"Nachrichten\",B \xc3\xa4\n"
			    "http://fake/b\xc3\xa4.m3u8\n"
			    "#EXTINF:-1,rtmp\nrtmp://fake/x\n"
			    "#EXTINF:-1,No group\nhttp://fake/vod.m3u8\n";
static const char live[] = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ns1.ts\n";
static const char vod[] = "#EXTM3U\n#EXTINF:2,\ns1.ts\n#EXT-X-ENDLIST\n";
static const char master[] = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\nsub/vod.m3u8\n";

static void test_iptv(void **state)
{
	const struct provider_ops *ops = provider_find("IPTV");
	struct resolve_result res;
	char path[128];
	FILE *f;
	struct jr r;
	static uint8_t mp4[64] = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};

	(void)state;
	assert_non_null(ops);
	snprintf(path, sizeof(path), "%s/local.m3u Lokale Liste", dir);
	f = fopen(strtok(strcpy((char[128]){0}, path), " "), "w");
	fputs("#EXTM3U\n#EXTINF:-1,Lokal\nhttp://fake/live.m3u8?l=1\n", f);
	fclose(f);
	set("iptv.list.1", "http://fake/a.m3u Liste A");
	set("iptv.list.2", path);
	set("iptv.list.3", "http://fake/missing.m3u");
	set("iptv.list.4", "ftp://nope");
	route("http://fake/a.m3u", 200, m3u_a, sizeof(m3u_a) - 1, NULL);
	route("http://fake/live.m3u8", 200, live, sizeof(live) - 1, NULL);
	route("http://fake/vod.m3u8", 200, vod, sizeof(vod) - 1, NULL);
	route("http://fake/sub/vod.m3u8", 200, vod, sizeof(vod) - 1, NULL);
	route("http://fake/master.m3u8", 200, master, sizeof(master) - 1, NULL);
	route("http://fake/movie.mp4", 200, mp4, sizeof(mp4), "video/mp4");
	route("http://fake/missing", 404, NULL, 0, NULL);

	assert_int_equal(list(ops, NULL, &r), 0);
	assert_int_equal(r.t[0].size, 3);
	assert_string_equal(str_at(&r, 0, "name"), "Liste A");
	assert_string_equal(str_at(&r, 1, "name"), "Lokale Liste");
	assert_string_equal(str_at(&r, 2, "name"), "Nachrichten");
	assert_int_equal(list(ops, "Nachrichten", &r), 0);
	assert_int_equal(r.t[0].size, 2);
	assert_string_equal(str_at(&r, 0, "name"), "B \xc3\xa4");
	assert_string_equal(str_at(&r, 0, "url"), "http://fake/b%C3%A4.m3u8");
	assert_string_equal(str_at(&r, 1, "logo"), "http://l/a.png");
	assert_string_equal(str_at(&r, 1, "tvg_id"), "a.de");

	assert_int_equal(resolve(ops, "http://fake/live.m3u8", 1, &res), 0);
	assert_int_equal(res.kind, REC_HLS_LIVE);
	assert_int_equal(resolve(ops, "http://fake/vod.m3u8", 1, &res), 0);
	assert_int_equal(res.kind, REC_HLS_BASIC);
	assert_int_equal(resolve(ops, "http://fake/master.m3u8", 1, &res), 0);
	assert_int_equal(res.kind, REC_HLS_BASIC);
	assert_string_equal(res.url, "http://fake/master.m3u8");
	assert_int_equal(resolve(ops, "http://fake/movie.mp4", 1, &res), 0);
	assert_int_equal(res.kind, REC_MP4);
	assert_int_equal(resolve(ops, "http://fake/missing.ts", 1, &res), -ERR_NOT_FOUND);
	assert_int_equal(resolve(ops, "file:///etc/passwd", 1, &res), -ERR_BAD_REQUEST);
	assert_int_equal(resolve(ops, "http://fake/a b", 1, &res), -ERR_BAD_REQUEST);
}

static void test_iptv_without_lists(void **state)
{
	const struct provider_ops *ops = provider_find("IPTV");
	struct jr r;

	struct resolve_result res;

	(void)state;
	/* one hint category whose single item tells how to add a list, without any request */
	assert_int_equal(list(ops, NULL, &r), 0);
	assert_int_equal(r.t[0].size, 1);
	assert_string_equal(str_at(&r, 0, "name"), "No IPTV list configured");
	assert_int_equal(list(ops, "No IPTV list configured", &r), 0);
	assert_int_equal(r.t[0].size, 1);
	assert_non_null(strstr(str_at(&r, 0, "name"), "iptv.list.1 = "));
	assert_non_null(strstr(str_at(&r, 0, "name"), CONFIG_DEFAULT_CONFIG_FILE));
	/* its url starts nothing: refused before any network */
	assert_int_equal(resolve(ops, str_at(&r, 0, "url"), 1, &res), -ERR_NOT_FOUND);
	assert_int_equal(list(ops, "Anything", &r), 0);
	assert_int_equal(r.t[0].size, 0);
	assert_int_equal(requests, 0);
	/* every list failing, nothing cached: the error */
	set("iptv.list.1", "http://fake/down.m3u");
	route("http://fake/down", 500, NULL, 0, NULL);
	assert_int_equal(list(ops, NULL, &r), -ERR_HTTP);
}

static void test_registry(void **state)
{
	(void)state;
	assert_string_equal(provider_at(0)->id, "PlutoTV");
	assert_string_equal(provider_at(1)->id, "SamsungTV");
	assert_string_equal(provider_at(2)->id, "IPTV");
	assert_null(provider_at(3));
	assert_null(provider_at(-1));
	assert_null(provider_find("plutotv"));
	assert_null(provider_find(NULL));
	assert_string_equal(rec_kind_name(REC_HLS_LIVE), "hls_live");
	assert_string_equal(rec_kind_name(REC_MP4), "mp4");
	assert_string_equal(rec_kind_name(REC_AUTO), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pluto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pluto_upstream_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_samsung, setup, teardown),
		cmocka_unit_test_setup_teardown(test_samsung_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iptv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iptv_without_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
