/* Diagnostic command-line modes that run one engine without a client. */
#ifndef SS_CLI_H
#define SS_CLI_H

/* `streamingserver --fetch URL [-H 'Name: value']... [-o FILE] [-v]` (core/cli/fetch_cli.c). */
int fetch_main(int argc, char **argv);
/* `streamingserver --record URL -o DIR [--quality Q] [--buffering N] [--duration S]`
 * (core/cli/record_cli.c). Prints events as JSON lines; exit 0 on complete. */
int record_main(int argc, char **argv);

#endif
