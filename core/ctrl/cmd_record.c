/* Record commands: start and stop of the one interactive recording (the recorder job). */
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
#include "core/testhooks/test_provider.h"
#include "net/http.h"

/* ---- recording (start, stop) ---------------------------------------------------- */

static void cmd_rec_free(struct rec_job *job)
{
	if (!job)
		return;
	config_unref(job->cfg);
	free(job);
}

/*
 * Writes path as the client knows it: rec_file is "<rec_dir>/stream_<N>.ts" with rec_dir as
 * the client sent it, even when realpath() resolved a symlink on the way.
 */
static void cmd_client_path(struct jw *w, const struct rec_job *job, const char *path)
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

/* Copies an absolute path with repeated and trailing slashes removed ("/a//b/" -> "/a/b"). */
static void cmd_tidy_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 1 < cap; i++) {
		if (in[i] == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = in[i];
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

/* Recorder hook: a section may be played; runs on the recorder thread. */
static void cmd_rec_event(void *ctx, const struct rec_event *ev)
{
	struct rec_job *job = ctx;
	const char *rid = rec_kind_name(ev->kind);
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	if (ev->type != REC_EV_SECTION) {
		if (ev->msg)
			LOG_DBG(LOG_REC, "%s", ev->msg);
		return;
	}
	ctrl_msg_begin(&b, &w, CMD_START_CAP, "start");
	jw_kstr(&w, "url", ev->url ? ev->url : "");
	jw_key(&w, "rec_file");
	cmd_client_path(&w, job, ev->rec_file ? ev->rec_file : "");
	jw_kint(&w, "section_index", ev->section_index);
	jw_kint(&w, "segment_index", ev->segment_index);
	jw_kstr(&w, "recorder_id", rid);
	jw_key(&w, "recorder");
	jw_obj_begin(&w);
	jw_kstr(&w, "type", rid);
	jw_obj_end(&w);
	if (ctrl_msg_end(&b, &w, &f, &len)) {
		LOG_ERR(LOG_REC, "start message for section %d could not be built",
			ev->section_index);
		return;
	}
	job_post(job->job, CTRL_EV_SECTION | ((int)ev->kind << 4), f, len);
}

/* Recorder hook: fresh URL after 401/403. */
static int cmd_rec_refresh(void *ctx, struct resolve_result *res)
{
	struct rec_job *job = ctx;

	if (job->prov->refresh)
		return job->prov->refresh(&job->pctx, &job->sa, res);
	return job->prov->resolve(&job->pctx, &job->sa, res);
}

/* Recorder worker body: resolve, then record until the end, an error or a cancel. */
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
	memset(&p, 0, sizeof(p));
	p.res = res;
	p.rec_dir = job->rec_dir;
	p.quality = job->quality;
	p.buffering = job->sa.buffering;
	p.av1 = job->sa.av1;
	h.ctx = job;
	h.event = cmd_rec_event;
	h.refresh = cmd_rec_refresh;
	if (job->is_test)
		rc = test_recorder_run(&p, &h, http, job_cancel_fd(j), job->msg, sizeof(job->msg));
	else
		rc = recorder_run(&p, &h, http, job_cancel_fd(j), job->msg, sizeof(job->msg));
out:
	if (http)
		http_session_free(http);
	return rc;
}

void cmd_rec_done(struct cmd_state *m, struct rec_job *job, int rc, int cancelled)
{
	struct ctrl *c = m->ctrl;
	/* read before m->rec is cleared: clang 14's analyzer then stops taking job for NULL */
	const bool resolve_failed = job->resolve_failed;
	const char *rid = cmd_recorder_id(m);
	uint8_t *f = NULL;
	size_t len;

	if (m->rec == job)
		m->rec = NULL;
	/* After a client's stop (cancelled) nothing more is said about this recording. */
	if (cancelled || rc == -ERR_CANCELLED) {
		LOG_INFO(LOG_CTRL, "recording in %s stopped", job->rec_dir);
	} else if (resolve_failed) {
		LOG_WARN(LOG_CTRL, "provider %s: resolve failed: %s", job->provider_id,
			 err_str(rc));
		ctrl_send_error(c, job->requester, rc, job->msg[0] ? job->msg : NULL);
	} else if (rc == 0) {
		struct dbuf b;
		struct jw w;

		LOG_INFO(LOG_CTRL, "recording in %s complete", job->rec_dir);
		ctrl_msg_begin(&b, &w, CMD_MSG_CAP + PATH_MAX, "stop");
		jw_kstr(&w, "reason", "complete");
		/* every end-of-recording key of PROTOCOL.md is present; no error here */
		jw_key(&w, "error_id");
		jw_null(&w);
		jw_kstr(&w, "msg", "The recording is complete.");
		jw_kstr(&w, "message", "The recording is complete.");
		jw_kstr(&w, "recorder_id", rid);
		jw_kstr(&w, "rec_dir", job->rec_dir_msg[0] ? job->rec_dir_msg : job->rec_dir);
		if (ctrl_msg_end(&b, &w, &f, &len))
			f = NULL;
	} else {
		LOG_WARN(LOG_CTRL, "recording in %s failed: %s", job->rec_dir,
			 job->msg[0] ? job->msg : err_str(rc));
		f = ctrl_error_frame(rc, job->msg[0] ? job->msg : NULL, rid,
				     job->rec_dir_msg[0] ? job->rec_dir_msg : job->rec_dir, &len);
	}
	if (f)
		ctrl_broadcast_frame(c, f, len);
	cmd_rec_free(job);
	m->rec_kind = REC_AUTO;
}

/* Stops the running recording synchronously; 0, or -ETIMEDOUT when it would not end. */
int cmd_rec_stop(struct cmd_state *m)
{
	int rc;

	if (!jobs_busy(m->ctrl->jobs, JOB_RECORDER))
		return 0;
	rc = jobs_stop(m->ctrl->jobs, JOB_RECORDER, CONFIG_JOB_STOP_TIMEOUT_MS);
	if (rc)
		LOG_ERR(LOG_CTRL, "the recorder did not stop within %d ms",
			CONFIG_JOB_STOP_TIMEOUT_MS);
	return rc;
}

/* Optional string argument into out; 0, or -ERR_BAD_REQUEST when present but unusable. */
static int cmd_opt_str(const struct jr *r, int args, const char *key, const char *def, char *out,
		       size_t cap)
{
	int t = jr_get(r, args, key);

	if (t < 0 || jr_is_null(r, t)) {
		snprintf(out, cap, "%s", def);
		return 0;
	}
	return jr_str(r, t, out, cap) < 0 ? -ERR_BAD_REQUEST : 0;
}

void cmd_start(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	struct ctrl *c = m->ctrl;
	struct rec_job *job;
	const char *why = NULL;
	long long buffering = 5;
	int show_ads = 1, av1 = 0, t, rc;
	char rec_dir[PATH_MAX];

	/* DRM pre-check first: such a start does nothing else (PROTOCOL.md). */
	t = jr_path(r, args, "video", "license_url", (const char *)NULL);
	if (t >= 0 && !jr_is_null(r, t)) {
		size_t len;
		uint8_t *f = ctrl_error_frame(-ERR_DRM,
					      "DRM Protected Stream: Content with Widevine DRM.",
					      "unknown", NULL, &len);

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
	rc = cmd_provider(c, r, args, job->provider_id, sizeof(job->provider_id), &job->prov,
			  &job->is_test, &why);
	if (!rc) {
		t = jr_get(r, args, "url");
		if (t < 0 || jr_str(r, t, job->url, sizeof(job->url)) <= 0) {
			rc = -ERR_BAD_REQUEST;
			why = "No valid url was given.";
		}
	}
	if (!rc && (t = jr_get(r, args, "buffering")) >= 0 && !jr_is_null(r, t) &&
	    (jr_int(r, t, &buffering) || buffering < 0 || buffering > 1000)) {
		rc = -ERR_BAD_REQUEST;
		why = "buffering must be an integer from 0 to 1000.";
	}
	if (!rc && (t = jr_get(r, args, "show_ads")) >= 0 && !jr_is_null(r, t) &&
	    jr_bool(r, t, &show_ads)) {
		rc = -ERR_BAD_REQUEST;
		why = "show_ads must be a boolean.";
	}
	if (!rc && (t = jr_get(r, args, "av1")) >= 0 && !jr_is_null(r, t) && jr_bool(r, t, &av1)) {
		rc = -ERR_BAD_REQUEST;
		why = "av1 must be a boolean.";
	}
	if (!rc &&
	    cmd_opt_str(r, args, "quality", "provider", job->quality, sizeof(job->quality))) {
		rc = -ERR_BAD_REQUEST;
		why = "quality must be a short string.";
	}
	if (!rc && strcmp(job->quality, "provider") == 0) {
		struct prov_info pi;
		const char *dir = config_get(c->cfg, "providers_dir", CONFIG_DEFAULT_PROVIDERS_DIR);

		/* The provider's configured quality; else what the client echoed; else best. */
		t = jr_path(r, args, "provider", "quality", (const char *)NULL);
		if (cmd_prov_info(dir, job->provider_id, &pi) == 0 &&
		    strcmp(pi.quality, "provider"))
			snprintf(job->quality, sizeof(job->quality), "%s", pi.quality);
		else if (t < 0 || jr_str(r, t, job->quality, sizeof(job->quality)) <= 0 ||
			 strcmp(job->quality, "provider") == 0)
			strcpy(job->quality, "best");
	}
	if (!rc && cmd_opt_str(r, args, "rec_dir", CONFIG_STORAGE_ROOT, rec_dir, sizeof(rec_dir))) {
		rc = -ERR_BAD_REQUEST;
		why = "rec_dir is not a usable path string.";
	}
	if (!rc) {
		rc = paths_confine(cmd_roots(c), rec_dir, 1, job->rec_dir, sizeof(job->rec_dir));
		if (rc == -ERR_PATH_DENIED) {
			why = "The rec_dir is outside the allowed directories.";
		} else if (rc) {
			rc = -ERR_NOT_FOUND;
			why = "The rec_dir does not exist or is not a directory.";
		}
		if (rc)
			LOG_WARN(LOG_CTRL, "start refused: rec_dir %s: %s", rec_dir, why);
		else
			cmd_tidy_path(rec_dir, job->rec_dir_msg, sizeof(job->rec_dir_msg));
	}
	if (!rc)
		rc = cmd_data_dir(c, r, args, job->provider_id, job->data_dir,
				  sizeof(job->data_dir), &why);
	/* Only a valid request replaces the running recording. */
	if (!rc && cmd_rec_stop(m)) {
		rc = -ERR_FAILURE;
		why = "The previous recording is still stopping; try again.";
	}
	if (!rc) {
		job->sa.url = job->url;
		job->sa.quality = job->quality;
		job->sa.show_ads = show_ads;
		job->sa.av1 = av1;
		job->sa.buffering = buffering < 1 ? 1 : (int)buffering;
		job->cfg = config_ref(c->cfg);
		rc = jobs_start(c->jobs, JOB_RECORDER, cmd_rec_run, job);
		if (rc)
			why = "The server could not start the recorder.";
	}
	if (rc) {
		ctrl_send_error(c, cl->id, rc, why);
		cmd_rec_free(job);
		return;
	}
	LOG_INFO(LOG_CTRL, "recording %s item into %s (quality %s, buffering %d)", job->provider_id,
		 job->rec_dir, job->quality, job->sa.buffering);
	m->rec = job;
	m->rec_kind = REC_AUTO;
}
