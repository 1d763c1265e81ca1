/* PSI: CRC-32/MPEG-2, PAT/PMT section parsing and building (ISO/IEC 13818-1 §2.4.4). */
#ifndef SS_TS_PSI_H
#define SS_TS_PSI_H

#include "core/base/common.h"

/* Stream types (Table 2-34) and the ones our parsers map to. */
enum {
	TS_ST_MPEG1_VIDEO = 0x01,
	TS_ST_MPEG2_VIDEO = 0x02,
	TS_ST_MPEG1_AUDIO = 0x03,
	TS_ST_MPEG2_AUDIO = 0x04,
	TS_ST_PRIVATE_PES = 0x06,
	TS_ST_AAC_ADTS = 0x0f,
	TS_ST_AAC_LATM = 0x11,
	TS_ST_H264 = 0x1b,
	TS_ST_HEVC = 0x24,
	TS_ST_AC3_ATSC = 0x81,
	TS_ST_EAC3_ATSC = 0x87,
	TS_ST_SAES_AC3 = 0xc1, /* Apple SAMPLE-AES stream types: DRM */
	TS_ST_SAES_AAC = 0xcf,
	TS_ST_SAES_H264 = 0xdb,
};

/* Codecs as the remuxer reports them (stable numbers; names from ts_codec_name()). */
enum ts_codec {
	TS_CODEC_NONE,
	TS_CODEC_H264,
	TS_CODEC_HEVC,
	TS_CODEC_MPEG2V,
	TS_CODEC_AAC,
	TS_CODEC_AAC_LATM,
	TS_CODEC_MP2, /* MPEG-1/2 layer I-III audio */
	TS_CODEC_AC3,
	TS_CODEC_EAC3,
};

#define PSI_MAX_ES 16 /* elementary streams read from one PMT */

/* One PMT entry: a view of the descriptors inside the parsed section. */
struct psi_es {
	uint8_t stream_type;
	uint16_t pid;
	enum ts_codec codec; /* derived from stream_type and descriptors; NONE: not A/V */
	bool drm;	     /* SAMPLE-AES stream type */
	char lang[4];	     /* ISO 639 language from descriptor 0x0a, "" when absent */
};

struct psi_pmt {
	uint16_t program;
	uint16_t pcr_pid;
	uint8_t version;
	int n_es;
	struct psi_es es[PSI_MAX_ES];
};

/* Descriptions of the streams to write into an output PMT. */
struct psi_out_es {
	enum ts_codec codec;
	uint16_t pid;
	char lang[4];
};

/* CRC-32/MPEG-2 (poly 0x04C11DB7, init ~0, no reflection, no final xor) of p[0..n). */
uint32_t psi_crc32(const uint8_t *p, size_t n);

/* Human name of a codec ("h264", "aac", ...); static string. */
const char *ts_codec_name(enum ts_codec c);

/*
 * Checks a complete section (table_id .. CRC) of n bytes: section_length fits, CRC good.
 * Returns the section length including header and CRC, or -ERR_PARSE.
 */
int psi_section_check(const uint8_t *p, size_t n);

/* Parses a checked PAT section; stores the PID of the first program's PMT. 0 or -ERR_PARSE. */
int psi_parse_pat(const uint8_t *p, size_t n, uint16_t *pmt_pid, uint16_t *program);

/* Parses a checked PMT section into pmt. 0 or -ERR_PARSE. */
int psi_parse_pmt(const uint8_t *p, size_t n, struct psi_pmt *pmt);

/*
 * Builds one TS packet (188 bytes into pkt) carrying a PAT with one program pointing to
 * pmt_pid; cc is the continuity counter to use.
 */
void psi_build_pat(uint8_t *pkt, uint16_t program, uint16_t pmt_pid, unsigned cc);

/*
 * Builds one TS packet carrying a PMT on pid with the given streams (AC-3/E-AC-3 as DVB
 * stream_type 0x06 plus descriptor 0x6a/0x7a). Returns 0, or -ERR_TOO_LARGE if it does not
 * fit one packet.
 */
int psi_build_pmt(uint8_t *pkt, uint16_t pid, uint16_t program, uint16_t pcr_pid, uint8_t version,
		  const struct psi_out_es *es, int n_es, unsigned cc);

/* Output stream_type for a codec (0x1b, 0x24, 0x02, 0x0f, 0x11, 0x03, 0x06...). */
uint8_t psi_stream_type(enum ts_codec c);

#endif
