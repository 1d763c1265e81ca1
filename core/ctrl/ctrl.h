/* Control server: the port-5000 protocol (clients, framing, queues, broadcast, dispatch). */
#ifndef SS_CTRL_H
#define SS_CTRL_H

#include "core/base/common.h"
#include "core/base/config.h"
#include "core/base/dbuf.h"
#include "core/base/json.h"

struct ctrl;

/*
 * Gives the control thread a new configuration on SIGHUP. Returns 0 with *out set (a new
 * reference the control server takes over) or a negative error (the old one stays).
 */
typedef int (*ctrl_reload_fn)(void *ctx, struct config **out);

/*
 * Binds and listens on cfg's listen/port (numeric address, no DNS), with nothing else done
 * first so the port is open within milliseconds of exec. Takes a reference to cfg.
 * sig_fd (or -1) is the read end of the signal self-pipe: each byte is a signal number.
 * Returns 0 with *out set, or -errno / -ERR_X.
 */
int ctrl_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
	     struct ctrl **out);
/* Serves clients until SIGTERM/SIGINT; then stops the recording and closes clients. 0 or -errno. */
int ctrl_run(struct ctrl *c);
/* Closes everything and frees c (stops jobs that still run). */
void ctrl_free(struct ctrl *c);

/* ---- message building, usable on any thread ---------------------------------------- */

/*
 * Starts a frame ["cmd", { in b (initialised here with cap bytes): a 4-byte header
 * placeholder, then the JSON written through w. The caller adds keys to the args object.
 */
void ctrl_msg_begin(struct dbuf *b, struct jw *w, size_t cap, const char *cmd);
/*
 * Closes the args object and array, fills in the header and hands the bytes over:
 * returns 0 with *frame (malloc'd, caller frees) and *len, or the writer's first error
 * (the buffer is then freed).
 */
int ctrl_msg_end(struct dbuf *b, struct jw *w, uint8_t **frame, size_t *len);

#endif
