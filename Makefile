# streamingserver: the one entry point.
#   make [BOARD=<board>]        build build/<board>/streamingserver (static, -Os, stripped)
#   make <board>_defconfig      select a board (remembered in build/.board)
#   make menuconfig | olddefconfig | savedefconfig
#   make run | test | fuzz | package | test-image | bench | toolchain | format | check | tidy | clean
# See README.md.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

TOP      := $(CURDIR)
BOARDS   := $(patsubst boards/%_defconfig,%,$(wildcard boards/*_defconfig))
BOARD    ?= $(shell cat build/.board 2>/dev/null || echo host)
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error unknown BOARD '$(BOARD)'; boards: $(BOARDS))
endif
include boards/$(BOARD).mk

O        := build/$(BOARD)
PY       := /usr/bin/python3
KCONF    := KCONFIG_CONFIG=$(O)/.config srctree=$(TOP) $(PY) -m
SS_CACHE ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/streamingserver
export SS_CACHE
SYSROOT  := $(SS_CACHE)/sysroot/$(ARCH)
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)

# ---------------------------------------------------------------- configuration
CONFIG_FILES := $(O)/.config $(O)/auto.conf $(O)/include/generated/autoconf.h
KCONFIG_SRC  := Kconfig $(shell find boards core hal net providers -name Kconfig)

# A .config edited with menuconfig/olddefconfig is marked custom and only refreshed
# (new symbols get defaults); otherwise it is regenerated from the board's defconfig, so a
# changed Kconfig default reaches every build.
$(O)/.config: boards/$(BOARD)_defconfig $(KCONFIG_SRC)
	$(Q)mkdir -p $(O)
	$(Q)if [ -f $@ ] && [ -f $(O)/.config.custom ]; then \
		$(KCONF) olddefconfig Kconfig >/dev/null; \
	else \
		$(KCONF) defconfig --kconfig Kconfig boards/$(BOARD)_defconfig >/dev/null; \
	fi
	$(Q)touch $@

$(O)/auto.conf $(O)/include/generated/autoconf.h &: $(O)/.config
	$(Q)mkdir -p $(O)/include/generated
	$(Q)$(KCONF) genconfig --header-path $(O)/include/generated/autoconf.h \
		--config-out $(O)/auto.conf Kconfig >/dev/null

CONFIG_GOALS := $(filter %_defconfig menuconfig olddefconfig savedefconfig clean distclean help \
                  format format-check toolchain,$(MAKECMDGOALS))
ifeq ($(CONFIG_GOALS),)
-include $(O)/auto.conf
endif

$(addsuffix _defconfig,$(BOARDS)): %_defconfig:
	$(Q)mkdir -p build && echo $* > build/.board
	$(Q)rm -f build/$*/.config build/$*/.config.custom
	$(Q)$(MAKE) --no-print-directory BOARD=$* build/$*/.config build/$*/auto.conf
	@echo "board $* selected (build/$*/.config)"

menuconfig: $(O)/.config
	$(Q)$(KCONF) menuconfig Kconfig
	$(Q)touch $(O)/.config.custom
olddefconfig: $(O)/.config
	$(Q)$(KCONF) olddefconfig Kconfig
	$(Q)touch $(O)/.config.custom
savedefconfig: $(O)/.config
	$(Q)$(KCONF) savedefconfig --kconfig Kconfig --out $(O)/defconfig
	@echo "wrote $(O)/defconfig (copy it to boards/$(BOARD)_defconfig to keep it)"

# ---------------------------------------------------------------- sources
# Each module.mk appends to obj-y / obj-$(CONFIG_X); paths are relative to the top.
obj-y :=
MODULE_MKS := $(sort $(wildcard core/module.mk core/*/module.mk hal/module.mk net/module.mk \
                 providers/module.mk providers/*/module.mk))
include $(MODULE_MKS)
obj-y := $(sort $(obj-y))
MAIN_OBJ := core/main.o
LIB_OBJS := $(filter-out $(MAIN_OBJ),$(obj-y))

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
INCS     := -I$(O)/include/generated -I.
DEFS     := -D_GNU_SOURCE -DSS_VERSION='"$(shell cat VERSION)"'
CSTD     := -std=c11

# Board (cross) build: musl sysroot from toolchain/, static, -Os.
CROSS_CC := $(TRIPLE)-gcc -specs=$(SYSROOT)/lib/musl-gcc.specs
CFLAGS   := $(CSTD) -Os -g0 $(CPUFLAGS) $(WARN) $(DEFS) $(INCS) -isystem $(SYSROOT)/include \
            -idirafter $(SYSROOT)/kinc -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
            -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS  := -static -Wl,--gc-sections -Wl,-z,noexecstack $(EXTRA_LDFLAGS)
LIBS-y                  :=
LIBS-$(CONFIG_TLS_MBEDTLS) += -lmbedtls -lmbedx509 -lmbedcrypto
LIBS-$(CONFIG_TLS_BEARSSL) += -lbearssl
LIBS     := -L$(SYSROOT)/lib $(LIBS-y) -lz -lpthread $(if $(filter mipsel,$(ARCH)),$(SYSROOT)/lib/r1shim.o)

BIN      := $(O)/streamingserver
OBJS     := $(addprefix $(O)/obj/,$(obj-y))

.DEFAULT_GOAL := all
.PHONY: FORCE all sysroot run test unit fuzz fuzz-smoke package test-image bench toolchain format \
        format-check check check-layers check-sizes tidy clean distclean help menuconfig olddefconfig savedefconfig

all: $(BIN)
	@printf '%s: %s bytes (%s)\n' $(BIN) "$$(stat -c %s $(BIN))" "$$(file -b $(BIN) | cut -d, -f1-2)"

# The sysroot's versioned path: objects rebuild when the toolchain cache moves on.
SYSROOT_ID := $(O)/sysroot.id
sysroot $(SYSROOT_ID): FORCE
	$(Q)mkdir -p $(O) && p=$$(toolchain/bootstrap.sh sysroot $(ARCH)) && \
		if [ "$$(cat $(SYSROOT_ID) 2>/dev/null)" != "$$p" ]; then echo "$$p" >$(SYSROOT_ID); fi
FORCE:

# Rebuild everything when the compiler command or flags change (board .mk, EXTRA_CFLAGS).
FLAGS_STAMP := $(O)/flags.stamp
FLAGS_NOW   := $(CROSS_CC) $(CFLAGS) $(LDFLAGS) $(LIBS)
# Only goals that load the configuration know the real flags (LIBS depends on it).
ifeq ($(CONFIG_GOALS)$(if $(wildcard $(O)/auto.conf),,missing),)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
$(shell mkdir -p $(O))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif
endif

$(O)/obj/%.o: %.c $(O)/include/generated/autoconf.h $(FLAGS_STAMP) $(SYSROOT_ID)
	$(Q)mkdir -p $(@D)
	@$(if $(Q),echo "  CC [$(BOARD)] $<")
	$(Q)$(CROSS_CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(OBJS) $(FLAGS_STAMP) $(SYSROOT_ID)
	@$(if $(Q),echo "  LD [$(BOARD)] $@")
	$(Q)$(CROSS_CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)
ifeq ($(ARCH),mipsel)
	$(Q)toolchain/check-mips-r1.sh $@
endif
	$(Q)$(TRIPLE)-strip $@
ifeq ($(ARCH),mipsel)
	$(Q)toolchain/mips-mark-r1.sh $@
endif

-include $(OBJS:.o=.d)

# ---------------------------------------------------------------- host test builds
# Unit tests and sanitizer builds use the host's gcc/glibc and Debian's -dev packages
# (cmocka, mbedtls, bearssl, zlib), with the host board's configuration.
HOST_CFG  := build/host/include/generated/autoconf.h
TEST_LIBS := -lcmocka -lmbedtls -lmbedx509 -lmbedcrypto -lbearssl -lz -lpthread
TEST_CFLAGS = $(CSTD) -g -O1 $(WARN) -Wno-error=unused-function $(DEFS) -Ibuild/host/include/generated -I. \
              -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

define host_build # 1=variant dir 2=extra cflags 3=compiler
build/$(1)/obj/%.o: %.c $(HOST_CFG)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(3) $$(TEST_CFLAGS) $(2) -c -o $$@ $$<
build/$(1)/libss.a: $$(addprefix build/$(1)/obj/,$$(LIB_OBJS))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
build/$(1)/unit/%: tests/unit/%.c build/$(1)/libss.a
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(3) $$(TEST_CFLAGS) $(2) -Itests/unit -o $$@ $$< build/$(1)/libss.a $$(TEST_LIBS)
build/$(1)/streamingserver: build/$(1)/obj/$(MAIN_OBJ) build/$(1)/libss.a
	$$(Q)$(3) $$(TEST_CFLAGS) $(2) -o $$@ $$^ $$(TEST_LIBS)
-include $$(wildcard build/$(1)/obj/*/*.d build/$(1)/obj/*/*/*.d)
endef
$(eval $(call host_build,test,,gcc))
$(eval $(call host_build,test-asan,$(SAN_FLAGS),gcc))

ifneq ($(BOARD),host)
$(HOST_CFG):
	$(Q)$(MAKE) --no-print-directory BOARD=host build/host/auto.conf
endif

unit: $(UNIT_SRCS:tests/unit/%.c=build/test/unit/%) $(UNIT_SRCS:tests/unit/%.c=build/test-asan/unit/%) \
      build/test-asan/streamingserver build/test/streamingserver

# ---------------------------------------------------------------- fuzzing (clang libFuzzer)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/fuzz/obj/%.o: %.c $(HOST_CFG)
	$(Q)mkdir -p $(@D)
	$(Q)clang $(CSTD) -g -O1 $(WARN) $(DEFS) -Ibuild/host/include/generated -I. $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz/libss.a: $(addprefix build/fuzz/obj/,$(LIB_OBJS))
	$(Q)rm -f $@ && ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/libss.a
	$(Q)clang $(CSTD) -g -O1 $(DEFS) -Ibuild/host/include/generated -I. \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< build/fuzz/libss.a $(TEST_LIBS)
fuzz-build: $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_TIME ?= 300
fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh $(FUZZ_TIME)
fuzz-smoke: fuzz-build
	$(Q)tests/fuzz/run.sh 10

# ---------------------------------------------------------------- top-level workflows
toolchain:
	$(Q)toolchain/bootstrap.sh all

run:
	$(Q)toolchain/bootstrap.sh packages host
	$(Q)$(MAKE) --no-print-directory BOARD=host all
	exec build/host/streamingserver --config rootfs/overlay/etc/streamingserver/streamingserver.conf \
		--providers-dir providers --listen 0.0.0.0 --port 5000 $(RUN_ARGS)

test:
	$(Q)tests/run.sh

package:
	$(Q)rootfs/package.sh $(BOARD)

test-image:
	$(Q)rootfs/test-image.sh $(or $(IMAGE_BOARDS),qemu_mipsel qemu_armhf qemu_aarch64)

bench:
	$(Q)bench/run.sh

ALL_C := $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(ALL_C)
format-check:
	$(Q)clang-format --dry-run --Werror $(ALL_C)
# Static analysis of every C file (daemon, tests, tools) with the host configuration; the
# board configurations only change Kconfig values. Suppressions: inline `cppcheck-suppress`
# or tests/cppcheck-suppressions, each with its reason. Portability is checked for 32-bit
# too, as the boxes are.
CPPCHECK := cppcheck --quiet --error-exitcode=1 --std=c11 -j$(or $(J),2) \
            --enable=warning,portability,performance --inline-suppr \
            --suppressions-list=tests/cppcheck-suppressions -D__GNUC__ \
            -Ibuild/host/include/generated -I.
# Layering: net/, hal/ and providers/ may use core/base/ and nothing else of core/.
LAYER_SRCS := $(filter net/% hal/% providers/%,$(ALL_C))
check-layers:
	$(Q)bad=$$(grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"core/' $(LAYER_SRCS) | \
		grep -vE '"core/base/[^/"]+"'); \
	if [ -n "$$bad" ]; then echo "$$bad"; \
		echo "check: net/, hal/ and providers/ may include only core/base/ of core/" >&2; \
		exit 1; fi
# Files a reader can hold in mind: <= 600 lines a file, <= 120 a function (the daemon's sources).
check-sizes:
	$(Q)tests/tools/check-sizes.sh $(filter core/% hal/% net/% providers/%,$(ALL_C))
check: $(HOST_CFG) check-layers check-sizes
	$(Q)$(CPPCHECK) --platform=unix64 $(filter %.c,$(ALL_C))
	$(Q)$(CPPCHECK) --platform=unix32 $(filter %.c,$(ALL_C))
# clang-tidy (.clang-tidy) on the daemon's sources with the host test build's flags; the
# compilation database is written from the Makefile's own variables (no bear run needed).
TIDY      := clang-tidy-14
TIDY_SRCS := $(filter core/% hal/% net/% providers/%,$(filter %.c,$(ALL_C)))
TIDY_ARGS := $(foreach a,$(CSTD) -g -O1 $(WARN) -D_GNU_SOURCE -Ibuild/host/include/generated -I.,"$(a)",)
build/tidy/compile_commands.json: Makefile VERSION $(TIDY_SRCS)
	$(Q)mkdir -p $(@D)
	$(Q){ printf '['; sep=; for f in $(TIDY_SRCS); do \
		printf '%s\n{"directory":"%s","file":"%s","arguments":["gcc",%s"-DSS_VERSION=\\"%s\\"","-c","%s"]}' \
			"$$sep" "$(TOP)" "$$f" '$(TIDY_ARGS)' "$$(cat VERSION)" "$$f"; sep=,; \
	done; printf '\n]\n'; } >$@
# One stamp per source: only files changed since their last clean run (or all of them after a
# header, .clang-tidy or Makefile change) are analysed again. `make -j tidy` runs in parallel.
TIDY_OK   := $(TIDY_SRCS:%.c=build/tidy/ok/%.ok)
build/tidy/ok/%.ok: %.c .clang-tidy build/tidy/compile_commands.json $(filter %.h,$(ALL_C)) \
		$(HOST_CFG)
	$(Q)mkdir -p $(@D)
	$(Q)if $(TIDY) --quiet -p build/tidy $< >$@.log 2>&1; then touch $@; else \
		grep -v -e '^[0-9]* warnings\? generated\.$$' \
			-e '^[0-9]* warnings\? and [0-9]* errors\? generated\.$$' $@.log; \
		rm -f $@; exit 1; fi
tidy: $(TIDY_OK)

clean:
	rm -rf build
distclean: clean
	@echo "toolchain cache kept in $(SS_CACHE); remove it by hand to rebuild sysroots"

help:
	@sed -n '2,8p' Makefile
	@echo "boards: $(BOARDS)"
