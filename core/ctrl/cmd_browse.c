/*
 * Browse commands: get_categories and get_media_items, queued and run by a fixed pool of
 * browse workers; one provider's calls run in order, different providers' side by side.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/base/utf8.h"
#include "core/ctrl/cmd_int.h"
#include "core/ctrl/frame.h"
#include "core/ctrl/paths.h"
#include "net/http.h"

/* ---- browse (get_categories, get_media_items) ----------------------------------- */

void cmd_browse_free(struct browse_req *q)
{
	if (!q)
		return;
	config_unref(q->cfg);
	free(q->frame);
	free(q);
}

/* Browse worker body. */
static int cmd_browse_run(struct job *j, void *arg)
{
	struct browse_req *q = arg;
	struct http_session *http = NULL;
	struct prov_ctx ctx;
	struct dbuf b;
	struct jw w;
	size_t pre;
	int rc;

	if (!q->is_test) {
		struct http_session_opts o;

		cmd_http_opts(q->cfg, job_cancel_fd(j), &o);
		rc = http_session_new(&o, &http);
		if (rc)
			return rc;
	}
	ctx.provider_id = q->provider_id;
	ctx.data_dir = q->data_dir;
	ctx.cfg = q->cfg;
	ctx.http = http;
	ctx.cancel_fd = job_cancel_fd(j);
	/*
	 * The provider writes its array as a whole document (it may call jw_finish() itself), so
	 * it gets a fresh writer at depth 0 placed after the frame's fixed prefix in the same
	 * buffer: no copy of a large catalogue.
	 */
	dbuf_init(&b, CONFIG_CTRL_MAX_REPLY + FRAME_HDR);
	dbuf_add(&b, "\0\0\0\0", FRAME_HDR);
	dbuf_adds(&b, q->items ? "[\"get_media_items\", {\"data\": "
			       : "[\"get_categories\", {\"data\": ");
	pre = b.len;
	jw_init(&w, &b);
	if (q->items)
		rc = q->prov->list_items(&ctx, q->category, &w);
	else
		rc = q->prov->list_categories(&ctx, &w);
	if (!rc)
		rc = jw_finish(&w);
	if (!rc && b.len == pre)
		rc = -ERR_FAILURE; /* nothing written */
	if (!rc)
		dbuf_adds(&b, "}]");
	if (!rc)
		rc = b.err;
	if (!rc) {
		frame_put_len(b.p, (uint32_t)(b.len - FRAME_HDR));
		q->frame = dbuf_take(&b, &q->len);
	} else {
		dbuf_free(&b);
	}
	if (http)
		http_session_free(http);
	return rc;
}

static void cmd_browse_timeout(struct loop *l, void *ctx)
{
	struct browse_worker *bw = ctx;
	struct browse_req *q = bw->req;

	UNUSED(l);
	bw->timer = 0;
	if (!q || q->answered)
		return;
	LOG_WARN(LOG_CTRL, "provider %s did not answer in time", q->provider_id);
	q->answered = 1;
	ctrl_send_error(bw->m->ctrl, q->client, -ERR_TIMEOUT,
			"The provider did not answer in time.");
	jobs_cancel(bw->m->ctrl->jobs, JOB_BROWSE0 + bw->idx);
}

/* 1 when a worker runs a call of that provider: its calls stay in order. */
static int cmd_browse_provider_busy(const struct cmd_state *m, const char *id)
{
	for (int w = 0; w < CONFIG_BROWSE_WORKERS; w++)
		if (m->bw[w].req && strcmp(m->bw[w].req->provider_id, id) == 0)
			return 1;
	return 0;
}

/* A worker that is free (no request, its thread reaped), or NULL. */
static struct browse_worker *cmd_browse_free_worker(struct cmd_state *m)
{
	for (int w = 0; w < CONFIG_BROWSE_WORKERS; w++)
		if (!m->bw[w].req && !jobs_busy(m->ctrl->jobs, JOB_BROWSE0 + w))
			return &m->bw[w];
	return NULL;
}

/* Takes request i out of the queue (arrival order kept). */
static struct browse_req *cmd_browse_take(struct cmd_state *m, int i)
{
	struct browse_req *q = m->bq[i];

	for (; i + 1 < m->bq_count; i++)
		m->bq[i] = m->bq[i + 1];
	m->bq_count--;
	return q;
}

/* Starts q on worker bw; 0, or an error (q is answered and freed). */
static int cmd_browse_launch(struct cmd_state *m, struct browse_worker *bw, struct browse_req *q)
{
	struct ctrl *c = m->ctrl;
	long ms =
		config_get_int(c->cfg, "provider_timeout_ms", (long)CONFIG_PROVIDER_TIMEOUT * 1000);
	int rc = jobs_start(c->jobs, JOB_BROWSE0 + bw->idx, cmd_browse_run, q);

	if (rc) {
		LOG_ERR(LOG_CTRL, "cannot start a browse worker: %s", err_str(rc));
		ctrl_send_error(c, q->client, rc, "The server could not start the request.");
		cmd_browse_free(q);
		return rc;
	}
	bw->req = q;
	q->worker = bw;
	bw->timer = loop_timer_add(c->loop, ms > 0 ? ms : 1, cmd_browse_timeout, bw);
	if (bw->timer < 0)
		bw->timer = 0;
	return 0;
}

/* Starts queued requests on free workers: the oldest whose provider is not busy first. */
static void cmd_browse_next(struct cmd_state *m)
{
	struct ctrl *c = m->ctrl;
	struct browse_worker *bw;

	while (!c->quit && (bw = cmd_browse_free_worker(m)) != NULL) {
		int i;

		for (i = 0; i < m->bq_count; i++) {
			if (!ctrl_client_get(c, m->bq[i]->client)) {
				cmd_browse_free(cmd_browse_take(m, i));
				i--;
				continue;
			}
			if (!cmd_browse_provider_busy(m, m->bq[i]->provider_id))
				break;
		}
		if (i >= m->bq_count)
			return;
		cmd_browse_launch(m, bw, cmd_browse_take(m, i));
	}
}

void cmd_browse_client_gone(struct cmd_state *m, uint32_t id)
{
	/* Its running requests are cancelled; queued ones are skipped when their turn comes. */
	for (int w = 0; w < CONFIG_BROWSE_WORKERS; w++) {
		struct browse_req *q = m->bw[w].req;

		if (q && q->client == id && !q->answered && m->ctrl->jobs) {
			q->answered = 1;
			jobs_cancel(m->ctrl->jobs, JOB_BROWSE0 + w);
		}
	}
}

void cmd_browse_drop_all(struct cmd_state *m)
{
	while (m->bq_count)
		cmd_browse_free(cmd_browse_take(m, m->bq_count - 1));
}

int cmd_browse_pending(const struct cmd_state *m)
{
	int n = m->bq_count;

	for (int w = 0; w < CONFIG_BROWSE_WORKERS; w++)
		n += m->bw[w].req != NULL;
	return n;
}

void cmd_browse(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args,
		int items)
{
	struct ctrl *c = m->ctrl;
	struct browse_req *q;
	const char *why = NULL;
	int rc;

	q = calloc(1, sizeof(*q));
	if (!q) {
		ctrl_send_error(c, cl->id, -ENOMEM, "The server is out of memory.");
		return;
	}
	q->client = cl->id;
	q->items = items;
	rc = cmd_provider(c, r, args, q->provider_id, sizeof(q->provider_id), &q->prov, &q->is_test,
			  &why, 0);
	if (!rc && items) {
		int t = jr_path(r, args, "category", "name", (const char *)NULL);

		if (t < 0 || jr_str(r, t, q->category, sizeof(q->category)) < 0) {
			rc = -ERR_BAD_REQUEST;
			why = "No valid category.name was given.";
		}
	}
	if (!rc)
		rc = cmd_data_dir(c, r, args, q->provider_id, q->data_dir, sizeof(q->data_dir),
				  &why);
	if (!rc && m->bq_count == CONFIG_CTRL_BROWSE_QUEUE) {
		rc = -ERR_LIMIT;
		why = "The server is busy; try again.";
	}
	if (rc) {
		ctrl_send_error(c, cl->id, rc, why);
		free(q);
		return;
	}
	q->cfg = config_ref(c->cfg);
	m->bq[m->bq_count++] = q;
	cmd_browse_next(m);
}

void cmd_browse_done(struct cmd_state *m, struct browse_req *q, int rc, int cancelled)
{
	struct ctrl *c = m->ctrl;
	struct browse_worker *bw = q->worker;

	if (bw && bw->req == q) {
		bw->req = NULL;
		loop_timer_del(c->loop, bw->timer);
		bw->timer = 0;
	}
	if (!q->answered && !cancelled) {
		if (!rc && q->frame) {
			ctrl_send_frame(c, q->client, q->frame, q->len);
			q->frame = NULL;
		} else {
			const char *why = rc == -ERR_TOO_LARGE
						  ? "The catalogue is larger than the reply limit."
						  : NULL;

			LOG_WARN(LOG_CTRL, "provider %s: %s failed: %s", q->provider_id,
				 q->items ? "list_items" : "list_categories", err_str(rc));
			ctrl_send_error(c, q->client, rc ? rc : -ERR_FAILURE, why);
		}
	}
	cmd_browse_free(q);
	cmd_browse_next(m);
}
