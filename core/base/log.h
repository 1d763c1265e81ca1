/* Logging: per-module levels, one write() per line to stderr or syslog; thread safe. */
#ifndef SS_LOG_H
#define SS_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* One entry per module; names are what the config file uses (log_level.<name> = debug). */
enum log_mod {
	LOG_MAIN, /* process, config, signals */
	LOG_CTRL, /* control protocol and clients */
	LOG_JOB,  /* worker threads and jobs */
	LOG_HTTP, /* HTTP client, URLs, cookies */
	LOG_TLS,  /* TLS backends */
	LOG_HLS,  /* playlists and the recording loop */
	LOG_TS,	  /* TS remuxer, fMP4 demux */
	LOG_REC,  /* recorders */
	LOG_HAL,  /* storage and output */
	LOG_PROV, /* providers */
	LOG_MOD__COUNT
};

/* Sets every module's level. */
void log_set_level_all(enum log_level lvl);
/* Sets one module's level by name ("http"); returns 0 or -ERR_BAD_REQUEST for an unknown name. */
int log_set_level_name(const char *module, enum log_level lvl);
/* Parses "error|warn|info|debug" or a digit; returns the level or -1. */
int log_level_parse(const char *s);
/* Sends lines to syslog (ident "streamingserver") instead of stderr. */
void log_use_syslog(int on);
/* True when a message of lvl for mod would be printed. */
int log_enabled(enum log_mod mod, enum log_level lvl);

void log_msg(enum log_mod mod, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_mod mod, enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define LOG_ERR(mod, ...) log_msg(mod, LOG_LVL_ERROR, __VA_ARGS__)
#define LOG_WARN(mod, ...) log_msg(mod, LOG_LVL_WARN, __VA_ARGS__)
#define LOG_INFO(mod, ...) log_msg(mod, LOG_LVL_INFO, __VA_ARGS__)
#define LOG_DBG(mod, ...)                                                                          \
	do {                                                                                       \
		if (log_enabled(mod, LOG_LVL_DEBUG))                                               \
			log_msg(mod, LOG_LVL_DEBUG, __VA_ARGS__);                                  \
	} while (0)

#endif
