/*
 * MPEG-TS remuxer, fMP4 input: follows the top-level boxes of a segment as bytes arrive,
 * parses the init (EXT-X-MAP or a moov of the segment) and each moof, and turns the mdat's
 * samples into PES (AVCC/HVCC NAL lengths to start codes, AUD and parameter sets added).
 */
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ts/h26x.h"
#include "core/ts/mp4box.h"
#include "core/ts/remux_int.h"

static const uint8_t start_code[4] = {0, 0, 0, 1};

static int track_slot(const struct ts_remux *r, int track)
{
	const struct fmp4_init *ini = &r->f.init;
	int slot = 1;

	if (ini->tracks[track].video)
		return 0;
	for (int k = 0; k < track; k++)
		if (!ini->tracks[k].video)
			slot++;
	return slot;
}

/* Sets the output streams from the init's tracks. */
static void fmp4_streams(struct ts_remux *r)
{
	const struct fmp4_init *ini = &r->f.init;
	int na = 0;

	for (int i = 0; i < r->n_streams; i++)
		if (r->st[i].in_pid < 8192)
			r->pid_map[r->st[i].in_pid] = 0;
	r->pmt_pid = 0;
	memset(r->pmt_crc, 0, sizeof(r->pmt_crc));
	r->st[0].codec = TS_CODEC_NONE;
	r->st[0].video = true;
	r->st[0].out_pid = TS_OUT_PID_VIDEO;
	r->st[0].sid = PES_SID_VIDEO;
	for (int k = 0; k < ini->n_tracks; k++) {
		const struct fmp4_track *t = &ini->tracks[k];
		struct ts_stream *st;

		if (t->video) {
			r->st[0].codec = t->codec;
			continue;
		}
		st = rx_audio_slot(r, na);
		st->codec = t->codec;
		st->acfg = t->audio;
		st->sid = t->codec == TS_CODEC_AC3 || t->codec == TS_CODEC_EAC3 ? PES_SID_PRIVATE1
										: PES_SID_AUDIO;
		st->lang[0] = 0;
		st->in_pid = 0xffff;
		na++;
	}
	for (int i = 1 + na; i < r->n_streams; i++)
		r->st[i].codec = TS_CODEC_NONE;
	r->n_streams = 1 + na;
}

/*
 * Called at each NAL start of a video sample, before the NAL is written: an AUD goes first
 * unless the sample has one, and on key samples the init's parameter sets go before the
 * first slice unless the sample carried its own (as FFmpeg's *_mp4toannexb filters do;
 * avc3/hev1 usually carry them, but not always).
 */
static void sample_emit_ps_aud(struct ts_remux *r, struct ts_stream *st, unsigned type)
{
	struct ts_fmp4 *f = &r->f;
	const struct fmp4_track *t = &f->init.tracks[f->moof.runs[f->run].track];
	bool hevc = t->codec == TS_CODEC_HEVC;
	bool is_aud = hevc ? type == HEVC_NAL_AUD : type == H264_NAL_AUD;
	bool is_ps = hevc ? type >= HEVC_NAL_VPS && type <= HEVC_NAL_PPS
			  : type == H264_NAL_SPS || type == H264_NAL_PPS;
	bool is_vcl = hevc ? type < 32 : type >= H264_NAL_SLICE && type <= H264_NAL_IDR;

	if (f->first_nal && !is_aud) {
		rx_pk_aud(r, st, hevc);
	}
	f->first_nal = false;
	if (is_ps)
		f->ps_pending = false; /* in-band parameter sets: use those */
	if (f->ps_pending && is_vcl) {
		rx_pk_data(r, st, t->ps, t->ps_len);
		f->ps_pending = false;
	}
}

/* Streams sample bytes: AVCC/HVCC length prefixes become start codes, AUD and PS added. */
static void sample_data(struct ts_remux *r, const uint8_t *p, size_t n)
{
	struct ts_fmp4 *f = &r->f;
	const struct fmp4_run *run = &f->moof.runs[f->run];
	const struct fmp4_track *t = &f->init.tracks[run->track];
	struct ts_stream *st = &r->st[track_slot(r, run->track)];

	if (f->sample_drop)
		return;
	if (!t->video) {
		rx_pk_data(r, st, p, n);
		return;
	}
	while (n) {
		if (f->nal_left) {
			size_t take = MIN(n, (size_t)f->nal_left);

			rx_pk_data(r, st, p, take);
			f->nal_left -= (uint32_t)take;
			p += take;
			n -= take;
			continue;
		}
		f->nal_hdr[f->nal_have++] = *p++;
		n--;
		if (f->nal_have == t->nal_len) {
			uint32_t len = 0;

			for (int k = 0; k < t->nal_len; k++)
				len = len << 8 | f->nal_hdr[k];
			if (len == 0) {
				f->nal_have = 0;
				continue;
			}
			if (len > f->sample_size) {
				/* a NAL longer than its sample: the rest is not trustworthy */
				f->sample_drop = true;
				r->seg.skipped += n;
				return;
			}
			f->nal_len_cur = len;
		} else if (f->nal_have == t->nal_len + 1) {
			unsigned type = t->codec == TS_CODEC_HEVC
						? (f->nal_hdr[t->nal_len] >> 1) & 0x3f
						: f->nal_hdr[t->nal_len] & 0x1f;

			sample_emit_ps_aud(r, st, type);
			rx_pk_data(r, st, start_code, sizeof(start_code));
			rx_pk_data(r, st, f->nal_hdr + t->nal_len, 1);
			f->nal_left = f->nal_len_cur - 1;
			f->nal_have = 0;
		}
	}
}

/* Section decision for fMP4: the configuration comes from the init segment. */
/* The configuration an fMP4 segment has: from the init segment. Returns true if it differs. */
static bool fmp4_cfg(const struct ts_remux *r, struct ts_section_info *c)
{
	const struct fmp4_init *ini = &r->f.init;
	int w = 0, h = 0;

	for (int k = 0; k < ini->n_tracks; k++) {
		if (ini->tracks[k].video) {
			w = ini->tracks[k].sps.width;
			h = ini->tracks[k].sps.height;
		}
	}
	rx_cfg_now(r, c, w, h);
	return r->section < 0 || rx_cfg_differs(c, &r->cur);
}

static void sample_begin(struct ts_remux *r)
{
	struct ts_fmp4 *f = &r->f;
	const struct fmp4_run *run = &f->moof.runs[f->run];
	const struct fmp4_track *t = &f->init.tracks[run->track];
	struct ts_stream *st = &r->st[track_slot(r, run->track)];
	struct fmp4_sample s;
	int64_t dts, pts, dur;
	bool key;
	uint8_t hdr[PES_HDR_MAX + 7];
	unsigned hl;

	fmp4_run_sample(r->u.moof, run, f->sample, &s);
	f->sample_size = s.size;
	f->sample_drop = false;
	f->nal_have = 0;
	f->nal_left = 0;
	f->first_nal = true;
	dts = ts_rescale90k(f->run_dts - t->elst_shift, t->timescale);
	pts = ts_rescale90k(f->run_dts + s.cto - t->elst_shift, t->timescale);
	dur = ts_rescale90k(s.dur, t->timescale);
	f->sample_dur = s.dur;
	key = !t->video || !(s.flags & FMP4_NON_SYNC);
	{
		struct ts_section_info c;
		bool open = !f->decided && fmp4_cfg(r, &c);
		int64_t off;

		if (open && r->section >= 0)
			r->rebase_pending = true; /* as in hold_release() */
		off = rx_tl_check(r, st, dts, pts - dts, NULL);
		dts += off;
		pts += off;
		if (open)
			rx_section_open(r, &c, dts);
		f->decided = true;
	}
	if (t->video && r->need_key && !key) {
		f->sample_drop = true;
		r->seg.skipped += s.size;
		return;
	}
	if (!t->video && r->need_key && !rx_audio_waited_enough(r)) {
		f->sample_drop = true;
		return;
	}
	if (t->video && key) {
		r->need_key = false;
		r->seg.keyframe = true;
	}
	rx_note_au(r, st, pts, dts, dur);
	{
		/*
		 * fMP4 fragments store each track's samples in one block (video then audio), so
		 * the output cannot interleave finely. The PCR follows the stream that lags, so
		 * no stream is ever late for its decode time; the other runs early instead.
		 */
		int64_t lag = dts;

		for (int i = 0; i < r->n_streams; i++)
			if (r->st[i].codec != TS_CODEC_NONE && r->st[i].last_dts != TS_NOTS &&
			    r->st[i].last_dts < lag)
				lag = r->st[i].last_dts;
		rx_pcr_if_due(r, lag, key && t->video);
	}
	f->ps_pending = t->video && key && t->ps_len;
	if (t->codec == TS_CODEC_AAC) {
		hl = pes_build(hdr, st->sid, pts, dts, (size_t)s.size + 7);
		adts_build(hdr + hl, t->audio.object, t->aac_rate_index, t->audio.channels, s.size);
		hl += 7;
	} else {
		hl = pes_build(hdr, st->sid, pts, dts, t->video ? 0 : s.size);
	}
	rx_pk_begin(r, st);
	rx_pk_data(r, st, hdr, hl);
}

static void sample_end(struct ts_remux *r)
{
	struct ts_fmp4 *f = &r->f;
	const struct fmp4_run *run = &f->moof.runs[f->run];
	struct ts_stream *st = &r->st[track_slot(r, run->track)];

	if (!f->sample_drop)
		rx_pk_end(r, st);
	f->sample_active = false;
	f->sample_pos += f->sample_size;
	f->run_dts += f->sample_dur;
	f->sample++;
}

/* mdat bytes at segment offset f->pos: dispatched to the samples of the sorted runs. */
static void mdat_data(struct ts_remux *r, const uint8_t *p, size_t n)
{
	struct ts_fmp4 *f = &r->f;

	while (n && !r->err) {
		const struct fmp4_run *run;

		if (!f->moof_ok || f->run >= f->moof.n_runs) {
			r->seg.skipped += n;
			f->pos += n;
			return;
		}
		run = &f->moof.runs[f->run];
		if (!f->sample_active) {
			if (f->sample >= run->count) {
				f->run++;
				f->sample = 0;
				if (f->run < f->moof.n_runs) {
					f->sample_pos = f->moof.runs[f->run].data_off;
					f->run_dts = f->moof.runs[f->run].dts;
				}
				continue;
			}
			if (f->pos < f->sample_pos) {
				size_t skip = (size_t)MIN((uint64_t)n, f->sample_pos - f->pos);

				f->pos += skip;
				p += skip;
				n -= skip;
				continue;
			}
			if (f->pos >
			    f->sample_pos) { /* overlapping runs: this sample is behind us */
				struct fmp4_sample s;

				fmp4_run_sample(r->u.moof, run, f->sample, &s);
				f->sample_size = s.size;
				f->sample_dur = s.dur;
				f->sample_active = true;
				f->sample_drop = true;
				f->sample_left = 0;
				sample_end(r);
				continue;
			}
			sample_begin(r);
			f->sample_active = true;
			f->sample_left = f->sample_size;
		}
		{
			size_t take = (size_t)MIN((uint64_t)n, (uint64_t)f->sample_left);

			sample_data(r, p, take);
			f->sample_left -= (uint32_t)take;
			f->pos += take;
			p += take;
			n -= take;
			if (!f->sample_left)
				sample_end(r);
		}
	}
}

void rx_fmp4_feed(struct ts_remux *r, const uint8_t *p, size_t n)
{
	struct ts_fmp4 *f = &r->f;

	while (n && !r->err) {
		if (!f->in_box) {
			unsigned want = f->hdr_have < 8 ? 8 : 16;
			struct mp4_box b;
			int rc;

			while (f->hdr_have < want && n) {
				f->hdr[f->hdr_have++] = *p++;
				n--;
				f->pos++;
			}
			if (f->hdr_have < want)
				return;
			rc = mp4_box_header(f->hdr, f->hdr_have, &b);
			if (rc == -ERR_EOF)
				continue;
			if (rc < 0) {
				LOG_WARN(LOG_TS, "fMP4: bad box header at %llu",
					 (unsigned long long)(f->pos - f->hdr_have));
				set_err(r, -ERR_PARSE);
				return;
			}
			f->box_pos = f->pos - f->hdr_have;
			f->box_end = b.size ? f->box_pos + b.size : UINT64_MAX;
			f->box_type = b.type;
			f->in_box = true;
			f->hdr_have = 0;
			if (b.type == MP4_FOURCC('m', 'o', 'o', 'v') &&
			    (b.size == 0 || b.size > sizeof(r->u.moof))) {
				LOG_WARN(LOG_TS, "fMP4: moov of %llu bytes in the segment skipped",
					 (unsigned long long)b.size);
				f->box_type = 0;
			} else if (b.type == MP4_FOURCC('m', 'o', 'o', 'f') ||
				   b.type == MP4_FOURCC('m', 'o', 'o', 'v')) {
				if (b.size == 0 || b.size > sizeof(r->u.moof)) {
					LOG_WARN(LOG_TS, "fMP4: moof of %llu bytes over the cap",
						 (unsigned long long)b.size);
					set_err(r, -ERR_TOO_LARGE);
					return;
				}
				memcpy(r->u.moof, f->hdr, b.hdr_len);
				f->moof_len = b.hdr_len;
				f->moof_ok = false;
			}
			continue;
		}
		{
			size_t take = (size_t)MIN((uint64_t)n, f->box_end - f->pos);

			if (f->box_type == MP4_FOURCC('m', 'o', 'o', 'v')) {
				/* an init carried by the segment itself (no EXT-X-MAP) */
				memcpy(r->u.moof + f->moof_len, p, take);
				f->moof_len += (uint32_t)take;
				f->pos += take;
				if (f->pos == f->box_end) {
					int rc = fmp4_parse_init(r->u.moof, f->moof_len, &f->init);

					f->have_init = rc == 0;
					if (rc == 0)
						fmp4_streams(r);
					else if (rc == -ERR_DRM)
						set_err(r, rc);
					else
						LOG_WARN(LOG_TS,
							 "fMP4: moov in the segment unusable (%s)",
							 err_str(rc));
				}
			} else if (f->box_type == MP4_FOURCC('m', 'o', 'o', 'f') && !f->have_init) {
				LOG_ERR(LOG_TS,
					"fMP4: fragment without an init section (EXT-X-MAP)");
				set_err(r, -ERR_PROTOCOL);
				return;
			} else if (f->box_type == MP4_FOURCC('m', 'o', 'o', 'f')) {
				memcpy(r->u.moof + f->moof_len, p, take);
				f->moof_len += (uint32_t)take;
				f->pos += take;
				if (f->pos == f->box_end) {
					int rc = fmp4_parse_moof(r->u.moof, f->moof_len, f->box_pos,
								 &f->init, &f->moof);

					if (rc < 0) {
						LOG_WARN(LOG_TS, "fMP4: bad moof (%s)",
							 err_str(rc));
						r->seg.skipped += f->moof_len;
						f->moof_ok = false;
					} else {
						f->moof_ok = true;
						f->run = 0;
						f->sample = 0;
						f->sample_active = false;
						if (f->moof.n_runs) {
							f->sample_pos = f->moof.runs[0].data_off;
							f->run_dts = f->moof.runs[0].dts;
						}
					}
				}
			} else if (f->box_type == MP4_FOURCC('m', 'd', 'a', 't')) {
				mdat_data(r, p, take);
			} else {
				f->pos += take;
			}
			p += take;
			n -= take;
			if (f->pos == f->box_end)
				f->in_box = false;
		}
	}
}

void rx_fmp4_segment_begin(struct ts_remux *r)
{
	if (r->f.have_init) /* else a moov must come first in the segment */
		fmp4_streams(r);
	r->f.pos = 0;
	r->f.in_box = false;
	r->f.hdr_have = 0;
	r->f.moof_ok = false;
	r->f.sample_active = false;
	r->f.decided = false;
}

void rx_fmp4_segment_end(struct ts_remux *r)
{
	if (r->f.sample_active) { /* truncated sample: close what was written */
		r->seg.skipped += r->f.sample_left;
		r->f.sample_drop = true;
		rx_pk_end(r, &r->st[track_slot(r, r->f.moof.runs[r->f.run].track)]);
		r->f.sample_active = false;
	}
	if (r->f.in_box && r->f.box_type == MP4_FOURCC('m', 'o', 'o', 'f'))
		r->seg.skipped += r->f.moof_len;
	r->f.moof_ok = false;
}
