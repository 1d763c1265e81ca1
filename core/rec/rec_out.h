/* Recorder output: TS remuxer -> section files, with the per-section "start" announcement. */
#ifndef SS_REC_OUT_H
#define SS_REC_OUT_H

#include "core/rec/rec_ctx.h"
#include "core/ts/remux.h"
#include "hal/output.h"

/*
 * Segments go through the remuxer into stream_<N>.ts files. A section is announced
 * (REC_EV_SECTION) once it holds `buffering` complete segments, or when it ends before
 * that (a shorter VOD, or a resolution change), so every section gets exactly one start,
 * in order.
 */
struct rec_out {
	struct rec_ctx *c;
	struct output out;
	struct ts_remux *remux; /* heap: large fixed buffers */
	int section;		/* open section, -1: none */
	int segs;		/* segments written into it */
	int width, height;	/* its video size */
	bool announced;
	bool quiet; /* stopped: no more announcements */
	bool seg_open;
	char sec_url[256];  /* public URL of the section's first segment */
	char seg_url[256];  /* public URL of the segment being fed */
	int64_t media_ms;   /* media recorded (EXTINF sum of completed segments) */
	int64_t seg_total;  /* segments completed over the whole recording */
	int64_t unreported; /* bytes written since the last rec_progress() */
	int sink_err;
};

/* Prepares output into c->p->rec_dir. 0 or a negative error. */
int rec_out_init(struct rec_out *o, struct rec_ctx *c);
/* Gives an fMP4 init section (EXT-X-MAP). */
int rec_out_fmp4_init(struct rec_out *o, const uint8_t *p, size_t n);
/* Starts a segment (TS_SEG_* flags); url is logged and announced without its query. */
int rec_out_seg_begin(struct rec_out *o, unsigned flags, const char *url);
/* Feeds segment bytes. */
int rec_out_feed(struct rec_out *o, const uint8_t *p, size_t n);
/* Feeds segment bytes the remuxer may rewrite in place and write from (p undefined after). */
int rec_out_feed_mut(struct rec_out *o, uint8_t *p, size_t n);
/* Ends the segment (dur_ms from EXTINF); announces the section when it is ready. */
int rec_out_seg_end(struct rec_out *o, int64_t dur_ms, struct ts_segment_info *info);
/*
 * Ends a segment whose download failed part way: its whole packets stay in the file, but
 * it is not a complete segment, so it never counts toward `buffering` nor triggers a start.
 */
int rec_out_seg_fail(struct rec_out *o, struct ts_segment_info *info);
/*
 * Ends the recording: flushes and closes the file; with announce_rest, a section not yet
 * announced is announced now (a complete VOD shorter than `buffering`), without it (an
 * error or a stop) nothing is sent.
 */
int rec_out_finish(struct rec_out *o, bool announce_rest);
/* Frees everything (closes the file when still open). */
void rec_out_free(struct rec_out *o);

#endif
