#!/bin/bash
# toolchain/selftest.sh: proves each sysroot links and runs static programs using mbedTLS
# (ssl, x509, ctr_drbg), BearSSL and zlib: builds toolchain/selftest.c per arch, runs it under
# qemu-user (explicit -cpu, no binfmt needed) against local `openssl s_server` instances
# over 127.0.0.1 (ECDSA and RSA chains, GCM/ChaCha20/CBC, ECDHE and RSA key exchange,
# resumption, a wrong host name that must be refused), runs the mipsel r1 gate and the
# r1shim routines, and prints what each TLS backend adds to a static binary.
#
#   toolchain/selftest.sh [x86_64|mipsel|armhf|aarch64 ...]     (default: all four)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ARCHES=${*:-x86_64 mipsel armhf aarch64}
W=$(mktemp -d "${TMPDIR:-/tmp}/ss-selftest.XXXXXX")
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok:   $*"; }

triple_of() { case $1 in x86_64) echo x86_64-linux-gnu ;; mipsel) echo mipsel-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;; aarch64) echo aarch64-linux-gnu ;; *) echo "?" ;; esac; }
# Same code generation as boards/qemu_*.mk, and the CPU models the tests use.
cpuflags_of() { case $1 in mipsel) echo "-march=mips32 -mtune=24kf" ;;
	armhf) echo "-march=armv7-a -mtune=cortex-a15 -mfpu=vfpv3-d16 -mfloat-abi=hard" ;;
	aarch64) echo "-mcpu=cortex-a53" ;; esac; }
runner_of() { case $1 in mipsel) echo "qemu-mipsel-static -cpu 24Kf" ;;
	armhf) echo "qemu-arm-static -cpu cortex-a15" ;; aarch64) echo "qemu-aarch64-static -cpu cortex-a53" ;; esac; }

# ---- certificates: an ECDSA P-384 CA signing a P-256 server key, an RSA CA signing an RSA key
mkcerts() {
	cd "$W"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ca-ec.key \
		-out ca-ec.pem -subj /CN=selftest-ec-ca -days 2 -addext basicConstraints=critical,CA:true
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-rsa.key -out ca-rsa.pem \
		-subj /CN=selftest-rsa-ca -days 2 -addext basicConstraints=critical,CA:true
	printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:false\nextendedKeyUsage=serverAuth\n' >ext.cnf
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv-ec.key -out srv-ec.csr -subj /CN=localhost
	openssl x509 -req -in srv-ec.csr -CA ca-ec.pem -CAkey ca-ec.key -CAcreateserial -days 2 -extfile ext.cnf -out srv-ec.pem
	openssl req -newkey rsa:2048 -nodes -keyout srv-rsa.key -out srv-rsa.csr -subj /CN=localhost
	openssl x509 -req -in srv-rsa.csr -CA ca-rsa.pem -CAkey ca-rsa.key -CAcreateserial -days 2 -extfile ext.cnf -out srv-rsa.pem
}

# ---- servers: name cert extra-args...; sets PORT_<name>
start_server() {
	local name=$1 cert=$2
	shift 2
	openssl s_server -www -tls1_2 -accept 127.0.0.1:0 -cert "$W/srv-$cert.pem" -key "$W/srv-$cert.key" \
		"$@" >"$W/server-$name.log" 2>&1 </dev/null &
	PIDS="$PIDS $!"
	local port=""
	for _ in $(seq 50); do
		port=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\).*/\1/p' "$W/server-$name.log")
		[ -z "$port" ] || break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$W/server-$name.log"; echo "cannot start s_server $name" >&2; exit 1; }
	eval "PORT_$name=$port"
}

mkcerts >"$W/certs.log" 2>&1 || { cat "$W/certs.log"; exit 1; }
start_server ecdsa ec
start_server ecdsa384 ec -groups secp384r1
start_server chacha rsa -cipher ECDHE-RSA-CHACHA20-POLY1305
start_server cbc rsa -cipher ECDHE-RSA-AES128-SHA256
start_server rsakx rsa -cipher AES256-GCM-SHA384
# name ca-file rounds
CASES="ecdsa:ec:2 ecdsa384:ec:1 chacha:rsa:1 cbc:rsa:1 rsakx:rsa:2"

SIZES=""
for A in $ARCHES; do
	T=$(triple_of "$A")
	S=$("$HERE/bootstrap.sh" sysroot "$A")
	CC="$T-gcc -specs=$S/lib/musl-gcc.specs"
	CF="-std=c11 -D_GNU_SOURCE -Os -g0 $(cpuflags_of "$A") -Wall -Wextra -Werror -isystem $S/include \
		-idirafter $S/kinc -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"
	LF="-static -Wl,--gc-sections -Wl,-z,noexecstack -L$S/lib"
	SHIM=""
	[ "$A" != mipsel ] || SHIM="$S/lib/r1shim.o"
	RUN=$(runner_of "$A")
	echo "=== $A ($T${RUN:+, $RUN})"
	for v in none mbedtls bearssl; do
		case $v in
		none) D="" L="" ;;
		mbedtls) D=-DUSE_MBEDTLS L="-lmbedtls -lmbedx509 -lmbedcrypto" ;;
		bearssl) D=-DUSE_BEARSSL L="-lbearssl" ;;
		esac
		out="$W/selftest-$A-$v"
		# shellcheck disable=SC2086
		if ! $CC $CF $D $LF -o "$out" "$HERE/selftest.c" $L -lz -lpthread $SHIM 2>"$out.log"; then
			cat "$out.log"
			fail "$A $v: build"
			continue
		fi
		cp "$out" "$out.debug"
		"$T-strip" "$out" 2>/dev/null || strip "$out"
		if [ "$A" = mipsel ]; then
			if "$HERE/check-mips-r1.sh" "$out.debug"; then ok "$A $v: r1 gate"; else fail "$A $v: r1 gate"; fi
		fi
		file -b "$out" | grep -q 'statically linked' || fail "$A $v: not static: $(file -b "$out")"
		# shellcheck disable=SC2086
		if $RUN "$out" >"$out.run" 2>&1; then ok "$A $v: $(head -1 "$out.run")"; else cat "$out.run"; fail "$A $v: run"; fi
		[ "$v" != none ] || continue
		for c in $CASES; do
			IFS=: read -r srv ca rounds <<<"$c"
			port=$(eval echo "\$PORT_$srv")
			# shellcheck disable=SC2086
			if timeout 30 $RUN "$out" "$port" localhost "$W/ca-$ca.pem" "$rounds" >"$out.$srv" 2>&1; then
				ok "$A $v vs $srv: $(grep '^tls' "$out.$srv" | sed 's/^tls [^:]*: //' | paste -sd' ' | sed 's/, certificate verified//g')"
			else
				cat "$out.$srv"
				fail "$A $v vs $srv"
			fi
		done
		# the name check must refuse a certificate for another host
		# shellcheck disable=SC2154 # PORT_ecdsa is set through eval by start_server
		# shellcheck disable=SC2086
		timeout 30 $RUN "$out" "$PORT_ecdsa" wrong.example "$W/ca-ec.pem" >"$out.badname" 2>&1 && rc=0 || rc=$?
		if [ "$rc" = 3 ]; then ok "$A $v: wrong host name refused"; else cat "$out.badname"; fail "$A $v: wrong host name accepted (rc $rc)"; fi
	done
	# sizes: stripped file bytes and text+data of the static code each backend adds
	sz() { stat -c %s "$1"; }
	td() { size "$1" | awk 'NR == 2 { print $1 + $2 }'; }
	if [ -f "$W/selftest-$A-none" ] && [ -f "$W/selftest-$A-mbedtls" ] && [ -f "$W/selftest-$A-bearssl" ]; then
		b=$W/selftest-$A
		SIZES="$SIZES$(printf '%-8s %10s %14s %14s %16s %16s' "$A" "$(sz "$b-none")" \
			"+$(($(sz "$b-mbedtls") - $(sz "$b-none")))" "+$(($(sz "$b-bearssl") - $(sz "$b-none")))" \
			"+$(($(td "$b-mbedtls.debug") - $(td "$b-none.debug")))" "+$(($(td "$b-bearssl.debug") - $(td "$b-none.debug")))")
"
	fi

	if [ "$A" = mipsel ]; then
		# r1shim: each replaced libgcc/libatomic routine, run under qemu and scanned
		r1=$W/r1test
		# shellcheck disable=SC2086
		if $CC $CF -Wno-error $LF -o "$r1" "$HERE/r1test.c" $SHIM >"$r1.log" 2>&1; then
			if "$HERE/check-mips-r1.sh" "$r1"; then ok "mipsel r1shim: r1 gate"; else fail "mipsel r1shim: r1 gate"; fi
			# shellcheck disable=SC2086
			if $RUN "$r1" >"$r1.run" 2>&1; then ok "mipsel r1shim: $(tail -1 "$r1.run")"; else cat "$r1.run"; fail "mipsel r1shim: run"; fi
		else
			cat "$r1.log"
			fail "mipsel r1shim: build"
		fi
		# the gate itself must catch r2 code (decoded as .word by a naive objdump)
		printf 'unsigned f(unsigned x) { return __builtin_bswap32(x); }\nint main(int c, char **v) { (void)v; return (int)f((unsigned)c); }\n' >"$W/r2.c"
		# shellcheck disable=SC2086
		$CC -Os -march=mips32r2 $LF -o "$W/r2" "$W/r2.c"
		if "$HERE/check-mips-r1.sh" "$W/r2" >"$W/r2.log" 2>&1; then
			fail "r1 gate missed an r2 binary"
		else
			ok "r1 gate rejects -march=mips32r2 code ($(grep -c ' x[0-9]' "$W/r2.log") hit)"
		fi
	fi
done

echo
echo "TLS backend cost in a static binary (bytes; baseline = same program without TLS, with zlib):"
printf '%-8s %10s %14s %14s %16s %16s\n' arch baseline "file +mbedtls" "file +bearssl" "text+data +mbed" "text+data +bear"
printf '%s' "$SIZES"
echo
if [ "$FAILS" -ne 0 ]; then
	echo "selftest: $FAILS FAILED"
	exit 1
fi
echo "selftest: all ok"
