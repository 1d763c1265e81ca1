/*
 * Test-only provider "_test" and a simulated recorder, active only with the config key
 * test_hooks = 1 (default off). They exercise the control server's job machinery (single
 * recorder, stop within 200 ms, SIGTERM during a job, broadcasts, timeouts, large replies)
 * without network or the real recorder. The item url chooses the scenario:
 *   test://live?sections=N&interval_ms=M&end=complete|error|live&stuck_ms=S&kind=K
 * sections: start messages to send (default 1000000); interval_ms between them (default
 * 200); end: what follows the last one; stuck_ms: how long to ignore a cancel (to test
 * the stop timeout); kind: hls_live (default), hls_basic, hls_m4s, mp4.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/testhooks/test_provider.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/loop.h"

/* Copies the value of query parameter key into out ("" when absent). */
static void test_param(const char *url, const char *key, char *out, size_t cap)
{
	const char *q = strchr(url, '?');
	size_t kl = strlen(key);

	out[0] = '\0';
	while (q && *q) {
		q++;
		if (strncmp(q, key, kl) == 0 && q[kl] == '=') {
			const char *v = q + kl + 1;
			size_t n = strcspn(v, "&");

			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return;
		}
		q = strchr(q, '&');
	}
}

static long test_param_int(const char *url, const char *key, long def)
{
	char v[32];
	char *end;
	long r;

	test_param(url, key, v, sizeof(v));
	if (!v[0])
		return def;
	r = strtol(v, &end, 10);
	return *end ? def : r;
}

/* Waits ms or until fd is readable: 0 after the full wait, 1 when fd became readable. */
static int test_wait(int fd, long ms)
{
	int64_t end = mono_ms() + ms;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = end - mono_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, fd >= 0 ? 1 : 0, (int)MIN(left, 1000000));
		if (r > 0)
			return 1;
	}
}

static int test_categories(const struct prov_ctx *ctx, struct jw *out)
{
	static const char *const names[] = {"Big", "Fail", "Live", "Slow", "\xc3\x84pfel"};

	jw_arr_begin(out);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char icon[64];

		snprintf(icon, sizeof(icon), "%s.png", names[i]);
		jw_obj_begin(out);
		jw_key(out, "name");
		jw_str_ascii(out, names[i]);
		jw_key(out, "icon");
		jw_str_ascii(out, icon);
		jw_key(out, "provider_id");
		jw_str_ascii(out, ctx->provider_id);
		jw_obj_end(out);
	}
	jw_arr_end(out);
	return 0;
}

static int test_items(const struct prov_ctx *ctx, const char *category, struct jw *out)
{
	if (strcmp(category, "Fail") == 0)
		return -ERR_NOT_FOUND;
	if (strcmp(category, "Slow") == 0) {
		/* Never answers on its own: only the deadline's cancel ends it. */
		return test_wait(ctx->cancel_fd, 3600 * 1000L) ? -ERR_CANCELLED : -ERR_TIMEOUT;
	}
	if (strncmp(category, "Big:", 4) == 0) {
		long want = strtol(category + 4, NULL, 10);

		jw_arr_begin(out);
		for (long i = 0; out->b->len < (size_t)want && !out->err; i++) {
			char name[32];

			snprintf(name, sizeof(name), "Item %06ld", i);
			jw_obj_begin(out);
			jw_kstr(out, "name", name);
			jw_kstr(out, "url",
				"test://live?padding=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			jw_obj_end(out);
		}
		jw_arr_end(out);
		return out->err;
	}
	if (strcmp(category, "Live") == 0) {
		jw_arr_begin(out);
		jw_obj_begin(out);
		jw_kstr(out, "name", "Endless");
		jw_kstr(out, "url", "test://live");
		jw_key(out, "description");
		jw_str(out, "Gr\xc3\xbc\xc3\x9f Gott");
		jw_obj_end(out);
		jw_obj_begin(out);
		jw_kstr(out, "name", "Short VOD");
		jw_kstr(out, "url",
			"test://live?sections=2&interval_ms=50&end=complete&kind=hls_basic");
		jw_obj_end(out);
		jw_arr_end(out);
		return 0;
	}
	return -ERR_NOT_FOUND;
}

static int test_resolve(const struct prov_ctx *ctx, const struct start_args *a,
			struct resolve_result *r)
{
	char kind[16];

	UNUSED(ctx);
	if (strncmp(a->url, "test://", 7) != 0 || strstr(a->url, "resolve=fail"))
		return -ERR_NOT_FOUND;
	/* Carry show_ads on to the segment URLs so tests can see it arrived. */
	snprintf(r->url, sizeof(r->url), "%s%cshow_ads=%d", a->url, strchr(a->url, '?') ? '&' : '?',
		 a->show_ads);
	test_param(a->url, "kind", kind, sizeof(kind));
	r->kind = strcmp(kind, "hls_basic") == 0 ? REC_HLS_BASIC
		  : strcmp(kind, "hls_m4s") == 0 ? REC_HLS_M4S
		  : strcmp(kind, "mp4") == 0	 ? REC_MP4
						 : REC_HLS_LIVE;
	return 0;
}

static const struct provider_ops test_provider_ops = {
	.id = "_test",
	.list_categories = test_categories,
	.list_items = test_items,
	.resolve = test_resolve,
	.refresh = NULL,
};

/* Writes a small stand-in section file so an announced rec_file exists. */
static int test_section_file(const char *path)
{
	uint8_t pkt[188] = {0x47, 0x40, 0x00, 0x10};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	memset(pkt + 4, 0xff, sizeof(pkt) - 4);
	if (write(fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
		rc = -EIO;
	close(fd);
	return rc;
}

int test_recorder_run(const struct rec_params *p, const struct rec_hooks *h,
		      struct http_session *http, int cancel_fd, char *msg, size_t cap)
{
	const char *url = p->res.url;
	long sections = test_param_int(url, "sections", 1000000);
	long interval = test_param_int(url, "interval_ms", 200);
	long stuck = test_param_int(url, "stuck_ms", 0);
	char end[16];
	int rc;

	UNUSED(http);
	test_param(url, "end", end, sizeof(end));
	for (long n = 0; n < sections; n++) {
		char file[PATH_MAX + 32], seg[160];
		struct rec_event ev = {0};

		if (test_wait(cancel_fd, n ? interval : interval / 4))
			goto cancelled;
		snprintf(file, sizeof(file), "%s/stream_%ld.ts", p->rec_dir, n);
		rc = test_section_file(file);
		if (rc) {
			if (msg)
				snprintf(msg, cap, "The section file cannot be written.");
			return rc;
		}
		snprintf(seg, sizeof(seg), "test://segment/%ld?quality=%.32s&show_ads=%ld&av1=%d",
			 n * 10, p->quality, test_param_int(url, "show_ads", -1), p->av1);
		ev.type = REC_EV_SECTION;
		ev.kind = p->res.kind;
		ev.url = seg;
		ev.rec_file = file;
		ev.section_index = (int)n;
		ev.segment_index = p->buffering;
		h->event(h->ctx, &ev);
		if (h->stats)
			rec_stats_add(h->stats, 0, p->buffering, 0, (int)n, p->res.kind);
	}
	if (strcmp(end, "complete") == 0)
		return 0;
	if (strcmp(end, "error") == 0) {
		if (msg)
			snprintf(msg, cap, "The test stream ended with an error.");
		return -ERR_NOT_FOUND;
	}
	test_wait(cancel_fd, 3600 * 1000L);
cancelled:
	/* A recorder that takes too long to notice its cancel (stop-timeout tests). */
	if (stuck > 0)
		test_wait(-1, stuck);
	return -ERR_CANCELLED;
}

const struct provider_ops *test_provider_find(const char *id)
{
	return strcmp(id, test_provider_ops.id) == 0 ? &test_provider_ops : NULL;
}
