/* Control commands: the {name, handler} table, get_providers, shared argument checks, job
 * callbacks. */
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

const char *cmd_roots(const struct ctrl *c)
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
int cmd_prov_info(const char *dir, const char *id, struct prov_info *pi)
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

/* provider.provider_id -> ops; 0 or an error with *why set. by_id: a plain string "provider"
 * names the id too (record). */
int cmd_provider(struct ctrl *c, const struct jr *r, int args, char *id, size_t cap,
		 const struct provider_ops **ops, int *is_test, const char **why, int by_id)
{
	int t = jr_path(r, args, "provider", "provider_id", (const char *)NULL);

	if (t < 0 && by_id)
		t = jr_get(r, args, "provider");
	*is_test = 0;
	*ops = NULL;
	if (t < 0 || jr_str(r, t, id, cap) <= 0 || !cmd_id_ok(id)) {
		*why = "No valid provider.provider_id was given.";
		return -ERR_UNKNOWN_PROVIDER;
	}
	if (config_get_bool(c->cfg, "test_hooks", 0) && test_provider_find(id)) {
		*is_test = 1;
		*ops = test_provider_find(id);
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
int cmd_data_dir(struct ctrl *c, const struct jr *r, int args, const char *id, char *out,
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

void cmd_http_opts(const struct config *cfg, int cancel_fd, struct http_session_opts *o)
{
	http_session_opts_init(o);
	o->cancel_fd = cancel_fd;
	o->tls_verify = config_get_bool(cfg, "tls_verify", 1);
	o->ca_file = config_get(cfg, "ca_file", (const char *)NULL);
}

/* ---- other commands ------------------------------------------------------------- */

static void cmd_simple_reply(struct cmd_state *m, struct ctrl_client *cl, const char *cmd,
			     int status)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	ctrl_msg_begin(&b, &w, CMD_MSG_CAP + (status ? CMD_SESSIONS_CAP : 0), cmd);
	if (status) {
		jw_kstr(&w, "version", SS_VERSION);
		jw_kstr(&w, "board", CONFIG_BOARD_NAME);
		jw_kint(&w, "clients", ctrl_client_count(m->ctrl));
		jw_kbool(&w, "recording", m->rec != NULL);
		jw_kstr(&w, "recorder_id", cmd_recorder_id(m));
		jw_kint(&w, "browse_pending", cmd_browse_pending(m));
		jw_kint(&w, "max_sessions", CONFIG_MAX_SESSIONS);
		cmd_sessions_json(m, &w, "sessions");
	} else {
		jw_kbool(&w, "ok", 1);
	}
	if (ctrl_msg_end(&b, &w, &f, &len) == 0)
		ctrl_send_frame(m->ctrl, cl->id, f, len);
}

static void cmd_get_providers_h(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r,
				int args)
{
	UNUSED(r);
	UNUSED(args);
	cmd_get_providers(m->ctrl, cl);
}

static void cmd_get_categories(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r,
			       int args)
{
	cmd_browse(m, cl, r, args, 0);
}

static void cmd_get_media_items(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r,
				int args)
{
	cmd_browse(m, cl, r, args, 1);
}

/* The plugin's stop: ends the interactive recording only; other sessions go on. */
static void cmd_stop(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	UNUSED(r);
	UNUSED(args);
	LOG_INFO(LOG_CTRL, "client %s: stop", cl->peer);
	cmd_rec_stop(m);
}

static void cmd_get_status(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r,
			   int args)
{
	UNUSED(r);
	UNUSED(args);
	cmd_simple_reply(m, cl, "get_status", 1);
}

static void cmd_auth(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	UNUSED(r);
	UNUSED(args);
	cmd_simple_reply(m, cl, "auth", 0);
}

/* The protocol's commands (PROTOCOL.md); args is the args object token or -1. */
static const struct cmd {
	const char *name;
	void (*handler)(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
} cmds[] = {
	{"get_providers", cmd_get_providers_h},
	{"get_categories", cmd_get_categories},
	{"get_media_items", cmd_get_media_items},
	{"start", cmd_start},
	{"stop", cmd_stop},
	{"get_status", cmd_get_status},
	{"auth", cmd_auth},
	/* extensions (PROTOCOL.md): opt-in, never sent to a client that did not ask */
	{"record", cmd_record},
	{"sessions", cmd_sessions},
	{"stop_session", cmd_stop_session},
	{"subscribe", cmd_subscribe},
};

static void cmd_dispatch(void *cmd, struct ctrl_client *cl, const struct jr *r, const char *name,
			 int args)
{
	struct cmd_state *m = cmd;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(name, cmds[i].name) == 0) {
			cmds[i].handler(m, cl, r, args);
			return;
		}
	}
	LOG_INFO(LOG_CTRL, "client %s: unknown command", cl->peer);
	ctrl_send_error(m->ctrl, cl->id, -ERR_UNKNOWN_COMMAND, "The command is not known.");
}

const char *cmd_recorder_id(const struct cmd_state *m)
{
	return m->rec ? rec_kind_name(m->rec->kind) : "unknown";
}

static const char *cmd_recorder_id_op(const void *cmd)
{
	return cmd_recorder_id(cmd);
}

static void cmd_job_event(void *ctx, int slot, void *arg, struct job_event *ev)
{
	struct cmd_state *m = ctx;

	if (slot >= JOB_SESSION0 && slot < JOB_SESSION0 + CONFIG_MAX_SESSIONS) {
		cmd_rec_event_in(m, arg, ev);
		return;
	}
	free(ev->frame);
}

static void cmd_job_done(void *ctx, int slot, void *arg, int rc, int cancelled)
{
	struct cmd_state *m = ctx;

	if (slot >= JOB_SESSION0 && slot < JOB_SESSION0 + CONFIG_MAX_SESSIONS)
		cmd_rec_done(m, arg, rc, cancelled);
	else
		cmd_browse_done(m, arg, rc, cancelled);
}

static void cmd_client_gone(void *cmd, uint32_t id)
{
	cmd_browse_client_gone(cmd, id);
}

/* Every session is cancelled at once and given one shared deadline to finish its files. */
static void cmd_shutdown(void *cmd)
{
	struct cmd_state *m = cmd;
	int left;

	m->ctrl->quit = 1;
	cmd_progress_arm(m);
	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++)
		if (m->sess[i])
			m->sess[i]->state = SESS_STOPPING;
	left = jobs_stop_all(m->ctrl->jobs, CONFIG_JOB_STOP_TIMEOUT_MS);
	if (left)
		LOG_ERR(LOG_CTRL, "%d jobs did not stop within %d ms", left,
			CONFIG_JOB_STOP_TIMEOUT_MS);
	cmd_browse_drop_all(m);
}

static const struct ctrl_ops cmd_ops = {
	.dispatch = cmd_dispatch,
	.client_gone = cmd_client_gone,
	.job_event = cmd_job_event,
	.job_done = cmd_job_done,
	.shutdown = cmd_shutdown,
	.recorder_id = cmd_recorder_id_op,
};

int ctrl_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
	     struct ctrl **out)
{
	struct cmd_state *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	for (int w = 0; w < CONFIG_BROWSE_WORKERS; w++) {
		m->bw[w].m = m;
		m->bw[w].idx = w;
	}
	rc = ctrl_server_new(cfg, sig_fd, reload, reload_ctx, &cmd_ops, m, &m->ctrl);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m->ctrl;
	return 0;
}

void ctrl_free(struct ctrl *c)
{
	free(ctrl_server_free(c));
}
