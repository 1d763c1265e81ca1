/* H.264/HEVC helpers: SPS resolution, access-unit head scan, avcC/hvcC to Annex B. */
#include <string.h>

#include "core/base/err.h"
#include "core/ts/h26x.h"

/* Bit reader over an RBSP copy; reading past the end sets err instead of reading on. */
struct bits {
	const uint8_t *p;
	size_t n;   /* bytes */
	size_t pos; /* bit position */
	bool err;
};

static unsigned bits_u(struct bits *b, unsigned k)
{
	unsigned v = 0;

	while (k--) {
		if (b->pos >= b->n * 8) {
			b->err = true;
			return 0;
		}
		v = v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
		b->pos++;
	}
	return v;
}

static void bits_skip(struct bits *b, size_t k)
{
	b->pos += k;
	if (b->pos > b->n * 8)
		b->err = true;
}

static uint32_t bits_ue(struct bits *b)
{
	unsigned zeros = 0;

	while (!b->err && bits_u(b, 1) == 0) {
		if (++zeros > 31) {
			b->err = true;
			return 0;
		}
	}
	if (b->err)
		return 0;
	return (uint32_t)((1ull << zeros) - 1 + bits_u(b, zeros));
}

static int32_t bits_se(struct bits *b)
{
	uint32_t v = bits_ue(b);

	return (v & 1) ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}

/* Copies a NAL without emulation prevention bytes (00 00 03 -> 00 00) into out. */
static size_t unescape(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;
	unsigned zeros = 0;

	for (size_t i = 0; i < n && o < cap; i++) {
		if (zeros >= 2 && p[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = p[i] == 0 ? zeros + 1 : 0;
		out[o++] = p[i];
	}
	return o;
}

static void skip_scaling_list(struct bits *b, int size)
{
	int last = 8, next = 8;

	for (int j = 0; j < size && !b->err; j++) {
		if (next != 0) {
			int32_t delta = bits_se(b);

			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

int h264_parse_sps(const uint8_t *p, size_t n, struct h26x_sps_info *info)
{
	uint8_t buf[256];
	struct bits b = {buf, 0, 0, false};
	unsigned profile, chroma = 1, sep = 0, fmo, crop;
	uint32_t w, h, cl = 0, cr = 0, ct = 0, cb = 0, poc;

	if (n < 4 || (p[0] & 0x1f) != H264_NAL_SPS)
		return -ERR_PARSE;
	b.n = unescape(p + 1, n - 1, buf, sizeof(buf));
	profile = bits_u(&b, 8);
	bits_skip(&b, 8);
	info->level = (int)bits_u(&b, 8);
	info->profile = (int)profile;
	bits_ue(&b); /* seq_parameter_set_id */
	if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 ||
	    profile == 83 || profile == 86 || profile == 118 || profile == 128 || profile == 138 ||
	    profile == 139 || profile == 134 || profile == 135) {
		chroma = bits_ue(&b);
		if (chroma > 3)
			return -ERR_PARSE;
		if (chroma == 3)
			sep = bits_u(&b, 1);
		bits_ue(&b); /* bit_depth_luma_minus8 */
		bits_ue(&b); /* bit_depth_chroma_minus8 */
		bits_skip(&b, 1);
		if (bits_u(&b, 1)) { /* seq_scaling_matrix_present_flag */
			for (int i = 0; i < (chroma != 3 ? 8 : 12) && !b.err; i++)
				if (bits_u(&b, 1))
					skip_scaling_list(&b, i < 6 ? 16 : 64);
		}
	}
	bits_ue(&b); /* log2_max_frame_num_minus4 */
	poc = bits_ue(&b);
	if (poc == 0) {
		bits_ue(&b);
	} else if (poc == 1) {
		uint32_t cycle;

		bits_skip(&b, 1);
		bits_se(&b);
		bits_se(&b);
		cycle = bits_ue(&b);
		if (cycle > 255)
			return -ERR_PARSE;
		for (uint32_t i = 0; i < cycle && !b.err; i++)
			bits_se(&b);
	} else if (poc != 2) {
		return -ERR_PARSE;
	}
	bits_ue(&b); /* max_num_ref_frames */
	bits_skip(&b, 1);
	w = bits_ue(&b);
	h = bits_ue(&b);
	fmo = bits_u(&b, 1);
	if (!fmo)
		bits_skip(&b, 1);
	bits_skip(&b, 1);
	crop = bits_u(&b, 1);
	if (crop) {
		cl = bits_ue(&b);
		cr = bits_ue(&b);
		ct = bits_ue(&b);
		cb = bits_ue(&b);
	}
	if (b.err || w > 1024 || h > 1024)
		return -ERR_PARSE;
	{
		/* crop units per 7.4.2.1.1: chroma subsampling and field coding */
		unsigned cux = 1, cuy = 2 - fmo;

		if (chroma != 0 && !sep) {
			cux = chroma == 3 ? 1 : 2;
			cuy = (chroma == 1 ? 2 : 1) * (2 - fmo);
		}
		long width = (long)(w + 1) * 16 - (long)cux * (cl + cr);
		long height = (long)(2 - fmo) * (h + 1) * 16 - (long)cuy * (ct + cb);

		if (width <= 0 || height <= 0)
			return -ERR_PARSE;
		info->width = (int)width;
		info->height = (int)height;
	}
	return 0;
}

int hevc_parse_sps(const uint8_t *p, size_t n, struct h26x_sps_info *info)
{
	uint8_t buf[256];
	struct bits b = {buf, 0, 0, false};
	unsigned max_sub, chroma, sep = 0;
	bool prof_present[8], level_present[8];
	uint32_t w, h;

	if (n < 6 || ((p[0] >> 1) & 0x3f) != HEVC_NAL_SPS)
		return -ERR_PARSE;
	b.n = unescape(p + 2, n - 2, buf, sizeof(buf));
	bits_skip(&b, 4); /* sps_video_parameter_set_id */
	max_sub = bits_u(&b, 3);
	bits_skip(&b, 1);
	/* profile_tier_level(1, max_sub): general part is 88 bits + 8 bits level */
	bits_skip(&b, 2 + 1);
	info->profile = (int)bits_u(&b, 5);
	bits_skip(&b, 32 + 4 + 43 + 1);
	info->level = (int)bits_u(&b, 8);
	for (unsigned i = 0; i < max_sub; i++) {
		prof_present[i] = bits_u(&b, 1);
		level_present[i] = bits_u(&b, 1);
	}
	if (max_sub > 0)
		for (unsigned i = max_sub; i < 8; i++)
			bits_skip(&b, 2);
	for (unsigned i = 0; i < max_sub; i++) {
		if (prof_present[i])
			bits_skip(&b, 88);
		if (level_present[i])
			bits_skip(&b, 8);
	}
	bits_ue(&b); /* sps_seq_parameter_set_id */
	chroma = bits_ue(&b);
	if (chroma > 3)
		return -ERR_PARSE;
	if (chroma == 3)
		sep = bits_u(&b, 1);
	w = bits_ue(&b);
	h = bits_ue(&b);
	if (b.err || w == 0 || h == 0 || w > 16888 || h > 16888)
		return -ERR_PARSE;
	if (bits_u(&b, 1)) { /* conformance_window_flag */
		uint32_t l = bits_ue(&b), r = bits_ue(&b), t = bits_ue(&b), bo = bits_ue(&b);
		unsigned sw = 1, sh = 1;

		if (!sep && (chroma == 1 || chroma == 2))
			sw = 2;
		if (!sep && chroma == 1)
			sh = 2;
		if (b.err || (uint64_t)sw * (l + r) >= w || (uint64_t)sh * (t + bo) >= h)
			return -ERR_PARSE;
		w -= sw * (l + r);
		h -= sh * (t + bo);
	}
	if (b.err)
		return -ERR_PARSE;
	info->width = (int)w;
	info->height = (int)h;
	return 0;
}

void h26x_scan_au(const uint8_t *p, size_t n, bool hevc, struct h26x_au_scan *s)
{
	bool first = true, sps_open = false;
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	while (i + 3 < n) {
		const uint8_t *q = memchr(p + i, 1, n - i);
		unsigned type;
		size_t nal;

		if (!q)
			break;
		i = (size_t)(q - p);
		if (i < 2 || p[i - 1] != 0 || p[i - 2] != 0) {
			i++;
			continue;
		}
		nal = i + 1;
		if (nal >= n)
			break;
		if (sps_open) { /* the SPS ends where this start code begins */
			s->sps_len = (size_t)(p + i - 2 - s->sps);
			sps_open = false;
		}
		type = hevc ? (p[nal] >> 1) & 0x3f : p[nal] & 0x1f;
		if (hevc) {
			if (type == HEVC_NAL_AUD && first)
				s->aud = true;
			else if (type == HEVC_NAL_SPS && !s->sps) {
				s->sps = p + nal;
				s->sps_len = n - nal;
				s->key = true;
				sps_open = true;
			} else if (type == HEVC_NAL_VPS || type == HEVC_NAL_PPS)
				s->key = true;
			else if (type < 32) {
				if (type >= HEVC_NAL_IRAP_FIRST && type <= HEVC_NAL_IRAP_LAST)
					s->key = true;
				s->vcl = true;
			}
		} else {
			if (type == H264_NAL_AUD && first)
				s->aud = true;
			else if (type == H264_NAL_SPS && !s->sps) {
				s->sps = p + nal;
				s->sps_len = n - nal;
				s->key = true;
				sps_open = true;
			} else if (type >= H264_NAL_SLICE && type <= H264_NAL_IDR) {
				if (type == H264_NAL_IDR)
					s->key = true;
				s->vcl = true;
			}
		}
		first = false;
		if (s->vcl)
			break;
		i = nal + 1;
	}
}

/* Appends a 4-byte start code and a NAL to out; false when it does not fit. */
static bool put_nal(uint8_t *out, size_t cap, size_t *o, const uint8_t *nal, size_t len)
{
	if (len > cap || *o + 4 > cap - len)
		return false;
	out[*o] = 0;
	out[*o + 1] = 0;
	out[*o + 2] = 0;
	out[*o + 3] = 1;
	memcpy(out + *o + 4, nal, len);
	*o += 4 + len;
	return true;
}

/*
 * Reads one 16-bit-length-prefixed parameter set at p[*i] (avcC/hvcC layout): sets *nal and
 * *len and moves *i past it. Returns 0, or -ERR_PARSE when it is empty or runs past n.
 */
static int next_ps(const uint8_t *p, size_t n, size_t *i, const uint8_t **nal, size_t *len)
{
	if (*i + 2 > n)
		return -ERR_PARSE;
	*len = (size_t)p[*i] << 8 | p[*i + 1];
	*i += 2;
	if (*len == 0 || *len > n - *i)
		return -ERR_PARSE;
	*nal = p + *i;
	*i += *len;
	return 0;
}

int h264_avcc_to_annexb(const uint8_t *p, size_t n, uint8_t *out, size_t cap, int *nal_len,
			struct h26x_sps_info *info)
{
	size_t i = 6, o = 0;
	bool have_res = false;

	if (n < 7 || p[0] != 1)
		return -ERR_PARSE;
	*nal_len = (p[4] & 3) + 1;
	if (*nal_len == 3)
		return -ERR_PARSE;
	for (int set = 0; set < 2; set++) {
		unsigned count = set == 0 ? (p[5] & 0x1f) : 0;

		if (set == 1) {
			if (i >= n)
				return -ERR_PARSE;
			count = p[i++];
		}
		for (unsigned k = 0; k < count; k++) {
			const uint8_t *nal;
			size_t len;

			if (next_ps(p, n, &i, &nal, &len))
				return -ERR_PARSE;
			if (!put_nal(out, cap, &o, nal, len))
				return -ERR_TOO_LARGE;
			if (set == 0 && !have_res && info)
				have_res = h264_parse_sps(nal, len, info) == 0;
		}
	}
	if (info && !have_res)
		info->width = info->height = 0;
	return (int)o;
}

int hevc_hvcc_to_annexb(const uint8_t *p, size_t n, uint8_t *out, size_t cap, int *nal_len,
			struct h26x_sps_info *info)
{
	size_t i = 23, o = 0;
	unsigned arrays;
	bool have_res = false;

	if (n < 23)
		return -ERR_PARSE;
	*nal_len = (p[21] & 3) + 1;
	if (*nal_len == 3)
		return -ERR_PARSE;
	arrays = p[22];
	for (unsigned a = 0; a < arrays; a++) {
		unsigned type, count;

		if (i + 3 > n)
			return -ERR_PARSE;
		type = p[i] & 0x3f;
		count = (unsigned)p[i + 1] << 8 | p[i + 2];
		i += 3;
		for (unsigned k = 0; k < count; k++) {
			const uint8_t *nal;
			size_t len;

			if (next_ps(p, n, &i, &nal, &len))
				return -ERR_PARSE;
			/* SEI arrays are left out: x265 puts kilobytes of settings text there */
			if (type == HEVC_NAL_VPS || type == HEVC_NAL_SPS || type == HEVC_NAL_PPS) {
				if (!put_nal(out, cap, &o, nal, len))
					return -ERR_TOO_LARGE;
			}
			if (type == HEVC_NAL_SPS && !have_res && info)
				have_res = hevc_parse_sps(nal, len, info) == 0;
		}
	}
	if (info && !have_res)
		info->width = info->height = 0;
	return (int)o;
}

int mpeg2_parse_seq(const uint8_t *p, size_t n, struct h26x_sps_info *info)
{
	for (size_t i = 0; i + 7 <= n; i++) {
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && p[i + 3] == 0xb3) {
			info->width = p[i + 4] << 4 | p[i + 5] >> 4;
			info->height = (p[i + 5] & 0x0f) << 8 | p[i + 6];
			info->profile = info->level = 0;
			return info->width && info->height ? 0 : -ERR_PARSE;
		}
	}
	return -ERR_PARSE;
}
