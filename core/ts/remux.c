/*
 * MPEG-TS remuxer: TS pass-through touching headers only (PID, CC, PCR, PTS/DTS), with a
 * packetizer for what must change (AUD insertion) and for fMP4 samples converted to PES.
 */
#include <errno.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ts/h26x.h"
#include "core/ts/mp4box.h"
#include "core/ts/remux.h"

#define JUMP_90K ((int64_t)CONFIG_TS_JUMP_SECONDS * TS_CLOCK)
#define BACK_90K (TS_CLOCK / 2)
#define PSI_PERIOD_90K (TS_CLOCK * 3 / 10)  /* PAT/PMT every 0.3 s (limit 0.5 s) */
#define PCR_PERIOD_90K (TS_CLOCK * 6 / 100) /* + one frame stays under the 100 ms limit */
#define HOLD_CAP (CONFIG_TS_HOLD_BYTES / TS_PKT * TS_PKT)
#define OUT_CAP (CONFIG_TS_OUT_BYTES / TS_PKT * TS_PKT)
#define PROGRAM 1

static const uint8_t aud_h264[6] = {0, 0, 0, 1, 0x09, 0xf0};
static const uint8_t aud_hevc[7] = {0, 0, 0, 1, 0x46, 0x01, 0x50};
static const uint8_t start_code[4] = {0, 0, 0, 1};

static void set_err(struct ts_remux *r, int rc)
{
	if (rc < 0 && !r->err)
		r->err = rc;
}

/* ---------------------------------------------------------------- output buffer */

/* Hands n bytes of whole packets to the sink unless an error is already pending. */
static void sink_write(struct ts_remux *r, const uint8_t *p, size_t n)
{
	int rc;

	if (!n || r->err)
		return;
	rc = r->ops.write(r->ctx, p, n);

	set_err(r, rc);
	if (rc >= 0)
		r->seg.bytes_out += n;
}

static void out_flush(struct ts_remux *r)
{
	sink_write(r, r->out, r->out_n);
	r->out_n = 0;
}

/* Writes the run of packets rewritten in place in the caller's buffer (see run_add()). */
static void run_flush(struct ts_remux *r)
{
	sink_write(r, r->run_p, r->run_n);
	r->run_n = 0;
}

/* Whether the packet at p lies in the writable buffer of ts_remux_feed_mut()'s caller. */
static inline bool in_mut(const struct ts_remux *r, const uint8_t *p)
{
	return p >= r->mut_lo && p < r->mut_hi;
}

/*
 * Queues the packet s, already rewritten in place, for output without copying it:
 * consecutive packets make one run that goes to the sink in one write. Output order is
 * kept by never having both a run and buffered output pending.
 */
static void run_add(struct ts_remux *r, const uint8_t *s)
{
	if (r->run_n && s != r->run_p + r->run_n)
		run_flush(r);
	if (r->out_n)
		out_flush(r);
	if (!r->run_n)
		r->run_p = s;
	r->run_n += TS_PKT;
}

/* Next free 188-byte slot; the caller fills it completely and calls out_commit(). */
static uint8_t *out_slot(struct ts_remux *r)
{
	if (r->run_n)
		run_flush(r);
	if (r->out_n + TS_PKT > OUT_CAP)
		out_flush(r);
	return r->out + r->out_n;
}

static void out_commit(struct ts_remux *r)
{
	r->out_n += TS_PKT;
}

/* ---------------------------------------------------------------- PSI and PCR output */

static int pcr_index(const struct ts_remux *r)
{
	if (r->st[0].codec != TS_CODEC_NONE)
		return 0;
	for (int i = 1; i < r->n_streams; i++)
		if (r->st[i].codec != TS_CODEC_NONE)
			return i;
	return 0;
}

static void emit_psi(struct ts_remux *r)
{
	struct psi_out_es es[1 + CONFIG_TS_MAX_AUDIO];
	int n = 0;
	uint8_t *s;

	for (int i = 0; i < r->n_streams; i++) {
		if (r->st[i].codec == TS_CODEC_NONE)
			continue;
		es[n].codec = r->st[i].codec;
		es[n].pid = r->st[i].out_pid;
		memcpy(es[n].lang, r->st[i].lang, 4);
		n++;
	}
	s = out_slot(r);
	psi_build_pat(s, PROGRAM, TS_OUT_PID_PMT, r->pat_cc++);
	out_commit(r);
	s = out_slot(r);
	/* n is at most 1 + CONFIG_TS_MAX_AUDIO (<= 9) streams, which always fits one packet */
	if (psi_build_pmt(s, TS_OUT_PID_PMT, PROGRAM, r->st[pcr_index(r)].out_pid, r->pmt_version,
			  es, n, r->pmt_cc++) == 0)
		out_commit(r);
}

/* PAT/PMT when the period since the last ones (on the PCR clock) has passed. */
static void psi_if_due(struct ts_remux *r, int64_t now)
{
	if (r->psi_fresh) { /* sent at the section start, before any PCR: time it now */
		r->psi_fresh = false;
		r->psi_last = now;
		return;
	}
	if (r->psi_last == TS_NOTS || now - r->psi_last >= PSI_PERIOD_90K || now < r->psi_last) {
		emit_psi(r);
		r->psi_last = now;
	}
}

/* Monotonic output PCR for a wanted value. */
static int64_t pcr_clamp(const struct ts_remux *r, int64_t pcr)
{
	return r->pcr_last != TS_NOTS && pcr < r->pcr_last ? r->pcr_last : pcr;
}

static void emit_pcr(struct ts_remux *r, int64_t pcr, bool rai);

/*
 * A forward PCR step over the 100 ms limit (a gap bridged at a discontinuity, missing input)
 * is filled with intermediate PCR packets, so the PCR interval holds by value. This adds
 * one packet per 60 ms of timeline, as regular PCRs would; bigger steps are rebased.
 */
static void pcr_bridge(struct ts_remux *r, int64_t pcr)
{
	int64_t step = PCR_PERIOD_90K;

	if (r->pcr_last == TS_NOTS || pcr - r->pcr_last <= step || pcr - r->pcr_last > JUMP_90K)
		return;
	while (pcr - r->pcr_last > step && !r->err)
		emit_pcr(r, r->pcr_last + step, false);
}

/* An adaptation-field-only packet on the PCR PID carrying pcr (and the random access flag). */
static void emit_pcr(struct ts_remux *r, int64_t pcr, bool rai)
{
	struct ts_stream *st = &r->st[pcr_index(r)];
	uint8_t *s;

	pcr = pcr_clamp(r, pcr);
	pcr_bridge(r, pcr);
	psi_if_due(r, pcr);
	s = out_slot(r);
	s[0] = TS_SYNC;
	s[1] = (uint8_t)(st->out_pid >> 8);
	s[2] = (uint8_t)st->out_pid;
	s[3] = (uint8_t)(0x20 | ((st->out_cc - 1) & 0x0f)); /* no payload: CC not incremented */
	s[4] = 183;
	s[5] = (uint8_t)(0x10 | (rai ? 0x40 : 0));
	ts_write_pcr(s + 6, pcr, 0);
	memset(s + 12, 0xff, TS_PKT - 12);
	out_commit(r);
	r->pcr_last = pcr;
}

/* Generated PCR before a PES start on the PCR stream, when the period ran out or on a key. */
static void pcr_if_due(struct ts_remux *r, int64_t dts_out, bool key)
{
	int64_t est = dts_out - r->pcr_delay;

	if (r->pcr_last == TS_NOTS || key || est - r->pcr_last >= PCR_PERIOD_90K)
		emit_pcr(r, est, key);
}

/* ---------------------------------------------------------------- packetizer */

static void pk_emit(struct ts_remux *r, struct ts_stream *st)
{
	uint8_t *s = out_slot(r);
	unsigned len = st->pk_len;

	s[0] = TS_SYNC;
	s[1] = (uint8_t)((st->pk_first ? 0x40 : 0) | (st->out_pid >> 8));
	s[2] = (uint8_t)st->out_pid;
	if (len == TS_PKT - 4) {
		s[3] = (uint8_t)(0x10 | (st->out_cc++ & 0x0f));
		memcpy(s + 4, st->pk, len);
	} else {
		/* adaptation-field stuffing fills the last packet of a PES (not PES stuffing) */
		unsigned af = TS_PKT - 5 - len;

		s[3] = (uint8_t)(0x30 | (st->out_cc++ & 0x0f));
		s[4] = (uint8_t)af;
		if (af) {
			s[5] = 0;
			memset(s + 6, 0xff, af - 1);
		}
		memcpy(s + 5 + af, st->pk, len);
	}
	st->out_cc &= 0x0f;
	out_commit(r);
	st->pk_first = false;
	st->pk_len = 0;
}

static void pk_end(struct ts_remux *r, struct ts_stream *st)
{
	if (st->pk_open && (st->pk_len || st->pk_first))
		if (st->pk_len)
			pk_emit(r, st);
	st->pk_open = false;
	st->pk_len = 0;
}

static void pk_begin(struct ts_remux *r, struct ts_stream *st)
{
	pk_end(r, st);
	st->pk_open = true;
	st->pk_first = true;
	st->pk_len = 0;
}

static void pk_data(struct ts_remux *r, struct ts_stream *st, const uint8_t *p, size_t n)
{
	while (n) {
		size_t take;

		/*
		 * Bulk data goes straight from the input to a full output packet (one copy);
		 * more bytes follow it in this call, so it cannot be the PES's stuffed last one.
		 */
		if (!st->pk_len && n > TS_PKT - 4) {
			uint8_t *s = out_slot(r);

			s[0] = TS_SYNC;
			s[1] = (uint8_t)((st->pk_first ? 0x40 : 0) | (st->out_pid >> 8));
			s[2] = (uint8_t)st->out_pid;
			s[3] = (uint8_t)(0x10 | st->out_cc);
			st->out_cc = (st->out_cc + 1) & 0x0f;
			memcpy(s + 4, p, TS_PKT - 4);
			out_commit(r);
			st->pk_first = false;
			p += TS_PKT - 4;
			n -= TS_PKT - 4;
			continue;
		}

		if (st->pk_len == TS_PKT - 4) {
			pk_emit(r, st);
			continue;
		}
		take = MIN(n, (size_t)(TS_PKT - 4 - st->pk_len));
		memcpy(st->pk + st->pk_len, p, take);
		st->pk_len = (uint8_t)(st->pk_len + take);
		p += take;
		n -= take;
	}
}

static void pk_end_all(struct ts_remux *r)
{
	for (int i = 0; i < r->n_streams; i++) {
		pk_end(r, &r->st[i]);
		r->st[i].in_pes = false;
		r->st[i].repack = false;
		r->st[i].fast = false;
	}
}

/* ---------------------------------------------------------------- timeline */

/*
 * Offset for the first timestamp: keep it, but lift fMP4 starting near 0 to 1.4 s so that
 * DTS before PTS (edit lists) and the generated PCR before DTS stay positive.
 */
static int64_t first_offset(const struct ts_remux *r, int64_t ext)
{
	return r->seg_fmp4 && ext < 126000 ? 126000 - ext : 0;
}

/*
 * One offset for the whole program so that input time ext continues the output timeline:
 * decoding continues after the last DTS, and presentation (ext + r->next_lead, the first
 * picture's PTS when known) after the last PTS, so B-frame delays that differ between the
 * two encodes cannot make pictures overlap.
 */
static void rebase(struct ts_remux *r, int64_t ext)
{
	int64_t end = r->out_end, pend = r->out_pend;

	r->rebase_pending = false;
	r->ref_in = ext;
	if (end == TS_NOTS) { /* nothing written yet: as for the very first timestamp */
		r->offset = first_offset(r, ext);
		return;
	}
	r->offset = end - ext;
	if (pend != TS_NOTS && pend - (ext + r->next_lead) > r->offset)
		r->offset = pend - (ext + r->next_lead);
	r->seg.rebased = true;
	LOG_DBG(LOG_TS, "rebase: input %lld continues at %lld", (long long)ext, (long long)end);
}

/*
 * Decides whether input decode time ext (unwrapped) starts a new period and rebases the whole
 * program if so: after a tagged discontinuity, on a jump over CONFIG_TS_JUMP_SECONDS from the
 * program's last time, or when a stream's own DTS goes back by more than BACK_90K (time never
 * runs backwards inside a period; small steps are left to the stream). lead is the PTS-DTS of
 * this access unit. Returns the offset to add.
 */
static int64_t tl_check(struct ts_remux *r, struct ts_stream *st, int64_t ext, int64_t lead)
{
	if (r->ref_in == TS_NOTS && !r->rebase_pending) {
		r->offset = first_offset(r, ext);
	} else if (r->rebase_pending ||
		   (r->ref_in != TS_NOTS &&
		    (ext - r->ref_in > JUMP_90K || r->ref_in - ext > JUMP_90K)) ||
		   (st && st->last_in != TS_NOTS && st->last_in - ext > BACK_90K)) {
		r->next_lead = lead > 0 && lead < TS_CLOCK * 10 ? lead : 0;
		rebase(r, ext);
		r->next_lead = 0;
		for (int i = 0; i < r->n_streams; i++)
			r->st[i].last_in = TS_NOTS;
	}
	r->ref_in = ext;
	if (st)
		st->last_in = ext;
	return r->offset;
}

static int64_t unwrap(const struct ts_remux *r, int64_t raw33)
{
	return r->ref_in == TS_NOTS ? raw33 : r->ref_in + ts_diff33(r->ref_in, raw33);
}

/* Maps a PES's 33-bit PTS and DTS to output time (one rebase decision for both). */
static void tl_pes(struct ts_remux *r, struct ts_stream *st, int64_t pts33, int64_t dts33,
		   int64_t *pts, int64_t *dts)
{
	int64_t ext = unwrap(r, dts33), lead = ts_diff33(dts33, pts33);
	int64_t off = tl_check(r, st, ext, lead);

	*dts = ext + off;
	*pts = ext + lead + off;
}

/*
 * Output time of an input PCR base, or TS_NOTS when it cannot be placed yet: PCRs never
 * decide a rebase (they run ahead of the PES times they belong to), so one that looks like a
 * jump, or comes before the first PES time of a period, is dropped; generated PCRs cover.
 */
static int64_t pcr_place(const struct ts_remux *r, int64_t raw33)
{
	int64_t ext;

	if (r->ref_in == TS_NOTS || r->rebase_pending)
		return TS_NOTS;
	ext = unwrap(r, raw33);
	if (ext - r->ref_in > JUMP_90K || r->ref_in - ext > JUMP_90K)
		return TS_NOTS;
	return ext + r->offset;
}

/* Records a written access unit: per-stream DTS/PTS/duration and the segment's range. */
static void note_au(struct ts_remux *r, struct ts_stream *st, int64_t pts, int64_t dts, int64_t dur)
{
	if (dur <= 0 && st->last_dts != TS_NOTS) {
		int64_t d = dts - st->last_dts;

		dur = d > 0 && d < TS_CLOCK ? d : st->dur;
	}
	if (dur > 0)
		st->dur = dur;
	st->last_dts = dts;
	/* kept for the program, not per stream: streams come and go between periods */
	if (r->out_end == TS_NOTS || dts + st->dur > r->out_end)
		r->out_end = dts + st->dur;
	if (r->out_pend == TS_NOTS || pts + st->dur > r->out_pend)
		r->out_pend = pts + st->dur;
	if (st->video || r->st[0].codec == TS_CODEC_NONE) {
		if (r->seg_first == TS_NOTS)
			r->seg_first = dts;
		if (dts + st->dur > r->seg_last || r->seg_last == TS_NOTS)
			r->seg_last = dts + st->dur;
	}
}

/* ---------------------------------------------------------------- sections */

/*
 * Audio waits for the section's first video key frame, but not forever: a PMT may list a
 * video stream that never carries data (radio with a still), so after about 4 s of audio
 * access units (200) the wait ends.
 */
static bool audio_waited_enough(struct ts_remux *r)
{
	if (++r->audio_wait < 200)
		return false;
	LOG_WARN(LOG_TS, "no video key frame after 200 audio frames: writing audio");
	r->need_key = false;
	return true;
}

static bool cfg_differs(const struct ts_section_info *a, const struct ts_section_info *b)
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
static void section_open(struct ts_remux *r, const struct ts_section_info *c, int64_t first_out)
{
	int rc = 0;

	pk_end_all(r);
	out_flush(r);
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
	emit_psi(r);
	r->psi_fresh = true;
	if (first_out != TS_NOTS)
		emit_pcr(r, first_out - r->pcr_delay, false);
}

/* ---------------------------------------------------------------- input PSI */

static void pmt_apply(struct ts_remux *r, const struct psi_pmt *pmt)
{
	int na = 0;
	bool changed = false;
	struct ts_stream *v = &r->st[0];

	for (int i = 0; i < r->n_streams; i++)
		if (r->st[i].in_pid < 8192)
			r->pid_map[r->st[i].in_pid] = 0;
	for (int i = 0; i < pmt->n_es; i++) {
		if (pmt->es[i].drm) {
			LOG_ERR(LOG_TS, "SAMPLE-AES stream type 0x%02x: DRM",
				pmt->es[i].stream_type);
			set_err(r, -ERR_DRM);
			return;
		}
	}
	/* slot 0 is video, slots 1.. audio; output PIDs and CCs stay with the slot */
	if (v->codec != TS_CODEC_NONE)
		v->in_pid = 0xffff;
	{
		enum ts_codec old_v = v->codec;

		v->codec = TS_CODEC_NONE;
		for (int i = 0; i < pmt->n_es; i++) {
			enum ts_codec c = pmt->es[i].codec;

			if (c == TS_CODEC_H264 || c == TS_CODEC_HEVC || c == TS_CODEC_MPEG2V) {
				v->codec = c;
				v->in_pid = pmt->es[i].pid;
				break;
			}
		}
		changed |= old_v != v->codec;
	}
	for (int i = 0; i < pmt->n_es && na < CONFIG_TS_MAX_AUDIO; i++) {
		enum ts_codec c = pmt->es[i].codec;
		struct ts_stream *a;

		if (c != TS_CODEC_AAC && c != TS_CODEC_AAC_LATM && c != TS_CODEC_MP2 &&
		    c != TS_CODEC_AC3 && c != TS_CODEC_EAC3)
			continue;
		a = &r->st[1 + na];
		if (1 + na >= r->n_streams) {
			memset(a, 0, sizeof(*a));
			a->out_pid = (uint16_t)(TS_OUT_PID_AUDIO + na);
			a->last_dts = TS_NOTS;
			a->last_in = TS_NOTS;
		}
		changed |= a->codec != c || memcmp(a->lang, pmt->es[i].lang, 4) != 0;
		a->codec = c;
		a->in_pid = pmt->es[i].pid;
		a->sid = c == TS_CODEC_AC3 || c == TS_CODEC_EAC3 ? PES_SID_PRIVATE1 : PES_SID_AUDIO;
		memcpy(a->lang, pmt->es[i].lang, 4);
		na++;
	}
	changed |= 1 + na != r->n_streams;
	for (int i = 1 + na; i < r->n_streams; i++) {
		pk_end(r, &r->st[i]);
		r->st[i].codec = TS_CODEC_NONE;
	}
	r->n_streams = 1 + na;
	v->video = true;
	v->out_pid = TS_OUT_PID_VIDEO;
	v->sid = PES_SID_VIDEO;
	for (int i = 0; i < r->n_streams; i++) {
		r->st[i].in_cc = -1;
		r->st[i].fast = false;
		if (r->st[i].codec != TS_CODEC_NONE && r->st[i].in_pid < 8192)
			r->pid_map[r->st[i].in_pid] = (uint8_t)(i + 1);
	}
	r->in_pcr_pid = pmt->pcr_pid;
	if (changed && r->section >= 0)
		r->pmt_version = (uint8_t)((r->pmt_version + 1) & 0x1f);
	LOG_DBG(LOG_TS, "PMT: video %s, %d audio, PCR PID 0x%x", ts_codec_name(v->codec), na,
		pmt->pcr_pid);
}

static void psi_section(struct ts_remux *r, unsigned pid)
{
	int len = psi_section_check(r->psi, r->psi_len);

	if (len < 0)
		return;
	if (pid == TS_PID_PAT) {
		uint16_t pmt_pid, prog;

		if (psi_parse_pat(r->psi, (size_t)len, &pmt_pid, &prog) == 0 &&
		    pmt_pid != r->pmt_pid) {
			r->pmt_pid = pmt_pid;
			memset(r->pmt_crc, 0, sizeof(r->pmt_crc));
		}
	} else if (r->psi[0] == 0x02 && memcmp(r->pmt_crc, r->psi + len - 4, 4) != 0) {
		struct psi_pmt pmt;

		if (psi_parse_pmt(r->psi, (size_t)len, &pmt) == 0) {
			memcpy(r->pmt_crc, r->psi + len - 4, 4);
			pmt_apply(r, &pmt);
		}
	}
}

static void psi_input(struct ts_remux *r, const uint8_t *p, unsigned pid)
{
	unsigned po = ts_payload_off(p);

	if (po >= TS_PKT)
		return;
	if (ts_pusi(p)) {
		unsigned start = po + 1u + p[po];

		if (start >= TS_PKT)
			return;
		r->psi_pid = (uint16_t)pid;
		r->psi_len = 0;
		po = start;
	} else if (r->psi_pid != pid || r->psi_len == 0) {
		return;
	}
	{
		size_t take = MIN((size_t)(TS_PKT - po), sizeof(r->psi) - r->psi_len);

		memcpy(r->psi + r->psi_len, p + po, take);
		r->psi_len = (uint16_t)(r->psi_len + take);
	}
	if (r->psi_len >= 3) {
		size_t need = (((size_t)r->psi[1] & 0x0f) << 8 | r->psi[2]) + 3;

		if (need > sizeof(r->psi)) {
			r->psi_len = 0;
			return;
		}
		if (r->psi_len >= need) {
			psi_section(r, pid);
			r->psi_len = 0;
		}
	}
}

/* ---------------------------------------------------------------- TS pass-through */

/* PCR field of a packet's adaptation field, or NULL. */
static uint8_t *af_pcr(uint8_t *p)
{
	if ((ts_afc(p) & 2) && p[4] >= 7 && (p[5] & 0x10))
		return p + 6;
	return NULL;
}

/* Maps an input PCR field to output time (TS_NOTS: not placeable); remembers it. */
static int64_t map_pcr(struct ts_remux *r, const uint8_t *f)
{
	int64_t pcr = pcr_place(r, ts_read_pcr_base(f));

	if (pcr == TS_NOTS)
		return TS_NOTS;
	pcr = pcr_clamp(r, pcr);
	r->in_pcr = pcr;
	return pcr;
}

static void emit_input_pcr(struct ts_remux *r, const uint8_t *p)
{
	const uint8_t *f = af_pcr((uint8_t *)p);
	int64_t pcr;

	if (f && r->section >= 0 && (pcr = map_pcr(r, f)) != TS_NOTS)
		emit_pcr(r, pcr, false);
}

static void out_packet(struct ts_remux *r, int idx, const uint8_t *p)
{
	struct ts_stream *st = &r->st[idx];
	unsigned afc = ts_afc(p), po = ts_payload_off(p);
	bool is_pcr_stream = idx == pcr_index(r), has_pcr = af_pcr((uint8_t *)p) != NULL;
	bool in_pcr = (unsigned)ts_pid(p) == r->in_pcr_pid;
	int64_t pts = TS_NOTS, dts = TS_NOTS;
	struct pes_hdr h = {0};
	bool key = false;
	uint8_t *s;

	if (afc & 1) {
		/* one duplicate packet is allowed by 13818-1; it must not reach the output twice */
		if (st->in_cc == (int)ts_cc(p) && !((afc & 2) && p[4] && (p[5] & 0x80)))
			return;
		st->in_cc = (int8_t)ts_cc(p);
	}
	if (ts_pusi(p) && po < TS_PKT) {
		int rc = pes_parse(p + po, TS_PKT - po, &h);

		if (st->repack)
			pk_end(r, st);
		st->repack = false;
		st->in_pes = false;
		st->fast = false;
		if (rc < 0) {
			st->drop = true;
			r->seg.skipped += TS_PKT;
			return;
		}
		if (h.pts != TS_NOTS)
			tl_pes(r, st, h.pts, h.dts, &pts, &dts);
		if (st->video) {
			struct h26x_au_scan sc;
			bool hevc = st->codec == TS_CODEC_HEVC;

			if (st->codec == TS_CODEC_MPEG2V) {
				struct h26x_sps_info si;

				memset(&sc, 0, sizeof(sc));
				sc.aud = true;
				sc.key = mpeg2_parse_seq(p + po + h.hdr_len,
							 TS_PKT - po - h.hdr_len, &si) == 0;
			} else {
				h26x_scan_au(p + po + h.hdr_len, TS_PKT - po - h.hdr_len, hevc,
					     &sc);
			}
			key = sc.key || ((afc & 2) && p[4] && (p[5] & 0x40));
			if (r->need_key && !key && ++r->key_wait < 300) {
				st->drop = true;
				return;
			}
			if (r->need_key && !key)
				LOG_WARN(LOG_TS,
					 "no key frame found in 300 pictures: writing anyway");
			if (key || r->need_key) {
				r->seg.keyframe |= key;
				r->need_key = false;
				r->key_wait = 0;
			}
			if (!sc.aud)
				st->repack = true;
		} else if (r->need_key && !audio_waited_enough(r)) {
			/* audio before the section's first key frame would play over no picture */
			st->drop = true;
			return;
		}
		st->drop = false;
		st->in_pes = true;
		st->fast = !st->repack;
		if (dts != TS_NOTS) {
			/* the input's PCR lead over DTS, kept for generated PCRs when plausible */
			int64_t lead = TS_NOTS;

			if (st->video && has_pcr && in_pcr &&
			    pcr_place(r, ts_read_pcr_base(p + 6)) != TS_NOTS)
				lead = dts - pcr_place(r, ts_read_pcr_base(p + 6));
			else if (st->video && r->in_pcr != TS_NOTS)
				lead = dts - r->in_pcr;
			if (lead != TS_NOTS && lead >= 0 && lead < 3 * TS_CLOCK)
				r->pcr_delay = lead;
			note_au(r, st, pts, dts, 0);
			if (is_pcr_stream && !(has_pcr && in_pcr))
				pcr_if_due(r, dts, key && !has_pcr);
		}
		if (st->repack) {
			uint8_t hdr[PES_HDR_MAX];
			unsigned hl = pes_build(hdr, h.stream_id, pts, dts, 0);

			if (has_pcr && in_pcr && map_pcr(r, p + 6) != TS_NOTS)
				emit_pcr(r, r->in_pcr, key);
			pk_begin(r, st);
			pk_data(r, st, hdr, hl);
			if (st->codec == TS_CODEC_HEVC)
				pk_data(r, st, aud_hevc, sizeof(aud_hevc));
			else
				pk_data(r, st, aud_h264, sizeof(aud_h264));
			pk_data(r, st, p + po + h.hdr_len, TS_PKT - po - h.hdr_len);
			return;
		}
	} else {
		if (st->drop || !st->in_pes) {
			if (has_pcr && in_pcr)
				emit_input_pcr(r, p);
			return;
		}
		if (st->repack) {
			if (has_pcr && in_pcr)
				emit_input_pcr(r, p);
			if (po < TS_PKT)
				pk_data(r, st, p + po, TS_PKT - po);
			return;
		}
	}
	/* pass-through: copy, then patch header fields only */
	{
		int64_t pcr = TS_NOTS;

		if (has_pcr && in_pcr) {
			pcr = map_pcr(r, p + 6);
			if (pcr == TS_NOTS) {
				/* not placeable: repeat the last PCR rather than write a wrong one
				 */
				pcr = r->pcr_last != TS_NOTS ? r->pcr_last : 0;
			} else if (is_pcr_stream) {
				pcr_bridge(r, pcr);
				psi_if_due(r, pcr);
			} else {
				emit_pcr(r, pcr, false); /* our PCR PID carries it instead */
			}
		}
		if (in_mut(r, p)) {
			s = (uint8_t *)p; /* the caller's writable buffer: rewrite in place */
		} else {
			s = out_slot(r);
			memcpy(s, p, TS_PKT);
		}
		s[1] = (uint8_t)((s[1] & 0xe0) | (st->out_pid >> 8));
		s[2] = (uint8_t)st->out_pid;
		if (afc & 1) {
			s[3] = (uint8_t)((s[3] & 0xf0) | st->out_cc);
			st->out_cc = (st->out_cc + 1) & 0x0f;
		} else {
			s[3] = (uint8_t)((s[3] & 0xf0) | ((st->out_cc - 1) & 0x0f));
		}
		if (has_pcr) {
			if (in_pcr && is_pcr_stream) {
				ts_write_pcr(s + 6, pcr,
					     ((unsigned)(p[10] & 1) << 8 | p[11]) % 300);
				r->pcr_last = pcr;
			} else if (p[5] == 0x10) {
				/* a PCR on a PID that is not our PCR PID: turn it into stuffing */
				s[5] = 0;
				memset(s + 6, 0xff, 6);
			}
		}
		if (key && (afc & 2) && s[4])
			s[5] |= 0x40;
		if (pts != TS_NOTS) {
			uint8_t *q = s + po;

			if (h.dts_off) {
				ts_write_pts(q + h.pts_off, 3, pts);
				ts_write_pts(q + h.dts_off, 1, dts);
			} else {
				ts_write_pts(q + h.pts_off, 2, pts);
			}
		}
		if (s == p)
			run_add(r, s);
		else
			out_commit(r);
	}
}

/* ---------------------------------------------------------------- hold and decision */

static void hold_scan(struct ts_remux *r, int idx, const uint8_t *p)
{
	struct ts_stream *st = &r->st[idx];
	struct ts_hold_scan *hs = &r->hs;
	unsigned po = ts_payload_off(p);
	const uint8_t *pay = p + po;
	size_t n = TS_PKT - po;

	if (po >= TS_PKT)
		return;
	if (ts_pusi(p)) {
		struct pes_hdr h;

		if (pes_parse(pay, n, &h) < 0)
			return;
		if (h.pts != TS_NOTS) {
			int64_t t = h.dts;

			if (hs->first_ts == TS_NOTS || ts_diff33(hs->first_ts, t) < 0)
				hs->first_ts = t;
			if (st->video && !hs->lead_known) {
				hs->lead = ts_diff33(h.dts, h.pts);
				hs->lead_known = true;
			}
		}
		pay += h.hdr_len;
		n -= h.hdr_len;
		if (!st->video) {
			struct audio_cfg c = {st->codec, 0, 0, 0};
			int rc = -ERR_PARSE;

			if (st->codec == TS_CODEC_AAC)
				rc = adts_parse(pay, n, &c);
			else if (st->codec == TS_CODEC_AC3 || st->codec == TS_CODEC_EAC3)
				rc = ac3_parse(pay, n, &c);
			else if (st->codec == TS_CODEC_MP2)
				rc = mpa_parse(pay, n, &c);
			if (rc > 0 || st->codec == TS_CODEC_AAC_LATM)
				st->acfg = c;
			hs->audio_seen[idx - 1] = true;
			return;
		}
		hs->head_len = 0;
		hs->head_done = false;
	}
	if (!st->video || hs->video_cfg || hs->head_done)
		return;
	n = MIN(n, sizeof(hs->head) - hs->head_len);
	memcpy(hs->head + hs->head_len, pay, n);
	hs->head_len = (uint16_t)(hs->head_len + n);
	{
		struct h26x_sps_info si;
		struct h26x_au_scan sc;
		bool full = hs->head_len == sizeof(hs->head);

		if (st->codec == TS_CODEC_MPEG2V) {
			if (mpeg2_parse_seq(hs->head, hs->head_len, &si) == 0) {
				hs->video_cfg = true;
				r->hs_width = si.width;
				r->hs_height = si.height;
			}
			hs->head_done = full;
			return;
		}
		h26x_scan_au(hs->head, hs->head_len, st->codec == TS_CODEC_HEVC, &sc);
		if (sc.sps && (sc.sps_len < (size_t)(hs->head + hs->head_len - sc.sps) || full)) {
			int rc = st->codec == TS_CODEC_HEVC
					 ? hevc_parse_sps(sc.sps, sc.sps_len, &si)
					 : h264_parse_sps(sc.sps, sc.sps_len, &si);
			if (rc == 0) {
				hs->video_cfg = true;
				r->hs_width = si.width;
				r->hs_height = si.height;
			}
			hs->head_done = true;
		} else if (sc.vcl || full) {
			hs->head_done = true; /* this access unit has no SPS: wait for the next */
		}
	}
}

static bool has_streams(const struct ts_remux *r)
{
	for (int i = 0; i < r->n_streams; i++)
		if (r->st[i].codec != TS_CODEC_NONE)
			return true;
	return false;
}

static bool hold_ready(const struct ts_remux *r)
{
	if (!has_streams(r))
		return false;
	if (r->st[0].codec != TS_CODEC_NONE && !r->hs.video_cfg)
		return false;
	for (int i = 1; i < r->n_streams; i++)
		if (r->st[i].codec != TS_CODEC_NONE && !r->hs.audio_seen[i - 1])
			return false;
	return true;
}

/* Builds the configuration the next data has, from the hold scan or the fMP4 init. */
static void cfg_now(const struct ts_remux *r, struct ts_section_info *c, int w, int h)
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

/* Section decision at a TS segment start, then the held packets go out. */
static void hold_release(struct ts_remux *r)
{
	struct ts_section_info c;
	int64_t first_out = TS_NOTS;

	bool open = false;

	r->holding = false;
	if (has_streams(r)) {
		cfg_now(r, &c, r->hs_width, r->hs_height);
		open = r->section < 0 || cfg_differs(&c, &r->cur);
		if (!open && c.width && !r->cur.width) {
			r->cur.width = c.width;
			r->cur.height = c.height;
		}
	}
	/*
	 * A new section also continues the timeline: a stream that changed may have no history
	 * to compare with (audio-only segments followed by video), so time could step back.
	 */
	if (open && r->section >= 0)
		r->rebase_pending = true;
	if (r->hs.first_ts != TS_NOTS) {
		/* the first picture's PTS is first_ts + lead when video leads the segment */
		int64_t ext = unwrap(r, r->hs.first_ts);

		first_out = ext + tl_check(r, NULL, ext, r->hs.lead_known ? r->hs.lead : 0);
	}
	if (open)
		section_open(r, &c, first_out);
	for (uint32_t i = 0; i < r->hold_n && !r->err; i += TS_PKT) {
		const uint8_t *p = r->u.hold + i;
		unsigned idx = r->pid_map[ts_pid(p)];

		if (idx && r->section >= 0)
			out_packet(r, (int)idx - 1, p);
		else if (ts_pid(p) == r->in_pcr_pid)
			emit_input_pcr(r, p);
	}
	r->hold_n = 0;
}

/* ---------------------------------------------------------------- TS input */

__attribute__((noinline)) static void ts_packet(struct ts_remux *r, const uint8_t *p)
{
	unsigned pid = ts_pid(p), idx;

	if (p[1] & 0x80) { /* transport_error_indicator: the packet is known bad */
		r->seg.skipped += TS_PKT;
		return;
	}
	if (pid == TS_PID_PAT || (pid == r->pmt_pid && r->pmt_pid)) {
		psi_input(r, p, pid);
		return;
	}
	idx = r->pid_map[pid];
	if (!idx) {
		/* a PCR on a PID we do not carry (dedicated PCR PID) still drives our clock */
		if (pid == r->in_pcr_pid && !r->holding)
			emit_input_pcr(r, p);
		else if (pid == r->in_pcr_pid && r->hold_n + TS_PKT <= HOLD_CAP) {
			memcpy(r->u.hold + r->hold_n, p, TS_PKT);
			r->hold_n += TS_PKT;
		}
		return;
	}
	if (ts_scrambled(p)) {
		LOG_ERR(LOG_TS, "scrambled packets on PID 0x%x: DRM", pid);
		set_err(r, -ERR_DRM);
		return;
	}
	if (r->holding) {
		hold_scan(r, (int)idx - 1, p);
		if (r->hold_n + TS_PKT > HOLD_CAP) {
			hold_release(r);
		} else {
			memcpy(r->u.hold + r->hold_n, p, TS_PKT);
			r->hold_n += TS_PKT;
			if (hold_ready(r))
				hold_release(r);
			return;
		}
	}
	if (r->section >= 0) {
		out_packet(r, (int)idx - 1, p);
	} else {
		/* nothing decided yet (PMT came late): hold again */
		r->holding = true;
		memset(&r->hs, 0, sizeof(r->hs));
		r->hs.first_ts = TS_NOTS;
	}
}

/*
 * Most packets are payload-only continuations of a PES being passed through: only PID and
 * CC change. This path decides that with a few loads; everything else goes to ts_packet().
 */
__attribute__((always_inline)) static inline void fast_packet(struct ts_remux *r, const uint8_t *p,
							      bool mut)
{
	unsigned idx = r->pid_map[ts_pid(p)];
	struct ts_stream *st = &r->st[idx ? idx - 1 : 0];
	uint8_t *s;

	/* no TEI/PUSI, not scrambled, payload only, a fast stream, not a duplicate */
	if (!idx || (p[1] & 0xc0) || (p[3] & 0xf0) != 0x10 || !st->fast || r->holding ||
	    st->in_cc == (p[3] & 0x0f)) {
		ts_packet(r, p);
		return;
	}
	if (mut) {
		/* rewritten in place and written from the caller's buffer: no copy */
		s = (uint8_t *)p;
		if (r->run_n && s == r->run_p + r->run_n)
			r->run_n += TS_PKT;
		else
			run_add(r, s);
	} else {
		s = out_slot(r);
		r->out_n += TS_PKT;
		memcpy(s, p, TS_PKT);
	}
	st->in_cc = (int8_t)(p[3] & 0x0f);
	s[1] = (uint8_t)(st->out_pid >> 8);
	s[2] = (uint8_t)st->out_pid;
	s[3] = (uint8_t)(0x10 | st->out_cc);
	st->out_cc = (st->out_cc + 1) & 0x0f;
}

static void carry_drop(struct ts_remux *r, unsigned k)
{
	memmove(r->carry, r->carry + k, r->carry_n - k);
	r->carry_n = (uint16_t)(r->carry_n - k);
}

/*
 * Out of sync: find three sync bytes 188 apart in the carry buffer (two are too easily
 * matched by junk such as a run of 0x47 bytes, which would swallow the next real packet).
 * At the end of a segment (final) fewer are required, as no more bytes will come.
 */
static void resync(struct ts_remux *r, bool final)
{
	for (unsigned i = 0; i + TS_PKT <= r->carry_n; i++) {
		bool ok = r->carry[i] == TS_SYNC;

		for (unsigned k = 1; k < 3 && ok; k++) {
			unsigned j = i + k * TS_PKT;

			if (j < r->carry_n)
				ok = r->carry[j] == TS_SYNC;
			else
				ok = final;
		}
		if (ok) {
			r->seg.skipped += i;
			carry_drop(r, i);
			r->synced = true;
			return;
		}
	}
	if (r->carry_n > 2 * TS_PKT) {
		unsigned k = r->carry_n - 2 * TS_PKT;

		r->seg.skipped += k;
		carry_drop(r, k);
	}
}

static void ts_feed(struct ts_remux *r, const uint8_t *p, size_t n)
{
	bool mut = r->mut_lo != NULL; /* p is ts_remux_feed_mut()'s writable buffer */

	while (n && !r->err) {
		if (!r->synced) {
			size_t take = MIN(n, sizeof(r->carry) - r->carry_n);

			memcpy(r->carry + r->carry_n, p, take);
			r->carry_n = (uint16_t)(r->carry_n + take);
			p += take;
			n -= take;
			resync(r, false);
		} else if (r->carry_n < TS_PKT && r->carry_n) {
			size_t take = MIN(n, (size_t)(TS_PKT - r->carry_n));

			memcpy(r->carry + r->carry_n, p, take);
			r->carry_n = (uint16_t)(r->carry_n + take);
			p += take;
			n -= take;
		} else if (!r->carry_n) {
			while (n >= TS_PKT && p[0] == TS_SYNC && !r->err) {
				fast_packet(r, p, mut);
				p += TS_PKT;
				n -= TS_PKT;
			}
			if (n && p[0] != TS_SYNC) {
				r->synced = false;
			} else if (n && n < TS_PKT) {
				memcpy(r->carry, p, n);
				r->carry_n = (uint16_t)n;
				n = 0;
			}
		}
		/* whole packets waiting in the carry buffer */
		while (r->synced && r->carry_n >= TS_PKT && !r->err) {
			if (r->carry[0] != TS_SYNC) {
				r->synced = false;
				break;
			}
			fast_packet(r, r->carry, false);
			carry_drop(r, TS_PKT);
		}
	}
	while (r->synced && r->carry_n >= TS_PKT && !r->err) {
		if (r->carry[0] != TS_SYNC) {
			r->synced = false;
			break;
		}
		fast_packet(r, r->carry, false);
		carry_drop(r, TS_PKT);
	}
}

/* ---------------------------------------------------------------- fMP4 input */

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
		st = &r->st[1 + na];
		if (1 + na >= r->n_streams) {
			memset(st, 0, sizeof(*st));
			st->out_pid = (uint16_t)(TS_OUT_PID_AUDIO + na);
			st->last_dts = TS_NOTS;
			st->last_in = TS_NOTS;
		}
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
		if (hevc)
			pk_data(r, st, aud_hevc, sizeof(aud_hevc));
		else
			pk_data(r, st, aud_h264, sizeof(aud_h264));
	}
	f->first_nal = false;
	if (is_ps)
		f->ps_pending = false; /* in-band parameter sets: use those */
	if (f->ps_pending && is_vcl) {
		pk_data(r, st, t->ps, t->ps_len);
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
		pk_data(r, st, p, n);
		return;
	}
	while (n) {
		if (f->nal_left) {
			size_t take = MIN(n, (size_t)f->nal_left);

			pk_data(r, st, p, take);
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
			pk_data(r, st, start_code, sizeof(start_code));
			pk_data(r, st, f->nal_hdr + t->nal_len, 1);
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
	cfg_now(r, c, w, h);
	return r->section < 0 || cfg_differs(c, &r->cur);
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
		off = tl_check(r, st, dts, pts - dts);
		dts += off;
		pts += off;
		if (open)
			section_open(r, &c, dts);
		f->decided = true;
	}
	if (t->video && r->need_key && !key) {
		f->sample_drop = true;
		r->seg.skipped += s.size;
		return;
	}
	if (!t->video && r->need_key && !audio_waited_enough(r)) {
		f->sample_drop = true;
		return;
	}
	if (t->video && key) {
		r->need_key = false;
		r->seg.keyframe = true;
	}
	note_au(r, st, pts, dts, dur);
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
		pcr_if_due(r, lag, key && t->video);
	}
	f->ps_pending = t->video && key && t->ps_len;
	if (t->codec == TS_CODEC_AAC) {
		hl = pes_build(hdr, st->sid, pts, dts, (size_t)s.size + 7);
		adts_build(hdr + hl, t->audio.object, t->aac_rate_index, t->audio.channels, s.size);
		hl += 7;
	} else {
		hl = pes_build(hdr, st->sid, pts, dts, t->video ? 0 : s.size);
	}
	pk_begin(r, st);
	pk_data(r, st, hdr, hl);
}

static void sample_end(struct ts_remux *r)
{
	struct ts_fmp4 *f = &r->f;
	const struct fmp4_run *run = &f->moof.runs[f->run];
	struct ts_stream *st = &r->st[track_slot(r, run->track)];

	if (!f->sample_drop)
		pk_end(r, st);
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

static void fmp4_feed(struct ts_remux *r, const uint8_t *p, size_t n)
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
	if (r->seg_fmp4) {
		if (r->f.have_init) /* else a moov must come first in the segment */
			fmp4_streams(r);
		r->f.pos = 0;
		r->f.in_box = false;
		r->f.hdr_have = 0;
		r->f.moof_ok = false;
		r->f.sample_active = false;
		r->f.decided = false;
		return 0;
	}
	r->synced = false;
	r->carry_n = 0;
	r->psi_len = 0;
	r->holding = true;
	r->hold_n = 0;
	memset(&r->hs, 0, sizeof(r->hs));
	r->hs.first_ts = TS_NOTS;
	r->hs_width = r->hs_height = 0;
	for (int i = 0; i < r->n_streams; i++)
		r->st[i].in_cc = -1;
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
		fmp4_feed(r, p, n);
	else
		ts_feed(r, p, n);
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
	ts_feed(r, p, n);
	/* p is the caller's again after this call: what is queued from it goes out now */
	run_flush(r);
	r->mut_lo = r->mut_hi = NULL;
	return r->err;
}

int ts_remux_segment_end(struct ts_remux *r, struct ts_segment_info *info)
{
	if (!r->err) {
		if (r->seg_fmp4) {
			if (r->f.sample_active) { /* truncated sample: close what was written */
				r->seg.skipped += r->f.sample_left;
				r->f.sample_drop = true;
				pk_end(r, &r->st[track_slot(r, r->f.moof.runs[r->f.run].track)]);
				r->f.sample_active = false;
			}
			if (r->f.in_box && r->f.box_type == MP4_FOURCC('m', 'o', 'o', 'f'))
				r->seg.skipped += r->f.moof_len;
			r->f.moof_ok = false;
		} else {
			if (!r->synced)
				resync(r, true);
			while (r->synced && r->carry_n >= TS_PKT && r->carry[0] == TS_SYNC &&
			       !r->err) {
				fast_packet(r, r->carry, false);
				carry_drop(r, TS_PKT);
			}
			r->seg.skipped += r->carry_n;
			r->carry_n = 0;
			if (r->holding)
				hold_release(r);
		}
		out_flush(r);
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
			hold_release(r);
		pk_end_all(r);
		out_flush(r);
	}
	return r->err;
}
