/*
 * MPEG-TS remuxer, TS input: packet framing (resync, the carry buffer, the fast path for
 * payload continuations), the input PAT/PMT, and the hold at a segment start that learns
 * the configuration before the section decision.
 */
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ts/h26x.h"
#include "core/ts/remux_int.h"

#define HOLD_CAP (CONFIG_TS_HOLD_BYTES / TS_PKT * TS_PKT)

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
		a = rx_audio_slot(r, na);
		changed |= a->codec != c || memcmp(a->lang, pmt->es[i].lang, 4) != 0;
		a->codec = c;
		a->in_pid = pmt->es[i].pid;
		a->sid = c == TS_CODEC_AC3 || c == TS_CODEC_EAC3 ? PES_SID_PRIVATE1 : PES_SID_AUDIO;
		memcpy(a->lang, pmt->es[i].lang, 4);
		na++;
	}
	changed |= 1 + na != r->n_streams;
	for (int i = 1 + na; i < r->n_streams; i++) {
		rx_pk_end(r, &r->st[i]);
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
			if (!hs->first_known[idx]) {
				hs->first[idx] = t;
				hs->first_known[idx] = true;
			}
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

/* Section decision at a TS segment start, then the held packets go out. */
void rx_hold_release(struct ts_remux *r)
{
	struct ts_section_info c;
	int64_t first_out = TS_NOTS;

	bool open = false;

	r->holding = false;
	if (has_streams(r)) {
		rx_cfg_now(r, &c, r->hs_width, r->hs_height);
		open = r->section < 0 || rx_cfg_differs(&c, &r->cur);
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
		int64_t ext = rx_unwrap(r, r->hs.first_ts);

		first_out =
			ext + rx_tl_check(r, NULL, ext, r->hs.lead_known ? r->hs.lead : 0, &r->hs);
	}
	if (open)
		rx_section_open(r, &c, first_out);
	for (uint32_t i = 0; i < r->hold_n && !r->err; i += TS_PKT) {
		const uint8_t *p = r->u.hold + i;
		unsigned idx = r->pid_map[ts_pid(p)];

		if (idx && r->section >= 0)
			rx_out_packet(r, (int)idx - 1, p);
		else if (ts_pid(p) == r->in_pcr_pid)
			rx_emit_input_pcr(r, p);
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
			rx_emit_input_pcr(r, p);
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
			rx_hold_release(r);
		} else {
			memcpy(r->u.hold + r->hold_n, p, TS_PKT);
			r->hold_n += TS_PKT;
			if (hold_ready(r))
				rx_hold_release(r);
			return;
		}
	}
	if (r->section >= 0) {
		rx_out_packet(r, (int)idx - 1, p);
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
	if (!idx || (p[1] & 0xc0) || (p[3] & 0xf0) != 0x10 || st->fast != RX_FAST || r->holding ||
	    st->in_cc == (p[3] & 0x0f)) {
		/* audio whose frames are counted: the same, off the video's path */
		if (st->fast != RX_FAST_COUNT || !idx || (p[1] & 0xc0) || (p[3] & 0xf0) != 0x10 ||
		    r->holding || st->in_cc == (p[3] & 0x0f)) {
			ts_packet(r, p);
			return;
		}
		rx_af_walk(r, st, p + 4, TS_PKT - 4);
	}
	if (mut) {
		/* rewritten in place and written from the caller's buffer: no copy */
		s = (uint8_t *)p;
		if (r->run_n && s == r->run_p + r->run_n)
			r->run_n += TS_PKT;
		else
			rx_run_add(r, s);
	} else {
		s = rx_out_slot(r);
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

/* Writes the whole packets waiting in the carry buffer (a lost sync ends them). */
static void carry_packets(struct ts_remux *r)
{
	while (r->synced && r->carry_n >= TS_PKT && !r->err) {
		if (r->carry[0] != TS_SYNC) {
			r->synced = false;
			break;
		}
		fast_packet(r, r->carry, false);
		carry_drop(r, TS_PKT);
	}
}

void rx_ts_feed(struct ts_remux *r, const uint8_t *p, size_t n)
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
		carry_packets(r);
	}
	carry_packets(r);
}

void rx_ts_segment_begin(struct ts_remux *r)
{
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
}

void rx_ts_segment_end(struct ts_remux *r)
{
	if (!r->synced)
		resync(r, true);
	while (r->synced && r->carry_n >= TS_PKT && r->carry[0] == TS_SYNC && !r->err) {
		fast_packet(r, r->carry, false);
		carry_drop(r, TS_PKT);
	}
	r->seg.skipped += r->carry_n;
	r->carry_n = 0;
	if (r->holding)
		rx_hold_release(r);
}
