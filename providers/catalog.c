/* Provider catalogue cache (see catalog.h): checked reads, TTL and stale use (builds are in
 * catalog_build.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "providers/catalog_int.h"
#include "providers/jscan.h"
#include "providers/putil.h"

#define INDEX_TOKENS (32 + CONFIG_PROVIDER_MAX_CATEGORIES * 16)

/* ---- small file helpers ------------------------------------------------------------- */

int cat_pread_all(int fd, void *p, size_t n, off_t off)
{
	uint8_t *q = p;

	while (n) {
		ssize_t r = pread(fd, q, n, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ERR_PARSE; /* file shorter than its index says */
		q += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

int cat_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* ---- reading ------------------------------------------------------------------------ */

void cat_close(struct cat *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->index);
	free(c->tok);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int get_num(const struct cat *c, int obj, const char *key, long long *v)
{
	int i = jr_get(&c->jr, obj, key);

	if (i < 0 || jr_is_str(&c->jr, i))
		return -ERR_PARSE;
	return prov_jr_int(&c->jr, i, v);
}

static int check_index(struct cat *c, uint64_t body_end)
{
	long long v;
	int cats;

	if (!jr_is_obj(&c->jr, 0) || get_num(c, 0, "v", &v) || v != 1)
		return -ERR_PARSE;
	if (get_num(c, 0, "fetched", &v))
		return -ERR_PARSE;
	c->fetched = (time_t)v;
	cats = jr_get(&c->jr, 0, "categories");
	if (cats < 0 || !jr_is_arr(&c->jr, cats))
		return -ERR_PARSE;
	c->cats = cats;
	c->ncat = c->jr.t[cats].size;
	for (int k = 0; k < c->ncat; k++) {
		int e = jr_at(&c->jr, cats, k);
		long long off, len, n, crc;
		int nm = e >= 0 ? jr_get(&c->jr, e, "name") : -1;

		if (nm < 0 || !jr_is_str(&c->jr, nm) || get_num(c, e, "off", &off) ||
		    get_num(c, e, "len", &len) || get_num(c, e, "n", &n) ||
		    get_num(c, e, "crc", &crc))
			return -ERR_PARSE;
		if (off < 0 || len < 2 || (uint64_t)off + (uint64_t)len > body_end ||
		    (size_t)len > REPLY_MAX)
			return -ERR_PARSE;
	}
	return 0;
}

int cat_open(const char *dir, struct cat *c)
{
	char path[PATH_MAX], foot[FOOTER_LEN + 1];
	unsigned long long ioff;
	unsigned ilen;
	struct stat st;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if ((rc = cat_path_join(path, sizeof(path), dir, CAT_FILE)))
		return rc;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	rc = -ERR_PARSE;
	if (fstat(c->fd, &st) || st.st_size < FOOTER_LEN)
		goto bad;
	if (cat_pread_all(c->fd, foot, FOOTER_LEN, st.st_size - FOOTER_LEN))
		goto bad;
	foot[FOOTER_LEN] = 0;
	if (memcmp(foot, "SSCAT1 ", 7) || foot[FOOTER_LEN - 1] != '\n' ||
	    /* at most 16 and 8 hex digits always fit their types: sscanf cannot overflow */
	    // NOLINTNEXTLINE(cert-err34-c)
	    sscanf(foot + 7, "%16llx %8x", &ioff, &ilen) != 2)
		goto bad;
	if (ilen < 2 || ilen > INDEX_MAX || ioff + ilen + FOOTER_LEN != (uint64_t)st.st_size)
		goto bad;
	c->index = malloc(ilen);
	c->tok = malloc(sizeof(jsmntok_t) * INDEX_TOKENS);
	if (!c->index || !c->tok) {
		rc = -ENOMEM;
		goto bad;
	}
	if (cat_pread_all(c->fd, c->index, ilen, (off_t)ioff))
		goto bad;
	/* the index line ends in '\n' */
	if (c->index[ilen - 1] != '\n')
		goto bad;
	if (jr_parse(&c->jr, c->index, ilen - 1, c->tok, INDEX_TOKENS))
		goto bad;
	if (check_index(c, ioff))
		goto bad;
	return 0;
bad:
	cat_close(c);
	return rc;
}

int cat_src_is(const struct cat *c, const char *src)
{
	int i = jr_get(&c->jr, 0, "src");

	return i >= 0 && jr_streq(&c->jr, i, src);
}

static int str_field(const struct cat *c, int obj, const char *key, char *out, size_t cap)
{
	int i = jr_get(&c->jr, obj, key);

	if (i < 0)
		return -ERR_PARSE;
	return jr_str(&c->jr, i, out, cap) < 0 ? -ERR_PARSE : 0;
}

int cat_write_categories(const struct cat *c, struct jw *out)
{
	char name[CONFIG_PROVIDER_NAME_MAX + 1], icon[CONFIG_PROVIDER_NAME_MAX + 8], pid[64];

	jw_arr_begin(out);
	for (int k = 0; k < c->ncat; k++) {
		int e = jr_at(&c->jr, c->cats, k);

		if (str_field(c, e, "name", name, sizeof(name)) ||
		    str_field(c, e, "icon", icon, sizeof(icon)) ||
		    str_field(c, e, "provider_id", pid, sizeof(pid)))
			return -ERR_PARSE;
		jw_obj_begin(out);
		jw_key(out, "name");
		jw_str_ascii(out, name);
		jw_key(out, "icon");
		jw_str_ascii(out, icon);
		jw_key(out, "provider_id");
		jw_str_ascii(out, pid);
		jw_obj_end(out);
	}
	jw_arr_end(out);
	return out->err; /* the caller's document is still open: no jw_finish() */
}

/* Reads category k's array into a fresh heap buffer and checks its CRC. */
static int read_slice(const struct cat *c, int k, char **buf, size_t *len)
{
	int e = jr_at(&c->jr, c->cats, k);
	long long off, n, crc;
	int rc;

	/* check_index() validated these at open; a failure here is a changed file */
	if (get_num(c, e, "off", &off) || get_num(c, e, "len", &n) || get_num(c, e, "crc", &crc) ||
	    off < 0 || n < 2 || (size_t)n > REPLY_MAX)
		return -ERR_PARSE;
	*buf = malloc((size_t)n + 1);
	if (!*buf)
		return -ENOMEM;
	rc = cat_pread_all(c->fd, *buf, (size_t)n, (off_t)off);
	if (!rc && crc32(0L, (const Bytef *)*buf, (uInt)n) != (unsigned long)crc)
		rc = -ERR_PARSE;
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	*len = (size_t)n;
	return 0;
}

int cat_write_items(const struct cat *c, const char *name, struct jw *out)
{
	for (int k = 0; k < c->ncat; k++) {
		int e = jr_at(&c->jr, c->cats, k);
		int nm = jr_get(&c->jr, e, "name");
		char *buf;
		size_t len;
		int rc;

		if (!jr_streq(&c->jr, nm, name))
			continue;
		rc = read_slice(c, k, &buf, &len);
		if (rc)
			return rc;
		jw_raw(out, buf, len);
		free(buf);
		return out->err; /* the caller's document is still open: no jw_finish() */
	}
	jw_arr_begin(out);
	jw_arr_end(out);
	return out->err; /* the caller's document is still open: no jw_finish() */
}

int cat_each_item(const struct cat *c, int (*fn)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
	for (int k = 0; k < c->ncat; k++) {
		const uint8_t *v;
		size_t len, vn, off = 0;
		char *buf;
		int rc = read_slice(c, k, &buf, &len);

		if (rc)
			return rc;
		while ((rc = jspan_element((const uint8_t *)buf, len, &off, &v, &vn)) == 1) {
			rc = fn(ctx, v, vn);
			if (rc)
				break;
		}
		free(buf);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- cache policy ------------------------------------------------------------------- */

int cat_get(const char *dir, const char *provider_id, const char *src, int ttl_s, cat_fill_fn fill,
	    void *arg, struct cat *c)
{
	struct cat_build *b;
	time_t now = time(NULL);
	int rc, have;

	rc = cat_open(dir, c);
	have = rc == 0 && cat_src_is(c, src);
	if (rc == -ERR_PARSE)
		LOG_WARN(LOG_PROV, "%s: cached catalogue is corrupt, rebuilding", provider_id);
	if (rc == 0 && !have)
		LOG_INFO(LOG_PROV, "%s: configuration changed, rebuilding the catalogue",
			 provider_id);
	/* a clock that went backwards (box without RTC) makes the cache look future: rebuild */
	if (have && c->fetched <= now && now - c->fetched < ttl_s)
		return 0;
	if (rc == 0 && !have)
		cat_close(c);

	rc = cat_build_begin(dir, provider_id, src, &b);
	if (!rc) {
		rc = fill(arg, b);
		if (rc)
			cat_build_abort(b);
		else
			rc = cat_build_commit(b);
	}
	if (!rc) {
		struct cat nc;

		rc = cat_open(dir, &nc);
		if (!rc) {
			if (have)
				cat_close(c);
			*c = nc;
			return 0;
		}
	}
	if (have) {
		LOG_WARN(LOG_PROV,
			 "%s: upstream failed (%s); serving the catalogue from %lld s ago",
			 provider_id, err_str(rc), (long long)(now - c->fetched));
		c->stale = 1;
		return 0;
	}
	LOG_WARN(LOG_PROV, "%s: catalogue unavailable: %s", provider_id, err_str(rc));
	return rc;
}
