/* AES-128-CBC streaming decryption (HLS METHOD=AES-128) on the linked TLS library's AES. */
#ifndef SS_AES128_H
#define SS_AES128_H

#include "core/base/common.h"

#if defined(CONFIG_TLS_BEARSSL)
#include <bearssl.h>
#elif defined(CONFIG_TLS_MBEDTLS)
#include <mbedtls/aes.h>
#endif

/*
 * Decrypts a segment block by block as its bytes arrive, holding back at most 32 bytes
 * (a partial block, and the last whole block until the end tells whether it carries the
 * PKCS#7 padding). No allocation.
 */
struct aes128_dec {
#if defined(CONFIG_TLS_BEARSSL)
	br_aes_ct_cbcdec_keys ctx;
#elif defined(CONFIG_TLS_MBEDTLS)
	mbedtls_aes_context ctx;
#endif
	uint8_t iv[16];
	uint8_t part[16]; /* ciphertext bytes of an incomplete block */
	size_t npart;
	uint8_t held[16]; /* last plaintext block, released by the next block or by final */
	bool have_held;
	bool ready;
};

/* True when this build can decrypt (a TLS library with AES is linked). */
bool aes128_available(void);
/* Starts a segment; returns 0 or -ERR_UNSUPPORTED when no AES backend is built in. */
int aes128_dec_init(struct aes128_dec *d, const uint8_t key[16], const uint8_t iv[16]);
/*
 * Decrypts in[0..n) into out, which must hold n + 16 bytes; *outn = plaintext bytes
 * written (always a multiple of 16). Returns 0.
 */
int aes128_dec_update(struct aes128_dec *d, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *outn);
/*
 * Ends the segment: writes the last block without its PKCS#7 padding to out (16 bytes
 * room), *outn = 0..15. Returns 0, or -ERR_PARSE when the ciphertext was not a whole
 * number of blocks or the padding is invalid (wrong key or IV).
 */
int aes128_dec_final(struct aes128_dec *d, uint8_t *out, size_t *outn);
/* Releases the key schedule. */
void aes128_dec_free(struct aes128_dec *d);
/* RFC 8216 5.2: the IV of a segment without an IV attribute is its media sequence number,
 * big-endian in 16 bytes. */
void aes128_iv_from_seq(uint64_t seq, uint8_t iv[16]);

#endif
