# core/cli: the diagnostic command-line tools (--fetch, --record).
obj-y += core/cli/cli_dispatch.o core/cli/fetch_cli.o core/cli/record_cli.o
