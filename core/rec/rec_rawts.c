/* Raw MPEG-TS over HTTP: one endless body cut into pseudo-segments, recorded as hls_live. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_out.h"
#include "core/rec/rec_backends.h"
#include "core/rec/rec_ctx.h"
#include "core/rec/rec_util.h"

#define RAWTS_DONE (-ERR__END - 2) /* callback verdict: requested duration reached */

struct rawts {
	struct rec_ctx *c;
	struct rec_out out;
	int64_t in_seg; /* bytes fed into the current pseudo-segment */
	int64_t total;	/* bytes received in this connection */
	const char *url;
};

static int rawts_body(void *ctx, const uint8_t *p, size_t n)
{
	struct rawts *r = ctx;
	const int64_t seg = (int64_t)CONFIG_HLS_RAWTS_SEGMENT_KB << 10;
	int rc;

	r->total += (int64_t)n;
	while (n) {
		size_t k = (size_t)MIN((int64_t)n, seg - r->in_seg);

		rc = rec_out_feed(&r->out, p, k);
		if (rc < 0)
			return rc;
		r->in_seg += (int64_t)k;
		p += k;
		n -= k;
		if (r->in_seg < seg)
			break;
		/* A pseudo-segment boundary: flush, count toward buffering, maybe announce. */
		rc = rec_out_seg_end(&r->out, 0, NULL);
		if (rc < 0)
			return rc;
		if (r->c->p->duration_s > 0 &&
		    r->out.media_ms >= (int64_t)(r->c->p->duration_s * 1000))
			return RAWTS_DONE;
		rc = rec_out_seg_begin(&r->out, 0, r->url);
		if (rc < 0)
			return rc;
		r->in_seg = 0;
	}
	return 0;
}

int rec_rawts(struct rec_ctx *c, const char *url)
{
	struct rawts r;
	int rc, fails = 0;
	unsigned flags = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.url = url;
	c->kind = REC_HLS_LIVE;
	rc = rec_out_init(&r.out, c);
	if (rc < 0)
		return rec_fail(c, rc, "The recording file cannot be created.");
	rec_note(c, "raw MPEG-TS stream, recorded as one live section");
	for (;;) {
		struct http_request rq;
		struct http_response rs;

		rc = rec_out_seg_begin(&r.out, flags, url);
		if (rc < 0)
			break;
		r.in_seg = 0;
		r.total = 0;
		http_request_init(&rq, url);
		rc = http_get(c->http, &rq, &rs, rawts_body, &r);
		if (rc == RAWTS_DONE) { /* --duration reached; the segment was closed */
			rc = 0;
			break;
		}
		if (rc == 0) {
			/* The body ended cleanly: its last pseudo-segment is complete. */
			rec_note(c, "the TS stream ended");
			rc = rec_out_seg_end(&r.out, 0, NULL);
			break;
		}
		if (rc == -ERR_FORBIDDEN) {
			rc = rec_refresh(c);
			if (rc < 0)
				break;
			url = c->res.url;
			r.url = url;
		} else if (rc == -ERR_CANCELLED || rc == -ERR_DISK_FULL || rc == -ERR_DRM) {
			break;
		} else {
			fails = r.total > 0 ? 0 : fails + 1;
			if (fails > CONFIG_HLS_SEG_RETRIES) {
				rc = rec_fail(c, rc, "The TS stream could not be loaded.");
				break;
			}
			rec_note(c, "TS stream dropped (%s), reconnecting", err_str(rc));
			if (rec_sleep(c->cancel_fd, (int64_t)CONFIG_HLS_RETRY_BACKOFF_MS << fails) <
			    0) {
				rc = -ERR_CANCELLED;
				break;
			}
		}
		/* What was fed stays; the next connection starts a new period. */
		rec_out_seg_end(&r.out, 0, NULL);
		flags = TS_SEG_DISCONTINUITY;
	}
	if (rc == 0) {
		rc = rec_out_finish(&r.out, true);
		if (rc < 0)
			rec_fail(c, rc, "The recording could not be finished.");
	} else {
		rec_out_finish(&r.out, false); /* error or stop: no start for a short rest */
		if (rc == -ERR_DISK_FULL)
			rec_fail(c, rc, "The recording disk is full.");
	}
	rec_out_free(&r.out);
	return rc;
}
