/*
 * Branch-only link placeholders for symbols other modules own (ctrl branch, before their
 * merge): providers/registry.c (provider_find, provider_at), net/http.c (sessions) and
 * core/recorder.c (recorder_run, rec_kind_name). Each behaves as "nothing compiled in":
 * no providers, no network, no recorder. Delete this file and its module.mk line when
 * those modules are merged; duplicate symbols at link time say when.
 */
#include <string.h>

#include "core/err.h"
#include "core/recorder.h"
#include "net/http.h"
#include "providers/provider.h"

const struct provider_ops *provider_find(const char *id)
{
	UNUSED(id);
	return NULL;
}

const struct provider_ops *provider_at(int n)
{
	UNUSED(n);
	return NULL;
}

const char *rec_kind_name(enum rec_kind k)
{
	static const char *const names[] = { "unknown", "hls_live", "hls_basic", "hls_m4s", "mp4" };

	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "unknown";
}

void http_session_opts_init(struct http_session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cancel_fd = -1;
	o->tls_verify = 1;
}

int http_session_new(const struct http_session_opts *o, struct http_session **out)
{
	UNUSED(o);
	*out = NULL;
	return -ERR_UNSUPPORTED;
}

void http_session_free(struct http_session *s)
{
	UNUSED(s);
}

int recorder_run(const struct rec_params *p, const struct rec_hooks *h, struct http_session *http,
		 int cancel_fd, char *msg, size_t cap)
{
	UNUSED(p);
	UNUSED(h);
	UNUSED(http);
	UNUSED(cancel_fd);
	UNUSED(msg);
	UNUSED(cap);
	return -ERR_UNSUPPORTED;
}
