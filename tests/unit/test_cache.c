/* Unit tests: catalogue cache (build, sort, read back, TTL, stale fallback, corruption,
 * atomic replacement under SIGKILL) and the gzip-or-plain body decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/base/common.h"
#include "core/base/err.h"
#include "providers/catalog.h"
#include "providers/decode.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ss-test-cache-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void add(struct cat_build *b, const char *cat, const char *name)
{
	char json[256];

	snprintf(json, sizeof(json), "{\"name\":\"%s\",\"url\":\"http://x/%s\"}", name, name);
	assert_int_equal(cat_build_add(b, cat, strlen(cat), name, strlen(name), json, strlen(json)),
			 0);
}

static int fill_abc(void *arg, struct cat_build *b)
{
	int *calls = arg;

	(*calls)++;
	add(b, "news", "zeta");
	add(b, "Filme", "beta");
	add(b, "news", "Alpha");
	add(b,
	    "Kom\xc3\xb6"
	    "die",
	    "m\xc3\xbc"
	    "ll");
	add(b, "", "nobody");
	add(b, "  Filme ", "Abc");
	return 0;
}

static int fill_fail(void *arg, struct cat_build *b)
{
	int *calls = arg;

	(*calls)++;
	add(b, "Half", "written"); /* must never become visible */
	return -ERR_CONNECT;
}

static const char *render(const struct cat *c, const char *cat)
{
	static struct dbuf b;
	struct jw w;

	dbuf_free(&b);
	dbuf_init(&b, 1 << 20);
	jw_init(&w, &b);
	if (cat)
		assert_int_equal(cat_write_items(c, cat, &w), 0);
	else
		assert_int_equal(cat_write_categories(c, &w), 0);
	return (const char *)b.p;
}

static void test_build_and_read(void **state)
{
	struct cat c;
	int calls = 0, drm = 0;

	(void)state;
	(void)drm;
	assert_int_equal(cat_open(dir, &c), -ENOENT);
	assert_int_equal(cat_get(dir, "PlutoTV", "src1", 3600, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(c.stale, 0);
	assert_string_equal(
		render(&c, NULL),
		"[{\"name\":\"Filme\",\"icon\":\"Filme.png\",\"provider_id\":\"PlutoTV\"},"
		"{\"name\":\"Komoedie\",\"icon\":\"Komoedie.png\",\"provider_id\":\"PlutoTV\"},"
		"{\"name\":\"news\",\"icon\":\"news.png\",\"provider_id\":\"PlutoTV\"},"
		"{\"name\":\"Other\",\"icon\":\"Other.png\",\"provider_id\":\"PlutoTV\"}]");
	assert_string_equal(render(&c, "news"), "[{\"name\":\"Alpha\",\"url\":\"http://x/Alpha\"},"
						"{\"name\":\"zeta\",\"url\":\"http://x/zeta\"}]");
	assert_string_equal(render(&c, "Filme"), "[{\"name\":\"Abc\",\"url\":\"http://x/Abc\"},"
						 "{\"name\":\"beta\",\"url\":\"http://x/beta\"}]");
	assert_string_equal(render(&c, "missing"), "[]");
	assert_string_equal(render(&c, "Kom\xc3\xb6"
				       "die"),
			    "[]"); /* the key is the ASCII name */
	cat_close(&c);

	/* fresh: no second fill */
	assert_int_equal(cat_get(dir, "PlutoTV", "src1", 3600, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 1);
	cat_close(&c);
	/* expired (TTL 0): rebuilt */
	assert_int_equal(cat_get(dir, "PlutoTV", "src1", 0, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 2);
	cat_close(&c);
	/* other source configuration: rebuilt even though fresh */
	assert_int_equal(cat_get(dir, "PlutoTV", "src2", 3600, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 3);
	cat_close(&c);
}

static void test_stale_and_errors(void **state)
{
	struct cat c;
	int calls = 0, ok = 0;

	(void)state;
	/* nothing cached and the upstream fails: the error */
	assert_int_equal(cat_get(dir, "X", "s", 3600, fill_fail, &calls, &c), -ERR_CONNECT);
	assert_int_equal(cat_open(dir, &c), -ENOENT);
	assert_int_equal(cat_get(dir, "X", "s", 3600, fill_abc, &ok, &c), 0);
	cat_close(&c);
	/* expired and the upstream fails: the old catalogue, marked stale */
	assert_int_equal(cat_get(dir, "X", "s", 0, fill_fail, &calls, &c), 0);
	assert_int_equal(c.stale, 1);
	assert_non_null(strstr(render(&c, "news"), "zeta"));
	assert_null(strstr(render(&c, NULL), "Half"));
	cat_close(&c);
	/* another source's catalogue is never served stale */
	assert_int_equal(cat_get(dir, "X", "other", 0, fill_fail, &calls, &c), -ERR_CONNECT);
	/* no temp files left behind */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | grep -c '^.tmp-') -eq 0", dir);
	assert_int_equal(system(cmd), 0);
}

static void corrupt_at(off_t where, const char *bytes)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/" CAT_FILE, dir);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	if (where < 0)
		where += lseek(fd, 0, SEEK_END);
	assert_int_equal(pwrite(fd, bytes, strlen(bytes), where), (ssize_t)strlen(bytes));
	close(fd);
}

static void test_corrupt(void **state)
{
	struct cat c;
	int calls = 0;
	char path[128];

	(void)state;
	assert_int_equal(cat_get(dir, "P", "s", 3600, fill_abc, &calls, &c), 0);
	cat_close(&c);
	/* a flipped byte inside an item array: CRC mismatch when served */
	corrupt_at(3, "X");
	assert_int_equal(cat_open(dir, &c), 0);
	{
		struct dbuf b;
		struct jw w;

		dbuf_init(&b, 1 << 16);
		jw_init(&w, &b);
		assert_int_equal(cat_write_items(&c, "Filme", &w), -ERR_PARSE);
		dbuf_free(&b);
	}
	cat_close(&c);
	/* a broken footer or index: the file counts as absent and is rebuilt */
	corrupt_at(-20, "zz");
	assert_int_equal(cat_open(dir, &c), -ERR_PARSE);
	assert_int_equal(cat_get(dir, "P", "s", 3600, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 2);
	cat_close(&c);
	/* garbage and an empty file */
	snprintf(path, sizeof(path), "%s/" CAT_FILE, dir);
	FILE *f = fopen(path, "w");
	fputs("{\"v\":1}\nSSCAT1 0000000000000000 00000008\n", f);
	fclose(f);
	assert_int_equal(cat_open(dir, &c), -ERR_PARSE);
	truncate(path, 0);
	assert_int_equal(cat_open(dir, &c), -ERR_PARSE);
	assert_int_equal(cat_get(dir, "P", "s", 3600, fill_abc, &calls, &c), 0);
	assert_int_equal(calls, 3);
	cat_close(&c);
}

static int fill_big(void *arg, struct cat_build *b)
{
	int gen = *(int *)arg;
	char name[32], json[300];

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "n%05d", i);
		snprintf(json, sizeof(json), "{\"name\":\"%s\",\"gen\":%d,\"pad\":\"%0200d\"}",
			 name, gen, i);
		if (cat_build_add(b, i % 2 ? "odd" : "even", i % 2 ? 3 : 4, name, strlen(name),
				  json, strlen(json)))
			return -EIO;
	}
	return 0;
}

/* SIGKILL at random moments of rebuilds: readers always see one whole catalogue. */
static void test_kill_during_write(void **state)
{
	struct cat c;
	int gen = 1;

	(void)state;
	assert_int_equal(cat_get(dir, "K", "s", 0, fill_big, &gen, &c), 0);
	cat_close(&c);
	srand(7);
	for (int round = 0; round < 25; round++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			int g = 100 + round;

			for (;;) {
				struct cat cc;

				if (cat_get(dir, "K", "s", 0, fill_big, &g, &cc) == 0)
					cat_close(&cc);
			}
		}
		usleep((useconds_t)(rand() % 40000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		assert_int_equal(cat_open(dir, &c), 0);
		const char *odd = render(&c, "odd");
		assert_int_equal(strlen(odd) > 1500 * 200, 1);
		assert_non_null(strstr(odd, "n02999"));
		cat_close(&c);
	}
	/* the leftovers of killed builds are swept once old */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "for f in %s/.tmp-*; do [ -e \"$f\" ] && touch -d '-1 hour' \"$f\"; done; "
			 "true",
			 dir);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(cat_get(dir, "K", "s", 0, fill_big, &gen, &c), 0);
		cat_close(&c);
		snprintf(cmd, sizeof(cmd), "test $(ls -A %s | grep -c '^.tmp-') -eq 0", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static int fill_huge(void *arg, struct cat_build *b)
{
	char name[32], json[600];

	(void)arg;
	for (int i = 0; i < 4000; i++) {
		snprintf(name, sizeof(name), "n%05d", i);
		snprintf(json, sizeof(json), "{\"name\":\"%s\",\"pad\":\"%0500d\"}", name, i);
		if (cat_build_add(b, "all", 3, name, strlen(name), json, strlen(json)))
			return -EIO;
	}
	return 0;
}

/* A category bigger than one reply is cut, not failed, and stays valid JSON. */
static void test_reply_cap(void **state)
{
	static jsmntok_t t[16384];
	struct cat c;
	struct jr r;
	const char *a;

	(void)state;
	assert_int_equal(cat_get(dir, "H", "s", 3600, fill_huge, NULL, &c), 0);
	a = render(&c, "all");
	assert_true(strlen(a) <= (size_t)CONFIG_PROVIDER_REPLY_MAX_KB * 1024);
	assert_true(strlen(a) > (size_t)CONFIG_PROVIDER_REPLY_MAX_KB * 1024 - 1024);
	assert_int_equal(jr_parse(&r, a, strlen(a), t, 16384), 0);
	assert_string_equal(render(&c, NULL),
			    "[{\"name\":\"all\",\"icon\":\"all.png\",\"provider_id\":\"H\"}]");
	cat_close(&c);
}

/* ---- decoder -------------------------------------------------------------------------- */

struct sink {
	char out[65536];
	size_t n;
};

static int to_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;

	if (s->n + n > sizeof(s->out))
		return -ERR_TOO_LARGE;
	memcpy(s->out + s->n, p, n);
	s->n += n;
	return 0;
}

static size_t gz(const char *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static int decode(const uint8_t *p, size_t n, size_t step, size_t cap, struct sink *s)
{
	struct prov_dec *d = prov_dec_new(cap, to_sink, s);
	int rc = 0;

	s->n = 0;
	for (size_t i = 0; i < n && !rc; i += step)
		rc = prov_dec_feed(d, p + i, MIN(step, n - i));
	if (!rc)
		rc = prov_dec_end(d);
	prov_dec_free(d);
	return rc;
}

static void test_decoder(void **state)
{
	static char text[40000];
	static uint8_t z[50000], z2[100000];
	static struct sink s;
	size_t zn;

	(void)state;
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + (i * 7919) % 26);
	zn = gz(text, sizeof(text), z, sizeof(z));
	for (size_t step = 1; step < 5000; step = step * 3 + 1) {
		assert_int_equal(decode(z, zn, step, 1 << 20, &s), 0);
		assert_int_equal(s.n, sizeof(text));
		assert_memory_equal(s.out, text, sizeof(text));
	}
	/* plain bodies pass through, even one byte long */
	assert_int_equal(decode((const uint8_t *)"[1]", 3, 1, 100, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(decode((const uint8_t *)"[", 1, 1, 100, &s), 0);
	assert_int_equal(s.n, 1);
	/* truncated gzip is an error, not a short body */
	assert_int_equal(decode(z, zn - 9, 1000, 1 << 20, &s), -ERR_PARSE);
	assert_int_equal(decode(z, zn / 2, 1000, 1 << 20, &s), -ERR_PARSE);
	/* corrupt deflate data */
	memcpy(z2, z, zn);
	memset(z2 + 20, 0xff, 40);
	assert_true(decode(z2, zn, 1000, 1 << 20, &s) < 0);
	/* two members make one stream */
	memcpy(z2, z, zn);
	memcpy(z2 + zn, z, zn);
	{
		static struct sink big;
		struct prov_dec *d = prov_dec_new(1 << 20, to_sink, &big);

		big.n = 0;
		/* the sink holds 64 KiB: 80000 bytes overflow it */
		assert_int_equal(prov_dec_feed(d, z2, 2 * zn), -ERR_TOO_LARGE);
		prov_dec_free(d);
	}
	/* the decoder's own cap */
	assert_int_equal(decode(z, zn, 4096, 1000, &s), -ERR_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_cap, setup, teardown),
		cmocka_unit_test(test_decoder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
