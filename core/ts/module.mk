# core/ts: MPEG-TS remuxer, fMP4 demux, MP4 box helpers.
obj-$(CONFIG_TS) += core/ts/psi.o core/ts/pes.o core/ts/h26x.o core/ts/fmp4.o core/ts/mp4box.o \
	core/ts/remux.o core/ts/remux_ts.o core/ts/remux_pass.o core/ts/remux_fmp4.o \
	core/ts/remux_time.o core/ts/remux_out.o

# Test/benchmark driver (not part of the daemon): host gcc, optimised like a board build so
# bench/ can count instructions per MB with callgrind. `make ts-tools`.
TS_TOOL_SRCS := tests/tools/tsremux.c core/ts/psi.c core/ts/pes.c core/ts/h26x.c \
	core/ts/fmp4.c core/ts/mp4box.c core/ts/remux.c core/ts/remux_ts.c core/ts/remux_pass.c \
	core/ts/remux_fmp4.c core/ts/remux_time.c core/ts/remux_out.c core/base/err.c core/base/log.c
build/test/tools/tsremux: $(TS_TOOL_SRCS) $(wildcard core/ts/*.h) build/host/include/generated/autoconf.h
	$(Q)mkdir -p $(@D)
	$(Q)gcc -std=c11 -Os -g $(WARN) $(DEFS) -Ibuild/host/include/generated -I. -o $@ $(TS_TOOL_SRCS)
build/test-asan/tools/tsremux: $(TS_TOOL_SRCS) $(wildcard core/ts/*.h) build/host/include/generated/autoconf.h
	$(Q)mkdir -p $(@D)
	$(Q)gcc -std=c11 -O1 -g $(WARN) $(DEFS) -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all -Ibuild/host/include/generated -I. -o $@ $(TS_TOOL_SRCS)
.PHONY: ts-tools
ts-tools: build/test/tools/tsremux build/test-asan/tools/tsremux
