/* Control-protocol frame decoder: checks the announced length before anything is buffered. */
#include "core/base/err.h"
#include "core/ctrl/frame.h"

int frame_decode(const uint8_t *p, size_t n, uint32_t max, struct frame_view *out, size_t *used,
		 size_t *need)
{
	uint32_t len;

	*used = 0;
	*need = FRAME_HDR;
	if (n < FRAME_HDR)
		return 0;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (len > max)
		return -ERR_TOO_LARGE;
	*need = FRAME_HDR + (size_t)len;
	if (n - FRAME_HDR < len)
		return 0;
	out->p = p + FRAME_HDR;
	out->len = len;
	*used = FRAME_HDR + (size_t)len;
	return 1;
}

void frame_put_len(uint8_t hdr[FRAME_HDR], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}
