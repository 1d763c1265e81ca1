/* TLS backend on mbedTLS 2.28 (Debian, sysroots) that also builds against mbedTLS 3.x. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include "core/base/err.h"
#include "core/base/log.h"
#include "net/tls.h"

struct tls_ctx {
	int suites[96]; /* our preference order, 0-terminated */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	int verify;
};

struct tls_conn {
	mbedtls_ssl_context ssl;
	int fd;
	char desc[96];
};

struct tls_sess {
	mbedtls_ssl_session s;
};

static int mbt_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);

	if (r >= 0)
		return (int)r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int mbt_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t r = recv(c->fd, buf, len, 0);

	if (r >= 0)
		return (int)r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

/*
 * ChaCha20-Poly1305 first unless AES runs in hardware: the boxes' MIPS and ARM cores have
 * no AES instructions mbedTLS uses, and software ChaCha20 is several times faster than
 * software AES-GCM there. Servers that honour the client's order then pick it.
 */
static void mbt_order_suites(struct tls_ctx *ctx)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; all[i] && n + 1 < ARRAY_SIZE(ctx->suites); i++) {
			const char *name = mbedtls_ssl_get_ciphersuite_name(all[i]);
			bool chacha = name && strstr(name, "CHACHA20") != NULL;

#if defined(MBEDTLS_AESNI_C)
			chacha = !chacha; /* AES-NI: keep AES first */
#endif
			if (chacha == (pass == 0))
				ctx->suites[n++] = all[i];
		}
	}
	ctx->suites[n] = 0;
}

static void mbt_free_ctx(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	mbedtls_ssl_config_free(&ctx->conf);
	mbedtls_x509_crt_free(&ctx->ca);
	mbedtls_ctr_drbg_free(&ctx->drbg);
	mbedtls_entropy_free(&ctx->entropy);
	free(ctx);
}

static int mbt_ctx_new(const char *ca_file, int verify, struct tls_ctx **out)
{
	struct tls_ctx *ctx = calloc(1, sizeof(*ctx));
	uint8_t *pem = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!ctx)
		return -ENOMEM;
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
	if (psa_crypto_init() != PSA_SUCCESS) {
		free(ctx);
		return -ERR_TLS;
	}
#endif
	ctx->verify = verify;
	mbedtls_entropy_init(&ctx->entropy);
	mbedtls_ctr_drbg_init(&ctx->drbg);
	mbedtls_ssl_config_init(&ctx->conf);
	mbedtls_x509_crt_init(&ctx->ca);
	rc = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
				   (const unsigned char *)"streamingserver", 15);
	if (rc) {
		LOG_ERR(LOG_TLS, "mbedTLS: RNG seeding failed (-0x%04x)", (unsigned)-rc);
		goto fail;
	}
	rc = mbedtls_ssl_config_defaults(&ctx->conf, MBEDTLS_SSL_IS_CLIENT,
					 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		goto fail;
	mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
#if MBEDTLS_VERSION_MAJOR < 3
	/* 2.28 still allows TLS 1.0/1.1 by default where built in */
	mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbt_order_suites(ctx);
	mbedtls_ssl_conf_ciphersuites(&ctx->conf, ctx->suites);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
	mbedtls_ssl_conf_session_tickets(&ctx->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
	if (verify) {
		rc = tls_read_ca_file(ca_file, &pem, &len);
		if (rc)
			goto fail_rc;
		/* mbedtls wants the NUL of a PEM buffer counted */
		rc = mbedtls_x509_crt_parse(&ctx->ca, pem, len + 1);
		free(pem);
		/* < 0: nothing parsed (> 0 counts certificates skipped beside good ones) */
		if (rc < 0) {
			LOG_ERR(LOG_TLS, "no usable certificate in CA bundle %s (-0x%04x)", ca_file,
				(unsigned)(rc < 0 ? -rc : 0));
			goto fail;
		}
		if (rc > 0)
			LOG_DBG(LOG_TLS, "CA bundle %s: %d certificates skipped", ca_file, rc);
		mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
		mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	} else {
		mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);
	}
	*out = ctx;
	return 0;
fail:
	rc = -ERR_TLS;
fail_rc:
	mbt_free_ctx(ctx);
	return rc;
}

static int mbt_conn_new(struct tls_ctx *ctx, int fd, const char *host, const struct tls_sess *sess,
			struct tls_conn **out)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	mbedtls_ssl_init(&c->ssl);
	rc = mbedtls_ssl_setup(&c->ssl, &ctx->conf);
	/* always: SNI, and the name the certificate is checked against (CVE-2025-27809) */
	if (!rc)
		rc = mbedtls_ssl_set_hostname(&c->ssl, host);
	if (rc) {
		LOG_ERR(LOG_TLS, "mbedTLS setup for %s failed (-0x%04x)", host, (unsigned)-rc);
		mbedtls_ssl_free(&c->ssl);
		free(c);
		return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -ERR_TLS;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, mbt_send, mbt_recv, NULL);
	if (sess && mbedtls_ssl_set_session(&c->ssl, &sess->s) != 0)
		LOG_DBG(LOG_TLS, "saved session for %s not usable", host);
	*out = c;
	return 0;
}

static int mbt_want(int rc, short *want)
{
	if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
		*want = POLLIN;
		return -EAGAIN;
	}
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
		*want = POLLOUT;
		return -EAGAIN;
	}
	return 0;
}

static int mbt_handshake(struct tls_conn *c, short *want)
{
	int rc = mbedtls_ssl_handshake(&c->ssl);

	if (rc == 0) {
		snprintf(c->desc, sizeof(c->desc), "%s %s", mbedtls_ssl_get_version(&c->ssl),
			 mbedtls_ssl_get_ciphersuite(&c->ssl));
		return 0;
	}
	if (mbt_want(rc, want))
		return -EAGAIN;
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		char info[256];
		uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);

		mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
		for (char *p = info; *p; p++)
			if (*p == '\n')
				*p = ';';
		LOG_WARN(LOG_TLS, "certificate refused: %s", info);
	} else {
		LOG_WARN(LOG_TLS, "handshake failed (mbedTLS -0x%04x)", (unsigned)-rc);
	}
	return -ERR_TLS;
}

static ssize_t mbt_read(struct tls_conn *c, void *buf, size_t n, short *want)
{
	for (;;) {
		int rc = mbedtls_ssl_read(&c->ssl, buf, n);

		if (rc > 0)
			return rc;
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    rc == MBEDTLS_ERR_NET_CONN_RESET)
			return 0;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
		if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue; /* TLS 1.3 ticket after the handshake: read on */
#endif
		if (mbt_want(rc, want))
			return -EAGAIN;
		if (rc == MBEDTLS_ERR_NET_RECV_FAILED)
			return 0; /* reset: the HTTP framing reports the early end */
		LOG_WARN(LOG_TLS, "read failed (mbedTLS -0x%04x)", (unsigned)-rc);
		return -ERR_TLS;
	}
}

static ssize_t mbt_write(struct tls_conn *c, const void *buf, size_t n, short *want)
{
	int rc = mbedtls_ssl_write(&c->ssl, buf, n);

	if (rc > 0)
		return rc;
	if (mbt_want(rc, want))
		return -EAGAIN;
	LOG_WARN(LOG_TLS, "write failed (mbedTLS -0x%04x)", (unsigned)-rc);
	return -ERR_TLS;
}

static int mbt_sess_get(struct tls_conn *c, struct tls_sess **out)
{
	struct tls_sess *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	mbedtls_ssl_session_init(&s->s);
	if (mbedtls_ssl_get_session(&c->ssl, &s->s) != 0) {
		mbedtls_ssl_session_free(&s->s);
		free(s);
		return -ERR_TLS;
	}
	*out = s;
	return 0;
}

static void mbt_sess_free(struct tls_sess *s)
{
	if (!s)
		return;
	mbedtls_ssl_session_free(&s->s);
	free(s);
}

static void mbt_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	mbedtls_ssl_close_notify(&c->ssl); /* best effort: the socket is non-blocking */
	mbedtls_ssl_free(&c->ssl);
	free(c);
}

static const char *mbt_describe(struct tls_conn *c)
{
	return c->desc;
}

const struct tls_ops tls_mbedtls_ops = {
	.name = "mbedtls",
	.ctx_new = mbt_ctx_new,
	.ctx_free = mbt_free_ctx,
	.conn_new = mbt_conn_new,
	.handshake = mbt_handshake,
	.read = mbt_read,
	.write = mbt_write,
	.sess_get = mbt_sess_get,
	.sess_free = mbt_sess_free,
	.conn_free = mbt_conn_free,
	.describe = mbt_describe,
};
