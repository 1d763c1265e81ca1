/* Recorder helpers: stream.log, cleanup of our own files, public URLs, cancellable sleep. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_util.h"
#include "core/ts/ts.h"

/* Section and segment numbers are never negative: any negative value is "none". */
static void fmt_index(char *out, size_t cap, int v)
{
	if (v < 0)
		snprintf(out, cap, "---");
	else
		snprintf(out, cap, "%03d", v);
}

void rec_log_line(const char *rec_dir, int section, int segment, const char *uri, const char *event)
{
	char path[512], line[640], u[256], a[16], b[16];
	struct timeval tv;
	struct tm tm;
	int fd, k;

	if (!rec_dir || snprintf(path, sizeof(path), "%s/stream.log", rec_dir) >= (int)sizeof(path))
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	fmt_index(a, sizeof(a), section);
	fmt_index(b, sizeof(b), segment);
	if (uri)
		rec_url_public(uri, u, sizeof(u));
	else
		snprintf(u, sizeof(u), "none");
	k = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03d STS %s/%s: %s - %s\n%s", tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), a, b, u, event,
		     strcmp(event, "new-section") == 0 ? "\n" : "");
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(line))
		k = (int)sizeof(line) - 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		LOG_WARN(LOG_REC, "cannot open %s: %s", path, strerror(errno));
		return;
	}
	/* One write per line: O_APPEND keeps lines of both writers whole. */
	if (write(fd, line, (size_t)k) != k)
		LOG_WARN(LOG_REC, "short write to %s", path);
	close(fd);
}

bool rec_is_own_file(const char *name)
{
	static const char *const comp[] = {"", ".cuts", ".ap", ".sc", ".meta"};
	const char *p, *rest;

	if (strncmp(name, "stream_", 7) != 0)
		return false;
	p = name + 7;
	if (strncmp(p, "0.mp4", 5) == 0) {
		rest = p + 5;
	} else {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (strncmp(p, ".ts", 3) != 0)
			return false;
		rest = p + 3;
	}
	for (size_t i = 0; i < ARRAY_SIZE(comp); i++)
		if (strcmp(rest, comp[i]) == 0)
			return true;
	return false;
}

int rec_cleanup(const char *rec_dir)
{
	DIR *d = opendir(rec_dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (!rec_is_own_file(e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", rec_dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) != 0 && errno != ENOENT)
			LOG_WARN(LOG_REC, "cannot remove %s: %s", path, strerror(errno));
	}
	closedir(d);
	return 0;
}

void rec_url_public(const char *url, char *out, size_t cap)
{
	const char *s = strstr(url, "://"), *at, *host = url, *end;
	size_t n, k = 0;

	if (!cap)
		return;
	if (s) {
		host = s + 3;
		k = (size_t)(host - url);
		/* Drop "user:pass@" of the authority. */
		end = host + strcspn(host, "/?#");
		at = memchr(host, '@', (size_t)(end - host));
		if (at)
			host = at + 1;
	}
	n = strcspn(host, "?#");
	if (k >= cap)
		k = cap - 1;
	memcpy(out, url, k);
	if (n > cap - 1 - k)
		n = cap - 1 - k;
	memcpy(out + k, host, n);
	out[k + n] = '\0';
}

bool rec_cancelled(int cancel_fd)
{
	struct pollfd p = {.fd = cancel_fd, .events = POLLIN};

	return cancel_fd >= 0 && poll(&p, 1, 0) > 0;
}

int rec_sleep(int cancel_fd, int64_t ms)
{
	struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
	int64_t t0 = mono_ms();

	for (;;) {
		int64_t left;
		int r;

		left = ms - (mono_ms() - t0);
		if (left <= 0)
			return 0;
		if (cancel_fd < 0) {
			struct timespec d = {(time_t)(left / 1000), (long)(left % 1000) * 1000000};

			nanosleep(&d, NULL);
			continue;
		}
		r = poll(&p, 1, (int)MIN(left, 1000000));
		if (r > 0)
			return -ERR_CANCELLED;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static bool is_box(const uint8_t *p)
{
	static const char t[][5] = {"ftyp", "styp", "moof", "moov", "mdat", "sidx",
				    "emsg", "prft", "free", "skip", "wide", "uuid"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (memcmp(p + 4, t[i], 4) == 0)
			return true;
	return false;
}

/* 1: packets at off (4 syncs, or every one up to a final end), 0: need more, -1: no. */
static int ts_at(const uint8_t *p, size_t n, size_t off, bool final)
{
	for (size_t k = 0; k < 4; k++) {
		size_t i = off + k * TS_PKT;

		if (i >= n)
			return final ? (k > 0 && off + TS_PKT <= n ? 1 : -1) : 0;
		if (p[i] != 0x47)
			return -1;
	}
	return 1;
}

int rec_seg_sniff(const uint8_t *p, size_t n, bool final)
{
	if (n >= REC_SNIFF_MAX)
		final = true; /* decide on what the hold allows */
	if (n == 0)
		return final ? 1 : 0;
	if (n >= 8 && is_box(p))
		return 1;
	if ((n >= 3 && memcmp(p, "ID3", 3) == 0) ||
	    (n >= 2 && p[0] == 0xFF && (p[1] & 0xF6) == 0xF0) ||
	    (n >= 2 && p[0] == 0x0B && p[1] == 0x77))
		return 1;
	if (n < 8 && !final)
		return 0;
	for (size_t off = 0; off < MIN(n, (size_t)REC_SNIFF_MAX); off++)
		if (ts_at(p, n, off, final) > 0)
			return 1;
	return final ? -ERR_PROTOCOL : 0;
}

int64_t rec_retry_delay_ms(int64_t backoff_ms, int retry_after_s, int64_t window_left_ms)
{
	int64_t ra;

	if (retry_after_s < 0)
		return backoff_ms;
	ra = (int64_t)MIN(retry_after_s, CONFIG_HTTP_RETRY_AFTER_MAX_S) * 1000;
	if (window_left_ms >= 0 && ra > window_left_ms)
		ra = window_left_ms;
	return MAX(backoff_ms, ra);
}
