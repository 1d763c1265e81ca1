/* Host name resolution that a cancel fd or a deadline can interrupt at once. */
#ifndef SS_NET_DNS_H
#define SS_NET_DNS_H

#include <sys/socket.h>

#include "core/base/common.h"
#include "net/url.h"

#define DNS_MAX_ADDRS 4

struct dns_result {
	int n;
	struct sockaddr_storage addr[DNS_MAX_ADDRS];
	socklen_t len[DNS_MAX_ADDRS];
};

/*
 * Resolves host (IPv4/IPv6 literals without any lookup) to at most DNS_MAX_ADDRS TCP
 * addresses with port set. A name is looked up by getaddrinfo() in a short-lived detached
 * thread, so a readable cancel_fd (-1: none) returns -ERR_CANCELLED and a passed
 * timeout_ms returns -ERR_TIMEOUT at once; the abandoned lookup finishes on its own.
 * Returns 0, -ERR_DNS, -ERR_TIMEOUT, -ERR_CANCELLED or -ENOMEM/-EAGAIN.
 */
int dns_resolve(const char *host, int port, int cancel_fd, int timeout_ms, struct dns_result *out);

/* Recent answers of one HTTP session: CONFIG_HTTP_DNS_CACHE names, each kept for
 * CONFIG_HTTP_DNS_CACHE_S seconds. Zeroed memory is an empty cache. */
struct dns_cached {
	char host[URL_HOST_MAX];
	int64_t at_ms;
	struct dns_result res;
};

struct dns_cache {
	struct dns_cached e[CONFIG_HTTP_DNS_CACHE > 0 ? CONFIG_HTTP_DNS_CACHE : 1];
};

/* dns_resolve() answered from c when host was resolved recently; a new answer is stored in
 * place of the oldest. */
int dns_cache_resolve(struct dns_cache *c, const char *host, int port, int cancel_fd,
		      int timeout_ms, struct dns_result *out);

#endif
