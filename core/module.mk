# core/: process, logging, errors, JSON, control protocol, jobs.
obj-y += core/main.o core/log.o core/err.o core/dbuf.o core/json.o
obj-y += core/loop.o core/frame.o core/config.o core/paths.o core/jobs.o
obj-y += core/ctrl.o core/ctrl_cmd.o core/test_provider.o
obj-y += core/cli_dispatch.o
