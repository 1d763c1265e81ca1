/* Cancellable name resolution: getaddrinfo() in a detached helper thread, result via a socketpair.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "net/dns.h"

/* Shared by the caller and the helper; whoever drops the last reference frees it. */
struct dns_job {
	atomic_int refs;
	int sp[2]; /* sp[0]: caller polls; sp[1]: helper writes one byte when done */
	char host[256];
	int rc;
	struct dns_result res;
};

static void job_put(struct dns_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) == 1) {
		close(j->sp[0]);
		close(j->sp[1]);
		free(j);
	}
}

static void *dns_thread(void *arg)
{
	struct dns_job *j = arg;
	struct addrinfo hints = {0}, *ai = NULL, *p;
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(j->host, NULL, &hints, &ai);
	if (rc == 0) {
		for (p = ai; p && j->res.n < DNS_MAX_ADDRS; p = p->ai_next) {
			if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) ||
			    p->ai_addrlen > sizeof(j->res.addr[0]))
				continue;
			memcpy(&j->res.addr[j->res.n], p->ai_addr, p->ai_addrlen);
			j->res.len[j->res.n++] = p->ai_addrlen;
		}
		freeaddrinfo(ai);
		j->rc = j->res.n ? 0 : -ERR_DNS;
	} else {
		j->rc = -ERR_DNS;
	}
	/* the caller may be gone: MSG_NOSIGNAL keeps a closed peer from raising SIGPIPE */
	(void)!send(j->sp[1], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	job_put(j);
	return NULL;
}

static void set_port(struct dns_result *r, int port)
{
	for (int i = 0; i < r->n; i++) {
		if (r->addr[i].ss_family == AF_INET)
			((struct sockaddr_in *)&r->addr[i])->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&r->addr[i])->sin6_port = htons((uint16_t)port);
	}
}

static int literal(const char *host, struct dns_result *out)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&out->addr[0];
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->addr[0];

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		out->len[0] = sizeof(*a4);
		out->n = 1;
		return 1;
	}
	memset(&out->addr[0], 0, sizeof(out->addr[0]));
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		out->len[0] = sizeof(*a6);
		out->n = 1;
		return 1;
	}
	return 0;
}

int dns_resolve(const char *host, int port, int cancel_fd, int timeout_ms, struct dns_result *out)
{
	struct dns_job *j;
	pthread_attr_t attr;
	pthread_t th;
	int64_t t0;
	int rc;

	if (literal(host, out)) {
		set_port(out, port);
		return 0;
	}
	if (strlen(host) >= sizeof(j->host) || !host[0])
		return -ERR_DNS;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j->sp)) {
		free(j);
		return -errno;
	}
	strcpy(j->host, host);
	atomic_init(&j->refs, 2);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* getaddrinfo needs some stack (glibc's NSS more than musl's) but not the default 8 MB */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&th, &attr, dns_thread, j);
	pthread_attr_destroy(&attr);
	if (rc) {
		close(j->sp[0]);
		close(j->sp[1]);
		free(j);
		return -rc;
	}
	t0 = mono_ms();
	for (;;) {
		struct pollfd pf[2] = {{j->sp[0], POLLIN, 0}, {cancel_fd, POLLIN, 0}};
		long left;

		left = (long)(timeout_ms - (mono_ms() - t0));
		if (left <= 0) {
			rc = -ERR_TIMEOUT;
			LOG_WARN(LOG_HTTP, "resolving %s: no answer within %d ms", host,
				 timeout_ms);
			break;
		}
		rc = poll(pf, cancel_fd >= 0 ? 2 : 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			rc = -errno;
			break;
		}
		if (cancel_fd >= 0 && pf[1].revents) {
			rc = -ERR_CANCELLED;
			break;
		}
		if (pf[0].revents) {
			rc = j->rc;
			if (rc == 0) {
				*out = j->res;
				set_port(out, port);
			} else {
				LOG_WARN(LOG_HTTP, "host %s did not resolve", host);
			}
			break;
		}
	}
	job_put(j);
	return rc;
}

int dns_cache_resolve(struct dns_cache *c, const char *host, int port, int cancel_fd,
		      int timeout_ms, struct dns_result *out)
{
	int64_t t = mono_ms();
	struct dns_cached *slot = &c->e[0];
	int rc;

	for (int i = 0; i < CONFIG_HTTP_DNS_CACHE; i++) {
		struct dns_cached *d = &c->e[i];

		if (d->host[0] && !strcmp(d->host, host) &&
		    t - d->at_ms < CONFIG_HTTP_DNS_CACHE_S * 1000) {
			*out = d->res;
			set_port(out, port);
			return 0;
		}
		if (d->at_ms < slot->at_ms)
			slot = d;
	}
	rc = dns_resolve(host, port, cancel_fd, timeout_ms, out);
	if (rc == 0 && CONFIG_HTTP_DNS_CACHE > 0) {
		snprintf(slot->host, sizeof(slot->host), "%s", host);
		slot->at_ms = t;
		slot->res = *out;
	}
	return rc;
}
