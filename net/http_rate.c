/* HTTP client rate limit: a token bucket per host, rate_per_min requests of burst at most. */
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "net/http_int.h"

int http_rate_wait(struct http_session *s, const char *host)
{
	struct rate_bucket *b = NULL, *old = &s->rate[0];
	int64_t rate = s->o.rate_per_min, cap = (int64_t)s->o.rate_burst * 1000;
	int64_t t = mono_ms();

	if (rate <= 0)
		return 0;
	for (int i = 0; i < CONFIG_HTTP_RATE_HOSTS; i++) {
		if (!strcmp(s->rate[i].host, host)) {
			b = &s->rate[i];
			break;
		}
		if (s->rate[i].last_ms < old->last_ms)
			old = &s->rate[i];
	}
	if (!b) {
		b = old;
		snprintf(b->host, sizeof(b->host), "%s", host);
		b->milli_tokens = cap;
		b->last_ms = t;
	}
	for (;;) {
		int rc;

		t = mono_ms();
		/* tokens in thousandths: rate/min is rate/60 milli-tokens per ms */
		b->milli_tokens += (t - b->last_ms) * rate / 60;
		if (b->milli_tokens > cap)
			b->milli_tokens = cap;
		b->last_ms = t;
		if (b->milli_tokens >= 1000) {
			b->milli_tokens -= 1000;
			return 0;
		}
		LOG_DBG(LOG_HTTP, "rate limit for %s: waiting", host);
		rc = http_sleep_ms(s, (1000 - b->milli_tokens) * 60 / rate + 1);
		if (rc)
			return rc;
	}
}
