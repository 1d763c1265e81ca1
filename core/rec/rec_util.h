/* Recorder helpers: stream.log lines, rec_dir cleanup, URLs without secrets, sleeping on cancel. */
#ifndef SS_REC_UTIL_H
#define SS_REC_UTIL_H

#include "core/base/common.h"

/* Index value printed as "---" in stream.log (so is any other negative value). */
#define REC_LOG_NONE (-1000)

/*
 * Appends one line "HH:MM:SS.mmm STS SSS/GGG: <uri> - <event>" to <rec_dir>/stream.log,
 * opening it with O_APPEND for this line only (the plugin writes the same file). uri may
 * be NULL ("none"); it is printed without query or credentials. Errors are only logged.
 */
void rec_log_line(const char *rec_dir, int section, int segment, const char *uri,
		  const char *event);

/*
 * Removes our own files from rec_dir: stream_<digits>.ts and stream_0.mp4 and their
 * .cuts/.ap/.sc/.meta companions. Nothing else. Returns 0 or -errno when rec_dir cannot
 * be read.
 */
int rec_cleanup(const char *rec_dir);

/* True when name is one of the files rec_cleanup() removes. */
bool rec_is_own_file(const char *name);

/* Copies url without userinfo, query and fragment (no tokens in logs or events). */
void rec_url_public(const char *url, char *out, size_t cap);

/*
 * Waits up to ms milliseconds; returns -ERR_CANCELLED as soon as cancel_fd (-1: none)
 * becomes readable, else 0.
 */
int rec_sleep(int cancel_fd, int64_t ms);

/* True when cancel_fd is readable now. */
bool rec_cancelled(int cancel_fd);

/* Bytes of a segment's start that rec_seg_sniff() needs at most to decide. */
#define REC_SNIFF_MAX 4096

/*
 * Whether the first n bytes of a segment look like media the recorder reads: MPEG-TS (four
 * sync bytes 188 apart within the first REC_SNIFF_MAX bytes, so leading junk is allowed),
 * an MP4 box (fMP4), or packed audio (ID3, ADTS, AC-3). final: no more bytes will come.
 * Returns 1 (media), 0 (undecided: give more bytes) or -ERR_PROTOCOL (an HTML page,
 * garbage). Decides at the latest at n >= REC_SNIFF_MAX; an empty final body is 1.
 */
int rec_seg_sniff(const uint8_t *p, size_t n, bool final);

/*
 * Delay before retrying a segment: backoff_ms, or longer when the server sent Retry-After
 * (retry_after_s >= 0; at most CONFIG_HTTP_RETRY_AFTER_MAX_S), the server's wait then being
 * cut to window_left_ms, the time the segment still stays in the live window (< 0: no
 * window, VOD).
 */
int64_t rec_retry_delay_ms(int64_t backoff_ms, int retry_after_s, int64_t window_left_ms);

#endif
