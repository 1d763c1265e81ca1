/* TLS client connections behind one ops table; the backend (mbedTLS or BearSSL) is chosen in
 * Kconfig. */
#ifndef SS_NET_TLS_H
#define SS_NET_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/common.h"

struct tls_ctx;	 /* per HTTP session: trust anchors, RNG, shared configuration */
struct tls_conn; /* one client connection on a connected non-blocking socket */
struct tls_sess; /* saved session parameters for resumption on a reconnect */

/*
 * Every member is required. No member blocks: socket I/O is non-blocking and a member
 * that cannot progress returns -EAGAIN with *want set to POLLIN or POLLOUT; the caller
 * polls the socket (and its cancel fd) for that event and calls the member again.
 * Members log failures once on LOG_TLS with the reason (certificate error, alert) and
 * return -ERR_TLS; they never abort the process.
 */
struct tls_ops {
	const char *name;
	/*
	 * Creates a context. verify 1: every connection verifies the server's chain against
	 * the PEM bundle ca_file (read now; an unreadable or empty bundle is -ERR_TLS) and
	 * its host name; verify 0: neither (the caller has logged the warning). *out is
	 * freed with ctx_free. Returns 0, -ERR_TLS or -ENOMEM.
	 */
	int (*ctx_new)(const char *ca_file, int verify, struct tls_ctx **out);
	/* Frees a context once no connection made from it remains. */
	void (*ctx_free)(struct tls_ctx *ctx);
	/*
	 * Prepares a client connection on connected non-blocking socket fd (not owned: the
	 * caller closes it after conn_free). host is sent as SNI and is the name the
	 * certificate must match (mbedTLS: mbedtls_ssl_set_hostname is always called,
	 * CVE-2025-27809). sess (may be NULL) is offered for resumption. No I/O yet.
	 */
	int (*conn_new)(struct tls_ctx *ctx, int fd, const char *host, const struct tls_sess *sess,
			struct tls_conn **out);
	/* Advances the handshake: 0 when complete, -EAGAIN (+ *want), or -ERR_TLS. */
	int (*handshake)(struct tls_conn *c, short *want);
	/*
	 * Reads decrypted bytes into buf[n]: > 0 bytes, 0 when the peer closed (close_notify
	 * or TCP EOF: the HTTP framing decides whether that was early), -EAGAIN (+ *want),
	 * or -ERR_TLS. Must return buffered plaintext before touching the socket.
	 */
	ssize_t (*read)(struct tls_conn *c, void *buf, size_t n, short *want);
	/* Writes and flushes up to n bytes: > 0 bytes taken, -EAGAIN (+ *want), -ERR_TLS. */
	ssize_t (*write)(struct tls_conn *c, const void *buf, size_t n, short *want);
	/*
	 * Copies the session of a completed handshake for a later conn_new on the same host;
	 * *out is freed with sess_free. Returns 0, -ENOMEM or -ERR_TLS (nothing to save).
	 */
	int (*sess_get)(struct tls_conn *c, struct tls_sess **out);
	/* Frees a saved session (NULL is fine). */
	void (*sess_free)(struct tls_sess *s);
	/* Sends close_notify if that does not block, then frees the connection. */
	void (*conn_free)(struct tls_conn *c);
	/* Negotiated protocol and cipher suite for logs ("TLSv1.2 ECDHE-..."), static. */
	const char *(*describe)(struct tls_conn *c);
};

/*
 * Reads the PEM bundle path (at most CONFIG_TLS_CA_FILE_MAX bytes) into a new buffer with
 * a NUL after the data (*out freed by the caller). Returns 0, -ERR_TLS (logged) or -ENOMEM.
 */
int tls_read_ca_file(const char *path, uint8_t **out, size_t *len);

#ifdef CONFIG_TLS_MBEDTLS
extern const struct tls_ops tls_mbedtls_ops;
#endif
#ifdef CONFIG_TLS_BEARSSL
extern const struct tls_ops tls_bearssl_ops;
#endif

/* The backend selected in Kconfig, or NULL when TLS is not built in. */
static inline const struct tls_ops *tls_default_ops(void)
{
#if defined(CONFIG_TLS_MBEDTLS)
	return &tls_mbedtls_ops;
#elif defined(CONFIG_TLS_BEARSSL)
	return &tls_bearssl_ops;
#else
	return NULL;
#endif
}

#endif
