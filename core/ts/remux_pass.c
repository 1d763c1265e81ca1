/*
 * MPEG-TS remuxer, TS pass-through: input packets of the carried streams go out with PID, CC,
 * PCR and PTS/DTS patched in place, or through the packetizer when the PES must change
 * (an AUD inserted); key frames are waited for at a section start.
 */
#include <string.h>

#include "core/base/log.h"
#include "core/ts/h26x.h"
#include "core/ts/remux_int.h"

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
	int64_t pcr = rx_pcr_place(r, ts_read_pcr_base(f));

	if (pcr == TS_NOTS)
		return TS_NOTS;
	pcr = pcr_clamp(r, pcr);
	r->in_pcr = pcr;
	return pcr;
}

void rx_emit_input_pcr(struct ts_remux *r, const uint8_t *p)
{
	const uint8_t *f = af_pcr((uint8_t *)p);
	int64_t pcr;

	if (f && r->section >= 0 && (pcr = map_pcr(r, f)) != TS_NOTS)
		rx_emit_pcr(r, pcr, false);
}

void rx_out_packet(struct ts_remux *r, int idx, const uint8_t *p)
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
			rx_pk_end(r, st);
		st->repack = false;
		st->in_pes = false;
		st->fast = false;
		if (rc < 0) {
			st->drop = true;
			r->seg.skipped += TS_PKT;
			return;
		}
		if (h.pts != TS_NOTS)
			rx_tl_pes(r, st, h.pts, h.dts, &pts, &dts);
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
		} else if (r->need_key && !rx_audio_waited_enough(r)) {
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
			    rx_pcr_place(r, ts_read_pcr_base(p + 6)) != TS_NOTS)
				lead = dts - rx_pcr_place(r, ts_read_pcr_base(p + 6));
			else if (st->video && r->in_pcr != TS_NOTS)
				lead = dts - r->in_pcr;
			if (lead != TS_NOTS && lead >= 0 && lead < 3 * TS_CLOCK)
				r->pcr_delay = lead;
			rx_note_au(r, st, pts, dts, 0);
			if (is_pcr_stream && !(has_pcr && in_pcr))
				rx_pcr_if_due(r, dts, key && !has_pcr);
		}
		if (st->repack) {
			uint8_t hdr[PES_HDR_MAX];
			unsigned hl = pes_build(hdr, h.stream_id, pts, dts, 0);

			if (has_pcr && in_pcr && map_pcr(r, p + 6) != TS_NOTS)
				rx_emit_pcr(r, r->in_pcr, key);
			rx_pk_begin(r, st);
			rx_pk_data(r, st, hdr, hl);
			rx_pk_aud(r, st, st->codec == TS_CODEC_HEVC);
			rx_pk_data(r, st, p + po + h.hdr_len, TS_PKT - po - h.hdr_len);
			return;
		}
	} else {
		if (st->drop || !st->in_pes) {
			if (has_pcr && in_pcr)
				rx_emit_input_pcr(r, p);
			return;
		}
		if (st->repack) {
			if (has_pcr && in_pcr)
				rx_emit_input_pcr(r, p);
			if (po < TS_PKT)
				rx_pk_data(r, st, p + po, TS_PKT - po);
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
				rx_pcr_bridge(r, pcr);
				rx_psi_if_due(r, pcr);
			} else {
				rx_emit_pcr(r, pcr, false); /* our PCR PID carries it instead */
			}
		}
		if (in_mut(r, p)) {
			s = (uint8_t *)p; /* the caller's writable buffer: rewrite in place */
		} else {
			s = rx_out_slot(r);
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
			rx_run_add(r, s);
		else
			rx_out_commit(r);
	}
}
