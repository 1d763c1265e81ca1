/*
 * Record commands: the stream sessions. start/stop act on the one interactive recording (the
 * plugin's), record/stop_session on background sessions; every session is a job in its own
 * slot, up to CONFIG_MAX_SESSIONS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/cmd_int.h"
#include "core/ctrl/frame.h"
#include "core/ctrl/paths.h"
#include "core/testhooks/test_provider.h"
#include "net/http.h"

/* ---- the session's worker ---------------------------------------------------------- */

static void cmd_rec_free(struct rec_job *job)
{
	if (!job)
		return;
	config_unref(job->cfg);
	rec_stats_destroy(&job->stats);
	free(job);
}

/* Recorder hook (recorder thread): a section may be played; the control thread says so. */
static void cmd_rec_event(void *ctx, const struct rec_event *ev)
{
	struct rec_job *job = ctx;
	struct sess_section *sec;

	if (ev->type != REC_EV_SECTION) {
		if (ev->msg)
			LOG_DBG(LOG_REC, "%s", ev->msg);
		return;
	}
	sec = calloc(1, sizeof(*sec));
	if (!sec) {
		LOG_ERR(LOG_REC, "out of memory announcing section %d", ev->section_index);
		return;
	}
	sec->kind = ev->kind;
	sec->section_index = ev->section_index;
	sec->segment_index = ev->segment_index;
	snprintf(sec->url, sizeof(sec->url), "%s", ev->url ? ev->url : "");
	snprintf(sec->rec_file, sizeof(sec->rec_file), "%s", ev->rec_file ? ev->rec_file : "");
	job_post(job->job, CTRL_EV_SECTION, (uint8_t *)sec, sizeof(*sec));
}

/* Recorder hook: fresh URL after 401/403. */
static int cmd_rec_refresh(void *ctx, struct resolve_result *res)
{
	struct rec_job *job = ctx;

	if (job->prov->refresh)
		return job->prov->refresh(&job->pctx, &job->sa, res);
	return job->prov->resolve(&job->pctx, &job->sa, res);
}

/* Session worker body: resolve, then record until the end, an error or a cancel. */
static int cmd_rec_run(struct job *j, void *arg)
{
	struct rec_job *job = arg;
	struct http_session *http = NULL;
	struct resolve_result res;
	struct rec_params p;
	struct rec_hooks h;
	int rc;

	job->job = j;
	if (!job->is_test) {
		struct http_session_opts o;

		cmd_http_opts(job->cfg, job_cancel_fd(j), &o);
		rc = http_session_new(&o, &http);
		if (rc) {
			job->resolve_failed = 1;
			return rc;
		}
	}
	job->pctx.provider_id = job->provider_id;
	job->pctx.data_dir = job->data_dir;
	job->pctx.cfg = job->cfg;
	job->pctx.http = http;
	job->pctx.cancel_fd = job_cancel_fd(j);
	memset(&res, 0, sizeof(res));
	rc = job->prov->resolve(&job->pctx, &job->sa, &res);
	if (rc == -ERR_FORBIDDEN && !job_cancelled(j)) {
		/* forbidden means "after a re-resolve" (PROTOCOL.md), also while resolving */
		memset(&res, 0, sizeof(res));
		rc = job->prov->resolve(&job->pctx, &job->sa, &res);
	}
	if (rc) {
		job->resolve_failed = 1;
		snprintf(job->msg, sizeof(job->msg),
			 "The provider could not resolve the stream: %s", err_str(rc));
		goto out;
	}
	job_post(j, CTRL_EV_RESOLVED, NULL, 0);
	memset(&p, 0, sizeof(p));
	memset(&h, 0, sizeof(h));
	p.res = res;
	p.rec_dir = job->rec_dir;
	p.quality = job->quality;
	p.buffering = job->sa.buffering;
	p.av1 = job->sa.av1;
	h.ctx = job;
	h.event = cmd_rec_event;
	h.refresh = cmd_rec_refresh;
	h.stats = &job->stats;
	if (job->is_test)
		rc = test_recorder_run(&p, &h, http, job_cancel_fd(j), job->msg, sizeof(job->msg));
	else
		rc = recorder_run(&p, &h, http, job_cancel_fd(j), job->msg, sizeof(job->msg));
out:
	if (http)
		http_session_free(http);
	return rc;
}

/* ---- its events, on the control thread ---------------------------------------------- */

/*
 * Writes path as the client knows it: rec_file is "<rec_dir>/stream_<N>.ts" with rec_dir as
 * the client sent it, even when realpath() resolved a symlink on the way.
 */
void cmd_client_path(struct jw *w, const struct rec_job *job, const char *path)
{
	size_t n = strlen(job->rec_dir);
	char out[PATH_MAX * 2];

	if (job->rec_dir_msg[0] && strncmp(path, job->rec_dir, n) == 0 && path[n] == '/') {
		snprintf(out, sizeof(out), "%s%s",
			 strcmp(job->rec_dir_msg, "/") == 0 ? "" : job->rec_dir_msg, path + n);
		jw_str(w, out);
		return;
	}
	jw_str(w, path);
}

/* Broadcasts the plugin's ["start", {...}] for a section of the interactive recording. */
static void cmd_broadcast_start(struct cmd_state *m, const struct rec_job *job,
				const struct sess_section *sec)
{
	const char *rid = rec_kind_name(sec->kind);
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	ctrl_msg_begin(&b, &w, CMD_START_CAP, "start");
	jw_kstr(&w, "url", sec->url);
	jw_key(&w, "rec_file");
	cmd_client_path(&w, job, sec->rec_file);
	jw_kint(&w, "section_index", sec->section_index);
	jw_kint(&w, "segment_index", sec->segment_index);
	jw_kstr(&w, "recorder_id", rid);
	jw_key(&w, "recorder");
	jw_obj_begin(&w);
	jw_kstr(&w, "type", rid);
	jw_obj_end(&w);
	if (ctrl_msg_end(&b, &w, &f, &len)) {
		LOG_ERR(LOG_REC, "start message for section %d could not be built",
			sec->section_index);
		return;
	}
	ctrl_broadcast_frame(m->ctrl, f, len);
}

void cmd_rec_event_in(struct cmd_state *m, struct rec_job *job, struct job_event *ev)
{
	struct sess_section *sec = (struct sess_section *)ev->frame;

	if (ev->type == CTRL_EV_RESOLVED) {
		if (job->state == SESS_RESOLVING)
			job->state = SESS_BUFFERING;
	} else if (ev->type == CTRL_EV_SECTION && sec && ev->len == sizeof(*sec)) {
		job->kind = sec->kind;
		job->section_index = sec->section_index;
		if (job->state != SESS_STOPPING)
			job->state = SESS_RECORDING;
		/* Only the interactive recording speaks the plugin's language. */
		if (job->interactive)
			cmd_broadcast_start(m, job, sec);
		cmd_session_event(m, job, "section", sec, 0, NULL);
	}
	free(ev->frame);
}

/* Broadcasts the plugin's ["stop", {"reason": "complete", ...}]. */
static void cmd_broadcast_complete(struct cmd_state *m, const struct rec_job *job)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	ctrl_msg_begin(&b, &w, CMD_MSG_CAP + PATH_MAX, "stop");
	jw_kstr(&w, "reason", "complete");
	/* every end-of-recording key of PROTOCOL.md is present; no error here */
	jw_key(&w, "error_id");
	jw_null(&w);
	jw_kstr(&w, "msg", "The recording is complete.");
	jw_kstr(&w, "message", "The recording is complete.");
	jw_kstr(&w, "recorder_id", rec_kind_name(job->kind));
	jw_kstr(&w, "rec_dir", job->rec_dir_msg[0] ? job->rec_dir_msg : job->rec_dir);
	if (ctrl_msg_end(&b, &w, &f, &len) == 0)
		ctrl_broadcast_frame(m->ctrl, f, len);
}

/* What the plugin hears when its recording ends by itself. */
static void cmd_tell_plugin(struct cmd_state *m, struct rec_job *job, int rc)
{
	struct ctrl *c = m->ctrl;
	const char *msg = job->msg[0] ? job->msg : NULL;
	size_t len;
	uint8_t *f;

	if (job->resolve_failed) {
		ctrl_send_error(c, job->requester, rc, msg);
	} else if (rc == 0) {
		cmd_broadcast_complete(m, job);
	} else {
		f = ctrl_error_frame(rc, msg, rec_kind_name(job->kind),
				     job->rec_dir_msg[0] ? job->rec_dir_msg : job->rec_dir, &len);
		if (f)
			ctrl_broadcast_frame(c, f, len);
	}
}

void cmd_rec_done(struct cmd_state *m, struct rec_job *job, int rc, int cancelled)
{
	const int slot = job->slot - JOB_SESSION0;
	const bool stopped = cancelled || rc == -ERR_CANCELLED;

	if (slot >= 0 && slot < CONFIG_MAX_SESSIONS && m->sess[slot] == job)
		m->sess[slot] = NULL;
	if (m->rec == job)
		m->rec = NULL;
	/* After a client's stop (cancelled) nothing more is said to the plugin about it. */
	if (stopped) {
		LOG_INFO(LOG_CTRL, "session %u in %s stopped", job->id, job->rec_dir);
	} else if (job->resolve_failed) {
		LOG_WARN(LOG_CTRL, "session %u: provider %s: resolve failed: %s", job->id,
			 job->provider_id, err_str(rc));
	} else if (rc == 0) {
		LOG_INFO(LOG_CTRL, "session %u in %s complete", job->id, job->rec_dir);
	} else {
		LOG_WARN(LOG_CTRL, "session %u in %s failed: %s", job->id, job->rec_dir,
			 job->msg[0] ? job->msg : err_str(rc));
	}
	if (!stopped && job->interactive)
		cmd_tell_plugin(m, job, rc);
	if (!stopped && rc)
		cmd_session_event(m, job, "error", NULL, rc, NULL);
	cmd_session_event(m, job, "ended", NULL, stopped ? 0 : rc,
			  stopped ? "stopped"
			  : rc	  ? "error"
				  : "complete");
	cmd_rec_free(job);
	cmd_progress_arm(m);
}

/* Stops a session synchronously; 0, or -ETIMEDOUT when it would not end in time. */
static int cmd_sess_stop(struct cmd_state *m, struct rec_job *job)
{
	int rc;

	job->state = SESS_STOPPING;
	rc = jobs_stop(m->ctrl->jobs, job->slot, CONFIG_JOB_STOP_TIMEOUT_MS);
	if (rc)
		LOG_ERR(LOG_CTRL, "session %u did not stop within %d ms", job->id,
			CONFIG_JOB_STOP_TIMEOUT_MS);
	return rc;
}

int cmd_rec_stop(struct cmd_state *m)
{
	return m->rec ? cmd_sess_stop(m, m->rec) : 0;
}

/* ---- the session table ---------------------------------------------------------------- */

/*
 * Whether job may start; replacing is the session it replaces (its slot and rec_dir count as
 * free), or NULL. A free slot and a rec_dir no other session writes into (a session cleans
 * its rec_dir at the start). 0 or an error with *why set.
 */
static int cmd_rec_admit(struct cmd_state *m, const struct rec_job *job,
			 const struct rec_job *replacing, const char **why)
{
	static char why_dir[128];
	int used = 0;

	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++) {
		const struct rec_job *o = m->sess[i];

		if (o == replacing && o)
			continue;
		if (o || jobs_busy(m->ctrl->jobs, JOB_SESSION0 + i))
			used++;
		if (o && strcmp(o->rec_dir, job->rec_dir) == 0) {
			snprintf(why_dir, sizeof(why_dir),
				 "The rec_dir is in use by session %u; give each session its "
				 "own directory.",
				 o->id);
			*why = why_dir;
			return -ERR_FAILURE;
		}
	}
	if (used >= CONFIG_MAX_SESSIONS) {
		static char why_limit[128];

		snprintf(why_limit, sizeof(why_limit),
			 "All %d sessions are in use (the limit, CONFIG_MAX_SESSIONS); stop one "
			 "first.",
			 CONFIG_MAX_SESSIONS);
		*why = why_limit;
		return -ERR_FAILURE;
	}
	return 0;
}

/* Starts job in a free slot; 0 or an error with *why set (job then still the caller's). */
static int cmd_rec_launch(struct cmd_state *m, struct rec_job *job, const char **why)
{
	int rc, i;

	for (i = 0; i < CONFIG_MAX_SESSIONS; i++)
		if (!m->sess[i] && !jobs_busy(m->ctrl->jobs, JOB_SESSION0 + i))
			break;
	if (i == CONFIG_MAX_SESSIONS) {
		*why = "No session slot is free.";
		return -ERR_FAILURE;
	}
	if (++m->next_sess_id == 0)
		m->next_sess_id = 1;
	job->id = m->next_sess_id;
	job->slot = JOB_SESSION0 + i;
	job->started = (long long)time(NULL);
	job->state = SESS_RESOLVING;
	job->kind = REC_AUTO;
	job->section_index = -1;
	job->cfg = config_ref(m->ctrl->cfg);
	rec_stats_init(&job->stats);
	rc = jobs_start(m->ctrl->jobs, job->slot, cmd_rec_run, job);
	if (rc) {
		*why = "The server could not start the recorder.";
		config_unref(job->cfg);
		job->cfg = NULL;
		rec_stats_destroy(&job->stats);
		return rc;
	}
	m->sess[i] = job;
	LOG_INFO(LOG_CTRL, "session %u (%s): %s item into %s (quality %s, buffering %d)", job->id,
		 job->interactive ? "interactive" : "record", job->provider_id, job->rec_dir,
		 job->quality, job->sa.buffering);
	cmd_session_event(m, job, "started", NULL, 0, NULL);
	cmd_progress_arm(m);
	return 0;
}

/* ---- commands -------------------------------------------------------------------------- */

/* The DRM pre-check of PROTOCOL.md: 1 when video.license_url is present and not null. */
static int cmd_rec_drm(const struct jr *r, int args)
{
	int t = jr_path(r, args, "video", "license_url", (const char *)NULL);

	return t >= 0 && !jr_is_null(r, t);
}

#define CMD_DRM_MSG "DRM Protected Stream: Content with Widevine DRM."

void cmd_start(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	struct ctrl *c = m->ctrl;
	struct rec_job *job;
	const char *why = NULL;
	int rc;

	/* DRM pre-check first: such a start does nothing else (PROTOCOL.md). */
	if (cmd_rec_drm(r, args)) {
		size_t len;
		uint8_t *f = ctrl_error_frame(-ERR_DRM, CMD_DRM_MSG, "unknown", NULL, &len);

		LOG_INFO(LOG_CTRL, "start refused: DRM-protected item");
		if (f)
			ctrl_broadcast_frame(c, f, len);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		ctrl_send_error(c, cl->id, -ENOMEM, "The server is out of memory.");
		return;
	}
	job->requester = cl->id;
	job->interactive = true;
	rc = cmd_rec_args(m, r, args, job, &why);
	if (!rc)
		rc = cmd_rec_admit(m, job, m->rec, &why);
	/* Only a valid request replaces the running recording. */
	if (!rc && cmd_rec_stop(m)) {
		rc = -ERR_FAILURE;
		why = "The previous recording is still stopping; try again.";
	}
	if (!rc)
		rc = cmd_rec_launch(m, job, &why);
	if (rc) {
		ctrl_send_error(c, cl->id, rc, why);
		cmd_rec_free(job);
		return;
	}
	m->rec = job;
}

/* ["record", {"id": ID}] to the requester. */
static void cmd_record_reply(struct cmd_state *m, struct ctrl_client *cl, const char *cmd,
			     uint32_t id, int ok)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	ctrl_msg_begin(&b, &w, CMD_MSG_CAP, cmd);
	jw_kint(&w, "id", id);
	if (ok)
		jw_kbool(&w, "ok", 1);
	if (ctrl_msg_end(&b, &w, &f, &len) == 0)
		ctrl_send_frame(m->ctrl, cl->id, f, len);
}

void cmd_record(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	struct rec_job *job;
	const char *why = NULL;
	int rc;

	if (cmd_rec_drm(r, args)) {
		ctrl_send_error(m->ctrl, cl->id, -ERR_DRM, CMD_DRM_MSG);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		ctrl_send_error(m->ctrl, cl->id, -ENOMEM, "The server is out of memory.");
		return;
	}
	job->requester = cl->id;
	rc = cmd_rec_args(m, r, args, job, &why);
	if (!rc)
		rc = cmd_rec_admit(m, job, NULL, &why);
	if (!rc)
		rc = cmd_rec_launch(m, job, &why);
	if (rc) {
		LOG_INFO(LOG_CTRL, "client %s: record refused: %s", cl->peer,
			 why ? why : err_str(rc));
		ctrl_send_error(m->ctrl, cl->id, rc, why);
		cmd_rec_free(job);
		return;
	}
	cmd_record_reply(m, cl, "record", job->id, 0);
}

void cmd_stop_session(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	long long id = 0;
	int t = jr_get(r, args, "id");

	if (t < 0 || jr_int(r, t, &id) || id <= 0 || id > UINT32_MAX) {
		ctrl_send_error(m->ctrl, cl->id, -ERR_BAD_REQUEST,
				"No valid session id was given.");
		return;
	}
	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++) {
		struct rec_job *job = m->sess[i];

		if (!job || job->id != (uint32_t)id)
			continue;
		LOG_INFO(LOG_CTRL, "client %s: stop_session %u", cl->peer, job->id);
		if (cmd_sess_stop(m, job)) {
			ctrl_send_error(m->ctrl, cl->id, -ERR_FAILURE,
					"The session is still stopping; try again.");
			return;
		}
		cmd_record_reply(m, cl, "stop_session", (uint32_t)id, 1);
		return;
	}
	ctrl_send_error(m->ctrl, cl->id, -ERR_NOT_FOUND, "No session has that id.");
}
