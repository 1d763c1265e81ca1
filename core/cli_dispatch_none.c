/*
 * Builds without the diagnostic modes: --fetch and --record are refused with a message.
 * Replaced by core/cli_dispatch.c (same function) once net/fetch.c and core/record_cli.c
 * are in the tree.
 */
#include <stdio.h>
#include <string.h>

#include "core/cli_dispatch.h"

int cli_dispatch(int argc, char **argv, int i, int *status)
{
	(void)argc;
	if (strcmp(argv[i], "--fetch") == 0 || strcmp(argv[i], "--record") == 0) {
		fprintf(stderr, "streamingserver: %s is not part of this build\n", argv[i]);
		*status = 2;
		return 1;
	}
	return 0;
}
