# core/: process, logging, errors, JSON, control protocol, jobs.
obj-y += core/main.o core/log.o core/err.o core/dbuf.o core/json.o
obj-y += core/loop.o core/frame.o core/config.o core/paths.o core/jobs.o
obj-y += core/ctrl.o core/ctrl_cmd.o core/test_provider.o
# Without net/fetch.c and core/record_cli.c; swap for core/cli_dispatch.o once they exist.
obj-y += core/cli_dispatch_none.o
# ctrl branch only: link placeholders for providers/registry.c, net/http.c, core/recorder.c.
obj-y += core/premerge.o
