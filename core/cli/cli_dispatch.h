/* Diagnostic command-line modes (--fetch, --record) chosen before the daemon starts. */
#ifndef SS_CLI_DISPATCH_H
#define SS_CLI_DISPATCH_H

/*
 * When argv[i] names a diagnostic mode, runs it with argv[i..argc) and returns 1 with its
 * exit status in *status; returns 0 when argv[i] is not such a mode.
 */
int cli_dispatch(int argc, char **argv, int i, int *status);

#endif
