/* Segment prefetcher: N fetcher threads, each with its own HTTP session and bounded buffer. */
#ifndef SS_REC_FETCH_H
#define SS_REC_FETCH_H

#include "core/base/common.h"
#include "net/http.h"

/*
 * The recorder thread submits segments in order and reads each one's bytes in order while
 * later ones download. A fetcher holds at most CONFIG_HLS_SLOT_BUF_KB of unread data and
 * then stops reading its socket (backpressure), so memory is fixed at start. Failed
 * downloads are retried inside the fetcher (capped backoff, resuming after the bytes
 * already handed over) while the segment is still in the live window, waiting at least
 * as long as a Retry-After asks (within the window); 401/403 are not retried: the caller
 * re-resolves. A 200 whose first bytes are not media (an HTML page, garbage) counts as a
 * failed download (-ERR_PROTOCOL) and is never handed to the reader.
 */
struct rec_fetch;

/* One segment download. */
struct rec_fetch_job {
	char url[HTTP_URL_MAX];
	int64_t off, len; /* byte range (BYTERANGE); len < 0: whole resource */
	uint64_t seq;	  /* media sequence number, the job's identity */
	int64_t skip;	  /* bytes at the start already consumed (resubmitted job) */
	int retry_cap_ms; /* largest backoff (half the target duration) */
	int target_ms;	  /* the playlist's target duration: how long a segment stays listed */
	bool opaque;	  /* encrypted: the first bytes cannot be checked for TS/MP4 */
};

/*
 * Starts nslots fetcher threads with their own sessions (headers: "Name: value" strings,
 * n_headers of them, sent on every request), made with the options of base (its TLS
 * trust and verification; NULL: defaults). Returns 0 or a negative error; *out is
 * freed with rec_fetch_free().
 */
int rec_fetch_new(struct rec_fetch **out, int nslots, const char (*headers)[256], int n_headers,
		  const struct http_session_opts *base);
/* Stops the threads (aborting downloads) and frees everything. */
void rec_fetch_free(struct rec_fetch *f);

/* Number of slots without a job. */
int rec_fetch_free_slots(struct rec_fetch *f);
/* Queues a job on a free slot: 0, or -EBUSY when every slot is taken. */
int rec_fetch_submit(struct rec_fetch *f, const struct rec_fetch_job *job);

/*
 * Points *p at the next contiguous unread bytes of segment seq inside the fetcher's buffer
 * (zero copy) and returns their count (> 0); they stay valid until rec_fetch_consume(), and
 * the caller may rewrite them in place (the fetcher only fills free space).
 * Waits up to wait_ms. Returns 0 when the segment ended complete, -EAGAIN when nothing
 * arrived in time, the download's final error (-ERR_FORBIDDEN, -ERR_NOT_FOUND, ...), or
 * -ENOENT when seq was not submitted.
 */
int rec_fetch_peek(struct rec_fetch *f, uint64_t seq, uint8_t **p, int wait_ms);
/* Releases the first n bytes returned by rec_fetch_peek (the fetcher may refill them). */
void rec_fetch_consume(struct rec_fetch *f, uint64_t seq, size_t n);
/* Frees the slot of seq (done, failed or abandoned; a running download is aborted). */
void rec_fetch_release(struct rec_fetch *f, uint64_t seq);
/* Aborts every download and frees every slot; returns when all fetchers are idle. */
void rec_fetch_reset(struct rec_fetch *f);
/*
 * Oldest sequence number still in the live playlist window (segments below it are not
 * retried any more); UINT64_MAX... 0 for VOD means "always in the window".
 */
void rec_fetch_set_window(struct rec_fetch *f, uint64_t first_seq);
/* Monotonic ms of the last byte any fetcher received for seq (0: none yet). */
int64_t rec_fetch_last_byte_ms(struct rec_fetch *f, uint64_t seq);

#endif
