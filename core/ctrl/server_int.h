/* Control server transport: what server.c, server_listen.c, server_client.c, server_queue.c
 * and server_send.c share (not the commands). */
#ifndef SS_SERVER_INT_H
#define SS_SERVER_INT_H

#include "core/ctrl/ctrl_int.h"

/* ---- server_listen.c: the listening socket ----------------------------------------- */

/* Opens the socket on the configured listen/port into c->lfd; 0 or a negative error. */
int ctrl_listen(struct ctrl *c);
/* SIGHUP: moves the listening socket to nc's listen/port when they changed. */
void ctrl_rebind(struct ctrl *c, const struct config *nc);

/* ---- server_client.c: client table and input framing ------------------------------ */

/* Loop callback of the listening socket: takes every pending connection. */
void ctrl_accept(struct loop *l, int fd, unsigned revents, void *ctx);
/* Closes the connection and frees its buffers; the commands hear of it (no-op when free). */
void ctrl_client_close(struct ctrl *c, struct ctrl_client *cl, const char *why);
/* Sets the poll events from the client's state. */
void ctrl_client_events(struct ctrl *c, struct ctrl_client *cl);
/* Output queue drained on a closing client: send FIN, then discard input for a while. */
void ctrl_client_linger(struct ctrl *c, struct ctrl_client *cl);

/* ---- server_queue.c: output queues and backlog ------------------------------------ */

/* Wraps a frame (malloc'd, ownership taken) in a shared buffer with one reference; NULL on ENOMEM.
 */
struct obuf *obuf_new(uint8_t *frame, size_t len);
/* Drops one reference. */
void obuf_put(struct obuf *ob);
/* Queues ob for one client (takes no reference from the caller). 0, or -1 when the client
 * was cut off for its backlog (it is closed then). */
int ctrl_send(struct ctrl *c, struct ctrl_client *cl, struct obuf *ob);
/* Writes as much of the queue as the socket takes. Returns 0, or -1 when cl was closed. */
int ctrl_flush(struct ctrl *c, struct ctrl_client *cl);

#endif
