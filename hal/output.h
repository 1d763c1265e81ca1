/* Output HAL: where the recorded TS goes (section files; DVR device and HTTP relay optional). */
#ifndef SS_HAL_OUTPUT_H
#define SS_HAL_OUTPUT_H

#include "hal/storage.h"

struct output;

/*
 * An output sink. Ops return 0 or a negative error. write accepts whole TS packets only
 * (n a multiple of 188) and may gather them; flush pushes everything gathered to the
 * sink (called at every segment end, so a player sees whole segments). dvr_open and
 * relay_open are optional: an output that lacks them returns -ENOTSUP.
 */
struct output_ops {
	const char *name;
	/* Starts section `index` (file <dir>/stream_<index>.ts), closing the previous one. */
	int (*section_open)(struct output *o, int index);
	int (*write)(struct output *o, const uint8_t *p, size_t n);
	int (*flush)(struct output *o);
	/* Flushes, syncs and closes the open section (no-op when none is open). */
	int (*section_close)(struct output *o);
	/* Optional: feed a DVB dvr device (e.g. /dev/dvb/adapter0/dvr0) instead of files. */
	int (*dvr_open)(struct output *o, const char *device);
	/* Optional: serve the stream on a local HTTP port. */
	int (*relay_open)(struct output *o, int port);
};

struct output {
	const struct output_ops *ops;
	const struct storage_ops *st;
	const char *dir; /* recording directory (caller's string) */
	struct storage_file f;
	int section;	/* open section index, -1: none */
	char path[512]; /* path of the open section file */
	uint8_t *buf;	/* HAL_WRITE_BUF_PACKETS whole packets, gathered */
	size_t len, cap;
	int64_t written; /* bytes accepted into the open section */
};

/* The section-file output (hal/output_file.c). */
extern const struct output_ops output_file_ops;

/* Sets up a section-file output in dir on storage st; allocates the gather buffer. */
int output_file_init(struct output *o, const char *dir, const struct storage_ops *st);
/* Closes any open section and frees the buffer. */
int output_free(struct output *o);
/* Path of section index in dir: "<dir>/stream_<index>.ts"; -ERR_TOO_LARGE if cap is short. */
int output_section_path(const char *dir, int index, char *out, size_t cap);

#endif
