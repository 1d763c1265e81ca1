/* AES-128-CBC streaming decryption on mbedTLS or BearSSL (whichever TLS backend is built). */
#include <string.h>

#include "core/rec/aes128.h"
#include "core/base/err.h"

bool aes128_available(void)
{
	return IS_ENABLED(CONFIG_TLS_BEARSSL) || IS_ENABLED(CONFIG_TLS_MBEDTLS);
}

int aes128_dec_init(struct aes128_dec *d, const uint8_t key[16], const uint8_t iv[16])
{
	memset(d, 0, sizeof(*d));
#if defined(CONFIG_TLS_BEARSSL)
	br_aes_ct_cbcdec_init(&d->ctx, key, 16);
#elif defined(CONFIG_TLS_MBEDTLS)
	mbedtls_aes_init(&d->ctx);
	if (mbedtls_aes_setkey_dec(&d->ctx, key, 128) != 0) {
		mbedtls_aes_free(&d->ctx);
		return -ERR_FAILURE;
	}
#else
	UNUSED(key);
	return -ERR_UNSUPPORTED;
#endif
	memcpy(d->iv, iv, 16);
	d->ready = true;
	return 0;
}

/* Decrypts n (multiple of 16) bytes in place, chaining d->iv. */
static void cbc_run(struct aes128_dec *d, uint8_t *buf, size_t n)
{
#if defined(CONFIG_TLS_BEARSSL)
	br_aes_ct_cbcdec_run(&d->ctx, d->iv, buf, n);
#elif defined(CONFIG_TLS_MBEDTLS)
	/* mbedTLS decrypts in place correctly: it saves each input block before writing. */
	mbedtls_aes_crypt_cbc(&d->ctx, MBEDTLS_AES_DECRYPT, n, d->iv, buf, buf);
#else
	UNUSED(d);
	UNUSED(buf);
	UNUSED(n);
#endif
}

int aes128_dec_update(struct aes128_dec *d, const uint8_t *in, size_t n, uint8_t *out, size_t *outn)
{
	size_t o = 0, whole;

	*outn = 0;
	if (!d->ready)
		return -ERR_FAILURE;
	if (n == 0)
		return 0;
	/* Release the held block first: more ciphertext means it was not the last one. */
	if (d->have_held) {
		memcpy(out, d->held, 16);
		o = 16;
		d->have_held = false;
	}
	if (d->npart) {
		size_t k = MIN(16 - d->npart, n);

		memcpy(d->part + d->npart, in, k);
		d->npart += k;
		in += k;
		n -= k;
		if (d->npart < 16) {
			*outn = o;
			return 0;
		}
		memcpy(out + o, d->part, 16);
		cbc_run(d, out + o, 16);
		o += 16;
		d->npart = 0;
	}
	whole = n & ~(size_t)15;
	if (whole) {
		memmove(out + o, in, whole); /* in and out may be the same buffer */
		cbc_run(d, out + o, whole);
		o += whole;
	}
	if (n > whole) {
		memcpy(d->part, in + whole, n - whole);
		d->npart = n - whole;
	}
	/* Hold the newest plaintext block back until we know whether it is the last. */
	if (o >= 16) {
		memcpy(d->held, out + o - 16, 16);
		d->have_held = true;
		o -= 16;
	}
	*outn = o;
	return 0;
}

int aes128_dec_final(struct aes128_dec *d, uint8_t *out, size_t *outn)
{
	unsigned pad;

	*outn = 0;
	if (!d->ready || d->npart || !d->have_held)
		return -ERR_PARSE;
	pad = d->held[15];
	if (pad < 1 || pad > 16)
		return -ERR_PARSE;
	for (unsigned i = 16 - pad; i < 16; i++)
		if (d->held[i] != pad)
			return -ERR_PARSE;
	memcpy(out, d->held, 16 - pad);
	*outn = 16 - pad;
	d->have_held = false;
	return 0;
}

void aes128_dec_free(struct aes128_dec *d)
{
#if defined(CONFIG_TLS_MBEDTLS) && !defined(CONFIG_TLS_BEARSSL)
	if (d->ready)
		mbedtls_aes_free(&d->ctx);
#endif
	d->ready = false;
}

void aes128_iv_from_seq(uint64_t seq, uint8_t iv[16])
{
	memset(iv, 0, 16);
	for (int i = 0; i < 8; i++)
		iv[15 - i] = (uint8_t)(seq >> (8 * i));
}
