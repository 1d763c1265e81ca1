/* Path confinement: client paths must resolve (symlinks, ..) inside the configured roots. */
#ifndef SS_PATHS_H
#define SS_PATHS_H

#include "core/base/common.h"

/*
 * roots is a colon-separated list of directories ("/media:/tmp"); roots that do not exist
 * are ignored. A path is inside a root when its canonical form (realpath) equals the
 * root's canonical form or lies below it.
 */

/*
 * Canonicalises an existing path and checks it is inside roots. On success out[0..cap)
 * holds the canonical path. Returns 0, -ERR_PATH_DENIED (relative, outside the roots,
 * escaping through .. or a symlink, or too long), or -ENOENT / -ENOTDIR when it does not
 * exist or is not a directory (dir_only).
 */
int paths_confine(const char *roots, const char *path, int dir_only, char *out, size_t cap);
/*
 * Makes the directory <dir>/<sub> (sub may be NULL) with its missing parents, each step
 * confined to roots: the existing part is canonicalised and checked, the missing part may
 * not contain "." or ".." components. out gets the canonical result. Returns 0,
 * -ERR_PATH_DENIED, or -errno from mkdir.
 */
int paths_mkdirs(const char *roots, const char *dir, const char *sub, char *out, size_t cap);
/* 1 when the canonical path canon lies inside one of roots, else 0. */
int paths_inside(const char *roots, const char *canon);

#endif
