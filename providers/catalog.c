/* Provider catalogue cache (see catalog.h): atomic builds, checked reads, TTL and stale use. */
#include <dirent.h>
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
#include "core/base/utf8.h"
#include "core/base/log.h"
#include "providers/catalog.h"
#include "providers/jscan.h"
#include "providers/putil.h"

#define FOOTER_LEN 33 /* "SSCAT1 %016llx %08x\n" */
#define INDEX_MAX (1024 + CONFIG_PROVIDER_MAX_CATEGORIES * (3 * CONFIG_PROVIDER_NAME_MAX + 200))
#define INDEX_TOKENS (32 + CONFIG_PROVIDER_MAX_CATEGORIES * 16)
#define REPLY_MAX ((size_t)CONFIG_PROVIDER_REPLY_MAX_KB * 1024)
#define TMP_PREFIX ".tmp-"
#define TMP_MAX_AGE_S 600 /* a temp file untouched this long belongs to a dead build */

/* ---- small file helpers ------------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n) {
		ssize_t w = write(fd, q, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == ENOSPC || errno == EDQUOT ? -ERR_DISK_FULL : -errno;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *p, size_t n, off_t off)
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

static int path_join(char *out, size_t cap, const char *dir, const char *name)
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
	if ((rc = path_join(path, sizeof(path), dir, CAT_FILE)))
		return rc;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	rc = -ERR_PARSE;
	if (fstat(c->fd, &st) || st.st_size < FOOTER_LEN)
		goto bad;
	if (pread_all(c->fd, foot, FOOTER_LEN, st.st_size - FOOTER_LEN))
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
	if (pread_all(c->fd, c->index, ilen, (off_t)ioff))
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
	rc = pread_all(c->fd, *buf, (size_t)n, (off_t)off);
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

/* ---- building ----------------------------------------------------------------------- */

struct cat_ent {
	uint64_t off; /* in the items temp file */
	uint32_t len;
	uint32_t key; /* sort name: offset into the key pool */
	uint32_t seq; /* insertion order, for a stable sort */
	uint16_t cat;
};

struct cat_build {
	char dir[PATH_MAX];
	char provider_id[64];
	char *src;
	char items_path[PATH_MAX];
	int items_fd;
	uint64_t items_len;
	uint32_t max_len;
	struct cat_ent *ent;
	int n;
	char (*cname)[CONFIG_PROVIDER_NAME_MAX + 1];
	int *ccount;
	int ncat;
	struct dbuf keys;
	unsigned dropped;
};

/* Removes temp files of builds that died (killed daemon): untouched for TMP_MAX_AGE_S. */
static void sweep_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > TMP_MAX_AGE_S)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int temp_path(const char *dir, const char *what, char *out, size_t cap)
{
	char id[PROV_UUID_LEN + 1];
	int rc = prov_uuid4(id);
	int n;

	if (rc)
		return rc;
	n = snprintf(out, cap, "%s/" TMP_PREFIX "%.8s-%s", dir, id, what);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

void cat_build_abort(struct cat_build *b)
{
	if (!b)
		return;
	if (b->items_fd >= 0) {
		close(b->items_fd);
		unlink(b->items_path);
	}
	free(b->src);
	free(b->ent);
	free(b->cname);
	free(b->ccount);
	dbuf_free(&b->keys);
	free(b);
}

int cat_build_begin(const char *dir, const char *provider_id, const char *src,
		    struct cat_build **out)
{
	struct cat_build *b = calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	b->items_fd = -1;
	if (strlen(dir) >= sizeof(b->dir) || strlen(provider_id) >= sizeof(b->provider_id)) {
		free(b);
		return -ENAMETOOLONG;
	}
	strcpy(b->dir, dir);
	strcpy(b->provider_id, provider_id);
	b->src = strdup(src);
	b->ent = malloc(sizeof(*b->ent) * CONFIG_PROVIDER_MAX_ITEMS);
	b->cname = malloc(sizeof(*b->cname) * CONFIG_PROVIDER_MAX_CATEGORIES);
	b->ccount = calloc(CONFIG_PROVIDER_MAX_CATEGORIES, sizeof(int));
	dbuf_init(&b->keys, (size_t)CONFIG_PROVIDER_MAX_ITEMS * (CONFIG_PROVIDER_NAME_MAX + 1));
	if (!b->src || !b->ent || !b->cname || !b->ccount) {
		cat_build_abort(b);
		return -ENOMEM;
	}
	sweep_temp(dir);
	rc = temp_path(dir, "items", b->items_path, sizeof(b->items_path));
	if (!rc) {
		b->items_fd = open(b->items_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (b->items_fd < 0)
			rc = -errno;
	}
	if (rc) {
		cat_build_abort(b);
		return rc;
	}
	*out = b;
	return 0;
}

int cat_build_count(const struct cat_build *b)
{
	return b->n;
}

static int find_cat(struct cat_build *b, const char *name)
{
	for (int i = 0; i < b->ncat; i++)
		if (strcmp(b->cname[i], name) == 0)
			return i;
	if (b->ncat >= CONFIG_PROVIDER_MAX_CATEGORIES)
		return -1;
	strcpy(b->cname[b->ncat], name);
	return b->ncat++;
}

int cat_build_add(struct cat_build *b, const char *category, size_t cat_len, const char *name,
		  size_t name_len, const char *json, size_t n)
{
	char cat[CONFIG_PROVIDER_NAME_MAX + 1], key[CONFIG_PROVIDER_NAME_MAX + 1];
	size_t kl;
	int ci, rc;

	ascii_translit(category, cat_len, cat, sizeof(cat));
	/* surrounding blanks would make two categories of one name */
	{
		size_t s = 0, e = strlen(cat);

		while (s < e && cat[s] == ' ')
			s++;
		while (e > s && cat[e - 1] == ' ')
			e--;
		memmove(cat, cat + s, e - s);
		cat[e - s] = 0;
	}
	if (!cat[0])
		strcpy(cat, "Other");
	ci = find_cat(b, cat);
	if (ci < 0 || b->n >= CONFIG_PROVIDER_MAX_ITEMS ||
	    b->ccount[ci] >= CONFIG_PROVIDER_ITEMS_PER_CATEGORY || n > REPLY_MAX ||
	    n > UINT32_MAX) {
		if (!b->dropped++)
			LOG_WARN(LOG_PROV, "%s: catalogue limits reached, dropping items",
				 b->provider_id);
		return 0;
	}
	kl = ascii_translit(name, name_len, key, sizeof(key));
	if (b->keys.len > UINT32_MAX - kl - 1)
		return -ERR_LIMIT;
	rc = write_all(b->items_fd, json, n);
	if (rc)
		return rc;
	b->ent[b->n] = (struct cat_ent){.off = b->items_len,
					.len = (uint32_t)n,
					.key = (uint32_t)b->keys.len,
					.seq = (uint32_t)b->n,
					.cat = (uint16_t)ci};
	if (dbuf_add(&b->keys, key, kl + 1))
		return b->keys.err;
	b->items_len += n;
	if (n > b->max_len)
		b->max_len = (uint32_t)n;
	b->ccount[ci]++;
	b->n++;
	return 0;
}

/* qsort has no context argument; the pool pointer travels in each element pair instead. */
struct sort_ent {
	const char *key;
	const struct cat_ent *e;
};

static int cmp_items(const void *x, const void *y)
{
	const struct sort_ent *a = x, *b = y;
	int c = (int)a->e->cat - (int)b->e->cat;

	if (!c)
		c = prov_casecmp(a->key, b->key);
	if (!c)
		c = a->e->seq < b->e->seq ? -1 : 1;
	return c;
}

struct sort_cat {
	const char *name;
	int idx;
};

static int cmp_cats(const void *x, const void *y)
{
	const struct sort_cat *a = x, *b = y;
	int c = prov_casecmp(a->name, b->name);

	return c ? c : strcmp(a->name, b->name);
}

/* Buffered writer for the catalogue file, with a running CRC of the current array. */
struct out {
	int fd;
	uint8_t buf[65536];
	size_t len;
	uint64_t pos;
	unsigned long crc;
	int err;
};

static void out_put(struct out *o, const void *p, size_t n)
{
	const uint8_t *q = p;

	if (o->err)
		return;
	o->crc = crc32(o->crc, q, (uInt)n);
	o->pos += n;
	while (n) {
		size_t k = MIN(n, sizeof(o->buf) - o->len);

		memcpy(o->buf + o->len, q, k);
		o->len += k;
		q += k;
		n -= k;
		if (o->len == sizeof(o->buf)) {
			o->err = write_all(o->fd, o->buf, o->len);
			o->len = 0;
			if (o->err)
				return;
		}
	}
}

static int out_flush(struct out *o)
{
	if (!o->err && o->len)
		o->err = write_all(o->fd, o->buf, o->len);
	o->len = 0;
	return o->err;
}

static int write_catalog(struct cat_build *b, int fd)
{
	struct sort_ent *se = malloc(sizeof(*se) * (size_t)(b->n ? b->n : 1));
	struct sort_cat *sc = malloc(sizeof(*sc) * (size_t)(b->ncat ? b->ncat : 1));
	int *first = malloc(sizeof(int) * (size_t)(b->ncat ? b->ncat : 1));
	char *item = malloc(b->max_len ? b->max_len : 1);
	struct out *o = calloc(1, sizeof(*o));
	struct dbuf ib;
	struct jw w;
	int rc = -ENOMEM;

	dbuf_init(&ib, INDEX_MAX - 1);
	if (!se || !sc || !first || !item || !o)
		goto done;
	o->fd = fd;
	for (int i = 0; i < b->n; i++)
		se[i] = (struct sort_ent){(const char *)b->keys.p + b->ent[i].key, &b->ent[i]};
	qsort(se, (size_t)b->n, sizeof(*se), cmp_items);
	for (int c = 0; c < b->ncat; c++)
		first[c] = -1;
	for (int i = b->n - 1; i >= 0; i--)
		first[se[i].e->cat] = i;
	for (int c = 0; c < b->ncat; c++)
		sc[c] = (struct sort_cat){b->cname[c], c};
	qsort(sc, (size_t)b->ncat, sizeof(*sc), cmp_cats);

	jw_init(&w, &ib);
	jw_obj_begin(&w);
	jw_kint(&w, "v", 1);
	jw_kstr(&w, "provider_id", b->provider_id);
	jw_kstr(&w, "src", b->src);
	jw_kint(&w, "fetched", (long long)time(NULL));
	jw_key(&w, "categories");
	jw_arr_begin(&w);
	for (int k = 0; k < b->ncat; k++) {
		int c = sc[k].idx, cnt = 0;
		uint64_t start = o->pos;
		char icon[CONFIG_PROVIDER_NAME_MAX + 8];

		if (first[c] < 0)
			continue;
		o->crc = crc32(0L, Z_NULL, 0);
		out_put(o, "[", 1);
		for (int i = first[c]; i < b->n && se[i].e->cat == c; i++, cnt++) {
			/* the array is one reply: cut the category rather than fail it */
			if (o->pos - start + se[i].e->len + 2 > REPLY_MAX) {
				LOG_WARN(LOG_PROV,
					 "%s: category %s cut at %d items (%d KiB reply cap)",
					 b->provider_id, b->cname[c], cnt,
					 CONFIG_PROVIDER_REPLY_MAX_KB);
				break;
			}
			if (cnt)
				out_put(o, ",", 1);
			rc = pread_all(b->items_fd, item, se[i].e->len, (off_t)se[i].e->off);
			if (rc)
				goto done;
			out_put(o, item, se[i].e->len);
		}
		out_put(o, "]", 1);
		unsigned long crc = o->crc;
		uint64_t len = o->pos - start;
		out_put(o, "\n", 1);
		if (o->err) {
			rc = o->err;
			goto done;
		}
		prov_icon_name(b->cname[c], icon, sizeof(icon));
		jw_obj_begin(&w);
		jw_kstr(&w, "name", b->cname[c]);
		jw_kstr(&w, "icon", icon);
		jw_kstr(&w, "provider_id", b->provider_id);
		jw_kint(&w, "off", (long long)start);
		jw_kint(&w, "len", (long long)len);
		jw_kint(&w, "n", cnt);
		jw_kint(&w, "crc", (long long)crc);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	rc = jw_finish(&w);
	if (rc)
		goto done;
	{
		uint64_t ioff = o->pos;
		char foot[FOOTER_LEN + 1];

		out_put(o, ib.p, ib.len);
		out_put(o, "\n", 1);
		snprintf(foot, sizeof(foot), "SSCAT1 %016llx %08x\n", (unsigned long long)ioff,
			 (unsigned)(ib.len + 1));
		out_put(o, foot, FOOTER_LEN);
	}
	rc = out_flush(o);
done:
	dbuf_free(&ib);
	free(se);
	free(sc);
	free(first);
	free(item);
	free(o);
	return rc;
}

int cat_build_commit(struct cat_build *b)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, rc;

	rc = temp_path(b->dir, "catalog", tmp, sizeof(tmp));
	if (!rc)
		rc = path_join(dst, sizeof(dst), b->dir, CAT_FILE);
	if (rc) {
		cat_build_abort(b);
		return rc;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		cat_build_abort(b);
		return rc;
	}
	rc = write_catalog(b, fd);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, dst))
		rc = -errno;
	if (rc) {
		unlink(tmp);
	} else {
		int dfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		LOG_INFO(LOG_PROV, "%s: catalogue rebuilt: %d items in %d categories%s",
			 b->provider_id, b->n, b->ncat, b->dropped ? " (some dropped)" : "");
	}
	cat_build_abort(b);
	return rc;
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
