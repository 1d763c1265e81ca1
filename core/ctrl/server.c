/* Control server transport: listening socket, client table, framing, output queues, broadcast. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/ctrl/ctrl_int.h"
#include "core/base/err.h"
#include "net/http.h"
#include "core/ctrl/frame.h"
#include "core/base/log.h"

/* Fixed loop capacity: listener, signal pipe, clients, plus spare for the lingering. */
#define CTRL_LOOP_FDS (CONFIG_CTRL_MAX_CLIENTS + 4)
#define CTRL_LOOP_TIMERS (CONFIG_CTRL_MAX_CLIENTS + 8)
#define CTRL_ERR_CAP 1024

/* ---- messages ------------------------------------------------------------------- */

void ctrl_msg_begin(struct dbuf *b, struct jw *w, size_t cap, const char *cmd)
{
	static const uint8_t zero[FRAME_HDR];

	dbuf_init(b, cap + FRAME_HDR);
	dbuf_add(b, zero, sizeof(zero));
	jw_init(w, b);
	jw_arr_begin(w);
	jw_str(w, cmd);
	jw_obj_begin(w);
}

int ctrl_msg_end(struct dbuf *b, struct jw *w, uint8_t **frame, size_t *len)
{
	int rc;

	jw_obj_end(w);
	jw_arr_end(w);
	rc = jw_finish(w);
	if (!rc && b->err)
		rc = b->err;
	if (rc) {
		dbuf_free(b);
		return rc;
	}
	frame_put_len(b->p, (uint32_t)(b->len - FRAME_HDR));
	*frame = dbuf_take(b, len);
	return 0;
}

uint8_t *ctrl_error_frame(int rc, const char *msg, const char *recorder_id, const char *rec_dir,
			  size_t *len)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f = NULL;

	if (!msg)
		msg = err_str(rc);
	ctrl_msg_begin(&b, &w, CTRL_ERR_CAP + 2 * HTTP_URL_MAX, "stop");
	jw_kstr(&w, "reason", "error");
	jw_kstr(&w, "error_id", err_id(rc));
	jw_kstr(&w, "msg", msg);
	jw_kstr(&w, "message", msg);
	jw_kstr(&w, "recorder_id", recorder_id ? recorder_id : "unknown");
	if (rec_dir)
		jw_kstr(&w, "rec_dir", rec_dir);
	if (ctrl_msg_end(&b, &w, &f, len))
		return NULL;
	return f;
}

struct obuf *obuf_new(uint8_t *frame, size_t len)
{
	struct obuf *ob;

	if (!frame)
		return NULL;
	ob = malloc(sizeof(*ob));
	if (!ob) {
		free(frame);
		return NULL;
	}
	ob->ref = 1;
	ob->len = len;
	ob->data = frame;
	return ob;
}

void obuf_put(struct obuf *ob)
{
	if (ob && --ob->ref == 0) {
		free(ob->data);
		free(ob);
	}
}

/* ---- clients -------------------------------------------------------------------- */

struct ctrl_client *ctrl_client_get(struct ctrl *c, uint32_t id)
{
	for (int i = 0; id && i < CONFIG_CTRL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].id == id)
			return &c->cl[i];
	return NULL;
}

int ctrl_client_count(const struct ctrl *c)
{
	int n = 0;

	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++)
		n += c->cl[i].fd >= 0;
	return n;
}

static void ctrl_client_close(struct ctrl *c, struct ctrl_client *cl, const char *why)
{
	uint32_t id = cl->id;

	if (cl->fd < 0)
		return;
	LOG_INFO(LOG_CTRL, "client %s closed (%s)", cl->peer, why);
	loop_del(c->loop, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	cl->id = 0;
	loop_timer_del(c->loop, cl->timer);
	cl->timer = 0;
	free(cl->in);
	cl->in = NULL;
	cl->in_len = cl->in_cap = 0;
	while (cl->qcount) {
		obuf_put(cl->q[cl->qhead]);
		cl->qhead = (cl->qhead + 1) % CONFIG_CTRL_OUT_QUEUE;
		cl->qcount--;
	}
	cl->qoff = 0;
	cl->backlog = 0;
	c->ops->client_gone(c->cmd, id);
}

static void ctrl_client_events(struct ctrl *c, struct ctrl_client *cl)
{
	unsigned ev = 0;

	if (!cl->closing || cl->lingering)
		ev |= POLLIN;
	if (cl->qcount && !cl->lingering)
		ev |= POLLOUT;
	loop_set_events(c->loop, cl->fd, ev);
}

/* Output queue drained on a closing client: send FIN, then discard input for a while. */
static void ctrl_client_linger(struct ctrl *c, struct ctrl_client *cl);

/* Writes as much of the queue as the socket takes. Returns 0, or -1 when cl was closed. */
static int ctrl_flush(struct ctrl *c, struct ctrl_client *cl)
{
	while (cl->qcount) {
		struct iovec iov[16];
		struct msghdr mh = {0};
		int n = 0;
		ssize_t w;

		for (int i = 0; i < cl->qcount && n < (int)ARRAY_SIZE(iov); i++, n++) {
			struct obuf *ob = cl->q[(cl->qhead + i) % CONFIG_CTRL_OUT_QUEUE];
			size_t off = i == 0 ? cl->qoff : 0;

			iov[n].iov_base = ob->data + off;
			iov[n].iov_len = ob->len - off;
		}
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		w = sendmsg(cl->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			ctrl_client_close(c, cl, strerror(errno));
			return -1;
		}
		cl->backlog -= (size_t)w;
		while (w > 0) {
			struct obuf *ob = cl->q[cl->qhead];
			size_t left = ob->len - cl->qoff;

			if ((size_t)w < left) {
				cl->qoff += (size_t)w;
				break;
			}
			w -= (ssize_t)left;
			cl->qoff = 0;
			obuf_put(ob);
			cl->qhead = (cl->qhead + 1) % CONFIG_CTRL_OUT_QUEUE;
			cl->qcount--;
		}
	}
	if (!cl->qcount && cl->closing && !cl->lingering) {
		ctrl_client_linger(c, cl);
		return cl->fd < 0 ? -1 : 0;
	}
	ctrl_client_events(c, cl);
	return 0;
}

int ctrl_send(struct ctrl *c, struct ctrl_client *cl, struct obuf *ob)
{
	if (cl->fd < 0 || cl->lingering)
		return 0;
	/* An empty queue takes any frame (replies are capped by CTRL_MAX_REPLY). */
	if (cl->qcount == CONFIG_CTRL_OUT_QUEUE ||
	    (cl->backlog && cl->backlog + ob->len > CONFIG_CTRL_MAX_BACKLOG)) {
		LOG_WARN(LOG_CTRL, "client %s does not read (%zu bytes queued): disconnecting",
			 cl->peer, cl->backlog);
		ctrl_client_close(c, cl, "backlog");
		return -1;
	}
	ob->ref++;
	cl->q[(cl->qhead + cl->qcount) % CONFIG_CTRL_OUT_QUEUE] = ob;
	cl->qcount++;
	cl->backlog += ob->len;
	return ctrl_flush(c, cl);
}

void ctrl_send_frame(struct ctrl *c, uint32_t id, uint8_t *frame, size_t len)
{
	struct ctrl_client *cl = ctrl_client_get(c, id);
	struct obuf *ob;

	if (!cl) {
		free(frame);
		return;
	}
	ob = obuf_new(frame, len);
	if (!ob) {
		LOG_ERR(LOG_CTRL, "out of memory for a reply to %s", cl->peer);
		return;
	}
	ctrl_send(c, cl, ob);
	obuf_put(ob);
}

void ctrl_broadcast_frame(struct ctrl *c, uint8_t *frame, size_t len)
{
	struct obuf *ob = obuf_new(frame, len);

	if (!ob) {
		LOG_ERR(LOG_CTRL, "out of memory for a broadcast");
		return;
	}
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		struct ctrl_client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->authed && !cl->closing)
			ctrl_send(c, cl, ob);
	}
	obuf_put(ob);
}

void ctrl_send_error(struct ctrl *c, uint32_t id, int rc, const char *msg)
{
	size_t len;
	uint8_t *f;

	if (!ctrl_client_get(c, id))
		return;
	f = ctrl_error_frame(rc, msg, c->ops->recorder_id(c->cmd), NULL, &len);
	if (f)
		ctrl_send_frame(c, id, f, len);
}

void ctrl_client_fail(struct ctrl *c, struct ctrl_client *cl, int rc, const char *msg)
{
	uint32_t id = cl->id;

	ctrl_send_error(c, id, rc, msg);
	if (cl->fd < 0 || cl->id != id)
		return;
	cl->closing = 1;
	cl->in_len = 0;
	ctrl_flush(c, cl);
}

static void ctrl_linger_done(struct loop *l, void *ctx);

static void ctrl_client_linger(struct ctrl *c, struct ctrl_client *cl)
{
	/* FIN after the error frame; input still arriving is read and dropped so the kernel
	 * does not answer it with a reset that could destroy the unread error at the peer. */
	shutdown(cl->fd, SHUT_WR);
	cl->lingering = 1;
	free(cl->in);
	cl->in = NULL;
	cl->in_cap = cl->in_len = 0;
	cl->timer = loop_timer_add(c->loop, CONFIG_CTRL_LINGER_MS, ctrl_linger_done, cl);
	if (cl->timer < 0) {
		cl->timer = 0;
		ctrl_client_close(c, cl, "closed after error");
		return;
	}
	ctrl_client_events(c, cl);
}

static void ctrl_linger_done(struct loop *l, void *ctx)
{
	struct ctrl_client *cl = ctx;

	UNUSED(l);
	cl->timer = 0;
	ctrl_client_close(cl->ctrl, cl, "closed after error");
}

/* ---- inbound frames ------------------------------------------------------------- */

static int ctrl_token_ok(const char *want, const char *got)
{
	size_t a = strlen(want), b = strlen(got);
	unsigned diff = (unsigned)(a ^ b);

	/* Constant time in the token's length: no early exit on the first mismatch. */
	for (size_t i = 0; i < a; i++)
		diff |= (unsigned)(want[i] ^ (i < b ? got[i] : 0));
	return diff == 0;
}

/* Checks the frame's shape; returns NULL (with *r, *args, cmd set) or the error sentence. */
static const char *ctrl_parse(struct ctrl *c, const struct frame_view *v, struct jr *r, int *args,
			      char *cmd, size_t cap)
{
	int rc, name;

	*args = -1;
	if (v->len == 0)
		return "The frame is empty.";
	rc = jr_parse(r, (const char *)v->p, v->len, c->toks, CONFIG_JSON_MAX_TOKENS);
	if (rc == -ERR_LIMIT)
		return "The request has too many JSON values.";
	if (rc)
		return "The frame is not valid UTF-8 JSON.";
	name = jr_at(r, 0, 0);
	if (!jr_is_arr(r, 0) || r->t[0].size < 1 || r->t[0].size > 2 || !jr_is_str(r, name))
		return "The frame is not a [command, args] array.";
	if (r->t[0].size == 2) {
		*args = jr_at(r, 0, 1);
		if (!jr_is_obj(r, *args))
			return "The args are not an object.";
	}
	if (jr_str(r, name, cmd, cap) < 0)
		cmd[0] = '\0';
	return NULL;
}

/* Handles one complete frame; cl may be closed on return. */
static void ctrl_frame(struct ctrl *c, struct ctrl_client *cl, const struct frame_view *v)
{
	struct jr r;
	char cmd[32];
	int args;
	const char *bad = ctrl_parse(c, v, &r, &args, cmd, sizeof(cmd));

	if (!cl->authed) {
		const char *token = config_get(c->cfg, "auth_token", "");
		char got[256];
		int t = bad ? -1 : jr_get(&r, args, "token");

		/* Until authenticated, anything but a correct auth frame ends the connection. */
		if (bad || strcmp(cmd, "auth") || t < 0 || jr_str(&r, t, got, sizeof(got)) < 0 ||
		    !ctrl_token_ok(token, got)) {
			LOG_WARN(LOG_CTRL, "client %s failed to authenticate", cl->peer);
			ctrl_client_fail(c, cl, -ERR_FORBIDDEN, "Authentication required.");
			return;
		}
		cl->authed = 1;
		LOG_INFO(LOG_CTRL, "client %s authenticated", cl->peer);
	} else if (bad) {
		LOG_INFO(LOG_CTRL, "client %s: bad frame: %s", cl->peer, bad);
		ctrl_send_error(c, cl->id, -ERR_BAD_REQUEST, bad);
		return;
	}
	LOG_DBG(LOG_CTRL, "client %s: %s", cl->peer, cmd[0] ? cmd : "(unnamed)");
	c->ops->dispatch(c->cmd, cl, &r, cmd, args);
}

static int ctrl_in_resize(struct ctrl_client *cl, size_t cap)
{
	uint8_t *p = realloc(cl->in, cap);

	if (!p)
		return -ENOMEM;
	cl->in = p;
	cl->in_cap = cap;
	return 0;
}

/* Decodes every complete frame in the input buffer. */
static void ctrl_frames(struct ctrl *c, struct ctrl_client *cl)
{
	uint32_t id = cl->id;
	size_t off = 0, need = FRAME_HDR;

	while (cl->fd >= 0 && cl->id == id && !cl->closing) {
		struct frame_view v;
		size_t used;
		int r = frame_decode(cl->in + off, cl->in_len - off, CONFIG_CTRL_MAX_FRAME, &v,
				     &used, &need);

		if (r == 0)
			break;
		if (r < 0) {
			LOG_WARN(LOG_CTRL, "client %s announced a frame over %d bytes", cl->peer,
				 CONFIG_CTRL_MAX_FRAME);
			ctrl_client_fail(c, cl, -ERR_BAD_REQUEST, "The frame is too large.");
			return;
		}
		off += used;
		ctrl_frame(c, cl, &v);
	}
	if (cl->fd < 0 || cl->id != id || cl->closing)
		return;
	if (off) {
		memmove(cl->in, cl->in + off, cl->in_len - off);
		cl->in_len -= off;
	}
	/* Grow to exactly the frame being received; shrink back once it is handled. */
	if (need > cl->in_cap) {
		if (ctrl_in_resize(cl, need)) {
			ctrl_client_fail(c, cl, -ENOMEM, "The server is out of memory.");
			return;
		}
	} else if (cl->in_cap > CONFIG_CTRL_IN_BUF && need <= CONFIG_CTRL_IN_BUF &&
		   cl->in_len <= CONFIG_CTRL_IN_BUF) {
		ctrl_in_resize(cl, CONFIG_CTRL_IN_BUF);
	}
}

static void ctrl_client_io(struct loop *l, int fd, unsigned revents, void *ctx)
{
	struct ctrl_client *cl = ctx;
	struct ctrl *c = cl->ctrl;

	UNUSED(l);
	UNUSED(fd);
	if ((revents & POLLOUT) && ctrl_flush(c, cl) < 0)
		return;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (cl->lingering) {
		char buf[16384];
		ssize_t n = read(cl->fd, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			ctrl_client_close(c, cl, "closed after error");
		return;
	}
	if (cl->closing) {
		if (revents & (POLLHUP | POLLERR))
			ctrl_client_close(c, cl, "hang-up");
		return;
	}
	for (;;) {
		ssize_t n = read(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ctrl_client_close(c, cl, n == 0 ? "end of stream" : strerror(errno));
			return;
		}
		cl->in_len += (size_t)n;
		ctrl_frames(c, cl);
		return;
	}
}

/* ---- listening ------------------------------------------------------------------ */

/* 1 for 127.0.0.0/8, ::1 and v4-mapped 127.x peers. */
static int ctrl_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static const uint8_t ready_frame[] = {0,   0,	0,   13,  '[', '"', 'r', 'e', 'a',
				      'd', 'y', '"', ',', ' ', '{', '}', ']'};

static void ctrl_accept(struct loop *l, int fd, unsigned revents, void *ctx)
{
	struct ctrl *c = ctx;

	UNUSED(l);
	UNUSED(revents);
	for (int tries = 0; tries < CONFIG_CTRL_MAX_CLIENTS; tries++) {
		struct sockaddr_storage ss = {0}; /* accept4() fills it; zeroed for the analyzer */
		socklen_t sl = sizeof(ss);
		struct ctrl_client *cl = NULL;
		char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
		int one = 1, s;
		uint8_t *f;

		s = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				LOG_WARN(LOG_CTRL, "accept: %s", strerror(errno));
			return;
		}
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
			    NI_NUMERICHOST | NI_NUMERICSERV);
		for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
			if (c->cl[i].fd < 0) {
				cl = &c->cl[i];
				break;
			}
		}
		if (!cl) {
			LOG_WARN(LOG_CTRL, "client %s:%s refused: %d clients connected", host, port,
				 CONFIG_CTRL_MAX_CLIENTS);
			close(s);
			continue;
		}
		cl->in = malloc(CONFIG_CTRL_IN_BUF);
		if (!cl->in || loop_add(c->loop, s, POLLIN, ctrl_client_io, cl) < 0) {
			LOG_ERR(LOG_CTRL, "client %s:%s refused: out of memory", host, port);
			free(cl->in);
			cl->in = NULL;
			close(s);
			continue;
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		cl->fd = s;
		if (++c->next_id == 0)
			c->next_id = 1;
		cl->id = c->next_id;
		cl->in_cap = CONFIG_CTRL_IN_BUF;
		cl->in_len = 0;
		cl->authed = config_get(c->cfg, "auth_token", "")[0] == '\0' ||
			     (config_get_bool(c->cfg, "auth_exempt_loopback", 0) &&
			      ctrl_is_loopback(&ss));
		cl->closing = cl->lingering = 0;
		cl->timer = 0;
		snprintf(cl->peer, sizeof(cl->peer), "%s:%s", host, port);
		LOG_INFO(LOG_CTRL, "client %s connected", cl->peer);
		f = malloc(sizeof(ready_frame));
		if (f) {
			memcpy(f, ready_frame, sizeof(ready_frame));
			ctrl_send_frame(c, cl->id, f, sizeof(ready_frame));
		}
	}
}

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

static int ctrl_listen(struct ctrl *c)
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

static void ctrl_rebind(struct ctrl *c, const struct config *nc)
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

/* ---- signals and wake-ups ------------------------------------------------------- */

static void ctrl_on_wake(struct loop *l, void *ctx)
{
	struct ctrl *c = ctx;

	UNUSED(l);
	jobs_dispatch(c->jobs);
}

static void ctrl_signal(struct loop *l, int fd, unsigned revents, void *ctx)
{
	struct ctrl *c = ctx;
	uint8_t sig[16];
	ssize_t n;

	UNUSED(revents);
	n = read(fd, sig, sizeof(sig));
	for (ssize_t i = 0; i < n; i++) {
		if (sig[i] == SIGHUP && c->reload) {
			struct config *nc = NULL;

			if (c->reload(c->reload_ctx, &nc) == 0 && nc) {
				ctrl_rebind(c, nc);
				config_unref(c->cfg);
				c->cfg = nc;
				LOG_INFO(LOG_MAIN, "configuration reloaded");
			} else {
				LOG_WARN(LOG_MAIN,
					 "configuration reload failed; keeping the old one");
			}
		} else if (sig[i] == SIGTERM || sig[i] == SIGINT) {
			LOG_INFO(LOG_MAIN, "signal %d: shutting down", sig[i]);
			c->quit = 1;
			loop_stop(l);
		}
	}
}

/* ---- lifecycle ------------------------------------------------------------------ */

int ctrl_server_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
		    const struct ctrl_ops *ops, void *cmd, struct ctrl **out)
{
	struct ctrl *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->ops = ops;
	c->cmd = cmd;
	c->lfd = -1;
	c->sig_fd = sig_fd;
	c->cfg = config_ref(cfg);
	c->reload = reload;
	c->reload_ctx = reload_ctx;
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		c->cl[i].fd = -1;
		c->cl[i].ctrl = c;
	}
	c->loop = loop_new(CTRL_LOOP_FDS, CTRL_LOOP_TIMERS, ctrl_on_wake, c);
	if (!c->loop) {
		ctrl_server_free(c);
		return -ENOMEM;
	}
	rc = ctrl_listen(c);
	if (!rc)
		rc = loop_add(c->loop, c->lfd, POLLIN, ctrl_accept, c);
	if (!rc && sig_fd >= 0)
		rc = loop_add(c->loop, sig_fd, POLLIN, ctrl_signal, c);
	if (!rc) {
		c->jobs = jobs_new(c->loop, ops->job_event, ops->job_done, cmd);
		if (!c->jobs)
			rc = -ENOMEM;
	}
	if (rc) {
		ctrl_server_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int ctrl_run(struct ctrl *c)
{
	int rc = loop_run(c->loop);

	/* Shutdown: the recording is finalised first, then clients see the connection end. */
	c->ops->shutdown(c->cmd);
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		struct ctrl_client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->qcount && !cl->lingering)
			ctrl_flush(c, cl);
		ctrl_client_close(c, cl, "server shutting down");
	}
	return rc;
}

void *ctrl_server_free(struct ctrl *c)
{
	void *cmd;

	if (!c)
		return NULL;
	if (c->jobs)
		c->ops->shutdown(c->cmd);
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++)
		ctrl_client_close(c, &c->cl[i], "server shutting down");
	if (c->lfd >= 0)
		close(c->lfd);
	if (jobs_free(c->jobs)) {
		/* A stuck worker still wakes the loop when it ends: keep both until exit (and the
		 * commands' state with them). */
		config_unref(c->cfg);
		return NULL;
	}
	loop_free(c->loop);
	config_unref(c->cfg);
	cmd = c->cmd;
	free(c);
	return cmd;
}
