/* IPTV provider: M3U lists from the configuration (URL or local file), any http(s) URL plays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "providers/IPTV/iptv_probe.h"
#include "providers/fetch.h"
#include "providers/m3u.h"
#include "providers/prov_common.h"
#include "providers/putil.h"

#define PROBE_MAX ((size_t)CONFIG_PROVIDER_PROBE_MAX_KB * 1024)
#define PROBE_BINARY 1024	     /* bytes that settle MP4/TS; no need to read on */
#define PROBE_ENOUGH (-ERR__END - 1) /* our own abort code for the body callback */
#define WIN_MAX ((size_t)CONFIG_PROVIDER_ITEM_MAX_KB * 1024)
#define ITEM_JSON_MAX (4 * HTTP_URL_MAX + 2 * CONFIG_PROVIDER_NAME_MAX + 512)
/* While no list is configured: one category with one item telling how to add one. Its url
 * is no http(s) URL, so starting it is refused (not_found) without any network. */
#define HINT_URL "iptv:no-list-configured"
#define HINT_CATEGORY "No IPTV list configured"
#define HINT_NAME "Add iptv.list.1 = <URL or /path> [name] to " CONFIG_DEFAULT_CONFIG_FILE
#define HINT_DESC                                                                                  \
	"IPTV shows M3U lists: add a line iptv.list.1 = <http(s) URL or absolute path> [name] "    \
	"to " CONFIG_DEFAULT_CONFIG_FILE " (more as iptv.list.2, ...), then reload the "           \
	"streamingserver service (SIGHUP)."

struct iptv_list {
	char where[HTTP_URL_MAX]; /* URL or absolute path */
	char name[CONFIG_PROVIDER_NAME_MAX + 1];
};

struct iptv_fill {
	const struct prov_ctx *ctx;
	struct cat_build *b;
	struct iptv_list *lists;
	int nlists;
	const struct iptv_list *cur;
	uint8_t *win;
	size_t len;
	struct dbuf item;
	char src[64];
	unsigned skipped, cut;
};

/* "iptv.list.<n> = <URL or /path> [name]" */
static int collect(void *ctx, const char *key, const char *value)
{
	struct iptv_fill *f = ctx;
	struct iptv_list *l;
	size_t wn;

	while (*value == ' ' || *value == '\t')
		value++;
	wn = strcspn(value, " \t");
	if (!wn)
		return 0;
	if (f->nlists >= CONFIG_PROVIDER_IPTV_MAX_LISTS) {
		LOG_WARN(LOG_PROV, "IPTV: more than %d lists configured; the rest is ignored",
			 CONFIG_PROVIDER_IPTV_MAX_LISTS);
		return 1;
	}
	l = &f->lists[f->nlists];
	if (wn >= sizeof(l->where) || (value[0] != '/' && !prov_is_http_url(value))) {
		LOG_WARN(LOG_PROV, "IPTV: %s is neither an http(s) URL nor an absolute path", key);
		return 0;
	}
	memcpy(l->where, value, wn);
	l->where[wn] = 0;
	value += wn;
	while (*value == ' ' || *value == '\t')
		value++;
	prov_copy(l->name, sizeof(l->name), value, strlen(value));
	f->nlists++;
	return 0;
}

static int fill_init(struct iptv_fill *f, const struct prov_ctx *ctx)
{
	unsigned long crc = crc32(0L, Z_NULL, 0);

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	f->lists = calloc(CONFIG_PROVIDER_IPTV_MAX_LISTS, sizeof(*f->lists));
	if (!f->lists)
		return -ENOMEM;
	if (ctx->cfg)
		config_each(ctx->cfg, "iptv.list.", collect, f);
	for (int i = 0; i < f->nlists; i++) {
		struct stat st;

		crc = crc32(crc, (const Bytef *)f->lists[i].where, (uInt)strlen(f->lists[i].where));
		crc = crc32(crc, (const Bytef *)"|", 1);
		crc = crc32(crc, (const Bytef *)f->lists[i].name,
			    (uInt)strlen(f->lists[i].name) + 1);
		/* a list file edited on disk: its size or mtime changes the identity, so the next
		 * browse (after a SIGHUP or not) rebuilds; URL lists follow the cache TTL */
		if (f->lists[i].where[0] == '/' && stat(f->lists[i].where, &st) == 0) {
			long long id[3] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
					   (long long)st.st_mtim.tv_nsec};

			crc = crc32(crc, (const Bytef *)id, (uInt)sizeof(id));
		}
	}
	/* the lists' identity: another set of lists makes the cached catalogue unusable */
	if (f->nlists)
		snprintf(f->src, sizeof(f->src), "iptv:%d:%08lx", f->nlists, crc);
	else
		snprintf(f->src, sizeof(f->src), "iptv:hint:1");
	return 0;
}

static void fill_free(struct iptv_fill *f)
{
	free(f->lists);
	f->lists = NULL;
}

static void attr(const struct m3u_entry *e, const char *name, char *out, size_t cap)
{
	const char *v;
	size_t vn;

	out[0] = 0;
	if (m3u_attr(e, name, &v, &vn))
		prov_copy(out, cap, v, vn);
}

static int add_entry(struct iptv_fill *f, const struct m3u_entry *e)
{
	char url[HTTP_URL_MAX], logo[HTTP_URL_MAX], tmp[HTTP_URL_MAX];
	char name[CONFIG_PROVIDER_NAME_MAX + 1], group[CONFIG_PROVIDER_NAME_MAX + 1];
	char tvg_id[CONFIG_PROVIDER_NAME_MAX + 1];
	struct jw w;

	prov_copy(tmp, sizeof(tmp), e->url, e->url_len);
	/* only what the recorders can fetch; rtmp://, udp:// and the like are left out */
	if (e->url_len >= sizeof(tmp) || !prov_is_http_url(tmp) ||
	    prov_url_ascii(e->url, e->url_len, url, sizeof(url)) < 0) {
		f->skipped++;
		return 0;
	}
	prov_copy(name, sizeof(name), e->title, e->title_len);
	if (!name[0])
		attr(e, "tvg-name", name, sizeof(name));
	if (!name[0])
		prov_copy(name, sizeof(name), url, strlen(url));
	attr(e, "group-title", group, sizeof(group));
	if (!group[0])
		prov_copy(group, sizeof(group), e->group, e->group_len);
	if (!group[0])
		prov_copy(group, sizeof(group), f->cur->name[0] ? f->cur->name : "Other",
			  strlen(f->cur->name[0] ? f->cur->name : "Other"));
	attr(e, "tvg-logo", tmp, sizeof(tmp));
	if (prov_url_ascii(tmp, strlen(tmp), logo, sizeof(logo)) < 0)
		logo[0] = 0;
	attr(e, "tvg-id", tvg_id, sizeof(tvg_id));

	dbuf_reset(&f->item);
	jw_init(&w, &f->item);
	jw_obj_begin(&w);
	jw_kstr(&w, "name", name);
	jw_kstr(&w, "url", url);
	jw_kstr(&w, "logo", logo);
	jw_kstr(&w, "tvg_id", tvg_id);
	jw_kstr(&w, "group", group);
	jw_kstr(&w, "list", f->cur->name);
	jw_kstr(&w, "description", f->cur->name[0] ? f->cur->name : "");
	jw_obj_end(&w);
	if (jw_finish(&w)) {
		f->skipped++;
		return 0;
	}
	return cat_build_add(f->b, group, strlen(group), name, strlen(name),
			     (const char *)f->item.p, f->item.len);
}

/* Parses the complete entries in the window and keeps the unfinished tail. */
static int drain(struct iptv_fill *f, int at_eof)
{
	struct m3u_entry e;
	size_t off = 0;
	int rc;

	while (m3u_next(f->win, f->len, &off, at_eof, &e) == 1) {
		rc = add_entry(f, &e);
		if (rc)
			return rc;
	}
	memmove(f->win, f->win + off, f->len - off);
	f->len -= off;
	return 0;
}

static int on_bytes(void *arg, const uint8_t *p, size_t n)
{
	struct iptv_fill *f = arg;

	while (n) {
		size_t k = MIN(n, WIN_MAX - f->len);
		int rc;

		memcpy(f->win + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
		rc = drain(f, 0);
		if (rc)
			return rc;
		if (f->len == WIN_MAX) {
			/* one entry longer than the window: drop it */
			f->cut++;
			f->len = 0;
		}
	}
	return 0;
}

static int fill_hint(struct iptv_fill *f)
{
	struct jw w;
	int rc;

	jw_init(&w, &f->item);
	jw_obj_begin(&w);
	jw_kstr(&w, "name", HINT_NAME);
	jw_kstr(&w, "url", HINT_URL);
	jw_kstr(&w, "logo", "");
	jw_kstr(&w, "group", HINT_CATEGORY);
	jw_kstr(&w, "description", HINT_DESC);
	jw_obj_end(&w);
	rc = jw_finish(&w);
	if (!rc)
		rc = cat_build_add(f->b, HINT_CATEGORY, strlen(HINT_CATEGORY), HINT_NAME,
				   strlen(HINT_NAME), (const char *)f->item.p, f->item.len);
	dbuf_free(&f->item);
	return rc;
}

static int fill(void *arg, struct cat_build *b)
{
	struct iptv_fill *f = arg;
	int rc = 0, ok = 0, first_err = 0;

	f->b = b;
	if (!f->nlists) {
		dbuf_init(&f->item, ITEM_JSON_MAX);
		return fill_hint(f);
	}
	f->win = malloc(WIN_MAX);
	dbuf_init(&f->item, ITEM_JSON_MAX);
	if (!f->win)
		return -ENOMEM;
	for (int i = 0; i < f->nlists; i++) {
		f->cur = &f->lists[i];
		f->len = 0;
		rc = prov_fetch(f->ctx, f->cur->where, prov_timeout_ms(f->ctx), on_bytes, f);
		if (!rc)
			rc = drain(f, 1);
		if (rc) {
			LOG_WARN(LOG_PROV, "IPTV: list %d (%s) failed: %s", i + 1,
				 f->cur->name[0] ? f->cur->name : "unnamed", err_str(rc));
			if (!first_err)
				first_err = rc;
			/* an I/O error of the catalogue itself ends the build */
			if (rc == -ERR_DISK_FULL)
				break;
			continue;
		}
		ok++;
	}
	if (f->skipped || f->cut)
		LOG_INFO(LOG_PROV, "IPTV: %u entries without an http(s) URL, %u too long",
			 f->skipped, f->cut);
	free(f->win);
	f->win = NULL;
	dbuf_free(&f->item);
	/* some lists failing still gives a catalogue; all failing keeps the old one */
	return f->nlists && !ok ? first_err : 0;
}

static int iptv_categories(const struct prov_ctx *ctx, struct jw *out)
{
	struct iptv_fill f;
	int rc = fill_init(&f, ctx);

	if (!rc)
		rc = prov_list_categories(ctx, f.src, fill, &f, out);
	fill_free(&f);
	return rc;
}

static int iptv_items(const struct prov_ctx *ctx, const char *category, struct jw *out)
{
	struct iptv_fill f;
	int rc = fill_init(&f, ctx);

	if (!rc)
		rc = prov_list_items(ctx, f.src, fill, &f, category, out);
	fill_free(&f);
	return rc;
}

/* ---- probing: the network side of iptv_classify() ---------------------------------- */

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

static int get(struct http_session *s, const char *url, struct probe *pr, struct http_response *rs)
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

static int iptv_probe(const struct prov_ctx *ctx, const char *url, struct resolve_result *r)
{
	struct http_session *own = NULL, *s = ctx->http;
	struct http_response *rs = malloc(sizeof(*rs));
	struct probe pr = {.buf = malloc(PROBE_MAX)};
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
			[IPTV_UNKNOWN] = REC_AUTO,	[IPTV_HLS_LIVE] = REC_HLS_LIVE,
			[IPTV_HLS_VOD] = REC_HLS_BASIC, [IPTV_HLS_MASTER] = REC_HLS_LIVE,
			[IPTV_MP4] = REC_MP4,		[IPTV_TS] = REC_AUTO,
		};
		static const char *const names[] = {"unknown",	  "live HLS", "HLS VOD",
						    "HLS master", "MP4",      "raw MPEG-TS"};

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

static int iptv_resolve(const struct prov_ctx *ctx, const struct start_args *a,
			struct resolve_result *r)
{
	if (a->url && strcmp(a->url, HINT_URL) == 0) {
		LOG_WARN(LOG_PROV, "IPTV: no list is configured; %s", HINT_NAME);
		return -ERR_NOT_FOUND;
	}
	/* any http(s) URL, from a list or not: users play links they have */
	if (!a->url || !prov_is_http_url(a->url) || strlen(a->url) >= sizeof(r->url)) {
		LOG_WARN(LOG_PROV, "IPTV: start needs an http(s) URL");
		return -ERR_BAD_REQUEST;
	}
	for (const char *p = a->url; *p; p++)
		if ((uint8_t)*p <= 0x20 || (uint8_t)*p >= 0x7f)
			return -ERR_BAD_REQUEST;
	strcpy(r->url, a->url);
	r->n_headers = 0;
	r->kind = REC_AUTO;
	return iptv_probe(ctx, a->url, r);
}

const struct provider_ops iptv_ops = {
	.id = "IPTV",
	.list_categories = iptv_categories,
	.list_items = iptv_items,
	.resolve = iptv_resolve,
	.refresh = NULL, /* plain URLs: resolving again is all there is */
};
