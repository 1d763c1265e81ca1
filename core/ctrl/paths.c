/* Path confinement for client-supplied directories (rec_dir, data_dir). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/err.h"
#include "core/ctrl/paths.h"

int paths_inside(const char *roots, const char *canon)
{
	const char *s = roots;

	while (s && *s) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char root[PATH_MAX], real[PATH_MAX];

		if (n > 0 && n < sizeof(root)) {
			memcpy(root, s, n);
			root[n] = '\0';
			/* Roots are canonicalised too: /media may itself be a symlink. */
			if (root[0] == '/' && realpath(root, real)) {
				size_t rl = strlen(real);

				if (strcmp(real, "/") == 0)
					return 1;
				if (strncmp(canon, real, rl) == 0 &&
				    (canon[rl] == '\0' || canon[rl] == '/'))
					return 1;
			}
		}
		s = e ? e + 1 : NULL;
	}
	return 0;
}

/* Splits off the last component: "/a/b" -> "/a"; returns 0 when nothing is left to cut. */
static int paths_cut(char *p)
{
	char *slash = strrchr(p, '/');

	if (!slash || slash == p) {
		if (p[1] == '\0')
			return 0;
		p[1] = '\0';
		return 1;
	}
	*slash = '\0';
	return 1;
}

int paths_confine(const char *roots, const char *path, int dir_only, char *out, size_t cap)
{
	char real[PATH_MAX];
	struct stat st;

	if (!path || path[0] != '/' || strlen(path) >= PATH_MAX)
		return -ERR_PATH_DENIED;
	if (!realpath(path, real)) {
		int e = errno;
		char base[PATH_MAX];

		if (e != ENOENT && e != ENOTDIR)
			return -ERR_PATH_DENIED;
		/* Missing: "not found" only when it would lie inside the roots, else denied. */
		strcpy(base, path);
		while (!realpath(base, real)) {
			if (errno != ENOENT && errno != ENOTDIR)
				return -ERR_PATH_DENIED;
			if (!paths_cut(base))
				return -ERR_PATH_DENIED;
		}
		if (!paths_inside(roots, real) || strstr(path + strlen(base), "/.."))
			return -ERR_PATH_DENIED;
		return -ENOENT;
	}
	if (!paths_inside(roots, real))
		return -ERR_PATH_DENIED;
	if (dir_only && (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)))
		return -ENOTDIR;
	if (strlen(real) >= cap)
		return -ERR_PATH_DENIED;
	strcpy(out, real);
	return 0;
}

/* The next '/'-separated name of *c (its length in *len), or NULL at the end; advances *c. */
static const char *next_component(const char **c, size_t *len)
{
	const char *name = *c, *e;

	while (*name == '/')
		name++;
	if (!*name)
		return NULL;
	e = strchr(name, '/');
	*len = e ? (size_t)(e - name) : strlen(name);
	*c = name + *len;
	return name;
}

int paths_mkdirs(const char *roots, const char *dir, const char *sub, char *out, size_t cap)
{
	char full[PATH_MAX], base[PATH_MAX], real[PATH_MAX];
	const char *rest;
	size_t baselen, len;
	struct stat st;
	int n;

	if (!dir || dir[0] != '/')
		return -ERR_PATH_DENIED;
	if (sub && (!*sub || strchr(sub, '/') || strcmp(sub, ".") == 0 || strcmp(sub, "..") == 0))
		return -ERR_PATH_DENIED;
	n = snprintf(full, sizeof(full), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	if (n < 0 || (size_t)n >= sizeof(full))
		return -ERR_PATH_DENIED;
	/* Longest existing prefix: everything from there on is created by us. */
	strcpy(base, full);
	while (!realpath(base, real)) {
		if ((errno != ENOENT && errno != ENOTDIR) || !paths_cut(base))
			return -ERR_PATH_DENIED;
	}
	if (!paths_inside(roots, real))
		return -ERR_PATH_DENIED;
	baselen = strlen(base);
	rest = full + baselen;
	/* Check the missing part first so nothing is created for a path we then refuse. */
	for (const char *c = rest, *name; (name = next_component(&c, &len));) {
		if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
			return -ERR_PATH_DENIED;
	}
	for (const char *c = rest, *name; (name = next_component(&c, &len));) {
		size_t rl = strlen(real);

		if (rl + 1 + len >= sizeof(real))
			return -ERR_PATH_DENIED;
		if (rl > 1)
			real[rl++] = '/';
		memcpy(real + rl, name, len);
		real[rl + len] = '\0';
		if (mkdir(real, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	/* Re-check the result: a component may have been swapped for a symlink meanwhile. */
	if (!realpath(full, real) || !paths_inside(roots, real))
		return -ERR_PATH_DENIED;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (strlen(real) >= cap)
		return -ERR_PATH_DENIED;
	strcpy(out, real);
	return 0;
}
