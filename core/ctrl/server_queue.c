/* Control server transport: per-client output queues of shared frames, and the backlog cut-off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/base/log.h"
#include "core/ctrl/server_int.h"

/* ---- shared frames -------------------------------------------------------------- */

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

/* ---- queues ---------------------------------------------------------------------- */

int ctrl_flush(struct ctrl *c, struct ctrl_client *cl)
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
