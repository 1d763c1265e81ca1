/*
 * The test-only "_test" provider and simulated recorder: built with CONFIG_TEST_HOOKS,
 * active only with the config key test_hooks = 1 (core/testhooks/test_provider.c).
 */
#ifndef SS_TEST_PROVIDER_H
#define SS_TEST_PROVIDER_H

#include "core/base/err.h"
#include "core/rec/engine.h"
#include "providers/provider.h"

#ifdef CONFIG_TEST_HOOKS
/* The test provider when id names it, else NULL. */
const struct provider_ops *test_provider_find(const char *id);
/* Simulated recorder with recorder_run()'s contract; the url picks the scenario. */
int test_recorder_run(const struct rec_params *p, const struct rec_hooks *h,
		      struct http_session *http, int cancel_fd, char *msg, size_t cap);
#else
static inline const struct provider_ops *test_provider_find(const char *id)
{
	UNUSED(id);
	return NULL;
}

static inline int test_recorder_run(const struct rec_params *p, const struct rec_hooks *h,
				    struct http_session *http, int cancel_fd, char *msg, size_t cap)
{
	UNUSED(p);
	UNUSED(h);
	UNUSED(http);
	UNUSED(cancel_fd);
	UNUSED(msg);
	UNUSED(cap);
	return -ERR_UNSUPPORTED;
}
#endif

#endif
