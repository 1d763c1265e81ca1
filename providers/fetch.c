/* Catalogue downloads (see fetch.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "providers/decode.h"
#include "providers/fetch.h"

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
 * A session takes one cancel fd; an epoll fd watching both the caller's cancel fd and a
 * deadline timerfd becomes readable when either fires, so a stalled upstream is cut off at
 * the deadline whatever the per-read timeouts are.
 */
static int fetch_http(const struct prov_ctx *ctx, const char *url, int timeout_ms,
		      struct prov_dec *d)
{
	struct http_session *s = ctx->http, *own = NULL;
	struct http_request rq;
	struct http_response rs;
	struct itimerspec its = {.it_value = {.tv_sec = timeout_ms / 1000,
					      .tv_nsec = (long)(timeout_ms % 1000) * 1000000L}};
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = -1, tfd = -1, rc;

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) ||
	    (ctx->cancel_fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, ctx->cancel_fd, &ev))) {
		rc = -errno;
		goto out;
	}
	if (!s) {
		struct http_session_opts o;

		http_session_opts_init(&o);
		if (ctx->cfg) {
			o.tls_verify = config_get_bool(ctx->cfg, "tls_verify", 1);
			o.ca_file = config_get(ctx->cfg, "ca_file", NULL);
		}
		rc = http_session_new(&o, &own);
		if (rc)
			goto out;
		s = own;
	}
	http_session_set_cancel_fd(s, ep);
	http_request_init(&rq, url);
	rc = http_get(s, &rq, &rs, body_fn, d);
	http_session_set_cancel_fd(s, own ? -1 : ctx->cancel_fd);
	if (rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT) {
		uint64_t exp = 0;

		if (read(tfd, &exp, sizeof(exp)) == (ssize_t)sizeof(exp) && exp)
			rc = -ERR_TIMEOUT;
	}
out:
	if (own)
		http_session_free(own);
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return rc;
}

int prov_fetch(const struct prov_ctx *ctx, const char *url, int timeout_ms, prov_sink_fn fn,
	       void *arg)
{
	struct prov_dec *d = prov_dec_new((size_t)CONFIG_PROVIDER_CATALOG_MAX_KB * 1024, fn, arg);
	int rc;

	if (!d)
		return -ENOMEM;
	if (url[0] == '/')
		rc = fetch_file(url, d);
	else
		rc = fetch_http(ctx, url, timeout_ms, d);
	if (!rc)
		rc = prov_dec_end(d);
	prov_dec_free(d);
	if (rc)
		LOG_WARN(LOG_PROV, "%s: download failed: %s", ctx->provider_id, err_str(rc));
	return rc;
}
