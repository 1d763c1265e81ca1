/* Storage HAL: section files written in whole TS packets, with a sync policy and space guard. */
#ifndef SS_HAL_STORAGE_H
#define SS_HAL_STORAGE_H

#include "core/base/common.h"

#define TS_PACKET 188

/* One open file. Owned by the caller (embed it); the ops fill it. */
struct storage_file {
	int fd;
	int64_t size;	     /* bytes written (the file's length) */
	int64_t since_check; /* bytes written since the last free-space check */
	int64_t last_sync_ms;
	int64_t reserve; /* free bytes that must stay on the filesystem */
};

/*
 * A storage backend. Every op returns 0 or a negative error (-errno, -ERR_DISK_FULL).
 * write_packets never leaves a partial packet in the file: on a short or failed write the
 * file is cut back to the last whole packet, so readers always see complete packets.
 */
struct storage_ops {
	const char *name;
	/* Creates (or truncates) path; checks free space first (-ERR_DISK_FULL). */
	int (*open)(struct storage_file *f, const char *path);
	/* Appends n bytes, n a multiple of 188; checks free space every HAL_SPACE_CHECK_KB and
	 * syncs every HAL_FSYNC_INTERVAL_MS. */
	int (*write_packets)(struct storage_file *f, const uint8_t *p, size_t n);
	/* Writes n bytes at offset off (no packet rule: MP4 files). */
	int (*pwrite)(struct storage_file *f, const uint8_t *p, size_t n, int64_t off);
	/* Flushes written data to the medium. */
	int (*sync)(struct storage_file *f);
	/* Syncs and closes; f->fd becomes -1. Safe on a closed file. */
	int (*close)(struct storage_file *f);
	/* Free bytes on the filesystem holding path (for an unprivileged writer). */
	int (*free_space)(const char *path, int64_t *bytes);
	/* Removes a file; a missing file is not an error. */
	int (*remove)(const char *path);
};

/* The POSIX backend (hal/storage_posix.c). */
extern const struct storage_ops storage_posix_ops;

#endif
