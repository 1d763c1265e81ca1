/* TLS backend on BearSSL 0.6: engine pumped over a non-blocking socket, PEM CA bundle as anchors.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#if defined(__has_include) && __has_include(<bearssl.h>)
#include <bearssl.h>
#else
#include <bearssl/bearssl.h> /* Debian's host package keeps the headers in a subdirectory */
#endif

#include "core/base/err.h"
#include "core/base/log.h"
#include "net/tls.h"

/* Largest DER certificate and subject DN accepted from the CA bundle. */
#define BR_CERT_MAX 16384
#define BR_DN_MAX 1024

struct tls_ctx {
	br_x509_trust_anchor *ta;
	size_t n_ta;
	int verify;
};

/*
 * x509 "engine" used when verification is off: takes the end-entity key without any
 * check (chain, dates, name). Only ever installed after the caller logged the warning.
 */
struct x509_insecure {
	const br_x509_class *vtable;
	br_x509_decoder_context dc;
	unsigned depth;
};

struct tls_conn {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	struct x509_insecure xi;
	int fd;
	char desc[64];
	/* half-duplex buffer: HTTP/1.1 without pipelining never sends and receives at once */
	unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
};

struct tls_sess {
	br_ssl_session_parameters p;
};

/* ---------------------------------------------------------------- trust anchors */

struct growbuf {
	unsigned char *p;
	size_t len, cap, max;
	bool overflow;
};

static void growbuf_add(void *ctx, const void *src, size_t len)
{
	struct growbuf *g = ctx;

	if (g->overflow || len > g->max - g->len) {
		g->overflow = true;
		return;
	}
	if (g->len + len > g->cap) {
		size_t nc = MAX(g->cap * 2, g->len + len);
		unsigned char *np;

		nc = MIN(nc, g->max);
		np = realloc(g->p, nc);
		if (!np) {
			g->overflow = true;
			return;
		}
		g->p = np;
		g->cap = nc;
	}
	memcpy(g->p + g->len, src, len);
	g->len += len;
}

static void *dup_mem(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

static void ta_free(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else {
		free(ta->pkey.key.ec.q);
	}
}

/* Decodes one DER certificate into a trust anchor; 0 or -1 (skipped). */
static int ta_from_der(const unsigned char *der, size_t len, br_x509_trust_anchor *ta)
{
	br_x509_decoder_context dc;
	struct growbuf dn = {.max = BR_DN_MAX};
	const br_x509_pkey *pk;

	memset(ta, 0, sizeof(*ta));
	br_x509_decoder_init(&dc, growbuf_add, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.overflow || !dn.len) {
		free(dn.p);
		return -1;
	}
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_mem(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_mem(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e)
			goto fail;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dup_mem(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!ta->pkey.key.ec.q)
			goto fail;
	} else {
		goto fail;
	}
	return 0;
fail:
	ta_free(ta);
	return -1;
}

static int load_anchors(struct tls_ctx *ctx, const unsigned char *pem, size_t len)
{
	br_pem_decoder_context pc;
	struct growbuf der = {.max = BR_CERT_MAX};
	bool in_cert = false;
	size_t cap = 0;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t k = br_pem_decoder_push(&pc, pem, len);

		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			const char *name = br_pem_decoder_name(&pc);

			in_cert = !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE");
			der.len = 0;
			der.overflow = false;
			br_pem_decoder_setdest(&pc, in_cert ? growbuf_add : NULL,
					       in_cert ? &der : NULL);
			break;
		}
		case BR_PEM_END_OBJ:
			if (in_cert && !der.overflow && ctx->n_ta < CONFIG_TLS_CA_MAX) {
				if (ctx->n_ta == cap) {
					size_t nc = cap ? cap * 2 : 64;
					br_x509_trust_anchor *nt;

					nc = MIN(nc, (size_t)CONFIG_TLS_CA_MAX);
					nt = realloc(ctx->ta, nc * sizeof(*nt));
					if (!nt) {
						free(der.p);
						return -ENOMEM;
					}
					ctx->ta = nt;
					cap = nc;
				}
				if (ta_from_der(der.p, der.len, &ctx->ta[ctx->n_ta]) == 0)
					ctx->n_ta++;
			}
			in_cert = false;
			break;
		case BR_PEM_ERROR:
			free(der.p);
			LOG_ERR(LOG_TLS, "CA bundle: PEM syntax error");
			return -ERR_TLS;
		default:
			break;
		}
	}
	free(der.p);
	return 0;
}

static void brs_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->n_ta; i++)
		ta_free(&ctx->ta[i]);
	free(ctx->ta);
	free(ctx);
}

static int brs_ctx_new(const char *ca_file, int verify, struct tls_ctx **out)
{
	struct tls_ctx *ctx = calloc(1, sizeof(*ctx));
	uint8_t *pem;
	size_t len;
	int rc;

	*out = NULL;
	if (!ctx)
		return -ENOMEM;
	ctx->verify = verify;
	if (verify) {
		rc = tls_read_ca_file(ca_file, &pem, &len);
		if (rc) {
			free(ctx);
			return rc;
		}
		rc = load_anchors(ctx, pem, len);
		free(pem);
		if (!rc && ctx->n_ta == 0) {
			LOG_ERR(LOG_TLS, "no usable certificate in CA bundle %s", ca_file);
			rc = -ERR_TLS;
		}
		if (rc) {
			brs_ctx_free(ctx);
			return rc;
		}
		LOG_DBG(LOG_TLS, "CA bundle %s: %zu trust anchors", ca_file, ctx->n_ta);
	}
	*out = ctx;
	return 0;
}

/* ---------------------------------------------------------------- insecure x509 */

static void xi_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	(void)server_name;
	xi->depth = 0;
}

static void xi_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	(void)length;
	if (xi->depth == 0)
		br_x509_decoder_init(&xi->dc, NULL, NULL);
}

static void xi_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	if (xi->depth == 0)
		br_x509_decoder_push(&xi->dc, buf, len);
}

static void xi_end_cert(const br_x509_class **ctx)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	xi->depth++;
}

static unsigned xi_end_chain(const br_x509_class **ctx)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	if (xi->depth == 0 || !br_x509_decoder_get_pkey(&xi->dc))
		return BR_ERR_X509_EMPTY_CHAIN;
	return 0;
}

static const br_x509_pkey *xi_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct x509_insecure *xi = (struct x509_insecure *)(void *)ctx;

	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&xi->dc);
}

static const br_x509_class x509_insecure_vtable = {
	sizeof(struct x509_insecure),
	xi_start_chain,
	xi_start_cert,
	xi_append,
	xi_end_cert,
	xi_end_chain,
	xi_get_pkey,
};

/* ---------------------------------------------------------------- connections */

static int brs_conn_new(struct tls_ctx *ctx, int fd, const char *host, const struct tls_sess *sess,
			struct tls_conn **out)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	br_ssl_engine_context *eng;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	eng = &c->cc.eng;
	br_ssl_client_init_full(&c->cc, &c->xc, ctx->ta, ctx->n_ta);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	if (!ctx->verify) {
		c->xi.vtable = &x509_insecure_vtable;
		br_ssl_engine_set_x509(eng, &c->xi.vtable);
	}
	br_ssl_engine_set_buffer(eng, c->iobuf, sizeof(c->iobuf), 0);
	if (sess)
		br_ssl_engine_set_session_parameters(eng, &sess->p);
	/* host is both the SNI and the name the certificate must carry */
	if (!br_ssl_client_reset(&c->cc, host, sess != NULL)) {
		LOG_ERR(LOG_TLS, "BearSSL reset failed (%d)", br_ssl_engine_last_error(eng));
		free(c);
		return -ERR_TLS;
	}
	*out = c;
	return 0;
}

static const char *br_err_name(int err)
{
	switch (err) {
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "certificate is for another host name";
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate chain does not lead to a trusted CA";
	case BR_ERR_X509_EMPTY_CHAIN:
		return "no certificate sent";
	case BR_ERR_BAD_VERSION:
		return "protocol version not supported";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "no common cipher suite";
	default:
		return err >= BR_ERR_SEND_FATAL_ALERT ? "fatal alert" : "TLS failure";
	}
}

/*
 * Runs the engine until one of the states in target is reached: flushes pending records
 * first. Returns 0 (reached), 1 (the connection closed cleanly or the peer hung up),
 * -EAGAIN (+ *want) or -ERR_TLS.
 */
static int brs_pump(struct tls_conn *c, unsigned target, short *want)
{
	br_ssl_engine_context *eng = &c->cc.eng;

	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		unsigned char *buf;
		size_t len;
		ssize_t r;

		if (st & BR_SSL_CLOSED) {
			int err = br_ssl_engine_last_error(eng);

			if (err == BR_ERR_OK)
				return 1;
			LOG_WARN(LOG_TLS, "BearSSL: %s (error %d)", br_err_name(err), err);
			return -ERR_TLS;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			r = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (r > 0) {
				br_ssl_engine_sendrec_ack(eng, (size_t)r);
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				*want = POLLOUT;
				return -EAGAIN;
			}
			return 1; /* peer gone while we write */
		}
		if (target == 0 || (st & target))
			return 0; /* target 0: only flush, never read */
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(eng, &len);
			r = recv(c->fd, buf, len, 0);
			if (r > 0) {
				br_ssl_engine_recvrec_ack(eng, (size_t)r);
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				*want = POLLIN;
				return -EAGAIN;
			}
			return 1; /* EOF without close_notify: the HTTP framing judges it */
		}
		LOG_WARN(LOG_TLS, "BearSSL engine stuck (state 0x%x)", st);
		return -ERR_TLS;
	}
}

static int brs_handshake(struct tls_conn *c, short *want)
{
	int rc = brs_pump(c, BR_SSL_SENDAPP, want);

	if (rc == 1) {
		LOG_WARN(LOG_TLS, "connection closed during the TLS handshake");
		return -ERR_TLS;
	}
	if (rc == 0) {
		const br_ssl_engine_context *eng = &c->cc.eng;

		snprintf(c->desc, sizeof(c->desc), "TLSv1.%d suite 0x%04x",
			 br_ssl_engine_get_version(eng) - BR_TLS10, eng->session.cipher_suite);
	}
	return rc;
}

static ssize_t brs_read(struct tls_conn *c, void *buf, size_t n, short *want)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	unsigned char *app;
	size_t len;
	int rc = brs_pump(c, BR_SSL_RECVAPP, want);

	if (rc == 1)
		return 0;
	if (rc < 0)
		return rc;
	app = br_ssl_engine_recvapp_buf(eng, &len);
	len = MIN(len, n);
	memcpy(buf, app, len);
	br_ssl_engine_recvapp_ack(eng, len);
	return (ssize_t)len;
}

static ssize_t brs_write(struct tls_conn *c, const void *buf, size_t n, short *want)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	unsigned char *app;
	size_t len;
	int rc = brs_pump(c, BR_SSL_SENDAPP, want);

	if (rc == 1)
		return -ERR_TLS;
	if (rc < 0)
		return rc;
	app = br_ssl_engine_sendapp_buf(eng, &len);
	len = MIN(len, n);
	memcpy(app, buf, len);
	br_ssl_engine_sendapp_ack(eng, len);
	br_ssl_engine_flush(eng, 0);
	/* push the records out now if the socket takes them; else the next call does */
	rc = brs_pump(c, 0, want);
	if (rc < 0 && rc != -EAGAIN)
		return rc;
	return (ssize_t)len;
}

static int brs_sess_get(struct tls_conn *c, struct tls_sess **out)
{
	struct tls_sess *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	br_ssl_engine_get_session_parameters(&c->cc.eng, &s->p);
	if (s->p.session_id_len == 0) {
		free(s);
		return -ERR_TLS;
	}
	*out = s;
	return 0;
}

static void brs_sess_free(struct tls_sess *s)
{
	if (s)
		memset(s, 0, sizeof(*s)); /* the master secret */
	free(s);
}

static void brs_conn_free(struct tls_conn *c)
{
	short want;

	if (!c)
		return;
	br_ssl_engine_close(&c->cc.eng);
	(void)brs_pump(c, 0, &want); /* close_notify if the socket takes it now */
	memset(c, 0, offsetof(struct tls_conn, iobuf));
	free(c);
}

static const char *brs_describe(struct tls_conn *c)
{
	return c->desc;
}

const struct tls_ops tls_bearssl_ops = {
	.name = "bearssl",
	.ctx_new = brs_ctx_new,
	.ctx_free = brs_ctx_free,
	.conn_new = brs_conn_new,
	.handshake = brs_handshake,
	.read = brs_read,
	.write = brs_write,
	.sess_get = brs_sess_get,
	.sess_free = brs_sess_free,
	.conn_free = brs_conn_free,
	.describe = brs_describe,
};
