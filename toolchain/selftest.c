/* toolchain/selftest.c: link-and-run probe for a sysroot, built by toolchain/selftest.sh.
 *
 * Built three times per arch: without TLS (the baseline), with -DUSE_MBEDTLS and with
 * -DUSE_BEARSSL; the size differences are what each TLS backend adds to a static binary.
 *
 *   selftest                        zlib round trip (deflate + gzip inflate), libc basics
 *   selftest PORT HOST CAFILE [N]   and an HTTPS GET from 127.0.0.1:PORT, verifying the
 *                                   server certificate against CAFILE for name HOST; N=2
 *                                   reconnects resuming the session. Exit 3 = TLS failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#if defined(USE_MBEDTLS)
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#elif defined(USE_BEARSSL)
#include <bearssl.h>
#endif

static const char request[] = "GET / HTTP/1.0\r\nHost: selftest\r\n\r\n";

static int zlib_check(void)
{
	static const char text[] =
		"streamingserver selftest: zlib round trip, zlib round trip, zlib";
	unsigned char comp[256], back[256];
	uLongf clen = sizeof(comp), blen = sizeof(back);
	z_stream zs;
	unsigned char gz[256];
	int r;

	if (compress2(comp, &clen, (const Bytef *)text, sizeof(text), 9) != Z_OK ||
	    uncompress(back, &blen, comp, clen) != Z_OK || blen != sizeof(text) ||
	    memcmp(back, text, blen) != 0)
		return -1;
	/* gzip framing, as in HTTP Content-Encoding: gzip */
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)text;
	zs.avail_in = sizeof(text);
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	r = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	if (r != Z_STREAM_END)
		return -1;
	clen = sizeof(gz) - zs.avail_out;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -1;
	zs.next_in = gz;
	zs.avail_in = (uInt)clen;
	zs.next_out = back;
	zs.avail_out = sizeof(back);
	r = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	return r == Z_STREAM_END && zs.total_out == sizeof(text) &&
			       memcmp(back, text, sizeof(text)) == 0
		       ? 0
		       : -1;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#if defined(USE_MBEDTLS) || defined(USE_BEARSSL)
/* The server is `openssl s_server -www`: its status page says "New, ..." or "Reused, ...". */
static int check_reply(const char *buf, const char *backend, const char *suite, int round)
{
	const char *how = strstr(buf, "Reused,") ? "Reused" : strstr(buf, "New,") ? "New" : NULL;

	if (strncmp(buf, "HTTP/1.0 200", 12) != 0 || how == NULL) {
		fprintf(stderr, "%s: unexpected reply: %.60s\n", backend, buf);
		return 3;
	}
	if (round == 1 && strcmp(how, "Reused") != 0) {
		fprintf(stderr, "%s: session was not resumed\n", backend);
		return 3;
	}
	printf("tls %s: %s %s, certificate verified\n", backend, suite, how);
	return 0;
}
#endif

#if defined(USE_MBEDTLS)
static int mb_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
	return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int mb_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);
	return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int tls_get(int port, const char *host, const char *cafile, int rounds)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_session saved;
	char buf[4096];
	unsigned char sink[1024];
	int rc = 3, r, fd = -1;

	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_x509_crt_init(&ca);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_session_init(&saved);
	if ((r = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent,
				       (const unsigned char *)"ss", 2)) != 0 ||
	    (r = mbedtls_x509_crt_parse_file(&ca, cafile)) != 0 ||
	    (r = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
					     MBEDTLS_SSL_TRANSPORT_STREAM,
					     MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
		fprintf(stderr, "mbedtls: setup failed: -0x%04x\n", (unsigned)-r);
		goto out;
	}
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	if ((r = mbedtls_ssl_setup(&ssl, &conf)) != 0)
		goto out;
	for (int round = 0; round < rounds; round++) {
		size_t got = 0;

		if (round > 0 && ((r = mbedtls_ssl_session_reset(&ssl)) != 0 ||
				  (r = mbedtls_ssl_set_session(&ssl, &saved)) != 0))
			goto out;
		if ((r = mbedtls_ssl_set_hostname(&ssl, host)) != 0 || (fd = tcp_connect(port)) < 0)
			goto out;
		mbedtls_ssl_set_bio(&ssl, &fd, mb_send, mb_recv, NULL);
		while ((r = mbedtls_ssl_handshake(&ssl)) != 0) {
			if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
				fprintf(stderr,
					"mbedtls: handshake failed: -0x%04x, verify flags 0x%x\n",
					(unsigned)-r,
					(unsigned)mbedtls_ssl_get_verify_result(&ssl));
				goto out;
			}
		}
		if (round == 0 && (r = mbedtls_ssl_get_session(&ssl, &saved)) != 0)
			goto out;
		if ((r = mbedtls_ssl_write(&ssl, (const unsigned char *)request,
					   sizeof(request) - 1)) < 0)
			goto out;
		for (;;) { /* read to the end; keep the first sizeof(buf) - 1 bytes */
			unsigned char *dst =
				got < sizeof(buf) - 1 ? (unsigned char *)buf + got : sink;
			size_t room = got < sizeof(buf) - 1 ? sizeof(buf) - 1 - got : sizeof(sink);
			r = mbedtls_ssl_read(&ssl, dst, room);
			if (r <= 0)
				break;
			if (dst != sink)
				got += (size_t)r;
		}
		buf[got] = 0;
		if ((rc = check_reply(buf, MBEDTLS_VERSION_STRING_FULL,
				      mbedtls_ssl_get_ciphersuite(&ssl), round)) != 0)
			goto out;
		rc = 3;
		mbedtls_ssl_close_notify(&ssl);
		close(fd);
		fd = -1;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	mbedtls_ssl_session_free(&saved);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return rc;
}

#elif defined(USE_BEARSSL)
/* One trust anchor decoded at run time from a PEM CA certificate. */
struct anchor {
	br_x509_trust_anchor ta;
	unsigned char der[4096], dn[1024], k1[1024], k2[16];
	size_t der_len, dn_len;
};

static void append_der(void *ctx, const void *data, size_t len)
{
	struct anchor *a = ctx;
	if (a->der_len + len <= sizeof(a->der))
		memcpy(a->der + a->der_len, data, len);
	a->der_len += len;
}

static void append_dn(void *ctx, const void *data, size_t len)
{
	struct anchor *a = ctx;
	if (a->dn_len + len <= sizeof(a->dn))
		memcpy(a->dn + a->dn_len, data, len);
	a->dn_len += len;
}

static int load_anchor(struct anchor *a, const char *cafile)
{
	unsigned char pem[8192];
	br_pem_decoder_context pc;
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	size_t n, off = 0;
	FILE *f = fopen(cafile, "r");

	if (f == NULL)
		return -1;
	n = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	memset(a, 0, sizeof(*a));
	br_pem_decoder_init(&pc);
	while (off < n) {
		off += br_pem_decoder_push(&pc, pem + off, n - off);
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			br_pem_decoder_setdest(&pc, append_der, a);
			break;
		case BR_PEM_END_OBJ:
			off = n;
			break;
		case BR_PEM_ERROR:
			return -1;
		}
	}
	if (a->der_len == 0 || a->der_len > sizeof(a->der))
		return -1;
	br_x509_decoder_init(&dc, append_dn, a);
	br_x509_decoder_push(&dc, a->der, a->der_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || a->dn_len > sizeof(a->dn))
		return -1;
	a->ta.dn.data = a->dn;
	a->ta.dn.len = a->dn_len;
	a->ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	a->ta.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		if (pk->key.rsa.nlen > sizeof(a->k1) || pk->key.rsa.elen > sizeof(a->k2))
			return -1;
		memcpy(a->k1, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(a->k2, pk->key.rsa.e, pk->key.rsa.elen);
		a->ta.pkey.key.rsa.n = a->k1;
		a->ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a->ta.pkey.key.rsa.e = a->k2;
		a->ta.pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		if (pk->key.ec.qlen > sizeof(a->k1))
			return -1;
		memcpy(a->k1, pk->key.ec.q, pk->key.ec.qlen);
		a->ta.pkey.key.ec.curve = pk->key.ec.curve;
		a->ta.pkey.key.ec.q = a->k1;
		a->ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	return 0;
}

static int br_sock_read(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n;
	do
		n = recv(*(int *)ctx, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n <= 0 ? -1 : (int)n;
}

static int br_sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n;
	do
		n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n <= 0 ? -1 : (int)n;
}

static int tls_get(int port, const char *host, const char *cafile, int rounds)
{
	static struct anchor a;
	static br_ssl_client_context sc;
	static br_x509_minimal_context xc;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_sslio_context io;
	char buf[4096], sink[1024], suite[16];
	int fd;

	if (load_anchor(&a, cafile) != 0) {
		fprintf(stderr, "bearssl: cannot load CA %s\n", cafile);
		return 3;
	}
	br_ssl_client_init_full(&sc, &xc, &a.ta, 1);
	br_ssl_engine_set_buffer(&sc.eng, iobuf, sizeof(iobuf), 1);
	for (int round = 0; round < rounds; round++) {
		size_t got = 0;
		int n;

		/* resume_session=1 keeps the parameters of the previous connection */
		if (!br_ssl_client_reset(&sc, host, round > 0) || (fd = tcp_connect(port)) < 0)
			return 3;
		br_sslio_init(&io, &sc.eng, br_sock_read, &fd, br_sock_write, &fd);
		if (br_sslio_write_all(&io, request, sizeof(request) - 1) != 0 ||
		    br_sslio_flush(&io) != 0) {
			fprintf(stderr, "bearssl: handshake failed: error %d\n",
				br_ssl_engine_last_error(&sc.eng));
			close(fd);
			return 3;
		}
		for (;;) { /* read to the end; keep the first sizeof(buf) - 1 bytes */
			char *dst = got < sizeof(buf) - 1 ? buf + got : sink;
			size_t room = got < sizeof(buf) - 1 ? sizeof(buf) - 1 - got : sizeof(sink);
			if ((n = br_sslio_read(&io, dst, room)) <= 0)
				break;
			if (dst != sink)
				got += (size_t)n;
		}
		buf[got] = 0;
		br_sslio_close(&io);
		close(fd);
		snprintf(suite, sizeof(suite), "suite 0x%04x", sc.eng.session.cipher_suite);
		if (check_reply(buf, "BearSSL", suite, round) != 0)
			return 3;
	}
	return 0;
}
#endif

int main(int argc, char **argv)
{
	if (zlib_check() != 0) {
		fprintf(stderr, "zlib %s: round trip FAILED\n", zlibVersion());
		return 1;
	}
	printf("zlib %s: deflate/gzip round trip ok\n", zlibVersion());
	if (argc >= 4) {
#if defined(USE_MBEDTLS) || defined(USE_BEARSSL)
		return tls_get(atoi(argv[1]), argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 1);
#else
		int fd = tcp_connect(atoi(argv[1]));
		if (fd < 0 || send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) < 0)
			return 3;
		close(fd);
#endif
	}
	return 0;
}
