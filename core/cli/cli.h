/* Diagnostic command-line modes that run one engine without a client. */
#ifndef SS_CLI_H
#define SS_CLI_H

struct config;
struct http_session_opts;

/* The settings the daemon options around the mode gave (tls_verify, ca_file); NULL: none.
 * The config must outlive the mode's run. */
void cli_set_config(const struct config *cfg);
/* Applies those settings to o (after http_session_opts_init(); mode flags override them). */
void cli_http_opts(struct http_session_opts *o);

/* `streamingserver --fetch URL [-H 'Name: value']... [-o FILE] [-v]` (core/cli/fetch_cli.c). */
int fetch_main(int argc, char **argv);
/* `streamingserver --record URL -o DIR [--quality Q] [--buffering N] [--duration S]`
 * (core/cli/record_cli.c). Prints events as JSON lines; exit 0 on complete. */
int record_main(int argc, char **argv);

#endif
