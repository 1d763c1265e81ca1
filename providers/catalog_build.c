/* Provider catalogue cache (see catalog.h): atomic builds, sorted by category and name. */
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
#include "providers/catalog_int.h"
#include "providers/putil.h"

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
			rc = cat_pread_all(b->items_fd, item, se[i].e->len, (off_t)se[i].e->off);
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
		rc = cat_path_join(dst, sizeof(dst), b->dir, CAT_FILE);
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
