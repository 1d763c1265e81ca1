/* Section-file output: stream_<N>.ts files written in gathered whole packets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "hal/output.h"

int output_section_path(const char *dir, int index, char *out, size_t cap)
{
	int k = snprintf(out, cap, "%s/stream_%d.ts", dir, index);

	return k < 0 || (size_t)k >= cap ? -ERR_TOO_LARGE : 0;
}

static int file_flush(struct output *o)
{
	int rc;

	if (!o->len || o->section < 0)
		return 0;
	rc = o->st->write_packets(&o->f, o->buf, o->len);
	o->len = 0;
	return rc;
}

static int file_section_close(struct output *o)
{
	int rc, rc2;

	if (o->section < 0)
		return 0;
	rc = file_flush(o);
	rc2 = o->st->close(&o->f);
	o->section = -1;
	return rc ? rc : rc2;
}

static int file_section_open(struct output *o, int index)
{
	int rc = file_section_close(o);

	if (rc < 0)
		return rc;
	rc = output_section_path(o->dir, index, o->path, sizeof(o->path));
	if (rc < 0)
		return rc;
	rc = o->st->open(&o->f, o->path);
	if (rc < 0) {
		LOG_ERR(LOG_HAL, "cannot create %s: %s", o->path, err_str(rc));
		return rc;
	}
	o->section = index;
	o->written = 0;
	return 0;
}

static int file_write(struct output *o, const uint8_t *p, size_t n)
{
	int rc;

	if (o->section < 0)
		return -EBADF;
	if (n % TS_PACKET)
		return -EINVAL;
	o->written += (int64_t)n;
	/* Runs of 1/8 of the buffer or more go straight to the file: gathering them would
	 * only add a copy. Small ones are gathered to save system calls. */
	if (o->len + n > o->cap || n >= o->cap / 8) {
		rc = file_flush(o);
		if (rc < 0)
			return rc;
	}
	if (n >= o->cap / 8)
		return o->st->write_packets(&o->f, p, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int file_dvr_open(struct output *o, const char *device)
{
	UNUSED(o);
	UNUSED(device);
	return -ENOTSUP;
}

static int file_relay_open(struct output *o, int port)
{
	UNUSED(o);
	UNUSED(port);
	return -ENOTSUP;
}

const struct output_ops output_file_ops = {
	.name = "file",
	.section_open = file_section_open,
	.write = file_write,
	.flush = file_flush,
	.section_close = file_section_close,
	.dvr_open = file_dvr_open,
	.relay_open = file_relay_open,
};

int output_file_init(struct output *o, const char *dir, const struct storage_ops *st)
{
	memset(o, 0, sizeof(*o));
	o->ops = &output_file_ops;
	o->st = st;
	o->dir = dir;
	o->section = -1;
	o->f.fd = -1;
	o->cap = (size_t)CONFIG_HAL_WRITE_BUF_PACKETS * TS_PACKET;
	o->buf = malloc(o->cap);
	return o->buf ? 0 : -ENOMEM;
}

int output_free(struct output *o)
{
	int rc = 0;

	if (o->ops)
		rc = o->ops->section_close(o);
	free(o->buf);
	o->buf = NULL;
	return rc;
}
