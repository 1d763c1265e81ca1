/* Control server transport: lifecycle, signals and wake-ups (listening, clients, queues and
 * sending live in server_listen.c, server_client.c, server_queue.c and server_send.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/ctrl/server_int.h"

/* Fixed loop capacity: listener, signal pipe, clients, plus spare for the lingering. */
#define CTRL_LOOP_FDS (CONFIG_CTRL_MAX_CLIENTS + 4)
#define CTRL_LOOP_TIMERS (CONFIG_CTRL_MAX_CLIENTS + CONFIG_BROWSE_WORKERS + 8)

/* ---- signals and wake-ups ------------------------------------------------------- */

static void ctrl_on_wake(struct loop *l, void *ctx)
{
	struct ctrl *c = ctx;

	UNUSED(l);
	jobs_dispatch(c->jobs);
}

static void ctrl_signal(struct loop *l, int fd, unsigned revents, void *ctx)
{
	struct ctrl *c = ctx;
	uint8_t sig[16];
	ssize_t n;

	UNUSED(revents);
	n = read(fd, sig, sizeof(sig));
	for (ssize_t i = 0; i < n; i++) {
		if (sig[i] == SIGHUP && c->reload) {
			struct config *nc = NULL;

			if (c->reload(c->reload_ctx, &nc) == 0 && nc) {
				ctrl_rebind(c, nc);
				config_unref(c->cfg);
				c->cfg = nc;
				LOG_INFO(LOG_MAIN, "configuration reloaded");
			} else {
				LOG_WARN(LOG_MAIN,
					 "configuration reload failed; keeping the old one");
			}
		} else if (sig[i] == SIGTERM || sig[i] == SIGINT) {
			LOG_INFO(LOG_MAIN, "signal %d: shutting down", sig[i]);
			c->quit = 1;
			loop_stop(l);
		}
	}
}

/* ---- lifecycle ------------------------------------------------------------------ */

int ctrl_server_new(struct config *cfg, int sig_fd, ctrl_reload_fn reload, void *reload_ctx,
		    const struct ctrl_ops *ops, void *cmd, struct ctrl **out)
{
	struct ctrl *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->ops = ops;
	c->cmd = cmd;
	c->lfd = -1;
	c->sig_fd = sig_fd;
	c->cfg = config_ref(cfg);
	c->reload = reload;
	c->reload_ctx = reload_ctx;
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		c->cl[i].fd = -1;
		c->cl[i].ctrl = c;
	}
	c->loop = loop_new(CTRL_LOOP_FDS, CTRL_LOOP_TIMERS, ctrl_on_wake, c);
	if (!c->loop) {
		ctrl_server_free(c);
		return -ENOMEM;
	}
	rc = ctrl_listen(c);
	if (!rc)
		rc = loop_add(c->loop, c->lfd, POLLIN, ctrl_accept, c);
	if (!rc && sig_fd >= 0)
		rc = loop_add(c->loop, sig_fd, POLLIN, ctrl_signal, c);
	if (!rc) {
		c->jobs = jobs_new(c->loop, ops->job_event, ops->job_done, cmd);
		if (!c->jobs)
			rc = -ENOMEM;
	}
	if (rc) {
		ctrl_server_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int ctrl_run(struct ctrl *c)
{
	int rc = loop_run(c->loop);

	/* Shutdown: the recording is finalised first, then clients see the connection end. */
	c->ops->shutdown(c->cmd);
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++) {
		struct ctrl_client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->qcount && !cl->lingering)
			ctrl_flush(c, cl);
		ctrl_client_close(c, cl, "server shutting down");
	}
	return rc;
}

void *ctrl_server_free(struct ctrl *c)
{
	void *cmd;

	if (!c)
		return NULL;
	if (c->jobs)
		c->ops->shutdown(c->cmd);
	for (int i = 0; i < CONFIG_CTRL_MAX_CLIENTS; i++)
		ctrl_client_close(c, &c->cl[i], "server shutting down");
	if (c->lfd >= 0)
		close(c->lfd);
	if (jobs_free(c->jobs)) {
		/* A stuck worker still wakes the loop when it ends: keep both until exit (and the
		 * commands' state with them). */
		config_unref(c->cfg);
		return NULL;
	}
	loop_free(c->loop);
	config_unref(c->cfg);
	cmd = c->cmd;
	free(c);
	return cmd;
}
