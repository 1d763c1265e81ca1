/*
 * Session commands and events: sessions (the table as JSON), subscribe, the ["session", ...]
 * events and the periodic ["progress", ...] messages. Only clients that subscribed get events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/cmd_int.h"
#include "core/ctrl/frame.h"
#include "core/rec/rec_util.h"

/* Room for one session in a message: url, two paths, name and the fixed keys. */
#define CMD_SESS_JSON (HTTP_URL_MAX + 2 * PATH_MAX + 1024)

static const char *const sess_state_names[] = {
	[SESS_RESOLVING] = "resolving",
	[SESS_BUFFERING] = "buffering",
	[SESS_RECORDING] = "recording",
	[SESS_STOPPING] = "stopping",
};

int cmd_session_count(const struct cmd_state *m)
{
	int n = 0;

	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++)
		n += m->sess[i] != NULL;
	return n;
}

/* The keys every session object has (inside an object already begun). */
static void cmd_sess_keys(struct jw *w, const struct rec_job *job)
{
	struct rec_stats st;
	char url[HTTP_URL_MAX];
	enum rec_kind kind;

	rec_stats_get((struct rec_stats *)&job->stats, &st);
	kind = job->kind != REC_AUTO ? job->kind : (enum rec_kind)st.kind;
	rec_url_public(job->url, url, sizeof(url));
	jw_kint(w, "id", job->id);
	jw_kstr(w, "kind", job->interactive ? "interactive" : "record");
	jw_kstr(w, "name", job->name);
	jw_kstr(w, "provider_id", job->provider_id);
	jw_kstr(w, "url", url);
	jw_kstr(w, "rec_dir", job->rec_dir_msg[0] ? job->rec_dir_msg : job->rec_dir);
	jw_kstr(w, "recorder_id", rec_kind_name(kind));
	jw_kint(w, "started", job->started);
	jw_kint(w, "bytes", st.bytes);
	jw_kint(w, "segments", st.segments);
	jw_kint(w, "section_index", st.section >= 0 ? st.section : job->section_index);
	jw_kstr(w, "state", sess_state_names[job->state]);
}

void cmd_sessions_json(struct cmd_state *m, struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++) {
		if (!m->sess[i])
			continue;
		jw_obj_begin(w);
		cmd_sess_keys(w, m->sess[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void cmd_sessions(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	UNUSED(r);
	UNUSED(args);
	ctrl_msg_begin(&b, &w, (size_t)CONFIG_MAX_SESSIONS * CMD_SESS_JSON + 64, "sessions");
	cmd_sessions_json(m, &w, "data");
	if (ctrl_msg_end(&b, &w, &f, &len)) {
		ctrl_send_error(m->ctrl, cl->id, -ERR_FAILURE,
				"The session list could not be built.");
		return;
	}
	ctrl_send_frame(m->ctrl, cl->id, f, len);
}

void cmd_session_event(struct cmd_state *m, const struct rec_job *job, const char *ev,
		       const struct sess_section *sec, int rc, const char *reason)
{
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;

	if (!ctrl_subscribed(m->ctrl, CTRL_SUB_SESSIONS))
		return;
	ctrl_msg_begin(&b, &w, CMD_SESS_JSON + PATH_MAX + 512, "session");
	jw_kstr(&w, "event", ev);
	cmd_sess_keys(&w, job);
	if (sec) {
		jw_key(&w, "rec_file");
		cmd_client_path(&w, job, sec->rec_file);
		jw_kint(&w, "segment_index", sec->segment_index);
	}
	if (reason)
		jw_kstr(&w, "reason", reason);
	if (rc) {
		jw_kstr(&w, "error_id", err_id(rc));
		jw_kstr(&w, "msg", job->msg[0] ? job->msg : err_str(rc));
	}
	if (ctrl_msg_end(&b, &w, &f, &len)) {
		LOG_ERR(LOG_CTRL, "session %u: %s event could not be built", job->id, ev);
		return;
	}
	ctrl_send_subscribed(m->ctrl, CTRL_SUB_SESSIONS, f, len);
}

/* ---- progress ------------------------------------------------------------------------ */

static long cmd_progress_ms(const struct cmd_state *m)
{
	long s = config_get_int(m->ctrl->cfg, "progress_interval_s", 2);

	return (s < 1 ? 1 : s > 3600 ? 3600 : s) * 1000L;
}

/* One ["progress", {...}] for job: counters, bitrate over the last interval. */
static void cmd_progress_one(struct cmd_state *m, struct rec_job *job, int64_t now)
{
	struct rec_stats st;
	struct dbuf b;
	struct jw w;
	uint8_t *f;
	size_t len;
	long long bitrate = 0;
	char num[32];

	rec_stats_get(&job->stats, &st);
	if (job->prog_ms && now > job->prog_ms)
		bitrate = (long long)((st.bytes - job->prog_bytes) * 8000 / (now - job->prog_ms));
	job->prog_bytes = st.bytes;
	job->prog_ms = now;
	ctrl_msg_begin(&b, &w, CMD_MSG_CAP, "progress");
	jw_kint(&w, "id", job->id);
	jw_kint(&w, "bytes", st.bytes);
	jw_kint(&w, "segments", st.segments);
	jw_kint(&w, "bitrate", bitrate);
	jw_key(&w, "buffered_s");
	snprintf(num, sizeof(num), "%lld.%03lld", (long long)(st.media_ms / 1000),
		 (long long)(st.media_ms % 1000));
	jw_raw(&w, num, strlen(num));
	jw_kint(&w, "readers", 0);
	if (ctrl_msg_end(&b, &w, &f, &len) == 0)
		ctrl_send_subscribed(m->ctrl, CTRL_SUB_PROGRESS, f, len);
}

static void cmd_progress_tick(struct loop *l, void *ctx)
{
	struct cmd_state *m = ctx;
	int64_t now = mono_ms();

	UNUSED(l);
	m->progress_timer = 0;
	for (int i = 0; i < CONFIG_MAX_SESSIONS; i++)
		if (m->sess[i])
			cmd_progress_one(m, m->sess[i], now);
	cmd_progress_arm(m);
}

void cmd_progress_arm(struct cmd_state *m)
{
	int want = !m->ctrl->quit && cmd_session_count(m) > 0 &&
		   ctrl_subscribed(m->ctrl, CTRL_SUB_PROGRESS);

	if (want && !m->progress_timer) {
		int t = loop_timer_add(m->ctrl->loop, cmd_progress_ms(m), cmd_progress_tick, m);

		m->progress_timer = t > 0 ? t : 0;
	} else if (!want && m->progress_timer) {
		loop_timer_del(m->ctrl->loop, m->progress_timer);
		m->progress_timer = 0;
	}
}

/* ---- subscribe ----------------------------------------------------------------------- */

/* One optional boolean key: sets or clears bit in *subs; 0, 1 when absent, or -1 when bad. */
static int cmd_sub_flag(const struct jr *r, int args, const char *key, unsigned bit, unsigned *subs)
{
	int t = jr_get(r, args, key), v;

	if (t < 0 || jr_is_null(r, t))
		return 1;
	if (jr_bool(r, t, &v))
		return -1;
	*subs = v ? *subs | bit : *subs & ~bit;
	return 0;
}

void cmd_subscribe(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args)
{
	unsigned subs = cl->subs;
	int a = cmd_sub_flag(r, args, "sessions", CTRL_SUB_SESSIONS, &subs);
	int b = cmd_sub_flag(r, args, "progress", CTRL_SUB_PROGRESS, &subs);
	struct dbuf d;
	struct jw w;
	uint8_t *f;
	size_t len;

	if (a < 0 || b < 0 || (a == 1 && b == 1)) {
		ctrl_send_error(m->ctrl, cl->id, -ERR_BAD_REQUEST,
				"subscribe takes \"sessions\" and/or \"progress\" as booleans.");
		return;
	}
	cl->subs = subs;
	LOG_INFO(LOG_CTRL, "client %s: subscribed to%s%s%s", cl->peer,
		 subs & CTRL_SUB_SESSIONS ? " sessions" : "",
		 subs & CTRL_SUB_PROGRESS ? " progress" : "", subs ? "" : " nothing");
	ctrl_msg_begin(&d, &w, CMD_MSG_CAP, "subscribe");
	jw_kbool(&w, "sessions", (subs & CTRL_SUB_SESSIONS) != 0);
	jw_kbool(&w, "progress", (subs & CTRL_SUB_PROGRESS) != 0);
	if (ctrl_msg_end(&d, &w, &f, &len) == 0)
		ctrl_send_frame(m->ctrl, cl->id, f, len);
	cmd_progress_arm(m);
}
