/* Diagnostic modes: --fetch (core/cli/fetch_cli.c) and --record (core/cli/record_cli.c). */
#include <string.h>

#include "core/base/config.h"
#include "core/cli/cli.h"
#include "core/cli/cli_dispatch.h"
#include "net/http.h"

static const struct config *cli_cfg;

void cli_set_config(const struct config *cfg)
{
	cli_cfg = cfg;
}

void cli_http_opts(struct http_session_opts *o)
{
	if (!cli_cfg)
		return;
	o->tls_verify = config_get_bool(cli_cfg, "tls_verify", o->tls_verify);
	o->ca_file = config_get(cli_cfg, "ca_file", o->ca_file);
}

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
