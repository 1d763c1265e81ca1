/* Logging backend: formats into a bounded stack buffer and emits it with one write(). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* syslog.h's LOG_ERR/LOG_INFO priorities clash with our macros: capture them, then undefine. */
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
#undef LOG_ERR
#undef LOG_INFO

#include "core/base/common.h"
#include "core/base/err.h"
#include "core/base/log.h"

static const char *const mod_names[LOG_MOD__COUNT] = {
	"main", "ctrl", "job", "http", "tls", "hls", "ts", "rec", "hal", "prov",
};
static const char *const lvl_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

/* Levels are plain ints read racily by design: a stale level for one line is harmless. */
static volatile int mod_level[LOG_MOD__COUNT] = {
	[0 ... LOG_MOD__COUNT - 1] = CONFIG_LOG_DEFAULT_LEVEL,
};
static volatile int to_syslog;

void log_set_level_all(enum log_level lvl)
{
	for (int i = 0; i < LOG_MOD__COUNT; i++)
		mod_level[i] = lvl;
}

int log_set_level_name(const char *module, enum log_level lvl)
{
	for (int i = 0; i < LOG_MOD__COUNT; i++) {
		if (strcmp(mod_names[i], module) == 0) {
			mod_level[i] = lvl;
			return 0;
		}
	}
	return -ERR_BAD_REQUEST;
}

int log_level_parse(const char *s)
{
	static const char *const words[] = {"error", "warn", "info", "debug"};

	if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, words[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

void log_use_syslog(int on)
{
	if (on && !to_syslog)
		openlog("streamingserver", LOG_PID, LOG_DAEMON);
	to_syslog = on;
}

int log_enabled(enum log_mod mod, enum log_level lvl)
{
	return (unsigned)mod < LOG_MOD__COUNT && (int)lvl <= mod_level[mod];
}

void log_vmsg(enum log_mod mod, enum log_level lvl, const char *fmt, va_list ap)
{
	char line[CONFIG_LOG_LINE_MAX];
	size_t n = 0;
	int r;

	if (!log_enabled(mod, lvl))
		return;
	if (!to_syslog) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		r = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld STS: %s: %s: ", tm.tm_hour,
			     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, lvl_names[lvl],
			     mod_names[mod]);
	} else {
		r = snprintf(line, sizeof(line), "%s: ", mod_names[mod]);
	}
	if (r > 0)
		n = MIN((size_t)r, sizeof(line) - 1);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n = MIN(n + (size_t)r, sizeof(line) - 2);
	/* Control characters from outside data must not forge extra log lines. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			line[i] = ' ';
	if (to_syslog) {
		line[n] = '\0';
		syslog(syslog_prio[lvl], "%s", line);
		return;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nothing sensible to do when stderr is gone. */
	}
}

void log_msg(enum log_mod mod, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(mod, lvl, fmt, ap);
	va_end(ap);
}
