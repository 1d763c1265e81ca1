/* Catalogue downloads (see fetch.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <zlib.h>

#include "core/err.h"
#include "core/log.h"
#include "providers/fetch.h"

#define DEC_OUT 16384 /* inflate output chunk */

struct prov_dec {
	prov_sink_fn fn;
	void *arg;
	size_t cap, total;
	uint8_t head[2];
	int nhead;
	int mode; /* 0 undecided, 1 plain, 2 gzip */
	int gz_end; /* the current gzip member ended */
	z_stream z;
	uint8_t out[DEC_OUT];
};

struct prov_dec *prov_dec_new(size_t cap, prov_sink_fn fn, void *arg)
{
	struct prov_dec *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fn = fn;
	d->arg = arg;
	d->cap = cap;
	return d;
}

void prov_dec_free(struct prov_dec *d)
{
	if (!d)
		return;
	if (d->mode == 2)
		inflateEnd(&d->z);
	free(d);
}

static int emit(struct prov_dec *d, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (n > d->cap - d->total)
		return -ERR_TOO_LARGE;
	d->total += n;
	return d->fn(d->arg, p, n);
}

static int inflate_some(struct prov_dec *d, const uint8_t *p, size_t n)
{
	d->z.next_in = (Bytef *)(uintptr_t)p;
	d->z.avail_in = (uInt)n;
	do {
		int zr, rc;

		if (d->gz_end) {
			if (!d->z.avail_in)
				break;
			/* concatenated gzip members are one stream (RFC 1952) */
			if (inflateReset(&d->z) != Z_OK)
				return -ERR_PARSE;
			d->gz_end = 0;
		}
		d->z.next_out = d->out;
		d->z.avail_out = DEC_OUT;
		zr = inflate(&d->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -ERR_PARSE;
		rc = emit(d, d->out, DEC_OUT - d->z.avail_out);
		if (rc)
			return rc;
		if (zr == Z_STREAM_END)
			d->gz_end = 1;
		else if (zr == Z_BUF_ERROR)
			break; /* no progress possible without more input */
	} while (d->z.avail_in || d->z.avail_out == 0);
	return 0;
}

static int start(struct prov_dec *d)
{
	int rc;

	if (d->nhead == 2 && d->head[0] == 0x1f && d->head[1] == 0x8b) {
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		d->mode = 2;
		return inflate_some(d, d->head, 2);
	}
	d->mode = 1;
	rc = emit(d, d->head, (size_t)d->nhead);
	return rc;
}

int prov_dec_feed(struct prov_dec *d, const uint8_t *p, size_t n)
{
	int rc;

	while (d->mode == 0 && n) {
		d->head[d->nhead++] = *p++;
		n--;
		if (d->nhead == 2) {
			rc = start(d);
			if (rc)
				return rc;
		}
	}
	if (!n)
		return 0;
	if (d->mode == 1)
		return emit(d, p, n);
	return inflate_some(d, p, n);
}

int prov_dec_end(struct prov_dec *d)
{
	if (d->mode == 0 && d->nhead) {
		int rc = start(d);

		if (rc)
			return rc;
	}
	if (d->mode == 2) {
		int rc = inflate_some(d, (const uint8_t *)"", 0);

		if (rc)
			return rc;
		if (!d->gz_end)
			return -ERR_PARSE; /* gzip body cut short */
	}
	return 0;
}

static int body_fn(void *ctx, const uint8_t *p, size_t n)
{
	return prov_dec_feed(ctx, p, n);
}

static int fetch_file(const char *path, struct prov_dec *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	uint8_t buf[16384];

	if (fd < 0)
		return errno == ENOENT ? -ERR_NOT_FOUND : -errno;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		rc = prov_dec_feed(d, buf, (size_t)r);
		if (rc)
			break;
	}
	close(fd);
	return rc;
}

/*
 * The session takes one cancel fd; an epoll fd watching both the caller's cancel fd and a
 * deadline timerfd becomes readable when either fires, so a stalled upstream is cut off at
 * the deadline whatever the per-read timeouts are.
 */
static int fetch_http(const struct prov_ctx *ctx, const char *url, int timeout_s,
		      struct prov_dec *d)
{
	struct http_session_opts o;
	struct http_session *s = NULL;
	struct http_request rq;
	struct http_response rs;
	struct itimerspec its = { .it_value = { .tv_sec = timeout_s } };
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = -1, tfd = -1, rc;

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) ||
	    (ctx->cancel_fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, ctx->cancel_fd, &ev))) {
		rc = -errno;
		goto out;
	}
	http_session_opts_init(&o);
	o.cancel_fd = ep;
	o.connect_timeout_ms = timeout_s * 1000;
	o.first_byte_timeout_ms = timeout_s * 1000;
	o.idle_timeout_ms = timeout_s * 1000;
	rc = http_session_new(&o, &s);
	if (rc)
		goto out;
	http_session_set_header(s, "Accept", "application/json, */*;q=0.8");
	http_request_init(&rq, url);
	rc = http_get(s, &rq, &rs, body_fn, d);
	if (rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT) {
		uint64_t exp = 0;

		if (read(tfd, &exp, sizeof(exp)) == (ssize_t)sizeof(exp) && exp)
			rc = -ERR_TIMEOUT;
	}
out:
	if (s)
		http_session_free(s);
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return rc;
}

int prov_fetch(const struct prov_ctx *ctx, const char *url, int timeout_s, prov_sink_fn fn,
	       void *arg)
{
	struct prov_dec *d = prov_dec_new((size_t)CONFIG_PROVIDER_CATALOG_MAX_KB * 1024, fn, arg);
	int rc;

	if (!d)
		return -ENOMEM;
	if (url[0] == '/')
		rc = fetch_file(url, d);
	else
		rc = fetch_http(ctx, url, timeout_s, d);
	if (!rc)
		rc = prov_dec_end(d);
	prov_dec_free(d);
	if (rc)
		LOG_WARN(LOG_PROV, "%s: download failed: %s", ctx->provider_id, err_str(rc));
	return rc;
}
