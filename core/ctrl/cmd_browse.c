/* Browse commands: get_categories and get_media_items, queued and run on the browse job. */
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
	struct cmd_state *m = ctx;
	struct browse_req *q = m->browsing;

	UNUSED(l);
	m->browse_timer = 0;
	if (!q || q->answered)
		return;
	LOG_WARN(LOG_CTRL, "provider %s did not answer in time", q->provider_id);
	q->answered = 1;
	ctrl_send_error(m->ctrl, q->client, -ERR_TIMEOUT, "The provider did not answer in time.");
	jobs_cancel(m->ctrl->jobs, JOB_BROWSE);
}

static void cmd_browse_next(struct cmd_state *m)
{
	struct ctrl *c = m->ctrl;

	while (!m->browsing && m->bq_count && !jobs_busy(c->jobs, JOB_BROWSE) && !c->quit) {
		struct browse_req *q = m->bq[m->bq_head];
		long ms = config_get_int(c->cfg, "provider_timeout_ms",
					 (long)CONFIG_PROVIDER_TIMEOUT * 1000);
		int rc;

		m->bq_head = (m->bq_head + 1) % CONFIG_CTRL_BROWSE_QUEUE;
		m->bq_count--;
		if (!ctrl_client_get(c, q->client)) {
			cmd_browse_free(q);
			continue;
		}
		rc = jobs_start(c->jobs, JOB_BROWSE, cmd_browse_run, q);
		if (rc) {
			LOG_ERR(LOG_CTRL, "cannot start the browse worker: %s", err_str(rc));
			ctrl_send_error(c, q->client, rc,
					"The server could not start the request.");
			cmd_browse_free(q);
			continue;
		}
		m->browsing = q;
		m->browse_timer = loop_timer_add(c->loop, ms > 0 ? ms : 1, cmd_browse_timeout, m);
		if (m->browse_timer < 0)
			m->browse_timer = 0;
	}
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
			  &why);
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
	m->bq[(m->bq_head + m->bq_count) % CONFIG_CTRL_BROWSE_QUEUE] = q;
	m->bq_count++;
	cmd_browse_next(m);
}

void cmd_browse_done(struct cmd_state *m, struct browse_req *q, int rc, int cancelled)
{
	struct ctrl *c = m->ctrl;

	if (m->browsing == q) {
		m->browsing = NULL;
		loop_timer_del(c->loop, m->browse_timer);
		m->browse_timer = 0;
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
