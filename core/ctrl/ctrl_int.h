/*
 * Control server internals shared by the transport (server*.c) and the commands (cmd*.c):
 * the client and server records the commands read, the send functions and the ops table.
 * The commands' own state (cmd_int.h) reaches the transport only as the opaque pointer
 * handed back to every ops call, so the transport never sees engine or provider types.
 */
#ifndef SS_CTRL_INT_H
#define SS_CTRL_INT_H

#include "core/ctrl/ctrl.h"
#include "core/ctrl/jobs.h"
#include "core/ctrl/loop.h"

/* Message groups a client opts into with "subscribe"; nobody gets them otherwise. */
#define CTRL_SUB_SESSIONS 1u /* ["session", {...}] events */
#define CTRL_SUB_PROGRESS 2u /* ["progress", {...}] per session and interval */

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
	unsigned subs; /* opt-in message groups (CTRL_SUB_*, set by the commands) */
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

struct ctrl {
	const struct ctrl_ops *ops; /* the commands (cmd.c) */
	void *cmd;		    /* their state: given to every ops call, never read here */
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
};

/* ---- server_client.c, server_send.c: clients and frames to them
 * ---------------------------------------------------------------------- */

/* Client with that handle, or NULL when it is gone. */
struct ctrl_client *ctrl_client_get(struct ctrl *c, uint32_t id);
/* Connected clients (authenticated or not). */
int ctrl_client_count(const struct ctrl *c);
/* Queues a frame (ownership taken) for client id if it is still connected. */
void ctrl_send_frame(struct ctrl *c, uint32_t id, uint8_t *frame, size_t len);
/* Queues a frame (ownership taken) for every authenticated client. */
void ctrl_broadcast_frame(struct ctrl *c, uint8_t *frame, size_t len);
/* Queues a frame (ownership taken) for every authenticated client subscribed to mask. */
void ctrl_send_subscribed(struct ctrl *c, unsigned mask, uint8_t *frame, size_t len);
/* 1 when some authenticated client is subscribed to mask. */
int ctrl_subscribed(const struct ctrl *c, unsigned mask);
/* Builds ["stop", {"reason": "error", ...}] for rc; NULL on ENOMEM. */
uint8_t *ctrl_error_frame(int rc, const char *msg, const char *recorder_id, const char *rec_dir,
			  size_t *len);
/* Unicast error reply to client id (if connected). */
void ctrl_send_error(struct ctrl *c, uint32_t id, int rc, const char *msg);
/* Sends an error and then closes the connection (after flushing it). */
void ctrl_client_fail(struct ctrl *c, struct ctrl_client *cl, int rc, const char *msg);

/* ---- server.c ---------------------------------------------------------------------- */

/*
 * The commands as the transport sees them, given at creation: the transport never names a
 * command function, the commands (cmd.c) fill this table. cmd is the pointer given to
 * ctrl_server_new(). All run on the control thread.
 */
struct ctrl_ops {
	/* One well-formed, authenticated request; args is the args object token or -1. */
	void (*dispatch)(void *cmd, struct ctrl_client *cl, const struct jr *r, const char *name,
			 int args);
	/* Client id went away: forget or cancel what it asked for. */
	void (*client_gone)(void *cmd, uint32_t id);
	/* Job event and job end (the jobs layer's callbacks; ctx is cmd). */
	void (*job_event)(void *ctx, int slot, void *arg, struct job_event *ev);
	void (*job_done)(void *ctx, int slot, void *arg, int rc, int cancelled);
	/* Shutdown: stop the jobs, drop queued requests (may be called twice). */
	void (*shutdown)(void *cmd);
	/* recorder_id to put in error replies: the running recorder's kind or "unknown". */
	const char *(*recorder_id)(const void *cmd);
};

/* ctrl_new() with the command table and its state: binds, listens, creates the loop and the
 * jobs. */
int ctrl_server_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
		    const struct ctrl_ops *ops, void *cmd, struct ctrl **out);
/* ctrl_free() of the transport; returns the cmd pointer given at creation (NULL for NULL c). */
void *ctrl_server_free(struct ctrl *c);

#endif
