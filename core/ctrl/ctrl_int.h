/* Control server internals shared by the transport (server.c) and the commands (cmd*.c). */
#ifndef SS_CTRL_INT_H
#define SS_CTRL_INT_H

#include <limits.h>

#include "core/ctrl/ctrl.h"
#include "core/ctrl/jobs.h"
#include "core/ctrl/loop.h"
#include "core/rec/engine.h"
#include "providers/provider.h"

/* A finished outbound frame shared by every client queue holding it (control thread only). */
struct obuf {
	int ref;
	size_t len;
	uint8_t *data; /* header + payload */
};

struct ctrl_client {
	struct ctrl *ctrl;
	int fd;	       /* -1: free slot */
	uint32_t id;   /* handle for replies from jobs; never 0, never reused soon */
	int authed;    /* may send commands and receives broadcasts */
	int closing;   /* reads stopped; close once the queue is flushed */
	int lingering; /* our side shut down; input discarded until EOF or the timer */
	int timer;     /* linger timer id, 0: none */
	uint8_t *in;   /* input buffer: CONFIG_CTRL_IN_BUF, grown for one long frame */
	size_t in_len;
	size_t in_cap;
	struct obuf *q[CONFIG_CTRL_OUT_QUEUE]; /* outbound ring */
	int qhead;
	int qcount;
	size_t qoff;	/* bytes of q[qhead] already written */
	size_t backlog; /* unsent bytes in the ring */
	char peer[64];
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

struct ctrl {
	const struct ctrl_ops *ops; /* the commands (cmd.c) */
	struct loop *loop;
	struct jobs *jobs;
	struct config *cfg;
	int lfd;
	char laddr[64]; /* what lfd is bound to: the "listen" and "port" values */
	long lport;
	int sig_fd;
	int quit;
	ctrl_reload_fn reload;
	void *reload_ctx;
	uint32_t next_id;
	struct ctrl_client cl[CONFIG_CTRL_MAX_CLIENTS];
	jsmntok_t toks[CONFIG_JSON_MAX_TOKENS];
	/* command state (cmd*.c; the transport never reads it) */
	/* recording state (control thread) */
	struct rec_job *rec;	/* running recorder job or NULL */
	enum rec_kind rec_kind; /* from its section events; REC_AUTO until known */
	/* browse state (control thread) */
	struct browse_req *bq[CONFIG_CTRL_BROWSE_QUEUE];
	int bq_head;
	int bq_count;
	struct browse_req *browsing; /* request the browse worker runs */
	int browse_timer;
};

/* Job event types posted by the recorder job. */
enum { CTRL_EV_SECTION = 1 }; /* + enum rec_kind * 16 */

/* ---- server.c: frames and clients
 * ---------------------------------------------------------------------- */

/* Wraps a frame (malloc'd, ownership taken) in a shared buffer with one reference; NULL on ENOMEM.
 */
struct obuf *obuf_new(uint8_t *frame, size_t len);
/* Drops one reference. */
void obuf_put(struct obuf *ob);
/* Client with that handle, or NULL when it is gone. */
struct ctrl_client *ctrl_client_get(struct ctrl *c, uint32_t id);
/* Queues ob for one client (takes no reference from the caller). 0, or -1 when the client
 * was cut off for its backlog (it is closed then). */
int ctrl_send(struct ctrl *c, struct ctrl_client *cl, struct obuf *ob);
/* Queues a frame (ownership taken) for client id if it is still connected. */
void ctrl_send_frame(struct ctrl *c, uint32_t id, uint8_t *frame, size_t len);
/* Queues a frame (ownership taken) for every authenticated client. */
void ctrl_broadcast_frame(struct ctrl *c, uint8_t *frame, size_t len);
/* Builds ["stop", {"reason": "error", ...}] for rc; NULL on ENOMEM. */
uint8_t *ctrl_error_frame(int rc, const char *msg, const char *recorder_id, const char *rec_dir,
			  size_t *len);
/* Unicast error reply to client id (if connected). */
void ctrl_send_error(struct ctrl *c, uint32_t id, int rc, const char *msg);
/* Sends an error and then closes the connection (after flushing it). */
void ctrl_client_fail(struct ctrl *c, struct ctrl_client *cl, int rc, const char *msg);

/* ---- server.c ---------------------------------------------------------------------- */

/*
 * The commands as the transport sees them, given at creation: server.c never names a
 * command function, the commands (cmd.c) fill this table. All run on the control thread.
 */
struct ctrl_ops {
	/* One well-formed, authenticated request; args is the args object token or -1. */
	void (*dispatch)(struct ctrl *c, struct ctrl_client *cl, const struct jr *r,
			 const char *cmd, int args);
	/* Client id went away: forget or cancel what it asked for. */
	void (*client_gone)(struct ctrl *c, uint32_t id);
	/* Job event and job end (the jobs layer's callbacks; ctx is the struct ctrl). */
	void (*job_event)(void *ctx, int slot, void *arg, struct job_event *ev);
	void (*job_done)(void *ctx, int slot, void *arg, int rc, int cancelled);
	/* Shutdown: stop the jobs, drop queued requests (may be called twice). */
	void (*shutdown)(struct ctrl *c);
	/* recorder_id to put in error replies: the running recorder's kind or "unknown". */
	const char *(*recorder_id)(const struct ctrl *c);
};

/* ctrl_new() with the command table: binds, listens, creates the loop and the jobs. */
int ctrl_server_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
		    const struct ctrl_ops *ops, struct ctrl **out);

#endif
