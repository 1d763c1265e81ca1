/* Control server transport: messages, unicast and broadcast to clients, error replies. */
#include <stdlib.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/frame.h"
#include "core/ctrl/server_int.h"
#include "net/http.h"

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

/* ---- unicast and broadcast ------------------------------------------------------ */

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

/* Queues ob for every authenticated client whose subscriptions cover mask (0: everyone). */
static void ctrl_send_group(struct ctrl *c, unsigned mask, uint8_t *frame, size_t len)
{
	struct obuf *ob = obuf_new(frame, len);

	if (!ob) {
		LOG_ERR(LOG_CTRL, "out of memory for a broadcast");
		return;
	}
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		struct ctrl_client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->authed && !cl->closing && (cl->subs & mask) == mask)
			ctrl_send(c, cl, ob);
	}
	obuf_put(ob);
}

void ctrl_broadcast_frame(struct ctrl *c, uint8_t *frame, size_t len)
{
	ctrl_send_group(c, 0, frame, len);
}

void ctrl_send_subscribed(struct ctrl *c, unsigned mask, uint8_t *frame, size_t len)
{
	ctrl_send_group(c, mask, frame, len);
}

int ctrl_subscribed(const struct ctrl *c, unsigned mask)
{
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		const struct ctrl_client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->authed && !cl->closing && (cl->subs & mask) == mask)
			return 1;
	}
	return 0;
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
