#!/bin/bash
# toolchain/bootstrap.sh: installs the Debian packages the build needs and builds the
# per-arch static sysroots (musl, mbedTLS, BearSSL, zlib from Debian source packages).
#
#   bootstrap.sh packages <host|all>   install missing Debian packages (root) or print the command
#   bootstrap.sh sysroot <arch>        ensure $SS_CACHE/sysroot/<arch> (x86_64|mipsel|armhf|aarch64), print it
#   bootstrap.sh sysroots              build/validate all four sysroots at once (re-checks source versions)
#   bootstrap.sh sources               fetch the source packages (highest version that downloads)
#   bootstrap.sh all                   packages all + sysroots
#
# Cache layout ($SS_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/streamingserver):
#   src/<pkg>_<version>/   apt-get source trees (never in the repo)
#   build/<arch>-<id>/     per-arch build trees (removed after a successful build)
#   sysroot/<arch>-<id>/   the sysroots, <id> = hash of their .key (arch, source versions,
#                          recipe hash); sysroot/<arch> is a symlink to the current one
#   log/sysroot-<arch>.log every build step with its time; log/src-<pkg>.log
#   lock/<arch>.lock       flock, so parallel callers build an arch once
# See toolchain/README.md.
set -eu
# Called from the project Makefile: its MAKEFLAGS (--no-builtin-rules, -s, jobserver) would break
# the libraries' own Makefiles (mbedTLS needs the built-in suffix rules).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEFILES GNUMAKEFLAGS

HERE=$(cd "$(dirname "$0")" && pwd)
SS_CACHE=${SS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamingserver}
case $SS_CACHE in /*) ;; *) SS_CACHE=$PWD/$SS_CACHE ;; esac # musl-gcc.specs holds absolute paths
ARCHES="x86_64 mipsel armhf aarch64"
SRC_PKGS="musl mbedtls bearssl zlib"
J=$(nproc 2>/dev/null || echo 2)
JA=$J # make jobs inside one arch build (cmd_sysroots lowers it while building all four)

PKGS_HOST="gcc make file python3 python3-kconfiglib dpkg-dev libjsmn-dev zlib1g-dev linux-libc-dev"
PKGS_ALL="$PKGS_HOST gcc-mipsel-linux-gnu gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu
  binutils-mipsel-linux-gnu linux-libc-dev-mipsel-cross linux-libc-dev-armhf-cross
  linux-libc-dev-arm64-cross qemu-user-static qemu-system-mips qemu-system-arm cpio xz-utils bc
  ffmpeg python3-pytest libcmocka-dev libmbedtls-dev libbearssl-dev clang libclang-rt-14-dev
  valgrind openssl busybox-static dpkg ca-certificates cppcheck clang-tidy"

die() { echo "bootstrap: $*" >&2; exit 1; }
note() { echo "bootstrap: $*" >&2; }

# ------------------------------------------------------------------ Debian packages
missing_pkgs() { # $@ package names -> prints those not installed (one dpkg-query call)
	{ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true; } |
		awk -v want="$*" 'BEGIN { n = split(want, w, " ") }
			$2 == "ii" { have[$1] = 1 }
			END { for (i = 1; i <= n; i++) if (!(w[i] in have)) print w[i] }'
}

apt_get_install() { # $1 output file, rest: packages; apt's output is shown and kept in $1
	local o=$1
	shift
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" 2>&1 |
		tee "$o" >&2
	return "${PIPESTATUS[0]}"
}

# A fetch error (a package file the mirror no longer serves, a stale index, a network hiccup)
# gets one `apt-get update` and one retry; anything else, or a second failure, ends with the
# exact command to run.
apt_install() { # $@ packages
	local cmd="apt-get install -y --no-install-recommends $*" out rc=0 p
	if [ "$(id -u)" != 0 ]; then
		echo "bootstrap: missing Debian packages; as root run:" >&2
		echo "  $cmd" >&2
		exit 1
	fi
	note "installing: $*"
	# Update the package lists first only when apt does not know one of the packages.
	for p in "$@"; do
		if [ -z "$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"')" ]; then
			DEBIAN_FRONTEND=noninteractive apt-get update -q || true
			break
		fi
	done
	out=$(mktemp)
	apt_get_install "$out" "$@" || rc=$?
	if [ "$rc" -ne 0 ] && grep -qE '(Failed|Unable) to fetch|Hash Sum mismatch|Temporary failure|Could not (resolve|connect)' "$out"; then
		note "apt-get install failed fetching a package ($(why_failed "$out" "apt-get install failed")); running apt-get update and retrying once"
		DEBIAN_FRONTEND=noninteractive apt-get update -q || true
		rc=0
		apt_get_install "$out" "$@" || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		echo "bootstrap: installing Debian packages failed: $(why_failed "$out" "apt-get install failed")" >&2
		echo "bootstrap: fix the cause above, then run as root:" >&2
		echo "  apt-get update && $cmd" >&2
		rm -f "$out"
		exit 1
	fi
	rm -f "$out"
}

cmd_packages() { # $1 host|all
	local list
	case ${1:-} in
	host) list=$PKGS_HOST ;;
	all) list=$PKGS_ALL ;;
	*) die "usage: bootstrap.sh packages <host|all>" ;;
	esac
	local miss
	# shellcheck disable=SC2086 # word splitting wanted
	miss=$(missing_pkgs $list | tr '\n' ' ')
	# shellcheck disable=SC2086
	[ -z "${miss// /}" ] || apt_install $miss
}

# deb-src entries, needed by `apt-get source`: mirror debian.sources with Types: deb-src.
# Also fills SRC_LISTED (see src_listed), which doubles as the "deb-src works" test.
ensure_debsrc() {
	src_listed
	[ -z "$SRC_LISTED" ] || return 0
	local f=/etc/apt/sources.list.d/debian-src.sources
	if [ "$(id -u)" != 0 ]; then
		echo "bootstrap: apt has no deb-src entries; as root run:" >&2
		echo "  sed 's/^Types: deb\$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > $f && apt-get update" >&2
		exit 1
	fi
	[ -f /etc/apt/sources.list.d/debian.sources ] ||
		die "no /etc/apt/sources.list.d/debian.sources to mirror; add deb-src lines for bookworm by hand"
	note "enabling deb-src in $f"
	{
		echo "# deb-src twin of debian.sources, added by streamingserver toolchain/bootstrap.sh"
		sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources
	} >"$f"
	apt-get update -q >&2
	SRC_LISTED=""
	src_listed
	[ -n "$SRC_LISTED" ] || die "deb-src enabled but 'apt-cache showsrc musl' is still empty"
}

# ------------------------------------------------------------------ source packages
# apt's index can list a version whose files a mirror does not (or no longer, or not yet)
# serve: a security update listed in bookworm-security but answered 404, say. So each source
# package is tried from the highest listed version down until one downloads completely
# (apt-get source verifies the checksums); the sysroot key records the version really used.
SRC_LISTED=""  # "pkg version" lines from one apt-cache call (src_listed)
SRC_CHOSEN=""  # "pkg version dir" lines, one per $SRC_PKGS (resolve_sources)
SRC_FAILED=""  # "pkg version<TAB>reason" lines: versions that failed in this run
# Versions that failed are also kept in $SS_BOOTSTRAP_RUN when the caller sets it (tests/run.sh
# does), so later invocations of the same run do not try them again either.

src_listed() { # every "pkg version" apt lists for $SRC_PKGS (one apt-cache call per run)
	[ -z "$SRC_LISTED" ] || return 0
	# shellcheck disable=SC2086
	SRC_LISTED=$(apt-cache showsrc --only-source $SRC_PKGS 2>/dev/null |
		awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }' | sort -u)
}

versions_desc() { # $1 package -> the versions apt lists for it, highest first (dpkg order)
	local -a v
	local i j t
	mapfile -t v < <(awk -v p="$1" '$1 == p { print $2 }' <<<"$SRC_LISTED")
	for ((i = 0; i < ${#v[@]}; i++)); do
		for ((j = i + 1; j < ${#v[@]}; j++)); do
			if dpkg --compare-versions "${v[j]}" gt "${v[i]}"; then
				t=${v[i]} v[i]=${v[j]} v[j]=$t
			fi
		done
	done
	[ ${#v[@]} -eq 0 ] || printf '%s\n' "${v[@]}"
}

failed_before() { # $1 pkg $2 version -> prints the reason and returns 0 when it failed this run
	local line
	line=$({
		printf '%s\n' "$SRC_FAILED"
		[ -z "${SS_BOOTSTRAP_RUN:-}" ] || cat "$SS_BOOTSTRAP_RUN" 2>/dev/null
	} | awk -F '\t' -v k="$1 $2" '$1 == k { print $2; exit }')
	[ -n "$line" ] && echo "$line"
}

why_failed() { # $1 apt-get output, $2 text when it names no error -> one short line: the first error, URLs cut to file names
	local w
	w=$({ grep -m1 '^E: Failed to fetch' "$1" || grep -m1 '^E:' "$1" || grep -m1 -i 'error' "$1"; } |
		sed -E 's#[a-z]+://[^ ]*/([^/ ]+)#\1#g; s/ *\[IP: [^]]*\]//; s/^E: *//; s/  +/ /g')
	echo "${w:-$2}"
}

SRC_DIR="" SRC_WHY=""
fetch_src() { # $1 package $2 version: 0 with SRC_DIR set to the tree, or 1 with SRC_WHY
	local pkg=$1 ver=$2 d="$SS_CACHE/src/${1}_${2#*:}" log="$SS_CACHE/log/src-$1.log" tmp out
	SRC_DIR="" SRC_WHY=""
	mkdir -p "$SS_CACHE/lock" "$SS_CACHE/log" "$SS_CACHE/src"
	exec 8>"$SS_CACHE/lock/src.lock"
	flock 8
	if [ ! -f "$d/.done" ]; then
		tmp="$d.part.$$" out=$(mktemp)
		rm -rf "$tmp" && mkdir -p "$tmp"
		echo "=== $(date +%T) apt-get source $pkg=$ver" >>"$log"
		if (cd "$tmp" && apt-get source -q -o APT::Sandbox::User=root "$pkg=$ver") >"$out" 2>&1 &&
			[ -n "$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)" ]; then
			rm -rf "$d" && mv "$tmp" "$d" && touch "$d/.done"
		else
			SRC_WHY=$(why_failed "$out" "apt-get source failed (see $log)")
			rm -rf "$tmp"
		fi
		cat "$out" >>"$log"
		rm -f "$out"
	fi
	exec 8>&-
	[ -z "$SRC_WHY" ] || return 1
	SRC_DIR=$(find "$d" -mindepth 1 -maxdepth 1 -type d | head -1)
	[ -n "$SRC_DIR" ] || { SRC_WHY="no source tree in $d"; return 1; }
}

SRC_VER=""
resolve_src() { # $1 package: the highest listed version that downloads (SRC_VER, SRC_DIR)
	local pkg=$1 v why tried="" skipped=""
	src_listed
	for v in $(versions_desc "$pkg"); do
		if why=$(failed_before "$pkg" "$v"); then
			tried+="  $pkg $v: $why (failed earlier in this run, not tried again)"$'\n'
			skipped+=" $v ($why)"
			continue
		fi
		if fetch_src "$pkg" "$v"; then
			SRC_VER=$v
			if [ -n "$skipped" ]; then
				note "source $pkg: using $v; skipped higher:$skipped"
			fi
			echo "$(date +%T) $pkg $v used${skipped:+; skipped:$skipped}" >>"$SS_CACHE/log/src.log"
			return 0
		fi
		note "source $pkg $v: $SRC_WHY; trying the next lower version"
		SRC_FAILED+="$pkg $v"$'\t'"$SRC_WHY"$'\n'
		[ -z "${SS_BOOTSTRAP_RUN:-}" ] || printf '%s %s\t%s\n' "$pkg" "$v" "$SRC_WHY" >>"$SS_BOOTSTRAP_RUN"
		tried+="  $pkg $v: $SRC_WHY"$'\n'
		skipped+=" $v ($SRC_WHY)"
	done
	[ -n "$tried" ] || die "apt lists no source package '$pkg' (deb-src entries missing?); run: apt-get update"
	printf 'bootstrap: no listed version of source package %s could be downloaded; tried:\n%s' \
		"$pkg" "$tried" >&2
	echo "bootstrap: check the network and the deb-src entries, then retry:" >&2
	echo "  apt-get update && toolchain/bootstrap.sh sysroots" >&2
	exit 1
}

resolve_sources() { # every $SRC_PKGS package once per run -> SRC_CHOSEN
	[ -z "$SRC_CHOSEN" ] || return 0
	local p
	ensure_debsrc
	for p in $SRC_PKGS; do
		resolve_src "$p"
		SRC_CHOSEN+="$p $SRC_VER $SRC_DIR"$'\n'
	done
}

src_field() { # $1 package $2 field (2 version, 3 dir) of SRC_CHOSEN
	awk -v p="$1" -v f="$2" '$1 == p { print $f }' <<<"$SRC_CHOSEN"
}

# ------------------------------------------------------------------ sysroots
triple_of() {
	case $1 in
	x86_64) echo x86_64-linux-gnu ;;
	mipsel) echo mipsel-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	aarch64) echo aarch64-linux-gnu ;;
	*) die "unknown arch '$1' (x86_64|mipsel|armhf|aarch64)" ;;
	esac
}
kinc_dir_of() { # Debian's cross UAPI headers
	case $1 in
	x86_64) echo /usr/include ;;
	*) echo "/usr/$(triple_of "$1")/include" ;;
	esac
}
archflags_of() { # code generation for the libraries; the boards' CPUFLAGS stay compatible
	case $1 in
	mipsel) echo "-march=mips32" ;; # BMIPS4380/5000 are MIPS32 r1: never r2
	*) echo "" ;;
	esac
}

# Hash of what decides a sysroot's content: the build functions of this script (as bash
# prints them, so comments and unrelated edits do not force a rebuild) and the files the
# build installs.
script_hash() { # $1 arch
	{
		declare -f build_sysroot validate_sysroot archflags_of triple_of kinc_dir_of
		cat "$HERE/mbedtls-config.h" "$HERE/mbedtls-entropy.c"
		[ "$1" != mipsel ] || cat "$HERE/r1shim.c"
	} | sha256sum | cut -c1-16
}

# Warm path: the link exists and was built by this very script. No apt calls.
sysroot_fresh() { # $1 arch $2 script hash
	local k="$SS_CACHE/sysroot/$1/.key"
	[ -f "$k" ] && grep -qx "script $2" "$k"
}

run_logged() { # $1 log file, $2 step name, rest: command
	local log=$1 step=$2
	shift 2
	echo "=== $(date +%T) $step: $*" >>"$log"
	local t0=$SECONDS
	if ! "$@" >>"$log" 2>&1; then
		echo "bootstrap: step '$step' failed; last lines of $log:" >&2
		tail -40 "$log" >&2
		exit 1
	fi
	echo "=== $step took $((SECONDS - t0)) s" >>"$log"
}

build_sysroot() { # $1 arch $2 versioned dir $3 key text
	local A=$1 S=$2 key=$3
	local T CC AF CFL B LOG
	T=$(triple_of "$A")
	AF=$(archflags_of "$A")
	B="$SS_CACHE/build/$(basename "$S")"
	LOG="$SS_CACHE/log/sysroot-$A.log"
	CC="$T-gcc -specs=$S/lib/musl-gcc.specs"
	# no unwind tables: nothing unwinds C code here, and they cost ~22 KB on aarch64/x86_64
	CFL="-Os -pipe -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables $AF"
	command -v "$T-gcc" >/dev/null || die "$T-gcc not found; run: toolchain/bootstrap.sh packages all"
	[ -d "$(kinc_dir_of "$A")/asm" ] || [ "$A" = x86_64 ] ||
		die "kernel headers for $A missing; run: toolchain/bootstrap.sh packages all"

	local musl mbed bear zlib # the trees resolve_sources fetched (their versions are in $key)
	musl=$(src_field musl 3)
	mbed=$(src_field mbedtls 3)
	bear=$(src_field bearssl 3)
	zlib=$(src_field zlib 3)
	[ -d "$musl" ] && [ -d "$mbed" ] && [ -d "$bear" ] && [ -d "$zlib" ] ||
		die "sysroot $A: source trees missing (resolve_sources not run?)"

	note "building sysroot $A in $S (log: $LOG)"
	: >"$LOG"
	rm -rf "$S" "$B"
	mkdir -p "$S" "$B"

	# musl; the gcc wrapper must be forced on, or no musl-gcc.specs gets installed
	mkdir -p "$B/musl"
	(cd "$B/musl" && run_logged "$LOG" "musl configure" "$musl/configure" --target="$T" \
		CROSS_COMPILE="$T-" --prefix="$S" --disable-shared --enable-wrapper=gcc CFLAGS="$CFL")
	run_logged "$LOG" "musl make" make -C "$B/musl" -j"$JA"
	run_logged "$LOG" "musl install" make -C "$B/musl" install
	[ -f "$S/lib/musl-gcc.specs" ] || die "musl did not install musl-gcc.specs (see $LOG)"

	# kernel UAPI headers (the HAL's DVB/MTD ioctls), kept apart from libc's
	mkdir -p "$S/kinc"
	if [ "$A" = x86_64 ]; then
		cp -a /usr/include/linux /usr/include/asm-generic /usr/include/mtd "$S/kinc/"
		cp -a /usr/include/x86_64-linux-gnu/asm "$S/kinc/asm"
	else
		cp -a "$(kinc_dir_of "$A")"/{linux,asm,asm-generic,mtd} "$S/kinc/"
	fi

	# mipsel: r1-safe replacements for the r2 routines in Debian's libgcc.a/libatomic.a
	if [ "$A" = mipsel ]; then
		run_logged "$LOG" "r1shim" $CC -Os -march=mips32 -fwrapv -ffunction-sections \
			-fno-asynchronous-unwind-tables -Wall -Werror -c -o "$S/lib/r1shim.o" "$HERE/r1shim.c"
	fi

	# mbedTLS with our configuration: it replaces config.h, so every user of the
	# headers sees the same configuration without -D flags
	cp -a "$mbed" "$B/mbedtls"
	cp "$HERE/mbedtls-config.h" "$B/mbedtls/include/mbedtls/config.h"
	run_logged "$LOG" "mbedtls" make -C "$B/mbedtls/library" -j"$JA" CC="$CC" AR="$T-ar" \
		CFLAGS="$CFL" static
	run_logged "$LOG" "mbedtls entropy" $CC $CFL -Wall -Wextra -Werror -I"$B/mbedtls/include" \
		-c -o "$B/mbedtls/library/ss_entropy.o" "$HERE/mbedtls-entropy.c"
	run_logged "$LOG" "mbedtls entropy ar" "$T-ar" rs "$B/mbedtls/library/libmbedcrypto.a" \
		"$B/mbedtls/library/ss_entropy.o"
	cp -a "$B/mbedtls/include/mbedtls" "$S/include/"
	cp "$B/mbedtls/library"/libmbed{tls,x509,crypto}.a "$S/lib/"

	# BearSSL (the +dfsg tarball keeps the generated T0 sources)
	cp -a "$bear" "$B/bearssl"
	run_logged "$LOG" "bearssl" make -C "$B/bearssl" -j"$JA" lib CC="$CC" AR="$T-ar" \
		CFLAGS="-W -Wall $CFL"
	cp "$B/bearssl"/inc/*.h "$S/include/"
	cp "$B/bearssl/build/libbearssl.a" "$S/lib/"

	# zlib
	cp -a "$zlib" "$B/zlib"
	(cd "$B/zlib" && run_logged "$LOG" "zlib configure" env CHOST="$T" CC="$CC" CFLAGS="$CFL" \
		AR="$T-ar" RANLIB="$T-ranlib" ./configure --static --prefix="$S")
	run_logged "$LOG" "zlib" make -C "$B/zlib" -j"$JA" libz.a
	cp "$B/zlib"/{zlib.h,zconf.h} "$S/include/"
	cp "$B/zlib/libz.a" "$S/lib/"

	# jsmn: header-only JSON tokenizer from the host (libjsmn-dev)
	[ -f /usr/include/jsmn.h ] || die "/usr/include/jsmn.h missing; run: toolchain/bootstrap.sh packages host"
	cp /usr/include/jsmn.h "$S/include/"

	validate_sysroot "$A" "$S"
	printf '%s\n' "$key" >"$S/.key"
	rm -rf "$B"
	note "sysroot $A done (build took $SECONDS s so far)"
}

validate_sysroot() { # $1 arch $2 dir: a static program using every library must link
	local A=$1 S=$2 T t
	T=$(triple_of "$A")
	t=$(mktemp -d)
	cat >"$t/v.c" <<'C'
#include <stdio.h>
#include <zlib.h>
#include <bearssl.h>
#include <mbedtls/ssl.h>
#include <sys/ioctl.h>
#include <linux/dvb/frontend.h>
#include <jsmn.h>
int main(void)
{
	mbedtls_ssl_config c;
	br_sha256_context h;
	jsmn_parser p;
	mbedtls_ssl_config_init(&c);
	br_sha256_init(&h);
	jsmn_init(&p);
	printf("%s %d\n", zlibVersion(), (int)FE_GET_INFO > 0);
	mbedtls_ssl_config_free(&c);
	return 0;
}
C
	local extra=""
	[ "$A" != mipsel ] || extra="$S/lib/r1shim.o"
	# shellcheck disable=SC2046,SC2086 # word splitting wanted
	$T-gcc -specs="$S/lib/musl-gcc.specs" -Os $(archflags_of "$A") -isystem "$S/include" \
		-idirafter "$S/kinc" -static -o "$t/v" "$t/v.c" -L"$S/lib" -lmbedtls -lmbedx509 \
		-lmbedcrypto -lbearssl -lz -lpthread $extra >>"$SS_CACHE/log/sysroot-$A.log" 2>&1 ||
		{ tail -20 "$SS_CACHE/log/sysroot-$A.log" >&2; rm -rf "$t"; die "sysroot $A: test link failed"; }
	rm -rf "$t"
}

current_key() { # $1 arch $2 script hash -> key text: the source versions resolve_sources chose
	local p
	echo "arch $1"
	for p in $SRC_PKGS; do
		echo "$p $(src_field "$p" 2)"
	done
	echo "script $2"
}

ensure_sysroot() { # $1 arch $2 recheck(0|1)
	local A=$1 recheck=$2 H link
	triple_of "$A" >/dev/null
	H=$(script_hash "$A")
	link="$SS_CACHE/sysroot/$A"
	if [ "$recheck" = 0 ] && sysroot_fresh "$A" "$H"; then
		echo "$SS_CACHE/sysroot/$(readlink "$link")"
		return 0
	fi
	mkdir -p "$SS_CACHE/lock" "$SS_CACHE/log" "$SS_CACHE/sysroot" "$SS_CACHE/build" "$SS_CACHE/src"
	exec 9>"$SS_CACHE/lock/$A.lock"
	flock 9
	if [ "$recheck" = 0 ]; then
		if sysroot_fresh "$A" "$H"; then # built meanwhile by another job
			exec 9>&-
			echo "$SS_CACHE/sysroot/$(readlink "$link")"
			return 0
		fi
		# another checkout switched the link: reuse a complete sysroot of this recipe
		local k
		k=$(grep -lx "script $H" "$SS_CACHE/sysroot/$A"-*/.key 2>/dev/null | head -1 || true)
		if [ -n "$k" ]; then
			ln -sfn "$(basename "$(dirname "$k")")" "$link.new.$$"
			mv -T "$link.new.$$" "$link"
			exec 9>&-
			dirname "$k"
			return 0
		fi
	fi
	resolve_sources
	local key id S
	key=$(current_key "$A" "$H")
	id=$(printf '%s\n' "$key" | sha256sum | cut -c1-12)
	S="$SS_CACHE/sysroot/$A-$id"
	if ! { [ -f "$S/.key" ] && [ "$(cat "$S/.key")" = "$key" ]; }; then
		build_sysroot "$A" "$S" "$key"
	fi
	# switch the link atomically
	ln -sfn "$A-$id" "$link.new.$$"
	mv -T "$link.new.$$" "$link"
	exec 9>&-
	echo "$S"
}

cmd_sysroots() { # all four at once: a cold set-up costs about the longest arch, not the sum
	local A pid rc failed="" t0=$SECONDS
	local -A pids=()
	mkdir -p "$SS_CACHE/log"
	resolve_sources # once, before the jobs: each version is tried at most once per run
	# About one compiler job per core in all: the arches share the cores, and their serial
	# steps (configure, archive, copy) overlap with the others' compiles.
	JA=$(((J + 3) / 4))
	for A in $ARCHES; do
		(
			set -o pipefail
			ensure_sysroot "$A" 1 2>&1 >/dev/null | sed -u "s/^/[$A] /" >&2
		) &
		pids[$A]=$!
	done
	for A in $ARCHES; do
		pid=${pids[$A]}
		rc=0
		wait "$pid" || rc=$?
		if [ "$rc" -ne 0 ]; then
			failed+=" $A"
		else
			echo "sysroot $A: $(readlink -f "$SS_CACHE/sysroot/$A")"
		fi
	done
	[ -z "$failed" ] || die "sysroot build failed for:$failed (logs: $SS_CACHE/log/sysroot-<arch>.log)"
	note "sysroots ready in $((SECONDS - t0)) s"
	prune_old
}

prune_old() { # drop versioned sysroots no link points to: unfinished ones after a day, others after 14
	local d A
	for d in "$SS_CACHE"/sysroot/*-*; do
		[ -d "$d" ] && [ ! -L "$d" ] || continue
		if [ -f "$d/.key" ]; then
			[ -n "$(find "$d/.key" -mtime +14)" ] || continue
		else
			[ -n "$(find "$d" -maxdepth 0 -mtime +1)" ] || continue
		fi
		case " $(for A in $ARCHES; do readlink "$SS_CACHE/sysroot/$A" 2>/dev/null; echo; done | tr '\n' ' ') " in
		*" $(basename "$d") "*) ;;
		*) note "removing stale $d"; rm -rf "$d" ;;
		esac
	done
}

cmd_sources() { # fetch every source package now; print "package version tree" per line
	mkdir -p "$SS_CACHE/log"
	resolve_sources
	printf '%s' "$SRC_CHOSEN"
}

case ${1:-} in
packages) cmd_packages "${2:-}" ;;
sources) cmd_sources ;;
sysroot) [ $# -eq 2 ] || die "usage: bootstrap.sh sysroot <x86_64|mipsel|armhf|aarch64>"
	ensure_sysroot "$2" 0 ;;
sysroots) cmd_sysroots ;;
all) cmd_packages all && cmd_sysroots ;;
*) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
