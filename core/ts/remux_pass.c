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

/* What rx_out_packet() has learned about the input packet it writes. */
struct pkt {
	const uint8_t *p;
	unsigned afc, po;   /* adaptation_field_control, payload offset */
	bool is_pcr_stream; /* the packet's stream carries our PCR */
	bool has_pcr;	    /* the packet has a PCR field */
	bool in_pcr;	    /* the packet is on the input's PCR PID */
	bool key;	    /* it starts a video key frame */
	int64_t pts, dts;   /* output times of the PES it starts, TS_NOTS */
	struct pes_hdr h;   /* that PES's header */
};

/*
 * Key frame and AUD check at the start of a video PES (st->repack when an AUD must be
 * inserted). Returns false when the PES is dropped: a section starts with a key frame.
 */
static bool video_pes_start(struct ts_remux *r, struct ts_stream *st, struct pkt *k)
{
	const uint8_t *p = k->p, *es = k->p + k->po + k->h.hdr_len;
	size_t es_n = TS_PKT - k->po - k->h.hdr_len;
	struct h26x_au_scan sc;
	bool hevc = st->codec == TS_CODEC_HEVC;

	if (st->codec == TS_CODEC_MPEG2V) {
		struct h26x_sps_info si;

		memset(&sc, 0, sizeof(sc));
		sc.aud = true;
		sc.key = mpeg2_parse_seq(es, es_n, &si) == 0;
	} else {
		h26x_scan_au(es, es_n, hevc, &sc);
	}
	k->key = sc.key || ((k->afc & 2) && p[4] && (p[5] & 0x40));
	if (r->need_key && !k->key && ++r->key_wait < 300) {
		st->drop = true;
		return false;
	}
	if (r->need_key && !k->key)
		LOG_WARN(LOG_TS, "no key frame found in 300 pictures: writing anyway");
	if (k->key || r->need_key) {
		r->seg.keyframe |= k->key;
		r->need_key = false;
		r->key_wait = 0;
	}
	if (!sc.aud)
		st->repack = true;
	return true;
}

/* Timing of a written PES start: the input's PCR lead, the access unit, a generated PCR. */
static void pes_timing(struct ts_remux *r, struct ts_stream *st, const struct pkt *k)
{
	/* the input's PCR lead over DTS, kept for generated PCRs when plausible */
	int64_t lead = TS_NOTS;

	if (st->video && k->has_pcr && k->in_pcr &&
	    rx_pcr_place(r, ts_read_pcr_base(k->p + 6)) != TS_NOTS)
		lead = k->dts - rx_pcr_place(r, ts_read_pcr_base(k->p + 6));
	else if (st->video && r->in_pcr != TS_NOTS)
		lead = k->dts - r->in_pcr;
	if (lead != TS_NOTS && lead >= 0 && lead < 3 * TS_CLOCK)
		r->pcr_delay = lead;
	rx_note_au(r, st, k->pts, k->dts, 0);
	if (k->is_pcr_stream && !(k->has_pcr && k->in_pcr))
		rx_pcr_if_due(r, k->dts, k->key && !k->has_pcr);
}

/*
 * A PES start: header parsed, times mapped, key frame waited for. Returns false when the
 * packet is not written (bad header, or the PES is dropped).
 */
static bool pes_start(struct ts_remux *r, struct ts_stream *st, struct pkt *k)
{
	int rc = pes_parse(k->p + k->po, TS_PKT - k->po, &k->h);
	const uint8_t *es;
	size_t es_n;

	if (st->repack)
		rx_pk_end(r, st);
	st->repack = false;
	st->in_pes = false;
	st->fast = false;
	if (rc < 0) {
		st->drop = true;
		r->seg.skipped += TS_PKT;
		return false;
	}
	es = k->p + k->po + k->h.hdr_len;
	es_n = TS_PKT - k->po - k->h.hdr_len;
	if (k->h.pts != TS_NOTS)
		rx_tl_pes(r, st, k->h.pts, k->h.dts, &k->pts, &k->dts);
	if (st->video) {
		if (!video_pes_start(r, st, k))
			return false;
	} else if (r->need_key && !rx_audio_waited_enough(r)) {
		/* audio before the section's first key frame would play over no picture */
		st->drop = true;
		return false;
	}
	st->drop = false;
	st->in_pes = true;
	if (!st->video)
		rx_af_begin(st, es, es_n, k->dts != TS_NOTS);
	st->fast = st->repack ? 0 : st->af_count ? RX_FAST_COUNT : RX_FAST;
	if (k->dts != TS_NOTS)
		pes_timing(r, st, k);
	if (st->af_count)
		rx_af_walk(r, st, es, es_n);
	return true;
}

/* A PES start that goes through the packetizer: a new PES header, an AUD, the payload. */
static void repack_start(struct ts_remux *r, struct ts_stream *st, const struct pkt *k)
{
	uint8_t hdr[PES_HDR_MAX];
	unsigned hl = pes_build(hdr, k->h.stream_id, k->pts, k->dts, 0);

	if (k->has_pcr && k->in_pcr && map_pcr(r, k->p + 6) != TS_NOTS)
		rx_emit_pcr(r, r->in_pcr, k->key);
	rx_pk_begin(r, st);
	rx_pk_data(r, st, hdr, hl);
	rx_pk_aud(r, st, st->codec == TS_CODEC_HEVC);
	rx_pk_data(r, st, k->p + k->po + k->h.hdr_len, TS_PKT - k->po - k->h.hdr_len);
}

/* Pass-through: the packet is copied (or rewritten in place), then header fields patched. */
static void pass_through(struct ts_remux *r, struct ts_stream *st, const struct pkt *k)
{
	const uint8_t *p = k->p;
	int64_t pcr = TS_NOTS;
	uint8_t *s;

	if (k->has_pcr && k->in_pcr) {
		pcr = map_pcr(r, p + 6);
		if (pcr == TS_NOTS) {
			/* not placeable: repeat the last PCR rather than write a wrong one */
			pcr = r->pcr_last != TS_NOTS ? r->pcr_last : 0;
		} else if (k->is_pcr_stream) {
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
	if (k->afc & 1) {
		s[3] = (uint8_t)((s[3] & 0xf0) | st->out_cc);
		st->out_cc = (st->out_cc + 1) & 0x0f;
	} else {
		s[3] = (uint8_t)((s[3] & 0xf0) | ((st->out_cc - 1) & 0x0f));
	}
	if (k->has_pcr) {
		if (k->in_pcr && k->is_pcr_stream) {
			ts_write_pcr(s + 6, pcr, ((unsigned)(p[10] & 1) << 8 | p[11]) % 300);
			r->pcr_last = pcr;
		} else if (p[5] == 0x10) {
			/* a PCR on a PID that is not our PCR PID: turn it into stuffing */
			s[5] = 0;
			memset(s + 6, 0xff, 6);
		}
	}
	if (k->key && (k->afc & 2) && s[4])
		s[5] |= 0x40;
	if (k->pts != TS_NOTS) {
		uint8_t *q = s + k->po;

		if (k->h.dts_off) {
			ts_write_pts(q + k->h.pts_off, 3, k->pts);
			ts_write_pts(q + k->h.dts_off, 1, k->dts);
		} else {
			ts_write_pts(q + k->h.pts_off, 2, k->pts);
		}
	}
	if (s == p)
		rx_run_add(r, s);
	else
		rx_out_commit(r);
}

void rx_out_packet(struct ts_remux *r, int idx, const uint8_t *p)
{
	struct ts_stream *st = &r->st[idx];
	struct pkt k = {
		.p = p,
		.afc = ts_afc(p),
		.po = ts_payload_off(p),
		.is_pcr_stream = idx == pcr_index(r),
		.has_pcr = af_pcr((uint8_t *)p) != NULL,
		.in_pcr = (unsigned)ts_pid(p) == r->in_pcr_pid,
		.pts = TS_NOTS,
		.dts = TS_NOTS,
	};

	if (k.afc & 1) {
		/* one duplicate packet is allowed by 13818-1; it must not reach the output twice */
		if (st->in_cc == (int)ts_cc(p) && !((k.afc & 2) && p[4] && (p[5] & 0x80)))
			return;
		st->in_cc = (int8_t)ts_cc(p);
	}
	if (ts_pusi(p) && k.po < TS_PKT) {
		if (!pes_start(r, st, &k))
			return;
		if (st->repack) {
			repack_start(r, st, &k);
			return;
		}
	} else {
		if (st->drop || !st->in_pes) {
			if (k.has_pcr && k.in_pcr)
				rx_emit_input_pcr(r, p);
			return;
		}
		if (st->repack) {
			if (k.has_pcr && k.in_pcr)
				rx_emit_input_pcr(r, p);
			if (k.po < TS_PKT)
				rx_pk_data(r, st, p + k.po, TS_PKT - k.po);
			return;
		}
		if (st->af_count && k.po < TS_PKT)
			rx_af_walk(r, st, p + k.po, TS_PKT - k.po);
	}
	pass_through(r, st, &k);
}
