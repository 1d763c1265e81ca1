/* Names of the recorder kinds (core/base/stream.h). */
#include "core/base/stream.h"

const char *rec_kind_name(enum rec_kind k)
{
	switch (k) {
	case REC_HLS_LIVE:
		return "hls_live";
	case REC_HLS_BASIC:
		return "hls_basic";
	case REC_HLS_M4S:
		return "hls_m4s";
	case REC_MP4:
		return "mp4";
	case REC_AUTO:
		break;
	}
	return "unknown";
}
