/*
 * MPEG-TS remuxer API (remux.h): set-up, segments, feeding, the per-segment report. The
 * work is done by the parts remux_int.h lists.
 */
#include <errno.h>
#include <string.h>

#include "core/base/err.h"
#include "core/ts/remux_int.h"

/* ---------------------------------------------------------------- stream slots */

struct ts_stream *rx_audio_slot(struct ts_remux *r, int na)
{
	struct ts_stream *a = &r->st[1 + na];

	if (1 + na >= r->n_streams) {
		memset(a, 0, sizeof(*a));
		a->out_pid = (uint16_t)(TS_OUT_PID_AUDIO + na);
		a->last_dts = TS_NOTS;
		a->last_in = TS_NOTS;
	}
	return a;
}

/* ---------------------------------------------------------------- API */

int ts_remux_init(struct ts_remux *r, const struct ts_sink_ops *ops, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->ops = *ops;
	r->ctx = ctx;
	r->ref_in = TS_NOTS;
	r->out_end = TS_NOTS;
	r->out_pend = TS_NOTS;
	r->pcr_last = TS_NOTS;
	r->in_pcr = TS_NOTS;
	r->psi_last = TS_NOTS;
	r->pcr_delay = (int64_t)CONFIG_TS_PCR_DELAY_MS * 90;
	r->section = -1;
	r->in_pcr_pid = 0xffff;
	r->st[0].video = true;
	r->st[0].out_pid = TS_OUT_PID_VIDEO;
	r->st[0].sid = PES_SID_VIDEO;
	r->st[0].last_dts = TS_NOTS;
	r->st[0].last_in = TS_NOTS;
	r->st[0].in_pid = 0xffff;
	r->n_streams = 1;
	r->seg.section = -1;
	return 0;
}

int ts_remux_fmp4_init(struct ts_remux *r, const uint8_t *p, size_t n)
{
	int rc;

	if (r->err)
		return r->err;
	rc = fmp4_parse_init(p, n, &r->f.init);
	if (rc < 0) {
		r->f.have_init = false;
		if (rc == -ERR_DRM)
			set_err(r, rc);
		return rc;
	}
	r->f.have_init = true;
	return 0;
}

int ts_remux_segment_begin(struct ts_remux *r, unsigned flags)
{
	if (r->err)
		return r->err;
	memset(&r->seg, 0, sizeof(r->seg));
	r->seg.section = -1;
	r->seg_first = r->seg_last = TS_NOTS;
	if (flags & TS_SEG_DISCONTINUITY)
		r->rebase_pending = true;
	r->seg_fmp4 = (flags & TS_SEG_FMP4) != 0;
	if (r->seg_fmp4)
		rx_fmp4_segment_begin(r);
	else
		rx_ts_segment_begin(r);
	return 0;
}

int ts_remux_feed(struct ts_remux *r, const uint8_t *p, size_t n)
{
	if (r->err)
		return r->err;
	if (!p)
		return n ? -EINVAL : 0;
	r->seg.bytes_in += n;
	if (r->seg_fmp4)
		rx_fmp4_feed(r, p, n);
	else
		rx_ts_feed(r, p, n);
	return r->err;
}

int ts_remux_feed_mut(struct ts_remux *r, uint8_t *p, size_t n)
{
	if (!p) /* only an empty feed may pass NULL; mut_lo != NULL marks the in-place mode */
		return n ? -ERR_FAILURE : r->err;
	if (r->err || r->seg_fmp4)
		return ts_remux_feed(r, p, n);
	r->seg.bytes_in += n;
	r->mut_lo = p;
	r->mut_hi = p + n;
	rx_ts_feed(r, p, n);
	/* p is the caller's again after this call: what is queued from it goes out now */
	rx_run_flush(r);
	r->mut_lo = r->mut_hi = NULL;
	return r->err;
}

int ts_remux_segment_end(struct ts_remux *r, struct ts_segment_info *info)
{
	if (!r->err) {
		if (r->seg_fmp4)
			rx_fmp4_segment_end(r);
		else
			rx_ts_segment_end(r);
		rx_out_flush(r);
	}
	r->seg.section = r->section;
	r->seg.vcodec = r->cur.vcodec;
	r->seg.width = r->cur.width;
	r->seg.height = r->cur.height;
	if (r->cur.n_audio) {
		r->seg.acodec = r->cur.audio[0].codec;
		r->seg.audio_rate = r->cur.audio[0].rate;
		r->seg.audio_channels = r->cur.audio[0].channels;
	}
	if (r->cur.vcodec == TS_CODEC_NONE && r->seg_first != TS_NOTS)
		r->seg.keyframe = true;
	r->seg.duration = r->seg_first == TS_NOTS ? 0 : r->seg_last - r->seg_first;
	if (info)
		*info = r->seg;
	return r->err;
}

int ts_remux_finish(struct ts_remux *r)
{
	if (!r->err) {
		if (r->holding && !r->seg_fmp4)
			rx_hold_release(r);
		rx_pk_end_all(r);
		rx_out_flush(r);
	}
	return r->err;
}
