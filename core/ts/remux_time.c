/*
 * MPEG-TS remuxer timeline and sections: input times (33-bit, several periods) mapped to one
 * continuous output timeline, rebased at discontinuities; a change of configuration opens a
 * new section file.
 */
#include <string.h>

#include "core/base/log.h"
#include "core/ts/remux_int.h"

#define BACK_90K (TS_CLOCK / 2)

/* ---------------------------------------------------------------- timeline */

/*
 * Offset for the first timestamp: keep it, but lift fMP4 starting near 0 to 1.4 s so that
 * DTS before PTS (edit lists) and the generated PCR before DTS stay positive.
 */
static int64_t first_offset(const struct ts_remux *r, int64_t ext)
{
	return r->seg_fmp4 && ext < 126000 ? 126000 - ext : 0;
}

/* Output DTS that follows stream st's last access unit (last DTS + its duration), or TS_NOTS. */
static int64_t stream_end(const struct ts_stream *st)
{
	if (st->codec == TS_CODEC_NONE || st->last_dts == TS_NOTS)
		return TS_NOTS;
	if (st->af_count) /* the frames of its last PES, counted */
		return st->last_dts +
		       (int64_t)(st->af_n ? st->af_n : 1) * st->af_spf * TS_CLOCK / st->af_rate;
	return st->last_dts + st->dur; /* one access unit per PES: the step before it */
}

/*
 * One offset for the whole program, so the encodes' own A/V sync is kept. Each stream that
 * goes on needs offset >= its end - its first input DTS after the splice (hs: from the hold
 * at the segment start; else ext, the time that caused the rebase, stands for every stream),
 * else it would overlap itself. The largest of these is taken: the stream that is the most
 * constrained (normally the one whose end is the latest) continues by exactly one frame of
 * its own, the others by their frame plus the difference of the encodes' A/V alignment
 * (within one frame for encodes whose streams start and end together). Pictures also keep
 * their presentation order: the first PTS (ext + next_lead) follows the last picture's end.
 */
static void rebase(struct ts_remux *r, int64_t ext, const struct ts_hold_scan *hs)
{
	int64_t end = r->out_end, pend = r->out_pend, off = TS_NOTS, vin = ext;

	r->rebase_pending = false;
	r->ref_in = ext;
	if (end == TS_NOTS) { /* nothing written yet: as for the very first timestamp */
		r->offset = first_offset(r, ext);
		return;
	}
	for (int i = 0; i < r->n_streams; i++) {
		int64_t e = stream_end(&r->st[i]), in = ext;

		if (hs && hs->first_known[i])
			in = ext + ts_diff33(ext & TS_MASK, hs->first[i]);
		if (i == 0)
			vin = in;
		if (e != TS_NOTS && (off == TS_NOTS || e - in > off))
			off = e - in;
	}
	r->offset = off != TS_NOTS ? off : end - ext; /* no stream goes on: the program's end */
	if (pend != TS_NOTS && pend - (vin + r->next_lead) > r->offset)
		r->offset = pend - (vin + r->next_lead);
	r->seg.rebased = true;
	LOG_DBG(LOG_TS, "rebase: input %lld continues at %lld", (long long)ext,
		(long long)(ext + r->offset));
}

/*
 * Decides whether input decode time ext (unwrapped) starts a new period and rebases the whole
 * program if so: after a tagged discontinuity, on a jump over CONFIG_TS_JUMP_SECONDS from the
 * program's last time, or when a stream's own DTS goes back by more than BACK_90K (time never
 * runs backwards inside a period; small steps are left to the stream). lead is the PTS-DTS of
 * this access unit. Returns the offset to add.
 */
int64_t rx_tl_check(struct ts_remux *r, struct ts_stream *st, int64_t ext, int64_t lead,
		    const struct ts_hold_scan *hs)
{
	if (r->ref_in == TS_NOTS && !r->rebase_pending) {
		r->offset = first_offset(r, ext);
	} else if (r->rebase_pending ||
		   (r->ref_in != TS_NOTS &&
		    (ext - r->ref_in > JUMP_90K || r->ref_in - ext > JUMP_90K)) ||
		   (st && st->last_in != TS_NOTS && st->last_in - ext > BACK_90K)) {
		r->next_lead = lead > 0 && lead < TS_CLOCK * 10 ? lead : 0;
		rebase(r, ext, hs);
		r->next_lead = 0;
		for (int i = 0; i < r->n_streams; i++)
			r->st[i].last_in = TS_NOTS;
	}
	r->ref_in = ext;
	if (st)
		st->last_in = ext;
	return r->offset;
}

int64_t rx_unwrap(const struct ts_remux *r, int64_t raw33)
{
	return r->ref_in == TS_NOTS ? raw33 : r->ref_in + ts_diff33(r->ref_in, raw33);
}

/* Maps a PES's 33-bit PTS and DTS to output time (one rebase decision for both). */
void rx_tl_pes(struct ts_remux *r, struct ts_stream *st, int64_t pts33, int64_t dts33, int64_t *pts,
	       int64_t *dts)
{
	int64_t ext = rx_unwrap(r, dts33), lead = ts_diff33(dts33, pts33);
	/* a jump seen at the segment's start: its hold scan has every stream's first DTS */
	bool near = r->hs.first_ts != TS_NOTS && ts_diff33(r->hs.first_ts, dts33) >= 0 &&
		    ts_diff33(r->hs.first_ts, dts33) < BACK_90K;
	int64_t off = rx_tl_check(r, st, ext, lead, near ? &r->hs : NULL);

	*dts = ext + off;
	*pts = ext + lead + off;
}

/*
 * Output time of an input PCR base, or TS_NOTS when it cannot be placed yet: PCRs never
 * decide a rebase (they run ahead of the PES times they belong to), so one that looks like a
 * jump, or comes before the first PES time of a period, is dropped; generated PCRs cover.
 */
int64_t rx_pcr_place(const struct ts_remux *r, int64_t raw33)
{
	int64_t ext;

	if (r->ref_in == TS_NOTS || r->rebase_pending)
		return TS_NOTS;
	ext = rx_unwrap(r, raw33);
	if (ext - r->ref_in > JUMP_90K || r->ref_in - ext > JUMP_90K)
		return TS_NOTS;
	return ext + r->offset;
}

/* Raises the program's and the segment's ends to a stream's end (pend: its PTS end). */
static void note_end(struct ts_remux *r, const struct ts_stream *st, int64_t end, int64_t pend)
{
	/* kept for the program, not per stream: streams come and go between periods */
	if (r->out_end == TS_NOTS || end > r->out_end)
		r->out_end = end;
	if (st->video && (r->out_pend == TS_NOTS || pend > r->out_pend))
		r->out_pend = pend;
	if (st->video || r->st[0].codec == TS_CODEC_NONE) {
		if (r->seg_last == TS_NOTS || end > r->seg_last)
			r->seg_last = end;
	}
}

/* Records a written access unit: per-stream DTS/PTS/duration and the segment's range. */
void rx_note_au(struct ts_remux *r, struct ts_stream *st, int64_t pts, int64_t dts, int64_t dur)
{
	int64_t span;

	if (dur > 0) /* fMP4: one sample of known duration, nothing to count */
		st->af_count = false;
	if (dur <= 0 && st->last_dts != TS_NOTS) {
		int64_t d = dts - st->last_dts;

		dur = d > 0 && d < TS_CLOCK ? d : st->dur;
	}
	if (dur > 0)
		st->dur = dur;
	st->last_dts = dts;
	st->af_n = 0;
	/* a counted PES's end grows by its frames (rx_af_walk()); the step before it would not
	 * fit a shorter last PES of a segment */
	span = st->af_count ? (int64_t)st->af_spf * TS_CLOCK / st->af_rate : st->dur;
	if ((st->video || r->st[0].codec == TS_CODEC_NONE) && r->seg_first == TS_NOTS)
		r->seg_first = dts;
	note_end(r, st, dts + span, pts + span);
}

/* ---------------------------------------------------------------- audio frames */

#define AF_HDR 8 /* header bytes the frame parsers need */

/* Samples per frame of the audio frame header h, 0 when its frames are not counted. */
static int af_samples(enum ts_codec codec, const uint8_t *h)
{
	unsigned ver = (h[1] >> 3) & 3, layer = (h[1] >> 1) & 3;

	if (codec == TS_CODEC_AAC)
		return 1024;
	if (codec == TS_CODEC_AC3)
		return 1536;
	if (codec != TS_CODEC_MP2)
		return 0; /* E-AC-3 frames vary in blocks, LATM is not framed so: not counted */
	if (layer == 3)	  /* layer I */
		return 384;
	return layer == 1 && ver != 3 ? 576 : 1152; /* layer III of MPEG-2/2.5: half frames */
}

/* Length of the frame whose header is h[0..AF_HDR), or a negative error; c: its config. */
static int af_parse(enum ts_codec codec, const uint8_t *h, struct audio_cfg *c)
{
	if (codec == TS_CODEC_AAC)
		return adts_parse(h, AF_HDR, c);
	if (codec == TS_CODEC_AC3)
		return ac3_parse(h, AF_HDR, c);
	return mpa_parse(h, AF_HDR, c);
}

void rx_af_begin(struct ts_stream *st, const uint8_t *p, size_t n, bool timed)
{
	struct audio_cfg c = {st->codec, 0, 0, 0};

	st->af_skip = 0;
	st->af_have = 0;
	if (!timed) /* no PTS: its frames follow the previous PES's, counted on if it was */
		return;
	st->af_count = false;
	if (n < AF_HDR || !af_samples(st->codec, p) || af_parse(st->codec, p, &c) < AF_HDR ||
	    c.rate <= 0)
		return;
	st->af_count = true;
	st->af_spf = (uint16_t)af_samples(st->codec, p);
	st->af_rate = c.rate;
}

/* A frame begins: the stream's end moves to the end of that frame. */
static void af_frame(struct ts_remux *r, struct ts_stream *st, int len)
{
	int64_t end;

	st->af_n++;
	st->af_skip = (uint16_t)len;
	end = st->last_dts + (int64_t)st->af_n * st->af_spf * TS_CLOCK / st->af_rate;
	note_end(r, st, end, end);
}

void rx_af_walk(struct ts_remux *r, struct ts_stream *st, const uint8_t *p, size_t n)
{
	struct audio_cfg c;

	while (st->af_count && st->last_dts != TS_NOTS) {
		const uint8_t *h;
		int len;

		if (st->af_skip >= n) {
			st->af_skip = (uint16_t)(st->af_skip - n);
			return;
		}
		p += st->af_skip;
		n -= st->af_skip;
		st->af_skip = 0;
		h = p;
		if (st->af_have || n < AF_HDR) { /* a header split over two packets */
			size_t take = MIN(n, (size_t)(AF_HDR - st->af_have));

			memcpy(st->af_hdr + st->af_have, p, take);
			st->af_have = (uint8_t)(st->af_have + take);
			p += take;
			n -= take;
			if (st->af_have < AF_HDR)
				return;
			h = st->af_hdr;
		}
		len = af_parse(st->codec, h, &c);
		if (len < AF_HDR) { /* not a frame: the end stays where the frames counted put it */
			st->af_count = false;
			return;
		}
		af_frame(r, st, h == st->af_hdr ? len - AF_HDR : len);
		st->af_have = 0;
	}
}

/* ---------------------------------------------------------------- sections */

/*
 * Audio waits for the section's first video key frame, but not forever: a PMT may list a
 * video stream that never carries data (radio with a still), so after about 4 s of audio
 * access units (200) the wait ends.
 */
bool rx_audio_waited_enough(struct ts_remux *r)
{
	if (++r->audio_wait < 200)
		return false;
	LOG_WARN(LOG_TS, "no video key frame after 200 audio frames: writing audio");
	r->need_key = false;
	return true;
}

bool rx_cfg_differs(const struct ts_section_info *a, const struct ts_section_info *b)
{
	if (a->vcodec != b->vcodec || a->n_audio != b->n_audio)
		return true;
	if (a->width && b->width && (a->width != b->width || a->height != b->height))
		return true;
	for (int i = 0; i < a->n_audio; i++) {
		const struct audio_cfg *x = &a->audio[i], *y = &b->audio[i];

		if (x->codec != y->codec)
			return true;
		if (x->rate && y->rate && x->rate != y->rate)
			return true;
		if (x->channels && y->channels && x->channels != y->channels)
			return true;
	}
	return false;
}

/* Opens section index+1 with configuration c; first_out is its first output time. */
void rx_section_open(struct ts_remux *r, const struct ts_section_info *c, int64_t first_out)
{
	int rc = 0;

	rx_pk_end_all(r);
	rx_out_flush(r);
	r->section++;
	r->cur = *c;
	r->cur.index = r->section;
	if (r->ops.section && !r->err)
		rc = r->ops.section(r->ctx, &r->cur);
	set_err(r, rc);
	r->seg.new_section = true;
	r->need_key = r->st[0].codec != TS_CODEC_NONE;
	r->key_wait = r->audio_wait = 0;
	r->pmt_version = 0;
	LOG_INFO(LOG_TS, "section %d: %s %dx%d, %d audio", r->section, ts_codec_name(c->vcodec),
		 c->width, c->height, c->n_audio);
	/*
	 * Each file starts with PAT, PMT and a PCR, so a player can start on it. The PCR starts
	 * afresh: the previous file's clock is nothing to this one.
	 */
	r->pcr_last = TS_NOTS;
	rx_emit_psi(r);
	r->psi_fresh = true;
	if (first_out != TS_NOTS)
		rx_emit_pcr(r, first_out - r->pcr_delay, false);
}

/* Builds the configuration the next data has, from the hold scan or the fMP4 init. */
void rx_cfg_now(const struct ts_remux *r, struct ts_section_info *c, int w, int h)
{
	memset(c, 0, sizeof(*c));
	c->vcodec = r->st[0].codec;
	c->width = w;
	c->height = h;
	if (!w && c->vcodec == r->cur.vcodec) {
		c->width = r->cur.width;
		c->height = r->cur.height;
	}
	for (int i = 1; i < r->n_streams; i++) {
		if (r->st[i].codec == TS_CODEC_NONE)
			continue;
		c->audio[c->n_audio] = r->st[i].acfg;
		c->audio[c->n_audio].codec = r->st[i].codec;
		c->n_audio++;
	}
}
