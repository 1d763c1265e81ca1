# core/ctrl: the control server: transport, commands, frames, event loop, jobs, path checks.
obj-y += core/ctrl/server.o core/ctrl/server_listen.o core/ctrl/server_client.o \
	core/ctrl/server_queue.o core/ctrl/server_send.o core/ctrl/cmd.o core/ctrl/cmd_browse.o \
	core/ctrl/cmd_record.o core/ctrl/cmd_record_args.o core/ctrl/cmd_session.o \
	core/ctrl/frame.o core/ctrl/loop.o core/ctrl/jobs.o core/ctrl/paths.o
