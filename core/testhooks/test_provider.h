/* The test-only "_test" provider and simulated recorder (config key test_hooks = 1). */
#ifndef SS_TEST_PROVIDER_H
#define SS_TEST_PROVIDER_H

#include "core/rec/engine.h"
#include "providers/provider.h"

extern const struct provider_ops test_provider_ops;
/* Simulated recorder with recorder_run()'s contract; the url picks the scenario. */
int test_recorder_run(const struct rec_params *p, const struct rec_hooks *h,
		      struct http_session *http, int cancel_fd, char *msg, size_t cap);

#endif
