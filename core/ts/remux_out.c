/*
 * MPEG-TS remuxer output: the output buffer and the in-place runs, generated PAT/PMT and
 * PCR packets, and the packetizer that writes PES data the remuxer builds itself.
 */
#include <string.h>

#include "core/ts/psi.h"
#include "core/ts/remux_int.h"

#define PSI_PERIOD_90K (TS_CLOCK * 3 / 10)  /* PAT/PMT every 0.3 s (limit 0.5 s) */
#define PCR_PERIOD_90K (TS_CLOCK * 6 / 100) /* + one frame stays under the 100 ms limit */
#define OUT_CAP (CONFIG_TS_OUT_BYTES / TS_PKT * TS_PKT)
#define PROGRAM 1

static const uint8_t aud_h264[6] = {0, 0, 0, 1, 0x09, 0xf0};
static const uint8_t aud_hevc[7] = {0, 0, 0, 1, 0x46, 0x01, 0x50};

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

void rx_out_flush(struct ts_remux *r)
{
	sink_write(r, r->out, r->out_n);
	r->out_n = 0;
}

/* Writes the run of packets rewritten in place in the caller's buffer (see rx_run_add()). */
void rx_run_flush(struct ts_remux *r)
{
	sink_write(r, r->run_p, r->run_n);
	r->run_n = 0;
}

/*
 * Queues the packet s, already rewritten in place, for output without copying it:
 * consecutive packets make one run that goes to the sink in one write. Output order is
 * kept by never having both a run and buffered output pending.
 */
void rx_run_add(struct ts_remux *r, const uint8_t *s)
{
	if (r->run_n && s != r->run_p + r->run_n)
		rx_run_flush(r);
	if (r->out_n)
		rx_out_flush(r);
	if (!r->run_n)
		r->run_p = s;
	r->run_n += TS_PKT;
}

/* Next free 188-byte slot; the caller fills it completely and calls rx_out_commit(). */
uint8_t *rx_out_slot(struct ts_remux *r)
{
	if (r->run_n)
		rx_run_flush(r);
	if (r->out_n + TS_PKT > OUT_CAP)
		rx_out_flush(r);
	return r->out + r->out_n;
}

/* ---------------------------------------------------------------- PSI and PCR output */

void rx_emit_psi(struct ts_remux *r)
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
	s = rx_out_slot(r);
	psi_build_pat(s, PROGRAM, TS_OUT_PID_PMT, r->pat_cc++);
	rx_out_commit(r);
	s = rx_out_slot(r);
	/* n is at most 1 + CONFIG_TS_MAX_AUDIO (<= 9) streams, which always fits one packet */
	if (psi_build_pmt(s, TS_OUT_PID_PMT, PROGRAM, r->st[pcr_index(r)].out_pid, r->pmt_version,
			  es, n, r->pmt_cc++) == 0)
		rx_out_commit(r);
}

/* PAT/PMT when the period since the last ones (on the PCR clock) has passed. */
void rx_psi_if_due(struct ts_remux *r, int64_t now)
{
	if (r->psi_fresh) { /* sent at the section start, before any PCR: time it now */
		r->psi_fresh = false;
		r->psi_last = now;
		return;
	}
	if (r->psi_last == TS_NOTS || now - r->psi_last >= PSI_PERIOD_90K || now < r->psi_last) {
		rx_emit_psi(r);
		r->psi_last = now;
	}
}

/*
 * A forward PCR step over the 100 ms limit (a gap bridged at a discontinuity, missing input)
 * is filled with intermediate PCR packets, so the PCR interval holds by value. This adds
 * one packet per 60 ms of timeline, as regular PCRs would; bigger steps are rebased.
 */
void rx_pcr_bridge(struct ts_remux *r, int64_t pcr)
{
	int64_t step = PCR_PERIOD_90K;

	if (r->pcr_last == TS_NOTS || pcr - r->pcr_last <= step || pcr - r->pcr_last > JUMP_90K)
		return;
	while (pcr - r->pcr_last > step && !r->err)
		rx_emit_pcr(r, r->pcr_last + step, false);
}

/* An adaptation-field-only packet on the PCR PID carrying pcr (and the random access flag). */
void rx_emit_pcr(struct ts_remux *r, int64_t pcr, bool rai)
{
	struct ts_stream *st = &r->st[pcr_index(r)];
	uint8_t *s;

	pcr = pcr_clamp(r, pcr);
	rx_pcr_bridge(r, pcr);
	rx_psi_if_due(r, pcr);
	s = rx_out_slot(r);
	s[0] = TS_SYNC;
	s[1] = (uint8_t)(st->out_pid >> 8);
	s[2] = (uint8_t)st->out_pid;
	s[3] = (uint8_t)(0x20 | ((st->out_cc - 1) & 0x0f)); /* no payload: CC not incremented */
	s[4] = 183;
	s[5] = (uint8_t)(0x10 | (rai ? 0x40 : 0));
	ts_write_pcr(s + 6, pcr, 0);
	memset(s + 12, 0xff, TS_PKT - 12);
	rx_out_commit(r);
	r->pcr_last = pcr;
}

/* Generated PCR before a PES start on the PCR stream, when the period ran out or on a key. */
void rx_pcr_if_due(struct ts_remux *r, int64_t dts_out, bool key)
{
	int64_t est = dts_out - r->pcr_delay;

	if (r->pcr_last == TS_NOTS || key || est - r->pcr_last >= PCR_PERIOD_90K)
		rx_emit_pcr(r, est, key);
}

/* ---------------------------------------------------------------- packetizer */

static void pk_emit(struct ts_remux *r, struct ts_stream *st)
{
	uint8_t *s = rx_out_slot(r);
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
	rx_out_commit(r);
	st->pk_first = false;
	st->pk_len = 0;
}

void rx_pk_end(struct ts_remux *r, struct ts_stream *st)
{
	if (st->pk_open && (st->pk_len || st->pk_first))
		if (st->pk_len)
			pk_emit(r, st);
	st->pk_open = false;
	st->pk_len = 0;
}

void rx_pk_begin(struct ts_remux *r, struct ts_stream *st)
{
	rx_pk_end(r, st);
	st->pk_open = true;
	st->pk_first = true;
	st->pk_len = 0;
}

void rx_pk_data(struct ts_remux *r, struct ts_stream *st, const uint8_t *p, size_t n)
{
	while (n) {
		size_t take;

		/*
		 * Bulk data goes straight from the input to a full output packet (one copy);
		 * more bytes follow it in this call, so it cannot be the PES's stuffed last one.
		 */
		if (!st->pk_len && n > TS_PKT - 4) {
			uint8_t *s = rx_out_slot(r);

			s[0] = TS_SYNC;
			s[1] = (uint8_t)((st->pk_first ? 0x40 : 0) | (st->out_pid >> 8));
			s[2] = (uint8_t)st->out_pid;
			s[3] = (uint8_t)(0x10 | st->out_cc);
			st->out_cc = (st->out_cc + 1) & 0x0f;
			memcpy(s + 4, p, TS_PKT - 4);
			rx_out_commit(r);
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

/* Packetizes an access unit delimiter (with its start code) for H.264, or HEVC when hevc. */
void rx_pk_aud(struct ts_remux *r, struct ts_stream *st, bool hevc)
{
	if (hevc)
		rx_pk_data(r, st, aud_hevc, sizeof(aud_hevc));
	else
		rx_pk_data(r, st, aud_h264, sizeof(aud_h264));
}

void rx_pk_end_all(struct ts_remux *r)
{
	for (int i = 0; i < r->n_streams; i++) {
		rx_pk_end(r, &r->st[i]);
		r->st[i].in_pes = false;
		r->st[i].repack = false;
		r->st[i].fast = false;
	}
}
