/* PSI: CRC-32/MPEG-2 and PAT/PMT parsing and building for the remuxer. */
#include <string.h>

#include "core/base/err.h"
#include "core/ts/psi.h"
#include "core/ts/ts.h"

uint32_t psi_crc32(const uint8_t *p, size_t n)
{
	/* Nibble table: 16 entries keep the binary small; PSI is a few hundred bytes per second. */
	static const uint32_t tab[16] = {
		0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9, 0x130476dc, 0x17c56b6b,
		0x1a864db2, 0x1e475005, 0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
		0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd,
	};
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc = (crc << 4) ^ tab[(crc >> 28) ^ (p[i] >> 4)];
		crc = (crc << 4) ^ tab[(crc >> 28) ^ (p[i] & 0x0f)];
	}
	return crc;
}

const char *ts_codec_name(enum ts_codec c)
{
	switch (c) {
	case TS_CODEC_H264:
		return "h264";
	case TS_CODEC_HEVC:
		return "hevc";
	case TS_CODEC_MPEG2V:
		return "mpeg2video";
	case TS_CODEC_AAC:
		return "aac";
	case TS_CODEC_AAC_LATM:
		return "aac_latm";
	case TS_CODEC_MP2:
		return "mp2";
	case TS_CODEC_AC3:
		return "ac3";
	case TS_CODEC_EAC3:
		return "eac3";
	case TS_CODEC_NONE:
		break;
	}
	return "none";
}

int psi_section_check(const uint8_t *p, size_t n)
{
	size_t len;

	if (n < 3)
		return -ERR_PARSE;
	len = (((size_t)p[1] & 0x0f) << 8 | p[2]) + 3;
	if (len < 12 || len > n || len > 1024 + 3)
		return -ERR_PARSE;
	if (!(p[1] & 0x80) || psi_crc32(p, len) != 0)
		return -ERR_PARSE;
	return (int)len;
}

int psi_parse_pat(const uint8_t *p, size_t n, uint16_t *pmt_pid, uint16_t *program)
{
	int len = psi_section_check(p, n);

	if (len < 0 || p[0] != 0x00)
		return -ERR_PARSE;
	if (!(p[5] & 1)) /* current_next_indicator: a table not yet valid */
		return -ERR_PARSE;
	for (int i = 8; i + 4 <= len - 4; i += 4) {
		uint16_t prog = (uint16_t)(p[i] << 8 | p[i + 1]);

		if (prog == 0) /* network PID */
			continue;
		*program = prog;
		*pmt_pid = (uint16_t)((p[i + 2] & 0x1f) << 8 | p[i + 3]);
		return 0;
	}
	return -ERR_PARSE;
}

/* Classifies one ES loop entry by stream_type and, for private PES, its descriptors. */
static void classify(struct psi_es *es, const uint8_t *d, size_t dn)
{
	es->codec = TS_CODEC_NONE;
	es->drm = false;
	es->lang[0] = 0;
	for (size_t i = 0; i + 2 <= dn;) {
		uint8_t tag = d[i], len = d[i + 1];

		if (i + 2 + len > dn)
			break;
		if (tag == 0x0a && len >= 3) {
			for (int k = 0; k < 3; k++) {
				char c = (char)d[i + 2 + k];
				es->lang[k] =
					(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? c : 'u';
			}
			es->lang[3] = 0;
		} else if (es->stream_type == TS_ST_PRIVATE_PES && tag == 0x6a) {
			es->codec = TS_CODEC_AC3;
		} else if (es->stream_type == TS_ST_PRIVATE_PES && tag == 0x7a) {
			es->codec = TS_CODEC_EAC3;
		} else if (es->stream_type == TS_ST_PRIVATE_PES && tag == 0x05 && len >= 4) {
			uint32_t fmt = (uint32_t)d[i + 2] << 24 | d[i + 3] << 16 | d[i + 4] << 8 |
				       d[i + 5];
			if (fmt == 0x41432d33) /* "AC-3" registration */
				es->codec = TS_CODEC_AC3;
			else if (fmt == 0x45414333) /* "EAC3" */
				es->codec = TS_CODEC_EAC3;
		}
		i += 2u + len;
	}
	switch (es->stream_type) {
	case TS_ST_MPEG1_VIDEO:
	case TS_ST_MPEG2_VIDEO:
		es->codec = TS_CODEC_MPEG2V;
		break;
	case TS_ST_MPEG1_AUDIO:
	case TS_ST_MPEG2_AUDIO:
		es->codec = TS_CODEC_MP2;
		break;
	case TS_ST_AAC_ADTS:
		es->codec = TS_CODEC_AAC;
		break;
	case TS_ST_AAC_LATM:
		es->codec = TS_CODEC_AAC_LATM;
		break;
	case TS_ST_H264:
		es->codec = TS_CODEC_H264;
		break;
	case TS_ST_HEVC:
		es->codec = TS_CODEC_HEVC;
		break;
	case TS_ST_AC3_ATSC:
		es->codec = TS_CODEC_AC3;
		break;
	case TS_ST_EAC3_ATSC:
		es->codec = TS_CODEC_EAC3;
		break;
	case TS_ST_SAES_AC3:
	case TS_ST_SAES_AAC:
	case TS_ST_SAES_H264:
		es->drm = true;
		break;
	default:
		break;
	}
}

int psi_parse_pmt(const uint8_t *p, size_t n, struct psi_pmt *pmt)
{
	int len = psi_section_check(p, n);
	size_t end, i, info_len;

	if (len < 0 || p[0] != 0x02 || len < 16)
		return -ERR_PARSE;
	end = (size_t)len - 4;
	pmt->program = (uint16_t)(p[3] << 8 | p[4]);
	pmt->version = (p[5] >> 1) & 0x1f;
	pmt->pcr_pid = (uint16_t)((p[8] & 0x1f) << 8 | p[9]);
	info_len = ((size_t)p[10] & 0x0f) << 8 | p[11];
	i = 12 + info_len;
	if (i > end)
		return -ERR_PARSE;
	pmt->n_es = 0;
	while (i + 5 <= end) {
		size_t es_info = ((size_t)p[i + 3] & 0x0f) << 8 | p[i + 4];
		struct psi_es *es;

		if (i + 5 + es_info > end)
			return -ERR_PARSE;
		if (pmt->n_es < PSI_MAX_ES) {
			es = &pmt->es[pmt->n_es++];
			es->stream_type = p[i];
			es->pid = (uint16_t)((p[i + 1] & 0x1f) << 8 | p[i + 2]);
			classify(es, p + i + 5, es_info);
		}
		i += 5 + es_info;
	}
	return 0;
}

uint8_t psi_stream_type(enum ts_codec c)
{
	switch (c) {
	case TS_CODEC_H264:
		return TS_ST_H264;
	case TS_CODEC_HEVC:
		return TS_ST_HEVC;
	case TS_CODEC_MPEG2V:
		return TS_ST_MPEG2_VIDEO;
	case TS_CODEC_AAC:
		return TS_ST_AAC_ADTS;
	case TS_CODEC_AAC_LATM:
		return TS_ST_AAC_LATM;
	case TS_CODEC_MP2:
		return TS_ST_MPEG1_AUDIO;
	case TS_CODEC_AC3:
	case TS_CODEC_EAC3:
	case TS_CODEC_NONE:
		break;
	}
	return TS_ST_PRIVATE_PES;
}

/* Writes the TS header and pointer field, returns the section start. */
static uint8_t *psi_pkt_start(uint8_t *pkt, uint16_t pid, unsigned cc)
{
	pkt[0] = TS_SYNC;
	pkt[1] = (uint8_t)(0x40 | (pid >> 8));
	pkt[2] = (uint8_t)pid;
	pkt[3] = (uint8_t)(0x10 | (cc & 0x0f));
	pkt[4] = 0; /* pointer_field */
	return pkt + 5;
}

/* Finishes a section of len bytes before the CRC at s: length field, CRC, 0xff stuffing. */
static void psi_pkt_end(uint8_t *pkt, uint8_t *s, size_t len)
{
	uint32_t crc;
	size_t sl = len + 4 - 3;

	s[1] = (uint8_t)(0xb0 | (sl >> 8));
	s[2] = (uint8_t)sl;
	crc = psi_crc32(s, len);
	s[len] = (uint8_t)(crc >> 24);
	s[len + 1] = (uint8_t)(crc >> 16);
	s[len + 2] = (uint8_t)(crc >> 8);
	s[len + 3] = (uint8_t)crc;
	memset(s + len + 4, 0xff, (size_t)(pkt + TS_PKT - (s + len + 4)));
}

void psi_build_pat(uint8_t *pkt, uint16_t program, uint16_t pmt_pid, unsigned cc)
{
	uint8_t *s = psi_pkt_start(pkt, TS_PID_PAT, cc);

	s[0] = 0x00;
	s[3] = 0x00; /* transport_stream_id 1 */
	s[4] = 0x01;
	s[5] = 0xc1; /* version 0, current */
	s[6] = 0;
	s[7] = 0;
	s[8] = (uint8_t)(program >> 8);
	s[9] = (uint8_t)program;
	s[10] = (uint8_t)(0xe0 | (pmt_pid >> 8));
	s[11] = (uint8_t)pmt_pid;
	psi_pkt_end(pkt, s, 12);
}

int psi_build_pmt(uint8_t *pkt, uint16_t pid, uint16_t program, uint16_t pcr_pid, uint8_t version,
		  const struct psi_out_es *es, int n_es, unsigned cc)
{
	uint8_t *s = psi_pkt_start(pkt, pid, cc);
	size_t len = 12, room = TS_PKT - 5 - 4;

	s[0] = 0x02;
	s[3] = (uint8_t)(program >> 8);
	s[4] = (uint8_t)program;
	s[5] = (uint8_t)(0xc1 | ((version & 0x1f) << 1));
	s[6] = 0;
	s[7] = 0;
	s[8] = (uint8_t)(0xe0 | (pcr_pid >> 8));
	s[9] = (uint8_t)pcr_pid;
	s[10] = 0xf0;
	s[11] = 0;
	for (int i = 0; i < n_es; i++) {
		size_t d = len + 5, dlen;

		if (len + 5 + 3 + 6 > room)
			return -ERR_TOO_LARGE;
		s[len] = psi_stream_type(es[i].codec);
		s[len + 1] = (uint8_t)(0xe0 | (es[i].pid >> 8));
		s[len + 2] = (uint8_t)es[i].pid;
		if (es[i].codec == TS_CODEC_AC3 || es[i].codec == TS_CODEC_EAC3) {
			/* DVB: AC-3 descriptor 0x6a / enhanced AC-3 descriptor 0x7a, no flags */
			s[d++] = es[i].codec == TS_CODEC_AC3 ? 0x6a : 0x7a;
			s[d++] = 1;
			s[d++] = 0;
		}
		if (es[i].lang[0]) {
			s[d++] = 0x0a;
			s[d++] = 4;
			memcpy(s + d, es[i].lang, 3);
			d += 3;
			s[d++] = 0; /* audio_type undefined */
		}
		dlen = d - (len + 5);
		s[len + 3] = (uint8_t)(0xf0 | (dlen >> 8));
		s[len + 4] = (uint8_t)dlen;
		len = d;
	}
	psi_pkt_end(pkt, s, len);
	return 0;
}
