/* HTTP client connections: the keep-alive pool, TCP connect, TLS handshake and session cache. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/http_int.h"

/* ---------------------------------------------------------------- connections */

ssize_t http_conn_read(struct http_session *s, struct http_conn *c, void *buf, size_t n,
		       int64_t deadline)
{
	for (;;) {
		short want = POLLIN;
		ssize_t r;
		int rc;

		if (c->tls) {
			r = s->tls_ops->read(c->tls, buf, n, &want);
			if (r >= 0)
				return r;
			if (r != -EAGAIN)
				return r;
		} else {
			r = recv(c->fd, buf, n, 0);
			if (r >= 0)
				return r;
			if (errno == ECONNRESET || errno == EPIPE)
				return 0; /* like EOF: the framing decides */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
		}
		rc = http_wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
}

int http_conn_write_all(struct http_session *s, struct http_conn *c, const void *buf, size_t n,
			int64_t deadline)
{
	const uint8_t *p = buf;

	while (n) {
		short want = POLLOUT;
		ssize_t r;
		int rc;

		if (c->tls) {
			r = s->tls_ops->write(c->tls, p, n, &want);
			if (r < 0 && r != -EAGAIN)
				return (int)r;
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -ERR_EOF;
			if (r < 0)
				r = -EAGAIN;
		}
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		rc = http_wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

void http_conn_close(struct http_session *s, struct http_conn *c)
{
	if (c->fd < 0)
		return;
	if (c->tls)
		s->tls_ops->conn_free(c->tls);
	c->tls = NULL;
	close(c->fd);
	c->fd = -1;
}

static struct tls_saved *saved_slot(struct http_session *s, const char *host, int port, bool make)
{
	struct tls_saved *free_slot = NULL;

	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		struct tls_saved *v = &s->saved[i];

		if (v->sess && v->port == port && !strcmp(v->host, host))
			return v;
		if (!v->sess && !free_slot)
			free_slot = v;
	}
	if (!make)
		return NULL;
	if (!free_slot) {
		free_slot = &s->saved[http_rng_next(s) % CONFIG_HTTP_POOL];
		s->tls_ops->sess_free(free_slot->sess);
		free_slot->sess = NULL;
	}
	snprintf(free_slot->host, sizeof(free_slot->host), "%s", host);
	free_slot->port = port;
	return free_slot;
}

static int tls_start(struct http_session *s, struct http_conn *c, const struct url_http *u,
		     int64_t deadline)
{
	struct tls_saved *sv;
	int rc;

	if (!s->tls_ops) {
		LOG_ERR(LOG_HTTP, "https URL but this build has no TLS backend");
		return -ERR_UNSUPPORTED;
	}
	if (!s->tls) {
		rc = s->tls_ops->ctx_new(s->ca_file, s->o.tls_verify, &s->tls);
		if (rc)
			return rc;
	}
	sv = saved_slot(s, u->host, u->port, false);
	rc = s->tls_ops->conn_new(s->tls, c->fd, u->host, sv ? sv->sess : NULL, &c->tls);
	if (rc)
		return rc;
	for (;;) {
		short want = POLLIN;

		rc = s->tls_ops->handshake(c->tls, &want);
		if (rc == 0)
			break;
		if (rc != -EAGAIN)
			return rc;
		rc = http_wait_fd(s, c->fd, want, deadline);
		if (rc)
			return rc;
	}
	LOG_DBG(LOG_TLS, "%s:%d: %s", u->host, u->port, s->tls_ops->describe(c->tls));
	sv = saved_slot(s, u->host, u->port, true);
	if (sv) {
		struct tls_sess *ns = NULL;

		if (s->tls_ops->sess_get(c->tls, &ns) == 0) {
			s->tls_ops->sess_free(sv->sess);
			sv->sess = ns;
		}
	}
	return 0;
}

static int tcp_connect(struct http_session *s, const struct dns_result *res, int64_t deadline,
		       int *fd_out)
{
	int rc = -ERR_CONNECT;

	for (int i = 0; i < res->n; i++) {
		int fd = socket(res->addr[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);
		int one = 1, err = 0;
		socklen_t el = sizeof(err);

		if (fd < 0)
			return -errno;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (const struct sockaddr *)&res->addr[i], res->len[i]) == 0) {
			*fd_out = fd;
			return 0;
		}
		if (errno != EINPROGRESS) {
			close(fd);
			rc = -ERR_CONNECT;
			continue;
		}
		rc = http_wait_fd(s, fd, POLLOUT, deadline);
		if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
		if (rc == -ERR_CANCELLED || rc == -ERR_TIMEOUT)
			return rc;
		rc = -ERR_CONNECT;
	}
	return rc;
}

/* Returns a pooled live connection to the URL's origin, or opens one. */
int http_conn_get(struct http_session *s, const struct url_http *u, struct http_conn **out,
		  bool *reused, bool fresh)
{
	struct http_conn *c = NULL, *lru = NULL;
	struct dns_result res;
	int64_t t = mono_ms(), deadline;
	int rc;

	*reused = false;
	for (int i = 0; i < CONFIG_HTTP_POOL; i++) {
		struct http_conn *p = &s->pool[i];

		if (p->fd >= 0 && (t - p->last_ms > CONFIG_HTTP_KEEPALIVE_IDLE_S * 1000L)) {
			http_conn_close(s, p);
		}
		if (p->fd >= 0 && p->port == u->port && p->is_tls == u->tls &&
		    !strcmp(p->host, u->host)) {
			struct pollfd pf = {p->fd, POLLIN, 0};

			/* readable while idle means closed (or junk): not reusable */
			if (fresh || poll(&pf, 1, 0) != 0) {
				http_conn_close(s, p);
			} else if (!c) {
				c = p;
				continue;
			}
		}
		if (!lru || p->fd < 0 || (lru->fd >= 0 && p->last_ms < lru->last_ms))
			lru = p;
	}
	if (c) {
		*reused = true;
		*out = c;
		return 0;
	}
	c = lru;
	http_conn_close(s, c);
	rc = dns_cache_resolve(&s->dns, u->host, u->port, s->o.cancel_fd, s->o.connect_timeout_ms,
			       &res);
	if (rc)
		return rc;
	deadline = mono_ms() + s->o.connect_timeout_ms;
	rc = tcp_connect(s, &res, deadline, &c->fd);
	if (rc) {
		if (rc == -ERR_CONNECT)
			LOG_WARN(LOG_HTTP, "cannot connect to %s:%d", u->host, u->port);
		else if (rc == -ERR_TIMEOUT)
			LOG_WARN(LOG_HTTP, "connecting to %s:%d timed out", u->host, u->port);
		c->fd = -1;
		return rc;
	}
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	c->port = u->port;
	c->is_tls = u->tls;
	c->uses = 0;
	c->tls = NULL;
	if (u->tls) {
		rc = tls_start(s, c, u, mono_ms() + s->o.connect_timeout_ms);
		if (rc) {
			if (rc == -ERR_TIMEOUT)
				LOG_WARN(LOG_HTTP, "TLS handshake with %s:%d timed out", u->host,
					 u->port);
			http_conn_close(s, c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

void http_conn_release(struct http_session *s, struct http_conn *c, bool reusable)
{
	if (!reusable) {
		http_conn_close(s, c);
		return;
	}
	c->last_ms = mono_ms();
}
