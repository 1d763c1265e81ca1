/* Recorder output: remuxer sink into section files, flush per segment, start announcements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_out.h"
#include "core/rec/rec_util.h"

static void announce(struct rec_out *o)
{
	struct rec_event ev;

	if (o->announced || o->quiet || o->section < 0 || o->segs == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = REC_EV_SECTION;
	ev.kind = o->c->kind;
	ev.url = o->sec_url;
	ev.rec_file = o->out.path;
	ev.section_index = o->section;
	ev.segment_index = o->segs;
	o->announced = true;
	if (o->section == 0)
		rec_log_line(o->c->p->rec_dir, o->section, o->segs, o->seg_url,
			     "buffering-complete");
	LOG_INFO(LOG_REC, "section %d ready with %d segments: %s", o->section, o->segs,
		 o->out.path);
	if (o->c->h && o->c->h->event)
		o->c->h->event(o->c->h->ctx, &ev);
}

static int sink_write(void *ctx, const uint8_t *p, size_t n)
{
	struct rec_out *o = ctx;
	int rc = o->out.ops->write(&o->out, p, n);

	if (rc < 0 && !o->sink_err)
		o->sink_err = rc;
	if (rc >= 0)
		o->unreported += (int64_t)n;
	return rc;
}

static int sink_section(void *ctx, const struct ts_section_info *info)
{
	struct rec_out *o = ctx;
	int rc;

	if (o->section >= 0) {
		rc = o->out.ops->flush(&o->out);
		if (rc < 0)
			return rc;
		/* The finished section is complete now: a short one is announced before the next.
		 */
		announce(o);
		rec_log_line(o->c->p->rec_dir, o->section, o->segs, o->seg_url,
			     info->width != o->width || info->height != o->height
				     ? "resolution-change"
				     : "codec-change");
	}
	rc = o->out.ops->section_open(&o->out, info->index);
	if (rc < 0) {
		o->sink_err = rc;
		return rc;
	}
	o->section = info->index;
	o->width = info->width;
	o->height = info->height;
	o->segs = 0;
	o->announced = false;
	snprintf(o->sec_url, sizeof(o->sec_url), "%s", o->seg_url);
	rec_log_line(o->c->p->rec_dir, o->section, 0, o->seg_url, "new-section");
	LOG_INFO(LOG_REC, "section %d: %dx%d", info->index, info->width, info->height);
	return 0;
}

static const struct ts_sink_ops sink_ops = {
	.write = sink_write,
	.section = sink_section,
};

int rec_out_init(struct rec_out *o, struct rec_ctx *c)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->c = c;
	o->section = -1;
	rc = output_file_init(&o->out, c->p->rec_dir, &storage_posix_ops);
	if (rc < 0)
		return rc;
	o->remux = calloc(1, sizeof(*o->remux));
	if (!o->remux) {
		output_free(&o->out);
		return -ENOMEM;
	}
	ts_remux_init(o->remux, &sink_ops, o);
	return 0;
}

int rec_out_fmp4_init(struct rec_out *o, const uint8_t *p, size_t n)
{
	return ts_remux_fmp4_init(o->remux, p, n);
}

int rec_out_seg_begin(struct rec_out *o, unsigned flags, const char *url)
{
	rec_url_public(url, o->seg_url, sizeof(o->seg_url));
	o->seg_open = true;
	return ts_remux_segment_begin(o->remux, flags);
}

int rec_out_feed(struct rec_out *o, const uint8_t *p, size_t n)
{
	int rc = ts_remux_feed(o->remux, p, n);

	return o->sink_err ? o->sink_err : rc;
}

int rec_out_feed_mut(struct rec_out *o, uint8_t *p, size_t n)
{
	int rc = ts_remux_feed_mut(o->remux, p, n);

	return o->sink_err ? o->sink_err : rc;
}

/* Ends the open segment; only a complete one counts toward `buffering` and is announced. */
static int seg_close(struct rec_out *o, int64_t dur_ms, struct ts_segment_info *info, bool complete)
{
	struct ts_segment_info si;
	int rc;

	o->seg_open = false;
	rc = ts_remux_segment_end(o->remux, &si);
	if (info)
		*info = si;
	if (o->sink_err)
		return o->sink_err;
	if (rc < 0)
		return rc;
	/* Whole segments only: a player never sees half of one through a section's start. */
	rc = o->out.ops->flush(&o->out);
	if (rc < 0)
		return rc;
	if (complete && si.section >= 0 && si.bytes_out > 0) {
		int64_t ms = dur_ms > 0 ? dur_ms : si.duration / 90;

		o->segs++;
		o->seg_total++;
		o->media_ms += ms;
		rec_progress(o->c, o->unreported, 1, ms, o->section);
		o->unreported = 0;
		if (si.rebased)
			rec_log_line(o->c->p->rec_dir, o->section, o->segs, o->seg_url,
				     "discontinuity");
	} else if (o->unreported) {
		rec_progress(o->c, o->unreported, 0, 0, o->section);
		o->unreported = 0;
	}
	if (!o->announced && o->segs >= MAX(1, o->c->p->buffering))
		announce(o);
	return 0;
}

int rec_out_seg_end(struct rec_out *o, int64_t dur_ms, struct ts_segment_info *info)
{
	return seg_close(o, dur_ms, info, true);
}

int rec_out_seg_fail(struct rec_out *o, struct ts_segment_info *info)
{
	return seg_close(o, 0, info, false);
}

int rec_out_finish(struct rec_out *o, bool announce_rest)
{
	int rc = 0, rc2;

	o->quiet = !announce_rest; /* after a stop nothing more is announced */
	/* A segment still open here was interrupted (error or stop): it is not complete. */
	if (o->seg_open)
		rc = rec_out_seg_fail(o, NULL);
	rc2 = ts_remux_finish(o->remux);
	if (!rc)
		rc = o->sink_err ? o->sink_err : rc2;
	rc2 = o->out.ops->flush(&o->out);
	if (!rc)
		rc = rc2;
	if (!rc && announce_rest)
		announce(o);
	rc2 = o->out.ops->section_close(&o->out);
	return rc ? rc : rc2;
}

void rec_out_free(struct rec_out *o)
{
	output_free(&o->out);
	free(o->remux);
	o->remux = NULL;
}
