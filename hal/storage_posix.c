/* POSIX storage backend: plain files, whole-packet writes, fdatasync policy, statvfs guard. */
#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "hal/storage.h"

static int sp_free_space(const char *path, int64_t *bytes)
{
	struct statvfs sv;

	if (statvfs(path, &sv) != 0)
		return -errno;
	*bytes = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
	return 0;
}

/* -ERR_DISK_FULL when writing `more` bytes would eat into the reserve. */
static int space_guard(struct storage_file *f, int64_t more)
{
	struct statvfs sv;
	int64_t avail;

	if (f->reserve <= 0)
		return 0;
	if (fstatvfs(f->fd, &sv) != 0)
		return 0; /* cannot tell: let write() report ENOSPC itself */
	avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
	if (avail - more < f->reserve) {
		LOG_WARN(LOG_HAL, "free space %lld bytes below reserve %lld", (long long)avail,
			 (long long)f->reserve);
		return -ERR_DISK_FULL;
	}
	return 0;
}

static int sp_open(struct storage_file *f, const char *path)
{
	int rc;

	f->size = 0;
	f->since_check = 0;
	f->last_sync_ms = mono_ms();
	f->reserve = (int64_t)CONFIG_HAL_FREE_RESERVE_MB << 20;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0)
		return -errno;
	rc = space_guard(f, (int64_t)CONFIG_HAL_SPACE_CHECK_KB << 10);
	if (rc < 0) {
		close(f->fd);
		f->fd = -1;
		unlink(path);
	}
	return rc;
}

static int sp_sync(struct storage_file *f)
{
	if (f->fd < 0)
		return 0;
	f->last_sync_ms = mono_ms();
	if (fdatasync(f->fd) != 0 && errno != EINVAL && errno != EROFS)
		return -errno;
	return 0;
}

/* Writes all n bytes at the end; on failure cuts the file back to `keep` bytes. */
static int write_all(struct storage_file *f, const uint8_t *p, size_t n, int64_t keep)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(f->fd, p + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			/* Never leave a torn packet behind: readers stop at whole packets. */
			if (ftruncate(f->fd, keep) == 0)
				lseek(f->fd, keep, SEEK_SET);
			f->size = keep;
			return e == ENOSPC || e == EDQUOT || e == EFBIG ? -ERR_DISK_FULL : -e;
		}
		done += (size_t)w;
	}
	return 0;
}

static int sp_write_packets(struct storage_file *f, const uint8_t *p, size_t n)
{
	int rc;

	if (f->fd < 0)
		return -EBADF;
	if (n % TS_PACKET)
		return -EINVAL;
	if (f->since_check + (int64_t)n >= ((int64_t)CONFIG_HAL_SPACE_CHECK_KB << 10)) {
		rc = space_guard(f, (int64_t)n);
		if (rc < 0)
			return rc;
		f->since_check = 0;
	}
	rc = write_all(f, p, n, f->size);
	if (rc < 0)
		return rc;
	f->size += (int64_t)n;
	f->since_check += (int64_t)n;
	if (CONFIG_HAL_FSYNC_INTERVAL_MS > 0 &&
	    mono_ms() - f->last_sync_ms >= CONFIG_HAL_FSYNC_INTERVAL_MS)
		return sp_sync(f);
	return 0;
}

static int sp_pwrite(struct storage_file *f, const uint8_t *p, size_t n, int64_t off)
{
	size_t done = 0;
	int rc;

	if (f->fd < 0)
		return -EBADF;
	if (f->since_check + (int64_t)n >= ((int64_t)CONFIG_HAL_SPACE_CHECK_KB << 10)) {
		rc = space_guard(f, (int64_t)n);
		if (rc < 0)
			return rc;
		f->since_check = 0;
	}
	while (done < n) {
		ssize_t w = pwrite(f->fd, p + done, n - done, (off_t)(off + (int64_t)done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			return e == ENOSPC || e == EDQUOT || e == EFBIG ? -ERR_DISK_FULL : -e;
		}
		done += (size_t)w;
	}
	f->since_check += (int64_t)n;
	if (off + (int64_t)n > f->size)
		f->size = off + (int64_t)n;
	if (CONFIG_HAL_FSYNC_INTERVAL_MS > 0 &&
	    mono_ms() - f->last_sync_ms >= CONFIG_HAL_FSYNC_INTERVAL_MS)
		return sp_sync(f);
	return 0;
}

static int sp_close(struct storage_file *f)
{
	int rc;

	if (f->fd < 0)
		return 0;
	rc = sp_sync(f);
	if (close(f->fd) != 0 && rc == 0)
		rc = -errno;
	f->fd = -1;
	return rc;
}

static int sp_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

const struct storage_ops storage_posix_ops = {
	.name = "posix",
	.open = sp_open,
	.write_packets = sp_write_packets,
	.pwrite = sp_pwrite,
	.sync = sp_sync,
	.close = sp_close,
	.free_space = sp_free_space,
	.remove = sp_remove,
};
