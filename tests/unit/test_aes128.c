/* Unit tests of streaming AES-128-CBC: any chunking gives the one-shot result, padding checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <mbedtls/aes.h>

#include "core/rec/aes128.h"
#include "core/base/err.h"

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* Reference encryption with PKCS#7 padding (mbedTLS directly). */
static size_t encrypt(const uint8_t *in, size_t n, const uint8_t iv0[16], uint8_t *out)
{
	mbedtls_aes_context c;
	uint8_t iv[16];
	size_t padded = (n / 16 + 1) * 16;

	memcpy(out, in, n);
	memset(out + n, (int)(padded - n), padded - n);
	memcpy(iv, iv0, 16);
	mbedtls_aes_init(&c);
	mbedtls_aes_setkey_enc(&c, key, 128);
	mbedtls_aes_crypt_cbc(&c, MBEDTLS_AES_ENCRYPT, padded, iv, out, out);
	mbedtls_aes_free(&c);
	return padded;
}

/* Decrypts ct in chunks of `step` bytes; returns the plaintext length or a negative error. */
static long decrypt_chunked(const uint8_t *ct, size_t n, size_t step, const uint8_t iv[16],
			    uint8_t *pt)
{
	struct aes128_dec d;
	uint8_t tmp[4096 + 16];
	size_t o = 0, k;
	int rc;

	assert_int_equal(aes128_dec_init(&d, key, iv), 0);
	for (size_t i = 0; i < n; i += step) {
		size_t len = MIN(step, n - i);

		assert_int_equal(aes128_dec_update(&d, ct + i, len, tmp, &k), 0);
		assert_int_equal(k % 16, 0);
		memcpy(pt + o, tmp, k);
		o += k;
	}
	rc = aes128_dec_final(&d, tmp, &k);
	aes128_dec_free(&d);
	if (rc < 0)
		return rc;
	memcpy(pt + o, tmp, k);
	return (long)(o + k);
}

static void test_chunking(void **state)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 188, 1000, 3007};
	static const size_t steps[] = {1, 3, 16, 17, 100, 4096};
	uint8_t in[3100], ct[3200], pt[3200], iv[16];

	UNUSED(state);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	aes128_iv_from_seq(0x0102030405060708ULL, iv);
	assert_int_equal(iv[0], 0);
	assert_int_equal(iv[7], 0);
	assert_int_equal(iv[8], 1);
	assert_int_equal(iv[15], 8);
	for (size_t a = 0; a < ARRAY_SIZE(sizes); a++) {
		size_t ctn = encrypt(in, sizes[a], iv, ct);

		for (size_t b = 0; b < ARRAY_SIZE(steps); b++) {
			long r = decrypt_chunked(ct, ctn, steps[b], iv, pt);

			assert_int_equal(r, (long)sizes[a]);
			assert_memory_equal(pt, in, sizes[a]);
		}
	}
}

static void test_errors(void **state)
{
	uint8_t in[64] = {0}, ct[96], pt[128], iv[16] = {0}, wrong[16];
	size_t ctn;

	UNUSED(state);
	ctn = encrypt(in, sizeof(in), iv, ct);
	/* A truncated (not block-aligned) body and a wrong key are detected at the end. */
	assert_int_equal(decrypt_chunked(ct, ctn - 5, 7, iv, pt), -ERR_PARSE);
	assert_int_equal(decrypt_chunked(ct, 0, 7, iv, pt), -ERR_PARSE);
	memcpy(wrong, key, 16);
	wrong[0] ^= 1;
	ct[ctn - 1] ^= 0x55; /* corrupt the padding block */
	assert_int_equal(decrypt_chunked(ct, ctn, 16, iv, pt), -ERR_PARSE);
	assert_true(aes128_available());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
