/* Control commands: argument checks and error replies, and the browse and recorder jobs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/ctrl/ctrl_int.h"
#include "core/base/err.h"
#include "core/base/utf8.h"
#include "core/ctrl/frame.h"
#include "core/base/log.h"
#include "core/ctrl/paths.h"
#include "net/http.h"

#define CMD_MSG_CAP 1024
#define CMD_START_CAP (2 * HTTP_URL_MAX + 1024)
#define CMD_PROV_TOKENS 128

/* What get_providers lists and start reads from providers/<id>/config.json. */
struct prov_info {
	char id[64];
	char title[128];
	char sort[128]; /* ASCII, for the case-insensitive order */
	char description[512];
	char quality[32];
};

static const char *cmd_roots(const struct ctrl *c)
{
	return config_get(c->cfg, "allowed_roots", CONFIG_ALLOWED_ROOTS);
}

static int cmd_id_ok(const char *id)
{
	if (!*id)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* ---- providers/<id>/config.json ------------------------------------------------- */

/* Reads one provider's config.json; 0, -errno, -ERR_TOO_LARGE or -ERR_PARSE. */
static int cmd_prov_info(const char *dir, const char *id, struct prov_info *pi)
{
	char path[PATH_MAX], buf[CONFIG_PROVIDER_CONFIG_MAX + 1];
	jsmntok_t toks[CMD_PROV_TOKENS];
	struct jr r;
	size_t len = 0;
	int fd, rc, t;

	if (snprintf(path, sizeof(path), "%s/%s/config.json", dir, id) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf)) {
			close(fd);
			return -ERR_TOO_LARGE;
		}
	}
	close(fd);
	rc = jr_parse(&r, buf, len, toks, CMD_PROV_TOKENS);
	if (rc)
		return rc;
	if (!jr_is_obj(&r, 0))
		return -ERR_PARSE;
	memset(pi, 0, sizeof(*pi));
	snprintf(pi->id, sizeof(pi->id), "%s", id);
	t = jr_get(&r, 0, "title");
	if (t < 0)
		t = jr_get(&r, 0, "name");
	if (t < 0 || jr_str(&r, t, pi->title, sizeof(pi->title)) <= 0)
		return -ERR_PARSE;
	t = jr_get(&r, 0, "description");
	if (t >= 0 && jr_str(&r, t, pi->description, sizeof(pi->description)) < 0)
		return -ERR_PARSE;
	t = jr_get(&r, 0, "quality");
	if (t < 0)
		strcpy(pi->quality, "best");
	else if (jr_str(&r, t, pi->quality, sizeof(pi->quality)) < 0)
		return -ERR_PARSE;
	ascii_translit(pi->title, strlen(pi->title), pi->sort, sizeof(pi->sort));
	return 0;
}

static int cmd_prov_cmp(const void *a, const void *b)
{
	const struct prov_info *x = a, *y = b;
	int r = strcasecmp(x->sort, y->sort);

	return r ? r : strcmp(x->id, y->id);
}

static void cmd_get_providers(struct ctrl *c, struct ctrl_client *cl)
{
	const char *dir = config_get(c->cfg, "providers_dir", CONFIG_DEFAULT_PROVIDERS_DIR);
	struct prov_info *pi = calloc(CONFIG_PROVIDERS_MAX, sizeof(*pi));
	struct dirent *de;
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;
	int n = 0;
	DIR *d;

	if (!pi) {
		ctrl_send_error(c, cl->id, -ENOMEM, "The server is out of memory.");
		return;
	}
	d = opendir(dir);
	if (!d)
		LOG_WARN(LOG_CTRL, "providers directory %s: %s", dir, strerror(errno));
	while (d && (de = readdir(d)) != NULL) {
		int rc;

		/* "_name" and dot entries are not providers (the old server's rule). */
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		if (!cmd_id_ok(de->d_name) || strlen(de->d_name) >= sizeof(pi->id)) {
			LOG_WARN(LOG_CTRL, "providers: skipping oddly named entry");
			continue;
		}
		if (n == CONFIG_PROVIDERS_MAX) {
			LOG_WARN(LOG_CTRL, "providers: more than %d entries; skipping %s",
				 CONFIG_PROVIDERS_MAX, de->d_name);
			continue;
		}
		rc = cmd_prov_info(dir, de->d_name, &pi[n]);
		if (rc) {
			/* A broken entry never aborts the scan (the old server's bug 35). */
			LOG_WARN(LOG_CTRL, "providers: skipping %s: config.json: %s", de->d_name,
				 err_str(rc));
			continue;
		}
		n++;
	}
	if (d)
		closedir(d);
	qsort(pi, (size_t)n, sizeof(*pi), cmd_prov_cmp);
	ctrl_msg_begin(&b, &w, (size_t)CONFIG_PROVIDERS_MAX * 2048 + 64, "get_providers");
	jw_key(&w, "data");
	jw_arr_begin(&w);
	for (int i = 0; i < n; i++) {
		/* The plugin echoes this dict back: every value must be ASCII. */
		jw_obj_begin(&w);
		jw_key(&w, "title");
		jw_str_ascii(&w, pi[i].title);
		jw_kstr(&w, "thumbnail", "provider.png");
		jw_key(&w, "description");
		jw_str_ascii(&w, pi[i].description);
		jw_key(&w, "quality");
		jw_str_ascii(&w, pi[i].quality);
		jw_key(&w, "provider_id");
		jw_str_ascii(&w, pi[i].id);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	free(pi);
	if (ctrl_msg_end(&b, &w, &f, &len)) {
		ctrl_send_error(c, cl->id, -ERR_FAILURE, "The provider list could not be built.");
		return;
	}
	ctrl_send_frame(c, cl->id, f, len);
}

/* ---- common argument handling --------------------------------------------------- */

/* provider.provider_id -> ops; 0 or an error with *why set. */
static int cmd_provider(struct ctrl *c, const struct jr *r, int args, char *id, size_t cap,
			const struct provider_ops **ops, int *is_test, const char **why)
{
	int t = jr_path(r, args, "provider", "provider_id", (const char *)NULL);

	*is_test = 0;
	*ops = NULL;
	if (t < 0 || jr_str(r, t, id, cap) <= 0 || !cmd_id_ok(id)) {
		*why = "No valid provider.provider_id was given.";
		return -ERR_UNKNOWN_PROVIDER;
	}
	if (config_get_bool(c->cfg, "test_hooks", 0) && strcmp(id, test_provider_ops.id) == 0) {
		*is_test = 1;
		*ops = &test_provider_ops;
		return 0;
	}
	*ops = provider_find(id);
	if (!*ops) {
		*why = "The provider is not known.";
		return -ERR_UNKNOWN_PROVIDER;
	}
	return 0;
}

/* <data_dir>/<id> confined and created; 0 or an error with *why set. */
static int cmd_data_dir(struct ctrl *c, const struct jr *r, int args, const char *id, char *out,
			size_t cap, const char **why)
{
	char dd[PATH_MAX];
	int t = jr_get(r, args, "data_dir"), rc;

	if (t >= 0 && !jr_is_null(r, t)) {
		if (jr_str(r, t, dd, sizeof(dd)) < 0) {
			*why = "data_dir is not a usable path string.";
			return -ERR_BAD_REQUEST;
		}
	} else {
		snprintf(dd, sizeof(dd), "%s",
			 config_get(c->cfg, "data_dir", CONFIG_DEFAULT_DATA_DIR));
	}
	if (!dd[0])
		snprintf(dd, sizeof(dd), "%s", CONFIG_DEFAULT_DATA_DIR);
	rc = paths_mkdirs(cmd_roots(c), dd, id, out, cap);
	if (rc == -ERR_PATH_DENIED)
		*why = "The data_dir is outside the allowed directories.";
	else if (rc)
		*why = "The data directory cannot be created.";
	if (rc)
		LOG_WARN(LOG_CTRL, "data_dir %s/%s: %s", dd, id, err_str(rc));
	return rc;
}

static void cmd_http_opts(const struct config *cfg, int cancel_fd, struct http_session_opts *o)
{
	http_session_opts_init(o);
	o->cancel_fd = cancel_fd;
	o->tls_verify = config_get_bool(cfg, "tls_verify", 1);
	o->ca_file = config_get(cfg, "ca_file", (const char *)NULL);
}

/* ---- browse (get_categories, get_media_items) ----------------------------------- */

static void cmd_browse_free(struct browse_req *q)
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
	struct ctrl *c = ctx;
	struct browse_req *q = c->browsing;

	UNUSED(l);
	c->browse_timer = 0;
	if (!q || q->answered)
		return;
	LOG_WARN(LOG_CTRL, "provider %s did not answer in time", q->provider_id);
	q->answered = 1;
	ctrl_send_error(c, q->client, -ERR_TIMEOUT, "The provider did not answer in time.");
	jobs_cancel(c->jobs, JOB_BROWSE);
}

static void cmd_browse_next(struct ctrl *c)
{
	while (!c->browsing && c->bq_count && !jobs_busy(c->jobs, JOB_BROWSE) && !c->quit) {
		struct browse_req *q = c->bq[c->bq_head];
		long ms = config_get_int(c->cfg, "provider_timeout_ms",
					 (long)CONFIG_PROVIDER_TIMEOUT * 1000);
		int rc;

		c->bq_head = (c->bq_head + 1) % CONFIG_CTRL_BROWSE_QUEUE;
		c->bq_count--;
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
		c->browsing = q;
		c->browse_timer = loop_timer_add(c->loop, ms > 0 ? ms : 1, cmd_browse_timeout, c);
		if (c->browse_timer < 0)
			c->browse_timer = 0;
	}
}

static void cmd_browse(struct ctrl *c, struct ctrl_client *cl, const struct jr *r, int args,
		       int items)
{
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
	if (!rc && c->bq_count == CONFIG_CTRL_BROWSE_QUEUE) {
		rc = -ERR_LIMIT;
		why = "The server is busy; try again.";
	}
	if (rc) {
		ctrl_send_error(c, cl->id, rc, why);
		free(q);
		return;
	}
	q->cfg = config_ref(c->cfg);
	c->bq[(c->bq_head + c->bq_count) % CONFIG_CTRL_BROWSE_QUEUE] = q;
	c->bq_count++;
	cmd_browse_next(c);
}

static void cmd_browse_done(struct ctrl *c, struct browse_req *q, int rc, int cancelled)
{
	if (c->browsing == q) {
		c->browsing = NULL;
		loop_timer_del(c->loop, c->browse_timer);
		c->browse_timer = 0;
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
	cmd_browse_next(c);
}

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

static void cmd_rec_done(struct ctrl *c, struct rec_job *job, int rc, int cancelled)
{
	/* read before c->rec is cleared: clang 14's analyzer then stops taking job for NULL */
	const bool resolve_failed = job->resolve_failed;
	const char *rid = ctrl_cmd_recorder_id(c);
	uint8_t *f = NULL;
	size_t len;

	if (c->rec == job)
		c->rec = NULL;
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
	c->rec_kind = REC_AUTO;
}

/* Stops the running recording synchronously; 0, or -ETIMEDOUT when it would not end. */
static int cmd_rec_stop(struct ctrl *c)
{
	int rc;

	if (!jobs_busy(c->jobs, JOB_RECORDER))
		return 0;
	rc = jobs_stop(c->jobs, JOB_RECORDER, CONFIG_JOB_STOP_TIMEOUT_MS);
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

static void cmd_start(struct ctrl *c, struct ctrl_client *cl, const struct jr *r, int args)
{
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
	if (!rc && cmd_rec_stop(c)) {
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
	c->rec = job;
	c->rec_kind = REC_AUTO;
}

/* ---- other commands ------------------------------------------------------------- */

static void cmd_simple_reply(struct ctrl *c, struct ctrl_client *cl, const char *cmd, int status)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;
	int n = 0;

	ctrl_msg_begin(&b, &w, CMD_MSG_CAP, cmd);
	if (status) {
		for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++)
			n += c->cl[i].fd >= 0;
		jw_kstr(&w, "version", SS_VERSION);
		jw_kstr(&w, "board", CONFIG_BOARD_NAME);
		jw_kint(&w, "clients", n);
		jw_kbool(&w, "recording", c->rec != NULL);
		jw_kstr(&w, "recorder_id", ctrl_cmd_recorder_id(c));
		jw_kint(&w, "browse_pending", c->bq_count + (c->browsing != NULL));
	} else {
		jw_kbool(&w, "ok", 1);
	}
	if (ctrl_msg_end(&b, &w, &f, &len) == 0)
		ctrl_send_frame(c, cl->id, f, len);
}

void ctrl_cmd_dispatch(struct ctrl *c, struct ctrl_client *cl, const struct jr *r, const char *cmd,
		       int args)
{
	if (strcmp(cmd, "get_providers") == 0) {
		cmd_get_providers(c, cl);
	} else if (strcmp(cmd, "get_categories") == 0) {
		cmd_browse(c, cl, r, args, 0);
	} else if (strcmp(cmd, "get_media_items") == 0) {
		cmd_browse(c, cl, r, args, 1);
	} else if (strcmp(cmd, "start") == 0) {
		cmd_start(c, cl, r, args);
	} else if (strcmp(cmd, "stop") == 0) {
		LOG_INFO(LOG_CTRL, "client %s: stop", cl->peer);
		cmd_rec_stop(c);
	} else if (strcmp(cmd, "get_status") == 0) {
		cmd_simple_reply(c, cl, "get_status", 1);
	} else if (strcmp(cmd, "auth") == 0) {
		cmd_simple_reply(c, cl, "auth", 0);
	} else {
		LOG_INFO(LOG_CTRL, "client %s: unknown command", cl->peer);
		ctrl_send_error(c, cl->id, -ERR_UNKNOWN_COMMAND, "The command is not known.");
	}
}

const char *ctrl_cmd_recorder_id(const struct ctrl *c)
{
	return c->rec ? rec_kind_name(c->rec_kind) : "unknown";
}

void ctrl_cmd_event(void *ctx, int slot, void *arg, struct job_event *ev)
{
	struct ctrl *c = ctx;

	UNUSED(arg);
	if (slot == JOB_RECORDER && (ev->type & 15) == CTRL_EV_SECTION) {
		c->rec_kind = (enum rec_kind)(ev->type >> 4);
		ctrl_broadcast_frame(c, ev->frame, ev->len);
		return;
	}
	free(ev->frame);
}

void ctrl_cmd_done(void *ctx, int slot, void *arg, int rc, int cancelled)
{
	struct ctrl *c = ctx;

	if (slot == JOB_RECORDER)
		cmd_rec_done(c, arg, rc, cancelled);
	else
		cmd_browse_done(c, arg, rc, cancelled);
}

void ctrl_cmd_client_gone(struct ctrl *c, uint32_t id)
{
	/* Its running browse request is cancelled; queued ones are skipped when popped. */
	if (c->browsing && c->browsing->client == id && !c->browsing->answered && c->jobs) {
		c->browsing->answered = 1;
		jobs_cancel(c->jobs, JOB_BROWSE);
	}
}

void ctrl_cmd_shutdown(struct ctrl *c)
{
	c->quit = 1;
	jobs_cancel(c->jobs, JOB_BROWSE);
	cmd_rec_stop(c);
	if (jobs_busy(c->jobs, JOB_BROWSE))
		jobs_stop(c->jobs, JOB_BROWSE, CONFIG_JOB_STOP_TIMEOUT_MS);
	while (c->bq_count) {
		cmd_browse_free(c->bq[c->bq_head]);
		c->bq_head = (c->bq_head + 1) % CONFIG_CTRL_BROWSE_QUEUE;
		c->bq_count--;
	}
}
