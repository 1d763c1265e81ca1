/* Diagnostic modes: --fetch (core/cli/fetch_cli.c) and --record (core/cli/record_cli.c). */
#include <string.h>

#include "core/cli/cli.h"
#include "core/cli/cli_dispatch.h"

int cli_dispatch(int argc, char **argv, int i, int *status)
{
	if (strcmp(argv[i], "--fetch") == 0) {
		*status = fetch_main(argc - i, argv + i);
		return 1;
	}
	if (strcmp(argv[i], "--record") == 0) {
		*status = record_main(argc - i, argv + i);
		return 1;
	}
	return 0;
}
