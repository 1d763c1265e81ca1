/*
 * m3u8 parser, private to core/hls/m3u8*.c: the line scanner and the value parsers that
 * m3u8.c gives the master (m3u8_master.c) and media (m3u8_media.c) playlist parsers.
 */
#ifndef SS_HLS_M3U8_INT_H
#define SS_HLS_M3U8_INT_H

#include "core/hls/m3u8.h"

/* One line of the playlist: [p, p+n) without the line terminator. */
struct m3u8_line {
	const char *p;
	size_t n;
};

struct m3u8_scan {
	const char *p;
	size_t n, pos;
	int lineno;
	char *err;
	size_t cap;
};

/* Formats "line N: <message>" into the scan's error text; returns rc. */
int m3u8_fail(struct m3u8_scan *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Starts a scan of [p, p+n) (a UTF-8 BOM is skipped; err[cap] gets the error text) and
 * reads the first line, which must be #EXTM3U: 0 or the error. */
int m3u8_scan_playlist(struct m3u8_scan *s, const uint8_t *p, size_t n, char *err, size_t cap);
/* Next non-empty line, trimmed of surrounding blanks; 0 at the end, -ERR_LIMIT past the cap. */
int m3u8_scan_line(struct m3u8_scan *s, struct m3u8_line *l);
/* If line starts with tag (e.g. "#EXTINF"), sets *val to what follows the ':' and returns 1. */
int m3u8_tag_is(const struct m3u8_line *l, const char *tag, struct m3u8_str *val);
/* Unsigned decimal integer filling the whole view; 0 or -ERR_PARSE (also on overflow). */
int m3u8_parse_u64(struct m3u8_str v, uint64_t *out);
/* Signed decimal number to thousandths, rounded down; 0 or -ERR_PARSE. */
int m3u8_parse_milli(struct m3u8_str v, int64_t *out);
/* "<len>[@<off>]"; off < 0 when absent. 0 or -ERR_PARSE. */
int m3u8_parse_byterange(struct m3u8_str v, int64_t *len, int64_t *off);
/* ISO 8601 date-time to ms since the epoch. 0 or -ERR_PARSE. */
int m3u8_parse_datetime(struct m3u8_str s, int64_t *ms);
/* Fills k from an EXT-X-KEY / EXT-X-SESSION-KEY attribute list. */
int m3u8_parse_key_attrs(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_key *k);

#endif
