/* M3U/M3U8 channel list parser (#EXTINF with tvg-id, tvg-logo, group-title attributes). */
#ifndef SS_PROV_M3U_H
#define SS_PROV_M3U_H

#include "core/base/common.h"

/* One channel: views into the caller's buffer (not NUL-terminated). */
struct m3u_entry {
	const char *attrs; /* attribute text of #EXTINF (between the duration and the title) */
	size_t attrs_len;
	const char *title; /* display name after the first comma outside quotes ("" if none) */
	size_t title_len;
	const char *group; /* #EXTGRP value, if any (group-title takes precedence) */
	size_t group_len;
	const char *url; /* the URI line */
	size_t url_len;
};

/*
 * Parses the next entry of p[0..n) starting at *off. Returns 1 and moves *off past it;
 * 0 when no complete entry is left: with at_eof the list is done, otherwise *off stays at
 * the first byte still needed (the caller appends more text and calls again). Lines end
 * in LF, CRLF or CR; a UTF-8 BOM at a line start and #EXTM3U are skipped; unknown tags are ignored;
 * a URI without #EXTINF is an entry with an empty title. Never reads past n, never allocates.
 */
int m3u_next(const uint8_t *p, size_t n, size_t *off, int at_eof, struct m3u_entry *e);

/* Value of attribute name (e.g. "tvg-logo") in e->attrs: 1 and a view, or 0 if absent. */
int m3u_attr(const struct m3u_entry *e, const char *name, const char **v, size_t *vn);

#endif
