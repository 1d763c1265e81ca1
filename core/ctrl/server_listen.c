/* Control server transport: the listening socket and its move on SIGHUP. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/server_int.h"

/* ---- listening ------------------------------------------------------------------ */

/* A listening socket on addr:port in *out; else a negative error, with why[0..cap) saying it. */
static int ctrl_listen_open(const char *addr, long port, int *out, char *why, size_t cap)
{
	struct addrinfo hints = {0}, *ai = NULL;
	char portstr[8];
	int one = 1, zero = 0, s, rc;

	if (port < 0 || port > 65535) {
		snprintf(why, cap, "port %ld is out of range", port);
		return -EINVAL;
	}
	snprintf(portstr, sizeof(portstr), "%ld", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* Numeric only: no DNS before listening. */
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (strlen(addr) >= sizeof(((struct ctrl *)0)->laddr) ||
	    getaddrinfo(addr, portstr, &hints, &ai)) {
		snprintf(why, cap, "listen address '%s' is not a numeric IPv4/IPv6 address", addr);
		return -EINVAL;
	}
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		rc = -errno;
		freeaddrinfo(ai);
		snprintf(why, cap, "socket: %s", strerror(-rc));
		return rc;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s, 16) < 0) {
		rc = -errno;
		snprintf(why, cap, "cannot listen on %s:%s: %s", addr, portstr, strerror(-rc));
		freeaddrinfo(ai);
		close(s);
		return rc;
	}
	freeaddrinfo(ai);
	*out = s;
	return 0;
}

int ctrl_listen(struct ctrl *c)
{
	const char *addr = config_get(c->cfg, "listen", CONFIG_CTRL_LISTEN);
	long port = config_get_int(c->cfg, "port", CONFIG_CTRL_PORT);
	char why[160];
	int rc = ctrl_listen_open(addr, port, &c->lfd, why, sizeof(why));

	if (rc) {
		LOG_ERR(LOG_MAIN, "%s", why);
		return rc;
	}
	snprintf(c->laddr, sizeof(c->laddr), "%s", addr);
	c->lport = port;
	LOG_INFO(LOG_MAIN, "listening on %s:%ld", addr, port);
	return 0;
}

/*
 * SIGHUP with another listen/port: the new socket is opened first and replaces the old one;
 * connected clients stay. When the old socket holds the port (127.0.0.1 -> 0.0.0.0 on the
 * same port) it is closed first and reopened if the new one fails. A failure keeps the old
 * address with a warning naming the key.
 */
static void ctrl_unlisten(struct ctrl *c)
{
	if (c->lfd < 0)
		return;
	loop_del(c->loop, c->lfd);
	close(c->lfd);
	c->lfd = -1;
}

void ctrl_rebind(struct ctrl *c, const struct config *nc)
{
	const char *addr = config_get(nc, "listen", CONFIG_CTRL_LISTEN);
	long port = config_get_int(nc, "port", CONFIG_CTRL_PORT);
	int a = strcmp(addr, c->laddr) != 0, p = port != c->lport, fd = -1, back = 0, rc;
	const char *keys = a && p ? "listen and port" : a ? "listen" : "port";
	char why[160], why2[160];

	if (!a && !p)
		return;
	rc = ctrl_listen_open(addr, port, &fd, why, sizeof(why));
	if (rc == -EADDRINUSE && !p) {
		/* the old socket holds the port (127.0.0.1 -> 0.0.0.0): hand it over */
		ctrl_unlisten(c);
		rc = ctrl_listen_open(addr, port, &fd, why, sizeof(why));
		if (rc)
			back = ctrl_listen_open(c->laddr, c->lport, &fd, why2, sizeof(why2)) == 0;
	}
	if (fd >= 0 && loop_add(c->loop, fd, POLLIN, ctrl_accept, c)) {
		close(fd);
		fd = -1;
		back = 0;
		if (!rc) {
			snprintf(why, sizeof(why), "no loop slot for the new socket");
			rc = -ERR_LIMIT;
		}
	}
	if (rc) {
		if (back)
			c->lfd = fd;
		if (c->lfd >= 0)
			LOG_WARN(LOG_MAIN, "config: %s changed but %s; still listening on %s:%ld",
				 keys, why, c->laddr, c->lport);
		else
			LOG_ERR(LOG_MAIN, "config: %s changed but %s; no longer listening", keys,
				why);
		if (c->lfd < 0)
			c->laddr[0] = '\0'; /* any later reload tries again */
		return;
	}
	ctrl_unlisten(c);
	LOG_INFO(LOG_MAIN, "listening on %s:%ld instead of %s:%ld (%s changed); clients stay", addr,
		 port, c->laddr, c->lport, keys);
	c->lfd = fd;
	snprintf(c->laddr, sizeof(c->laddr), "%s", addr);
	c->lport = port;
}
