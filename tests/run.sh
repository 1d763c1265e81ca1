#!/bin/bash
# `make test`: installs what is missing, builds, then runs every test stage and ends with
# one summary line "N passed, N failed". Stages: unit (cmocka, plain and ASan+UBSan),
# static analysis (cppcheck, clang-tidy), integration (pytest, the host daemon over TCP,
# valgrind memcheck included; again with BearSSL), cross (each arch under qemu-user), fuzz
# smoke, and the QEMU system image boot (SS_TEST_IMAGE=0 skips it).
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"
PASSED=0
FAILED=0
START=$(date +%s)
J=$(nproc 2>/dev/null || echo 2)

say() { printf '\n=== %s\n' "$*"; }
count() { # $1 stage name, $2 passed, $3 failed
	PASSED=$((PASSED + $2))
	FAILED=$((FAILED + $3))
	printf '=== %s: %d passed, %d failed (%ds so far)\n' "$1" "$2" "$3" $(($(date +%s) - START))
}
fail_stage() { # a stage that could not run counts as one failure
	echo "!!! $1"
	count "$2" 0 1
}

# One run: a source version that failed to download is not tried again by later bootstrap calls.
SS_BOOTSTRAP_RUN=$(mktemp)
export SS_BOOTSTRAP_RUN
trap 'rm -f "$SS_BOOTSTRAP_RUN"' EXIT

say "bootstrap (Debian packages, sysroots)"
if ! toolchain/bootstrap.sh packages all; then
	fail_stage "package install failed" bootstrap
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi
if ! toolchain/bootstrap.sh sysroots; then
	fail_stage "sysroot build failed" bootstrap
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

say "build: host"
if ! make -s -j"$J" BOARD=host all; then
	fail_stage "host build failed" build
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

# ---- unit tests (cmocka), plain and sanitized
say "unit tests"
if make -s -j"$J" unit >"$LOGDIR/unit-build.log" 2>&1; then
	for variant in test test-asan; do
		for t in build/$variant/unit/test_*; do
			[ -x "$t" ] || continue
			log="$LOGDIR/unit-$variant-$(basename "$t").log"
			ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 timeout 300 "$t" >"$log" 2>&1
			rc=$?
			p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
			f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
			p=${p:-0}
			f=${f:-0}
			if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
			[ "$f" -ne 0 ] && { echo "--- $variant/$(basename "$t") failed:"; tail -30 "$log"; }
			count "unit $variant/$(basename "$t")" "$p" "$f"
		done
	done
else
	cat "$LOGDIR/unit-build.log"
	fail_stage "unit test build failed" unit
fi

# ---- static analysis: clang-format, cppcheck (make check), clang-tidy (make tidy), one count each
say "static analysis"
for tool in format-check check tidy; do
	log="$LOGDIR/static-$tool.log"
	if timeout 600 make -s -k -j"$J" J="$J" "$tool" >"$log" 2>&1; then
		count "static analysis: make $tool" 1 0
	else
		echo "--- make $tool findings:"
		cat "$log"
		count "static analysis: make $tool" 0 1
	fi
done

# ---- integration tests (pytest): the real daemon over TCP
run_pytest() { # $1 label, rest: pytest args
	label=$1
	shift
	log="$LOGDIR/pytest-$label.log"
	timeout 1200 /usr/bin/python3 -m pytest -q -p no:cacheprovider "$@" 2>&1 | tee "$log" | tail -25
	line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$log" | tail -1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$line" | grep -oE '[0-9]+ (failed|error[s]?)' | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null)
	p=${p:-0}
	f=${f:-0}
	if [ -z "$line" ]; then f=1; fi
	count "pytest $label" "$p" "$f"
}
say "integration tests (host daemon)"
SS_BIN=$TOP/build/host/streamingserver run_pytest host tests/integration

# ---- the HTTP client suite again with the BearSSL backend
say "integration tests (host daemon, BearSSL backend)"
if make -s -j"$J" BOARD=host_bearssl all; then
	SS_BIN=$TOP/build/host_bearssl/streamingserver run_pytest host-bearssl \
		tests/integration/test_http_client.py tests/integration/test_fetch_throughput.py
else
	fail_stage "host_bearssl build failed" build-bearssl
fi

# ---- cross builds under qemu-user: one protocol smoke test per architecture
say "cross builds"
for b in dm800se dm7080 dm900 dm920 dmone dmtwo qemu_mipsel qemu_armhf qemu_aarch64; do
	if make -s -j"$J" BOARD=$b all; then
		count "build $b" 1 0
	else
		count "build $b" 0 1
	fi
done
for b in dm800se dm920 dmone; do
	bin=build/$b/streamingserver
	[ -x "$bin" ] || continue
	qemu=$(sed -n 's/^QEMU *:= *//p' boards/$b.mk)
	cpu=$(sed -n 's/^QEMU_CPU *:= *//p' boards/$b.mk)
	say "qemu-user smoke: $b ($qemu -cpu $cpu)"
	SS_BIN=$TOP/$bin SS_WRAP="$qemu -cpu $cpu" run_pytest "qemu-$b" -m smoke tests/integration
done

# The whole HTTP client suite on one cross board (mbedTLS on ARMv7 under emulation).
if [ -x build/dm920/streamingserver ]; then
	say "qemu-user HTTP client suite: dm920"
	SS_BIN=$TOP/build/dm920/streamingserver SS_WRAP="qemu-arm-static -cpu cortex-a15" \
		run_pytest qemu-dm920-http tests/integration/test_http_client.py
fi

# ---- fuzz smoke
say "fuzz smoke"
if [ -n "$(ls tests/fuzz/fuzz_*.c 2>/dev/null)" ]; then
	if make -s -j"$J" fuzz-build >"$LOGDIR/fuzz-build.log" 2>&1; then
		tests/fuzz/run.sh "${SS_FUZZ_SECONDS:-3}" 2>&1 | tee "$LOGDIR/fuzz.log" | grep -E '^(fuzz|===)'
		p=$(grep -c '^fuzz .* ok' "$LOGDIR/fuzz.log")
		f=$(grep -c '^fuzz .* FAILED' "$LOGDIR/fuzz.log")
		count "fuzz" "$p" "$f"
	else
		tail -30 "$LOGDIR/fuzz-build.log"
		fail_stage "fuzz build failed" fuzz
	fi
fi

# ---- QEMU system image (Malta/virt boot); SS_TEST_IMAGE=0 skips it
if [ "${SS_TEST_IMAGE:-1}" != 0 ]; then
	if [ -x rootfs/test-image.sh ]; then
		say "qemu-system image test"
		SS_BIN_DIR=$TOP/build run_pytest image tests/qemu
	fi
fi

say "done in $(($(date +%s) - START)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
