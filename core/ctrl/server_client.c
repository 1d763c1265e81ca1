/* Control server transport: the client table (admission, close, linger) and input framing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/frame.h"
#include "core/ctrl/server_int.h"

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

void ctrl_client_close(struct ctrl *c, struct ctrl_client *cl, const char *why)
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

void ctrl_client_events(struct ctrl *c, struct ctrl_client *cl)
{
	unsigned ev = 0;

	if (!cl->closing || cl->lingering)
		ev |= POLLIN;
	if (cl->qcount && !cl->lingering)
		ev |= POLLOUT;
	loop_set_events(c->loop, cl->fd, ev);
}

static void ctrl_linger_done(struct loop *l, void *ctx);

void ctrl_client_linger(struct ctrl *c, struct ctrl_client *cl)
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

/* ---- admission ------------------------------------------------------------------ */

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

/* A connection beyond the table gets one error naming the limit, then the close. The frame
 * is small and the socket new, so one non-blocking send fits its empty send buffer; what the
 * peer sent already is drained first, so the close does not turn into a reset that would
 * discard the error before the peer reads it. */
static void ctrl_refuse(int s)
{
	char msg[96], junk[512];
	uint8_t *f;
	size_t len;

	snprintf(msg, sizeof(msg), "Too many clients: the control port serves at most %d at once.",
		 CONFIG_CTRL_MAX_CLIENTS);
	f = ctrl_error_frame(-ERR_LIMIT, msg, NULL, NULL, &len);
	if (f) {
		(void)send(s, f, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(f);
	}
	shutdown(s, SHUT_WR);
	for (int i = 0; i < 8 && recv(s, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	close(s);
}

void ctrl_accept(struct loop *l, int fd, unsigned revents, void *ctx)
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
			ctrl_refuse(s);
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
		cl->subs = 0;
		snprintf(cl->peer, sizeof(cl->peer), "%s:%s", host, port);
		LOG_INFO(LOG_CTRL, "client %s connected", cl->peer);
		f = malloc(sizeof(ready_frame));
		if (f) {
			memcpy(f, ready_frame, sizeof(ready_frame));
			ctrl_send_frame(c, cl->id, f, sizeof(ready_frame));
		}
	}
}
