/* streamingserver entry point: options, configuration, signals, then the control server. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/common.h"
#include "core/base/config.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/cli/cli.h"
#include "core/cli/cli_dispatch.h"
#include "core/ctrl/ctrl.h"
#include "providers/provider.h"

/* What a reload needs: where the file is and what the command line overrides. */
struct main_state {
	const char *config_file;
	int config_explicit; /* --config given: a missing file is an error */
	struct config *overrides;
};

/* The signal handler's only state: the write end of the self-pipe (set once, before use). */
static struct {
	volatile int wr;
} main_sig = {-1};

static void main_on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (write(main_sig.wr, &b, 1) < 0) {
		/* Pipe full: enough signals are already pending. */
	}
	errno = saved;
}

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: streamingserver [options]\n"
		"       streamingserver [options] --fetch URL [-H 'Name: value']... [-o FILE] "
		"[-v]\n"
		"       streamingserver [options] --record URL -o DIR [--quality Q] [--buffering "
		"N] "
		"[--duration S]\n"
		"       (with --fetch/--record, options may also follow; only --config, "
		"--log-level,\n"
		"       --syslog and --set tls_verify=/ca_file= apply there)\n"
		"\n"
		"Serves the StreamingCockpit control protocol (default 0.0.0.0:%d).\n"
		"\n"
		"options (each also a key of the config file; options win):\n"
		"  --config FILE         config file (default %s)\n"
		"  --listen ADDR         numeric IPv4/IPv6 address to listen on (listen)\n"
		"  --port N              control port (port)\n"
		"  --providers-dir DIR   providers/<id>/config.json directory (providers_dir)\n"
		"  --allowed-roots A:B   directories clients may use (allowed_roots)\n"
		"  --data-dir DIR        default provider cache root (data_dir)\n"
		"  --log-level L         error|warn|info|debug (log_level; log_level.<module>)\n"
		"  --syslog              log to syslog instead of stderr (syslog)\n"
		"  --auth-token T        require [\"auth\", {\"token\": T}] first (auth_token);\n"
		"                        for exposed networks, the plugin never sends it\n"
		"                        (--set auth_exempt_loopback=1 lets 127.0.0.1 in without)\n"
		"  --set KEY=VALUE       any other config key (tls_verify, ca_file, ...)\n"
		"  --version             print the version and exit\n"
		"  --help                print this help and exit\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop the recording and exit; SIGHUP reloads the config.\n",
		CONFIG_CTRL_PORT, CONFIG_DEFAULT_CONFIG_FILE);
}

static int main_log_module(void *ctx, const char *key, const char *value)
{
	int lvl = log_level_parse(value);

	UNUSED(ctx);
	if (lvl < 0 || log_set_level_name(key + strlen("log_level."), (enum log_level)lvl))
		LOG_WARN(LOG_MAIN, "config: ignoring %s = %s", key, value);
	return 0;
}

static void main_apply_log(const struct config *cfg)
{
	const char *lv = config_get(cfg, "log_level", NULL);
	int lvl = lv ? log_level_parse(lv) : CONFIG_LOG_DEFAULT_LEVEL;

	if (lvl < 0) {
		LOG_WARN(LOG_MAIN, "config: unknown log_level '%s'", lv);
		lvl = CONFIG_LOG_DEFAULT_LEVEL;
	}
	log_use_syslog(config_get_bool(cfg, "syslog", 0));
	log_set_level_all((enum log_level)lvl);
	config_each(cfg, "log_level.", main_log_module, NULL);
}

static int main_key_known(const char *key)
{
	return config_key_known(key) || provider_config_key(key);
}

static void main_warn_key(void *ctx, const char *key, int line)
{
	const struct main_state *st = ctx;

	if (line)
		LOG_WARN(LOG_MAIN, "config: unknown key '%s' (%s:%d); ignored", key,
			 st->config_file, line);
	else
		LOG_WARN(LOG_MAIN, "config: unknown key '%s' (--set); ignored", key);
}

/* Builds a configuration from the file plus the overrides; 0 or a negative error. */
static int main_load(struct main_state *st, struct config **out)
{
	struct config *cfg = config_new();
	int bad = 0, rc;

	if (!cfg)
		return -ENOMEM;
	rc = config_load_file(cfg, st->config_file, &bad);
	if (rc == -ENOENT && !st->config_explicit) {
		rc = 0;
	} else if (rc) {
		LOG_ERR(LOG_MAIN, "config file %s: %s", st->config_file, err_str(rc));
	} else if (bad) {
		LOG_WARN(LOG_MAIN, "config file %s: line %d is not 'key = value'; ignored",
			 st->config_file, bad);
	}
	if (!rc)
		rc = config_merge(cfg, st->overrides);
	if (rc) {
		config_unref(cfg);
		return rc;
	}
	main_apply_log(cfg);
	config_each_unknown(cfg, main_key_known, main_warn_key, st);
	*out = cfg;
	return 0;
}

static int main_reload(void *ctx, struct config **out)
{
	return main_load(ctx, out);
}

static int main_signals(int *rd)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	main_sig.wr = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* A file-size limit must end a recording with disk_full, not kill the daemon. */
	sigaction(SIGXFSZ, &sa, NULL);
	*rd = p[0];
	return 0;
}

/*
 * Daemon options may stand anywhere around --fetch/--record: copies argv into out (argc + 1
 * entries) with the ones after the mode word moved in front of it; *mode gets the mode's
 * index in out (argc when there is none).
 */
static void main_order(int argc, char **argv, char **out, int *mode)
{
	int m = argc, n = 0;

	for (int i = 1; i < argc && m == argc; i++)
		if (strcmp(argv[i], "--fetch") == 0 || strcmp(argv[i], "--record") == 0)
			m = i;
	for (int i = 0; i < m; i++)
		out[n++] = argv[i];
	for (int i = m + 1; i < argc; i++) {
		int k = config_arg_count(argv[i]);

		for (int j = 0; j < k && i + j < argc; j++)
			out[n++] = argv[i + j];
		i += k ? k - 1 : 0;
	}
	*mode = n;
	for (int i = m; i < argc; i++) {
		int k = i > m ? config_arg_count(argv[i]) : 0;

		if (k) {
			i += k - 1;
			continue;
		}
		out[n++] = argv[i];
	}
	out[n] = NULL;
}

/* Keys a diagnostic mode uses: the log settings, tls_verify and ca_file. */
static int main_mode_key(void *ctx, const char *key, const char *value)
{
	static const char *const used[] = {"log_level", "syslog", "tls_verify", "ca_file"};

	UNUSED(value);
	for (size_t i = 0; i < ARRAY_SIZE(used); i++)
		if (strcmp(key, used[i]) == 0)
			return 0;
	if (strncmp(key, "log_level.", 10) == 0)
		return 0;
	fprintf(stderr, "streamingserver: setting '%s' has no effect with %s (see --help)\n", key,
		(const char *)ctx);
	return 1;
}

/* --fetch/--record with the daemon options given around them (and --config's file). */
static int main_mode(struct main_state *st, int argc, char **argv, int mode, const char *file)
{
	struct config *cfg = config_new();
	int status = 2, bad = 0, rc = 0;

	if (!cfg || config_each(st->overrides, "", main_mode_key, argv[mode])) {
		config_unref(cfg);
		return 2;
	}
	if (file)
		rc = config_load_file(cfg, file, &bad);
	if (rc) {
		fprintf(stderr, "streamingserver: config file %s: %s\n", file, err_str(rc));
	} else if (!config_merge(cfg, st->overrides)) {
		main_apply_log(cfg);
		cli_set_config(cfg);
		if (!cli_dispatch(argc, argv, mode, &status))
			status = 2;
		cli_set_config(NULL);
	}
	config_unref(cfg);
	return status;
}

int main(int argc, char **argv)
{
	struct main_state st = {CONFIG_DEFAULT_CONFIG_FILE, 0, NULL};
	struct config *cfg = NULL;
	struct ctrl *c = NULL;
	const char *file = NULL;
	char err[256], **av;
	int mode = argc, sig_rd = -1, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("streamingserver %s%s (%s)\n", SS_VERSION, CONFIG_VERSION_SUFFIX,
			       CONFIG_BOARD_NAME);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			main_usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--fetch") == 0 || strcmp(argv[i], "--record") == 0)
			break;
	}
	av = calloc((size_t)argc + 1, sizeof(*av));
	st.overrides = config_new();
	if (!av || !st.overrides) {
		free(av);
		config_unref(st.overrides);
		return 1;
	}
	main_order(argc, argv, av, &mode);
	if (config_parse_args(st.overrides, mode - 1, av + 1, &file, err, sizeof(err))) {
		fprintf(stderr, "streamingserver: %s\n", err);
		config_unref(st.overrides);
		free(av);
		return 2;
	}
	if (mode < argc) {
		rc = main_mode(&st, argc, av, mode, file);
		config_unref(st.overrides);
		free(av);
		return rc;
	}
	free(av);
	if (file) {
		st.config_file = file;
		st.config_explicit = 1;
	}
	rc = main_load(&st, &cfg);
	if (!rc)
		rc = main_signals(&sig_rd);
	if (!rc)
		rc = ctrl_new(cfg, sig_rd, main_reload, &st, &c);
	if (!rc) {
		LOG_INFO(LOG_MAIN, "streamingserver %s ready", SS_VERSION);
		rc = ctrl_run(c);
	}
	ctrl_free(c);
	config_unref(cfg);
	config_unref(st.overrides);
	if (sig_rd >= 0) {
		close(sig_rd);
		close(main_sig.wr);
	}
	if (rc)
		LOG_ERR(LOG_MAIN, "exiting: %s", err_str(rc));
	else
		LOG_INFO(LOG_MAIN, "exiting");
	return rc ? 1 : 0;
}
