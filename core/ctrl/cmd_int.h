/* Control commands: what cmd.c, cmd_browse.c and cmd_record.c share (not the transport). */
#ifndef SS_CMD_INT_H
#define SS_CMD_INT_H

#include "core/ctrl/ctrl_int.h"
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
const char *cmd_recorder_id(const struct ctrl *c);

/* ---- cmd_browse.c: get_categories, get_media_items ------------------------------- */

/* Queues a browse request (items: 0 categories, 1 media items) and answers it later. */
void cmd_browse(struct ctrl *c, struct ctrl_client *cl, const struct jr *r, int args, int items);
/* The browse job ended (control thread). */
void cmd_browse_done(struct ctrl *c, struct browse_req *q, int rc, int cancelled);
void cmd_browse_free(struct browse_req *q);

/* ---- cmd_record.c: start, stop ------------------------------------------------------ */

void cmd_start(struct ctrl *c, struct ctrl_client *cl, const struct jr *r, int args);
/* Stops the recording (if any) within the job stop timeout; 0 or a negative error. */
int cmd_rec_stop(struct ctrl *c);
/* The recorder job ended (control thread). */
void cmd_rec_done(struct ctrl *c, struct rec_job *job, int rc, int cancelled);

#endif
