/* Provider catalogue cache: the file format constants and file helpers that catalog.c (reading,
 * cache policy) and catalog_build.c (building) share. */
#ifndef SS_PROV_CATALOG_INT_H
#define SS_PROV_CATALOG_INT_H

#include <sys/types.h>

#include "providers/catalog.h"

#define FOOTER_LEN 33 /* "SSCAT1 %016llx %08x\n" */
#define INDEX_MAX (1024 + CONFIG_PROVIDER_MAX_CATEGORIES * (3 * CONFIG_PROVIDER_NAME_MAX + 200))
#define REPLY_MAX ((size_t)CONFIG_PROVIDER_REPLY_MAX_KB * 1024)

/* Reads exactly n bytes at off; 0, -errno, or -ERR_PARSE when the file is shorter. */
int cat_pread_all(int fd, void *p, size_t n, off_t off);
/* dir/name into out; 0 or -ENAMETOOLONG. */
int cat_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
