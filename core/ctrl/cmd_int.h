/* Control commands: what cmd.c, cmd_browse.c and cmd_record.c share (not the transport). */
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
	int answered;	/* control thread: a timeout reply went out */
	uint8_t *frame; /* worker's reply, owned by the request */
	size_t len;
};

/* The one recording: arguments and results of the recorder job. */
struct rec_job {
	struct job *job; /* set by the worker */
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
	struct start_args sa;
	struct prov_ctx pctx; /* worker: what the provider callbacks get */
	int resolve_failed;   /* worker: rc came from resolve() */
	char msg[256];	      /* worker: one sentence about the error */
};

/* Job event types posted by the recorder job. */
enum { CTRL_EV_SECTION = 1 }; /* + enum rec_kind * 16 */

/* The commands' state (control thread): the transport holds it as an opaque pointer. */
struct cmd_state {
	struct ctrl *ctrl; /* the transport: clients, configuration, loop, jobs */
	/* recording state */
	struct rec_job *rec;	/* running recorder job or NULL */
	enum rec_kind rec_kind; /* from its section events; REC_AUTO until known */
	/* browse state */
	struct browse_req *bq[CONFIG_CTRL_BROWSE_QUEUE];
	int bq_head;
	int bq_count;
	struct browse_req *browsing; /* request the browse worker runs */
	int browse_timer;
};

/* ---- cmd.c: shared argument handling ---------------------------------------------- */

/* allowed_roots of the current configuration. */
const char *cmd_roots(const struct ctrl *c);
/* Reads providers/<id>/config.json under dir into pi; 0 or a negative error. */
int cmd_prov_info(const char *dir, const char *id, struct prov_info *pi);
/* provider.provider_id -> ops; 0 or an error with *why set. */
int cmd_provider(struct ctrl *c, const struct jr *r, int args, char *id, size_t cap,
		 const struct provider_ops **ops, int *is_test, const char **why);
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

/* ---- cmd_record.c: start, stop ------------------------------------------------------ */

void cmd_start(struct cmd_state *m, struct ctrl_client *cl, const struct jr *r, int args);
/* Stops the recording (if any) within the job stop timeout; 0 or a negative error. */
int cmd_rec_stop(struct cmd_state *m);
/* The recorder job ended (control thread). */
void cmd_rec_done(struct cmd_state *m, struct rec_job *job, int rc, int cancelled);

#endif
