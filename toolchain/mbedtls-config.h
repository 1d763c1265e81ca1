/* toolchain/mbedtls-config.h: streamingserver's mbedTLS 2.28 configuration.
 *
 * bootstrap.sh installs this file as include/mbedtls/config.h of every sysroot, so the
 * library and all code including <mbedtls/...> see the same configuration.
 * Kept: what an HTTPS client needs (TLS 1.2 client, X.509 chain verification, RSA,
 * ECDSA, ECDHE with P-256/P-384/X25519, AES-GCM/CBC, ChaCha20-Poly1305, SHA-1/2,
 * session tickets, SNI, ALPN, PEM, getrandom entropy (toolchain/mbedtls-entropy.c), CTR-DRBG).
 * Dropped: TLS server, DTLS, TLS 1.0/1.1, renegotiation, PSK, DHE, legacy ciphers
 * (DES, ARC4, Blowfish, Camellia, ARIA, CCM), PSA crypto, key/cert writing, net and
 * timing modules, threading, self tests, debug, error strings.
 *
 * No MBEDTLS_THREADING_C: an mbedTLS context (ssl, ctr_drbg, ...) must never be used by two
 * threads at once. Give each connection (or each thread) its own ctr_drbg, or guard a shared
 * one with a mutex; a shared read-only mbedtls_ssl_config and CA chain are fine.
 */
#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H

/* ---- system support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE /* certificate validity periods */
#define MBEDTLS_FS_IO	       /* mbedtls_x509_crt_parse_file/_path for the CA bundle */

/* ---- feature options */
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#define MBEDTLS_AES_FEWER_TABLES /* 8 KiB less data, AES speed barely changes */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM /* fast P-256/P-384 reduction: handshakes on 400 MHz MIPS */
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_PK_PARSE_EC_EXTENDED
#define MBEDTLS_ERROR_STRERROR_DUMMY /* mbedtls_strerror() exists but only prints the code */
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21 /* RSA-PSS signatures in certificates */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ---- modules */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* required by ECDSA */
#define MBEDTLS_BASE64_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_NO_PLATFORM_ENTROPY  /* 2.28 uses getrandom() only with glibc, so instead: */
#define MBEDTLS_ENTROPY_HARDWARE_ALT /* mbedtls-entropy.c: getrandom(), else /dev/urandom */
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C /* cheap; providers may hash with it */
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_RSA_C
#define MBEDTLS_SHA1_C /* old certificates, HMAC-SHA1 suites */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C /* also SHA-384 */
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_VERSION_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- sizes: the client sends small requests; records it receives can be 16 KiB */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_ECP_MAX_BITS 384
#define MBEDTLS_MPI_MAX_SIZE 512  /* RSA-4096 */
#define MBEDTLS_ECP_WINDOW_SIZE 4 /* less RAM per point multiplication */

#include "mbedtls/check_config.h"

#endif /* MBEDTLS_CONFIG_H */
