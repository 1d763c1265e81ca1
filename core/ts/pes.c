/* PES header parsing/building and audio frame header parsing (ADTS, AC-3, MPEG audio). */
#include <string.h>

#include "core/base/err.h"
#include "core/ts/pes.h"
#include "core/ts/ts.h"

int pes_parse(const uint8_t *p, size_t n, struct pes_hdr *h)
{
	unsigned flags, hl;

	if (n < 6)
		return -ERR_EOF;
	if (p[0] != 0 || p[1] != 0 || p[2] != 1)
		return -ERR_PARSE;
	h->stream_id = p[3];
	h->pes_len = (unsigned)p[4] << 8 | p[5];
	h->pts_off = h->dts_off = 0;
	h->pts = h->dts = TS_NOTS;
	/* Streams without the optional header (padding, private_2, ECM...) carry no times. */
	if (h->stream_id == 0xbc || h->stream_id == 0xbe || h->stream_id == 0xbf ||
	    h->stream_id == 0xf0 || h->stream_id == 0xf1 || h->stream_id == 0xff ||
	    h->stream_id == 0xf2 || h->stream_id == 0xf8) {
		h->hdr_len = 6;
		return 0;
	}
	if (n < 9)
		return -ERR_EOF;
	if ((p[6] & 0xc0) != 0x80)
		return -ERR_PARSE;
	flags = p[7] >> 6;
	hl = 9u + p[8];
	if (n < hl)
		return -ERR_EOF;
	h->hdr_len = hl;
	if (flags == 1)
		return -ERR_PARSE; /* DTS without PTS is forbidden */
	if (flags & 2) {
		if (hl < 14)
			return -ERR_PARSE;
		h->pts_off = 9;
		h->pts = h->dts = ts_read_pts(p + 9);
	}
	if (flags == 3) {
		if (hl < 19)
			return -ERR_PARSE;
		h->dts_off = 14;
		h->dts = ts_read_pts(p + 14);
	}
	return 0;
}

unsigned pes_build(uint8_t *out, uint8_t stream_id, int64_t pts, int64_t dts, size_t payload_len)
{
	unsigned hl = 9;
	size_t len;

	out[0] = 0;
	out[1] = 0;
	out[2] = 1;
	out[3] = stream_id;
	out[6] = 0x80; /* '10', not scrambled, no priority/alignment/copyright */
	out[7] = 0;
	if (pts != TS_NOTS && dts != TS_NOTS && dts != pts) {
		out[7] = 0xc0;
		ts_write_pts(out + 9, 3, pts);
		ts_write_pts(out + 14, 1, dts);
		hl = 19;
	} else if (pts != TS_NOTS) {
		out[7] = 0x80;
		ts_write_pts(out + 9, 2, pts);
		hl = 14;
	}
	out[8] = (uint8_t)(hl - 9);
	len = payload_len ? payload_len + hl - 6 : 0;
	if (len > 0xffff)
		len = 0; /* only legal for video; callers keep audio PES small */
	out[4] = (uint8_t)(len >> 8);
	out[5] = (uint8_t)len;
	return hl;
}

static const int aac_rates[16] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
				  16000, 12000, 11025, 8000,  7350,  0,	    0,	   0};

int adts_parse(const uint8_t *p, size_t n, struct audio_cfg *c)
{
	int len, ch;

	if (n < 7)
		return -ERR_EOF;
	if (p[0] != 0xff || (p[1] & 0xf6) != 0xf0)
		return -ERR_PARSE;
	len = (p[3] & 3) << 11 | p[4] << 3 | p[5] >> 5;
	if (len < 7 || !aac_rates[(p[2] >> 2) & 0x0f])
		return -ERR_PARSE;
	ch = (p[2] & 1) << 2 | p[3] >> 6;
	c->codec = TS_CODEC_AAC;
	c->object = (p[2] >> 6) + 1;
	c->rate = aac_rates[(p[2] >> 2) & 0x0f];
	c->channels = ch == 7 ? 8 : ch;
	return len;
}

int ac3_parse(const uint8_t *p, size_t n, struct audio_cfg *c)
{
	static const int rates[3] = {48000, 44100, 32000};
	static const uint8_t chans[8] = {2, 1, 2, 3, 3, 4, 4, 5};
	/* frame sizes in 16-bit words for 48 kHz per frmsizecod/2 (A/52 Table 5.18) */
	static const uint16_t words48[19] = {64,  80,  96,  112, 128, 160, 192,	 224,  256, 320,
					     384, 448, 512, 640, 768, 896, 1024, 1152, 1280};
	unsigned bsid, fscod, acmod;

	if (n < 8)
		return -ERR_EOF;
	if (p[0] != 0x0b || p[1] != 0x77)
		return -ERR_PARSE;
	bsid = p[5] >> 3;
	if (bsid > 10) { /* E-AC-3 (bsid 11..16) */
		unsigned words = ((unsigned)(p[2] & 7) << 8 | p[3]) + 1;

		if (bsid > 16)
			return -ERR_PARSE;
		fscod = p[4] >> 6;
		acmod = (p[4] >> 1) & 7;
		c->codec = TS_CODEC_EAC3;
		if (fscod == 3 && ((p[4] >> 4) & 3) == 3)
			return -ERR_PARSE;
		c->rate = fscod == 3 ? rates[(p[4] >> 4) & 3] / 2 : rates[fscod];
		c->channels = chans[acmod] + (p[4] & 1);
		c->object = 0;
		return (int)words * 2;
	}
	fscod = p[4] >> 6;
	if (fscod == 3 || (p[4] & 0x3f) >= 38)
		return -ERR_PARSE;
	acmod = p[6] >> 5;
	c->codec = TS_CODEC_AC3;
	c->rate = rates[fscod];
	c->channels = chans[acmod];
	{
		/* lfeon follows cmixlev/surmixlev/dsurmod, present depending on acmod (A/52 5.4.2)
		 */
		unsigned bits = (unsigned)p[6] << 8 | p[7], k = 3;

		if ((acmod & 1) && acmod != 1)
			k += 2;
		if (acmod & 4)
			k += 2;
		if (acmod == 2)
			k += 2;
		c->channels += (bits >> (15 - k)) & 1;
	}
	c->object = 0;
	{
		unsigned code = p[4] & 0x3f, words = words48[code >> 1];

		if (fscod == 1) /* 44.1 kHz: sizes differ and odd codes add one word */
			words = (unsigned)((uint32_t)words * 48000 / 44100) + (code & 1);
		else if (fscod == 2)
			words = words * 3 / 2;
		return (int)words * 2;
	}
}

int mpa_parse(const uint8_t *p, size_t n, struct audio_cfg *c)
{
	static const uint16_t rates[3] = {44100, 48000, 32000};
	static const uint16_t br_l2[16] = {0,	32,  48,  56,  64,  80,	 96,  112,
					   128, 160, 192, 224, 256, 320, 384, 0};
	static const uint16_t br_l3[16] = {0,	32,  40,  48,  56,  64,	 80,  96,
					   112, 128, 160, 192, 224, 256, 320, 0};
	unsigned ver, layer, bri, sri, pad;
	int rate, br;

	if (n < 4)
		return -ERR_EOF;
	if (p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return -ERR_PARSE;
	ver = (p[1] >> 3) & 3; /* 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 */
	layer = (p[1] >> 1) & 3;
	bri = p[2] >> 4;
	sri = (p[2] >> 2) & 3;
	pad = (p[2] >> 1) & 1;
	if (ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3)
		return -ERR_PARSE;
	rate = rates[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
	c->codec = TS_CODEC_MP2;
	c->rate = rate;
	c->channels = (p[3] >> 6) == 3 ? 1 : 2;
	c->object = 0;
	br = layer == 1 ? br_l3[bri] : br_l2[bri];
	if (layer == 3) /* layer I: only sizes matter little here; use 4-byte slots */
		return (12 * br * 1000 / rate + (int)pad) * 4;
	if (layer == 1 && ver != 3)
		return 72 * br * 1000 / rate + (int)pad;
	return 144 * br * 1000 / rate + (int)pad;
}

int aac_parse_asc(const uint8_t *p, size_t n, struct audio_cfg *c, unsigned *rate_index)
{
	unsigned aot, sri, ch;

	if (n < 2)
		return -ERR_PARSE;
	aot = p[0] >> 3;
	sri = (p[0] & 7) << 1 | p[1] >> 7;
	ch = (p[1] >> 3) & 0x0f;
	if (aot == 31) { /* escape: 6 more bits of object type */
		if (n < 3)
			return -ERR_PARSE;
		aot = 32 + ((p[1] >> 1) & 0x3f);
		sri = (p[1] & 1) << 3 | p[2] >> 5;
		ch = (p[2] >> 1) & 0x0f;
	}
	if (aot == 0)
		return -ERR_PARSE;
	c->codec = TS_CODEC_AAC;
	c->object = (int)aot;
	c->channels = ch == 7 ? 8 : (int)ch;
	if (sri >= 13)
		return -ERR_UNSUPPORTED; /* explicit 24-bit rate: no ADTS index */
	c->rate = aac_rates[sri];
	*rate_index = sri;
	if (ch == 0)
		return -ERR_UNSUPPORTED; /* needs a PCE in the stream; not generated */
	/* ADTS can only say AOT 1-4: HE-AAC (5, 29) is written as LC at the core rate. */
	if (aot > 4)
		c->object = 2;
	return 0;
}

void adts_build(uint8_t *out, int object, unsigned rate_index, int channels, size_t frame_len)
{
	unsigned prof = (unsigned)(object >= 1 && object <= 4 ? object - 1 : 1);
	unsigned ch = channels == 8 ? 7 : (unsigned)channels & 7;
	size_t len = frame_len + 7;

	out[0] = 0xff;
	out[1] = 0xf1; /* MPEG-4, layer 0, protection absent */
	out[2] = (uint8_t)(prof << 6 | (rate_index & 0x0f) << 2 | ch >> 2);
	out[3] = (uint8_t)((ch & 3) << 6 | (len >> 11));
	out[4] = (uint8_t)(len >> 3);
	out[5] = (uint8_t)((len & 7) << 5 | 0x1f);
	out[6] = 0xfc; /* buffer fullness 0x7ff, one raw data block */
}
