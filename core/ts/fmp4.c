/* fMP4 parsing: the init segment's moov into track configs, a moof into sorted track runs. */
#include <string.h>

#include "core/base/err.h"
#include "core/ts/fmp4.h"
#include "core/ts/mp4box.h"

#define FCC MP4_FOURCC

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Finds a child along a path of box types; 0 or -ERR_NOT_FOUND / -ERR_PARSE. */
static int find_path(const uint8_t *p, size_t n, const uint32_t *path, int depth,
		     const uint8_t **out, size_t *out_n)
{
	for (int i = 0; i < depth; i++) {
		int rc = mp4_box_find(p, n, path[i], &p, &n);

		if (rc < 0)
			return rc;
	}
	*out = p;
	*out_n = n;
	return 0;
}

/* Reads an MPEG-4 descriptor header (tag, 1-4 length bytes); returns the header size or -1. */
static int desc_hdr(const uint8_t *p, size_t n, uint8_t *tag, size_t *len)
{
	size_t i = 1, l = 0;

	if (n < 2)
		return -1;
	*tag = p[0];
	for (int k = 0; k < 4; k++) {
		if (i >= n)
			return -1;
		l = l << 7 | (p[i] & 0x7f);
		if (!(p[i++] & 0x80))
			break;
	}
	if (l > n - i)
		return -1;
	*len = l;
	return (int)i;
}

/* esds payload (after the full box header) -> audio config. */
static int parse_esds(const uint8_t *p, size_t n, struct fmp4_track *t)
{
	uint8_t tag;
	size_t len;
	int h = desc_hdr(p, n, &tag, &len);
	uint8_t fl;

	if (h < 0 || tag != 0x03 || len < 3)
		return -ERR_PARSE;
	p += h;
	n = len;
	fl = p[2];
	p += 3;
	n -= 3;
	if (fl & 0x80) { /* dependsOn_ES_ID */
		if (n < 2)
			return -ERR_PARSE;
		p += 2;
		n -= 2;
	}
	if (fl & 0x40) { /* URL */
		if (n < 1 || (size_t)p[0] + 1 > n)
			return -ERR_PARSE;
		n -= (size_t)p[0] + 1;
		p += (size_t)p[0] + 1;
	}
	if (fl & 0x20) { /* OCR_ES_Id */
		if (n < 2)
			return -ERR_PARSE;
		p += 2;
		n -= 2;
	}
	h = desc_hdr(p, n, &tag, &len);
	if (h < 0 || tag != 0x04 || len < 13)
		return -ERR_PARSE;
	p += h;
	n = len;
	switch (p[0]) { /* objectTypeIndication */
	case 0x40:
	case 0x66:
	case 0x67:
	case 0x68:
		break;
	case 0x69:
	case 0x6b:
		t->codec = TS_CODEC_MP2; /* MP3 frames carry their own headers */
		t->audio.codec = TS_CODEC_MP2;
		return 0;
	default:
		return -ERR_UNSUPPORTED;
	}
	p += 13;
	n -= 13;
	h = desc_hdr(p, n, &tag, &len);
	if (h < 0 || tag != 0x05)
		return -ERR_PARSE;
	t->codec = TS_CODEC_AAC;
	return aac_parse_asc(p + h, len, &t->audio, &t->aac_rate_index);
}

/* Reads stsd's first sample entry into t; -ERR_UNSUPPORTED for codecs we do not carry. */
static int parse_stsd(const uint8_t *p, size_t n, struct fmp4_track *t)
{
	struct mp4_box e;
	const uint8_t *body, *c;
	size_t bn, cn, fixed;
	int rc;

	if (n < 8 || rd32(p + 4) < 1)
		return -ERR_PARSE;
	p += 8;
	n -= 8;
	if (mp4_box_header(p, n, &e) < 0 || e.size > n || e.size < e.hdr_len)
		return -ERR_PARSE;
	body = p + e.hdr_len;
	bn = (size_t)(e.size ? e.size : n) - e.hdr_len;
	if (e.type == FCC('e', 'n', 'c', 'v') || e.type == FCC('e', 'n', 'c', 'a'))
		return -ERR_DRM;
	if (t->video) {
		fixed = 78;
		if (bn < fixed)
			return -ERR_PARSE;
		body += fixed;
		bn -= fixed;
		if (e.type == FCC('a', 'v', 'c', '1') || e.type == FCC('a', 'v', 'c', '3')) {
			t->codec = TS_CODEC_H264;
			if (mp4_box_find(body, bn, FCC('a', 'v', 'c', 'C'), &c, &cn) < 0)
				return -ERR_PARSE;
			rc = h264_avcc_to_annexb(c, cn, t->ps, sizeof(t->ps), &t->nal_len, &t->sps);
		} else if (e.type == FCC('h', 'v', 'c', '1') || e.type == FCC('h', 'e', 'v', '1')) {
			t->codec = TS_CODEC_HEVC;
			if (mp4_box_find(body, bn, FCC('h', 'v', 'c', 'C'), &c, &cn) < 0)
				return -ERR_PARSE;
			rc = hevc_hvcc_to_annexb(c, cn, t->ps, sizeof(t->ps), &t->nal_len, &t->sps);
		} else {
			return -ERR_UNSUPPORTED;
		}
		if (rc < 0)
			return rc;
		t->ps_len = (uint16_t)rc;
		if (!t->sps.width) { /* no SPS in the config (avc3): visual entry size */
			t->sps.width = rd16(p + e.hdr_len + 24);
			t->sps.height = rd16(p + e.hdr_len + 26);
		}
		return 0;
	}
	fixed = 28;
	if (bn < fixed)
		return -ERR_PARSE;
	{
		unsigned ver = rd16(body + 8);

		t->audio.channels = rd16(body + 16);
		t->audio.rate = (int)(rd32(body + 24) >> 16);
		if (ver == 1)
			fixed += 16;
		else if (ver == 2)
			fixed += 36;
		if (bn < fixed)
			return -ERR_PARSE;
	}
	body += fixed;
	bn -= fixed;
	if (e.type == FCC('m', 'p', '4', 'a')) {
		if (mp4_box_find(body, bn, FCC('e', 's', 'd', 's'), &c, &cn) < 0 || cn < 4)
			return -ERR_PARSE;
		return parse_esds(c + 4, cn - 4, t);
	}
	if (e.type == FCC('a', 'c', '-', '3') || e.type == FCC('e', 'c', '-', '3')) {
		t->codec = e.type == FCC('a', 'c', '-', '3') ? TS_CODEC_AC3 : TS_CODEC_EAC3;
		t->audio.codec = t->codec;
		return 0;
	}
	if (e.type == FCC('.', 'm', 'p', '3')) {
		t->codec = t->audio.codec = TS_CODEC_MP2;
		return 0;
	}
	return -ERR_UNSUPPORTED;
}

static int parse_trak(const uint8_t *p, size_t n, struct fmp4_track *t)
{
	static const uint32_t mdhd[] = {FCC('m', 'd', 'i', 'a'), FCC('m', 'd', 'h', 'd')};
	static const uint32_t hdlr[] = {FCC('m', 'd', 'i', 'a'), FCC('h', 'd', 'l', 'r')};
	static const uint32_t stsd[] = {FCC('m', 'd', 'i', 'a'), FCC('m', 'i', 'n', 'f'),
					FCC('s', 't', 'b', 'l'), FCC('s', 't', 's', 'd')};
	static const uint32_t elst[] = {FCC('e', 'd', 't', 's'), FCC('e', 'l', 's', 't')};
	static const uint32_t tkhd[] = {FCC('t', 'k', 'h', 'd')};
	const uint8_t *b;
	size_t bn;
	uint32_t handler;

	memset(t, 0, sizeof(*t));
	t->next_dts = -1;
	if (find_path(p, n, hdlr, 2, &b, &bn) < 0 || bn < 12)
		return -ERR_PARSE;
	handler = rd32(b + 8);
	if (handler != FCC('v', 'i', 'd', 'e') && handler != FCC('s', 'o', 'u', 'n'))
		return -ERR_UNSUPPORTED;
	t->video = handler == FCC('v', 'i', 'd', 'e');
	if (find_path(p, n, tkhd, 1, &b, &bn) < 0 || bn < 24)
		return -ERR_PARSE;
	t->id = rd32(b + (b[0] == 1 ? 20 : 12));
	if (find_path(p, n, mdhd, 2, &b, &bn) < 0 || bn < 24)
		return -ERR_PARSE;
	t->timescale = rd32(b + (b[0] == 1 ? 20 : 12));
	if (!t->timescale)
		return -ERR_PARSE;
	if (find_path(p, n, elst, 2, &b, &bn) == 0 && bn >= 8 && rd32(b + 4) >= 1) {
		/* First non-empty edit: its media_time is where presentation starts. */
		uint32_t cnt = rd32(b + 4);
		size_t esz = b[0] == 1 ? 20 : 12;

		for (uint32_t k = 0; k < cnt && 8 + (k + 1) * esz <= bn; k++) {
			const uint8_t *e = b + 8 + k * esz;
			int64_t mt = b[0] == 1 ? (int64_t)rd64(e + 8) : (int32_t)rd32(e + 4);

			if (mt >= FMP4_TIME_MAX)
				break; /* nonsense: no shift */
			if (mt >= 0) {
				t->elst_shift = mt;
				break;
			}
		}
	}
	if (find_path(p, n, stsd, 4, &b, &bn) < 0)
		return -ERR_PARSE;
	return parse_stsd(b, bn, t);
}

int fmp4_parse_init(const uint8_t *p, size_t n, struct fmp4_init *ini)
{
	const uint8_t *moov, *mvex = NULL;
	size_t moov_n, mvex_n = 0, i = 0;
	bool drm = false, video = false;
	int rc;

	memset(ini, 0, sizeof(*ini));
	rc = mp4_box_find(p, n, FCC('m', 'o', 'o', 'v'), &moov, &moov_n);
	if (rc < 0)
		return -ERR_PARSE;
	mp4_box_find(moov, moov_n, FCC('m', 'v', 'e', 'x'), &mvex, &mvex_n);
	while (i + 8 <= moov_n) {
		struct mp4_box b;
		size_t size;

		if (mp4_box_header(moov + i, moov_n - i, &b) < 0)
			return -ERR_PARSE;
		size = (size_t)(b.size ? b.size : moov_n - i);
		if (b.size > moov_n - i)
			return -ERR_PARSE;
		if (b.type == FCC('t', 'r', 'a', 'k') && ini->n_tracks < FMP4_MAX_TRACKS) {
			struct fmp4_track *t = &ini->tracks[ini->n_tracks];

			rc = parse_trak(moov + i + b.hdr_len, size - b.hdr_len, t);
			if (rc == -ERR_DRM)
				drm = true;
			else if (rc < 0 && rc != -ERR_UNSUPPORTED)
				return rc; /* a broken A/V track: say so rather than drop it */
			else if (rc == 0 && !(t->video && video))
				ini->n_tracks++;
			if (rc == 0 && t->video)
				video = true;
		}
		i += size;
	}
	if (ini->n_tracks == 0)
		return drm ? -ERR_DRM : -ERR_UNSUPPORTED;
	/* Video first, as the remuxer numbers streams. */
	for (int k = 1; k < ini->n_tracks; k++) {
		if (ini->tracks[k].video) {
			struct fmp4_track tmp = ini->tracks[0];

			ini->tracks[0] = ini->tracks[k];
			ini->tracks[k] = tmp;
		}
	}
	for (i = 0; mvex && i + 8 <= mvex_n;) {
		struct mp4_box b;
		size_t size;

		if (mp4_box_header(mvex + i, mvex_n - i, &b) < 0 || b.size > mvex_n - i)
			return -ERR_PARSE;
		size = (size_t)(b.size ? b.size : mvex_n - i);
		if (b.type == FCC('t', 'r', 'e', 'x') && size >= 32) {
			const uint8_t *x = mvex + i + b.hdr_len;

			for (int k = 0; k < ini->n_tracks; k++) {
				if (ini->tracks[k].id == rd32(x + 4)) {
					ini->tracks[k].def_dur = rd32(x + 12);
					ini->tracks[k].def_size = rd32(x + 16);
					ini->tracks[k].def_flags = rd32(x + 20);
				}
			}
		}
		i += size;
	}
	return 0;
}

static const uint8_t trun_field_len[4] = {4, 4, 4, 4}; /* dur, size, flags, cto */

/*
 * Adds the run of one trun box (r: its rn bytes after the box header) of track to m: sample
 * defaults def (duration, size, flags from tfhd or trex), data offsets relative to base.
 * *pos (the run's data offset) and *dts advance past its samples.
 */
static int parse_trun(const uint8_t *mb, const uint8_t *r, size_t rn, int track,
		      const uint32_t def[3], uint64_t base, uint64_t *pos, int64_t *dts,
		      struct fmp4_moof *m)
{
	size_t off = 8;
	struct fmp4_run *run;
	uint64_t total = 0;

	if (rn < 8)
		return -ERR_PARSE;
	if (m->n_runs >= CONFIG_TS_MAX_RUNS)
		return -ERR_LIMIT;
	run = &m->runs[m->n_runs];
	memset(run, 0, sizeof(*run));
	run->track = track;
	run->version = r[0];
	run->tr_flags = rd32(r) & 0xffffff;
	run->count = rd32(r + 4);
	if (run->tr_flags & 0x1) {
		if (rn < off + 4)
			return -ERR_PARSE;
		*pos = base + (uint64_t)(int64_t)(int32_t)rd32(r + off);
		off += 4;
	}
	if (run->tr_flags & 0x4) {
		if (rn < off + 4)
			return -ERR_PARSE;
		run->first_flags = rd32(r + off);
		off += 4;
	}
	run->entry_len = 0;
	for (int f = 0; f < 4; f++)
		if (run->tr_flags & (0x100u << f))
			run->entry_len += trun_field_len[f];
	/* all-default samples have no table; their count is still bounded */
	if (run->entry_len ? run->count > (rn - off) / run->entry_len : run->count > 1000000)
		return -ERR_PARSE;
	run->tab_off = (uint32_t)(r + off - mb);
	run->def_dur = def[0];
	run->def_size = def[1];
	run->def_flags = def[2];
	run->data_off = *pos;
	run->dts = *dts;
	for (uint32_t k = 0; k < run->count; k++) {
		struct fmp4_sample s;

		fmp4_run_sample(mb, run, k, &s);
		total += s.size;
		*dts += s.dur;
	}
	*pos += total;
	if (run->count)
		m->n_runs++;
	return 0;
}

static int parse_traf(const uint8_t *mb, const uint8_t *p, size_t n, uint64_t moof_pos,
		      uint64_t *next_base, struct fmp4_init *ini, struct fmp4_moof *m)
{
	const uint8_t *b;
	size_t bn, i;
	uint32_t fl, id;
	int track = -1;
	struct fmp4_track *t;
	uint64_t base, pos;
	uint32_t def[3]; /* sample duration, size, flags */
	int64_t dts;

	if (mp4_box_find(p, n, FCC('t', 'f', 'h', 'd'), &b, &bn) < 0 || bn < 8)
		return -ERR_PARSE;
	fl = rd32(b) & 0xffffff;
	id = rd32(b + 4);
	for (int k = 0; k < ini->n_tracks; k++)
		if (ini->tracks[k].id == id)
			track = k;
	if (track < 0)
		return 0; /* a track we do not carry */
	t = &ini->tracks[track];
	def[0] = t->def_dur;
	def[1] = t->def_size;
	def[2] = t->def_flags;
	i = 8;
	base = (fl & 0x20000) ? moof_pos : *next_base;
	if (fl & 0x01) {
		if (bn < i + 8)
			return -ERR_PARSE;
		base = rd64(b + i); /* taken as an offset in the segment */
		i += 8;
	}
	if (fl & 0x02)
		i += 4;
	if (fl & 0x08) {
		if (bn < i + 4)
			return -ERR_PARSE;
		def[0] = rd32(b + i);
		i += 4;
	}
	if (fl & 0x10) {
		if (bn < i + 4)
			return -ERR_PARSE;
		def[1] = rd32(b + i);
		i += 4;
	}
	if (fl & 0x20) {
		if (bn < i + 4)
			return -ERR_PARSE;
		def[2] = rd32(b + i);
		i += 4;
	}
	if (bn < i)
		return -ERR_PARSE;
	dts = t->next_dts >= 0 ? t->next_dts : 0;
	if (mp4_box_find(p, n, FCC('t', 'f', 'd', 't'), &b, &bn) == 0 && bn >= 8) {
		uint64_t base_t = b[0] == 1 ? (bn >= 12 ? rd64(b + 4) : UINT64_MAX) : rd32(b + 4);

		if (base_t >= (uint64_t)FMP4_TIME_MAX)
			return -ERR_PARSE;
		dts = (int64_t)base_t;
	}
	pos = base;
	for (i = 0; i + 8 <= n;) {
		struct mp4_box bx;
		size_t size;

		if (mp4_box_header(p + i, n - i, &bx) < 0 || bx.size > n - i)
			return -ERR_PARSE;
		size = (size_t)(bx.size ? bx.size : n - i);
		if (bx.type == FCC('t', 'r', 'u', 'n')) {
			int rc = parse_trun(mb, p + i + bx.hdr_len, size - bx.hdr_len, track, def,
					    base, &pos, &dts, m);

			if (rc < 0)
				return rc;
		}
		i += size;
	}
	if (dts >= FMP4_TIME_MAX)
		return -ERR_PARSE;
	t->next_dts = dts;
	*next_base = pos;
	return 0;
}

void fmp4_run_sample(const uint8_t *moof, const struct fmp4_run *r, uint32_t i,
		     struct fmp4_sample *s)
{
	const uint8_t *e = moof + r->tab_off + (size_t)i * r->entry_len;

	s->dur = r->def_dur;
	s->size = r->def_size;
	s->flags = (i == 0 && (r->tr_flags & 0x4)) ? r->first_flags : r->def_flags;
	s->cto = 0;
	if (r->tr_flags & 0x100) {
		s->dur = rd32(e);
		e += 4;
	}
	if (r->tr_flags & 0x200) {
		s->size = rd32(e);
		e += 4;
	}
	if (r->tr_flags & 0x400) {
		if (!(i == 0 && (r->tr_flags & 0x4)))
			s->flags = rd32(e);
		e += 4;
	}
	if (r->tr_flags & 0x800)
		s->cto = (int32_t)rd32(e); /* version 0 is unsigned, but encoders use it signed */
}

int fmp4_parse_moof(const uint8_t *p, size_t n, uint64_t moof_pos, struct fmp4_init *ini,
		    struct fmp4_moof *m)
{
	struct mp4_box b;
	uint64_t next_base = moof_pos;
	size_t i;

	m->n_runs = 0;
	if (mp4_box_header(p, n, &b) < 0 || b.type != FCC('m', 'o', 'o', 'f') || b.size != n)
		return -ERR_PARSE;
	for (i = b.hdr_len; i + 8 <= n;) {
		struct mp4_box c;
		size_t size;
		int rc;

		if (mp4_box_header(p + i, n - i, &c) < 0 || c.size > n - i)
			return -ERR_PARSE;
		size = (size_t)(c.size ? c.size : n - i);
		if (c.type == FCC('t', 'r', 'a', 'f')) {
			rc = parse_traf(p, p + i + c.hdr_len, size - c.hdr_len, moof_pos,
					&next_base, ini, m);
			if (rc < 0)
				return rc;
		}
		i += size;
	}
	/* Sort runs by data offset (few runs: insertion sort), so mdat is read in order. */
	for (int k = 1; k < m->n_runs; k++) {
		struct fmp4_run tmp = m->runs[k];
		int j = k - 1;

		while (j >= 0 && m->runs[j].data_off > tmp.data_off) {
			m->runs[j + 1] = m->runs[j];
			j--;
		}
		m->runs[j + 1] = tmp;
	}
	return 0;
}
