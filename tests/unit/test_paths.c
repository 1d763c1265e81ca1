/* Unit tests: path confinement (.., symlink escapes, missing parts, mkdir -p). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/ctrl/paths.h"

struct tree {
	char base[64];
	char root[PATH_MAX];
	char roots[2 * PATH_MAX];
};

static char *p(const struct tree *t, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", t->base, rel);
	return buf[k];
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	FILE *f;

	if (!t)
		return -1;
	strcpy(t->base, "/tmp/ss-paths-XXXXXX");
	if (!mkdtemp(t->base)) {
		free(t);
		return -1;
	}
	mkdir(p(t, "root"), 0755);
	mkdir(p(t, "root/ok"), 0755);
	mkdir(p(t, "outside"), 0755);
	symlink(p(t, "outside"), p(t, "root/link"));
	symlink(p(t, "root"), p(t, "rootlink"));
	f = fopen(p(t, "root/file"), "w");
	if (f)
		fclose(f);
	/* A missing root is ignored, the real one follows it. */
	snprintf(t->roots, sizeof(t->roots), "/nonexistent-root:%s", p(t, "root"));
	realpath(p(t, "root"), t->root);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static void test_confine_inside(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX], want[PATH_MAX + 64];

	assert_int_equal(paths_confine(t->roots, p(t, "root/ok"), 1, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/ok", t->root);
	assert_string_equal(out, want);
	assert_int_equal(paths_confine(t->roots, p(t, "root"), 1, out, sizeof(out)), 0);
	assert_string_equal(out, t->root);
	/* .. that stays inside is fine. */
	assert_int_equal(paths_confine(t->roots, p(t, "root/ok/../ok"), 1, out, sizeof(out)), 0);
}

static void test_confine_escapes(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX];

	assert_int_equal(paths_confine(t->roots, p(t, "root/../outside"), 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, p(t, "root/link"), 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, p(t, "outside"), 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, "relative/dir", 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, "/etc", 1, out, sizeof(out)), -ERR_PATH_DENIED);
	assert_int_equal(paths_confine("/tmp", "/tmp/../etc", 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, NULL, 1, out, sizeof(out)), -ERR_PATH_DENIED);
	/* A sibling whose name starts like the root is not inside it. */
	mkdir(p(t, "rootx"), 0755);
	assert_int_equal(paths_confine(t->roots, p(t, "rootx"), 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
}

static void test_confine_missing(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX];

	assert_int_equal(paths_confine(t->roots, p(t, "root/missing"), 1, out, sizeof(out)),
			 -ENOENT);
	assert_int_equal(paths_confine(t->roots, p(t, "outside/missing"), 1, out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(
		paths_confine(t->roots, p(t, "root/missing/../../outside/x"), 1, out, sizeof(out)),
		-ERR_PATH_DENIED);
	assert_int_equal(paths_confine(t->roots, p(t, "root/file"), 1, out, sizeof(out)), -ENOTDIR);
	assert_int_equal(paths_confine(t->roots, p(t, "root/file"), 0, out, sizeof(out)), 0);
}

static void test_root_symlink(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX];

	/* A root given through a symlink still contains the real directory. */
	assert_int_equal(paths_confine(p(t, "rootlink"), p(t, "root/ok"), 1, out, sizeof(out)), 0);
	assert_int_equal(paths_inside("/", "/etc"), 1);
	assert_int_equal(paths_inside("", "/etc"), 0);
}

static void test_mkdirs(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX], want[PATH_MAX + 64];
	struct stat st;

	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/a/b/c"), "PlutoTV", out, sizeof(out)),
			 0);
	snprintf(want, sizeof(want), "%s/a/b/c/PlutoTV", t->root);
	assert_string_equal(out, want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: already there. */
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/a/b/c"), "PlutoTV", out, sizeof(out)),
			 0);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/ok"), NULL, out, sizeof(out)), 0);
}

static void test_mkdirs_escapes(void **state)
{
	struct tree *t = *state;
	char out[PATH_MAX];
	struct stat st;

	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/link/x"), "id", out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(stat(p(t, "outside/x"), &st), -1);
	assert_int_equal(
		paths_mkdirs(t->roots, p(t, "root/new/../../outside"), "id", out, sizeof(out)),
		-ERR_PATH_DENIED);
	assert_int_equal(stat(p(t, "root/new"), &st), -1);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/ok"), "..", out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/ok"), ".", out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/ok"), "a/b", out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "outside/y"), "id", out, sizeof(out)),
			 -ERR_PATH_DENIED);
	assert_int_equal(paths_mkdirs(t->roots, "rel", "id", out, sizeof(out)), -ERR_PATH_DENIED);
	assert_int_equal(paths_mkdirs(t->roots, p(t, "root/file"), "id", out, sizeof(out)),
			 -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confine_inside),	cmocka_unit_test(test_confine_escapes),
		cmocka_unit_test(test_confine_missing), cmocka_unit_test(test_root_symlink),
		cmocka_unit_test(test_mkdirs),		cmocka_unit_test(test_mkdirs_escapes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
