/* Control commands: what cmd.c, cmd_browse.c, cmd_record.c and cmd_session.c share (not the
 * transport). */
#ifndef SS_CMD_INT_H
#define SS_CMD_INT_H

#include <limits.h>

#include "core/ctrl/ctrl_int.h"
#include "core/rec/engine.h"
#include "net/http.h"
#include "providers/provider.h"

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

/* A get_categories/get_media_items request, queued and then run by the browse worker. */
struct browse_req {
	uint32_t client;
	int items; /* 0: categories, 1: media items */
	const struct provider_ops *prov;
	int is_test;	    /* the test provider: no network session */
	struct config *cfg; /* snapshot reference */
	char provider_id[64];
	char data_dir[PATH_MAX];
	char category[512];
	struct browse_worker *worker; /* running on it, NULL: queued */
	int answered;		      /* control thread: a timeout reply went out */
	uint8_t *frame;		      /* worker's reply, owned by the request */
	size_t len;
};

/* What a session is doing (the "state" of "sessions"). */
enum sess_state {
	SESS_RESOLVING, /* the provider resolves the item */
	SESS_BUFFERING, /* recording, no section announced yet */
	SESS_RECORDING, /* a section file may be played */
	SESS_STOPPING,	/* cancelled, its thread still finishing the files */
};

/* One stream session (the recorder job): arguments, results, counters. */
struct rec_job {
	struct job *job;  /* set by the worker */
	uint32_t id;	  /* session id: never 0, not reused while the daemon runs */
	int slot;	  /* jobs slot: JOB_SESSION0 + index in cmd_state.sess */
	bool interactive; /* the plugin's start/stop recording */
	uint32_t requester;
	const struct provider_ops *prov;
	int is_test;
	struct config *cfg; /* snapshot reference */
	char provider_id[64];
	char data_dir[PATH_MAX];
	char rec_dir[PATH_MAX];	    /* resolved (realpath): where files are written */
	char rec_dir_msg[PATH_MAX]; /* the client's spelling: what messages name */
	char url[HTTP_URL_MAX];
	char quality[32];
	char name[128];
	struct start_args sa;
	struct prov_ctx pctx; /* worker: what the provider callbacks get */
	int resolve_failed;   /* worker: rc came from resolve() */
	char msg[256];	      /* worker: one sentence about the error */
	/* control thread */
	long long started; /* wall clock, seconds since the epoch */
	enum sess_state state;
	enum rec_kind kind;	/* from its section events; REC_AUTO until known */
	int section_index;	/* last announced section, -1: none */
	int64_t prog_bytes;	/* bytes at the last progress tick */
	int64_t prog_ms;	/* monotonic time of that tick, 0: none yet */
	struct rec_stats stats; /* the recorder's counters (its own lock) */
};

/* A section the recorder announced, as posted to the control thread. */
struct sess_section {
	enum rec_kind kind;
	int section_index;
	int segment_index;
	char url[256];
	char rec_file[PATH_MAX];
};

/* Job event types posted by a session's job. */
enum {
	CTRL_EV_SECTION = 1, /* frame: struct sess_section */
	CTRL_EV_RESOLVED,    /* no frame: resolved, recording starts */
};

/* One browse worker: the request it runs and that request's timeout. */
struct browse_worker {
	struct cmd_state *m;
	int idx; /* jobs slot JOB_BROWSE0 + idx */
	struct browse_req *req;
	int timer;
};

/* The commands' state (control thread): the transport holds it as an opaque pointer. */
struct cmd_state {
	struct ctrl *ctrl; /* the transport: clients, configuration, loop, jobs */
	/* sessions */
	struct rec_job *sess[CONFIG_MAX_SESSIONS]; /* by slot; NULL: free */
	struct rec_job *rec;			   /* the interactive one (also in sess) */
	uint32_t next_sess_id;
	int progress_timer;
	/* browse state: requests in arrival order, the worker pool */
	struct browse_req *bq[CONFIG_CTRL_BROWSE_QUEUE];
	int bq_count;
	struct browse_worker bw[CONFIG_BROWSE_WORKERS];
};

/* ---- cmd.c: shared argument handling ---------------------------------------------- */

/* allowed_roots of the current configuration. */
const char *cmd_roots(const struct ctrl *c);
/* Reads providers/<id>/config.json under dir into pi; 0 or a negative error. */
int cmd_prov_info(const char *dir, const char *id, struct prov_info *pi);
/* provider.provider_id -> ops; 0 or an error with *why set. by_id: a plain string
 * "provider" names the id too (record). */
int cmd_provider(struct ctrl *c, const struct jr *r, int args, char *id, size_t cap,
		 const struct provider_ops **ops, int *is_test, const char **why, int by_id);
/* <data_dir>/<id> confined and created; 0 or an error with *why set. */
int cmd_data_dir(struct ctrl *c, const struct jr *r, int args, const char *id, char *out,
		 size_t cap, const char **why);
/* HTTP session options from the configuration. */
void cmd_http_opts(const struct config *cfg, int cancel_fd, struct http_session_opts *o);
/* recorder_id to put in error replies: the running recorder's kind or "unknown". */
const char *cmd_recorder_id(const struct cmd_state *m);

/* ---- cmd_browse.c: get_categories, get_media_items ------------------------------- */

/* Queues a browse request (items: 0 categories, 1 media items) and answers it later. */
void cmd_browse(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args,
		int items);
/* The browse job ended (control thread). */
void cmd_browse_done(struct cmd_state *m, struct browse_req *q, int rc, int cancelled);
void cmd_browse_free(struct browse_req *q);
/* A client went away: its running requests are cancelled, queued ones dropped. */
void cmd_browse_client_gone(struct cmd_state *m, uint32_t id);
/* Shutdown: queued requests dropped (running ones are stopped with the other jobs). */
void cmd_browse_drop_all(struct cmd_state *m);
/* Requests queued or running. */
int cmd_browse_pending(const struct cmd_state *m);

/* ---- cmd_record.c: start, stop, record, stop_session ------------------------------ */

void cmd_start(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
void cmd_record(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
void cmd_stop_session(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
/* Stops the interactive recording (if any) within the job stop timeout; 0 or an error. */
int cmd_rec_stop(struct cmd_state *m);
/* A session's job ended (control thread). */
void cmd_rec_done(struct cmd_state *m, struct rec_job *job, int rc, int cancelled);
/* Writes path (under job->rec_dir) with rec_dir spelled as the client sent it. */
void cmd_client_path(struct jw *w, const struct rec_job *job, const char *path);
/* A session's job posted an event (control thread; ev->frame is ours). */
void cmd_rec_event_in(struct cmd_state *m, struct rec_job *job, struct job_event *ev);

/* ---- cmd_record_args.c ----------------------------------------------------------------- */

/*
 * The arguments start and record share, in PROTOCOL.md's order: provider, url, buffering,
 * show_ads, av1, quality, rec_dir, data_dir, then name. Fills job; 0 or an error with *why.
 */
int cmd_rec_args(struct cmd_state *m, const struct jr *r, int args, struct rec_job *job,
		 const char **why);

/* ---- cmd_session.c: sessions, subscribe, session and progress events ------------- */

void cmd_sessions(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
void cmd_subscribe(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
/* Writes key: [...] (every session, as "sessions" lists them) into w. */
void cmd_sessions_json(struct cmd_state *m, struct jw *w, const char *key);
/* Room a session list needs in a message. */
#define CMD_SESSIONS_CAP ((size_t)CONFIG_MAX_SESSIONS * (HTTP_URL_MAX + 2 * PATH_MAX + 1024))
/* Sends ["session", {"event": ev, ...}] to the clients subscribed to sessions. rc and
 * msg: the error of an "error"/"ended" event (0: none); reason: the "ended" reason. */
void cmd_session_event(struct cmd_state *m, const struct rec_job *job, const char *ev,
		       const struct sess_section *sec, int rc, const char *reason);
/* Starts or stops the progress timer after a subscription or session change. */
void cmd_progress_arm(struct cmd_state *m);
/* Number of sessions running (slots taken). */
int cmd_session_count(const struct cmd_state *m);

#endif
