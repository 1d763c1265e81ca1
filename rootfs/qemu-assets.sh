#!/bin/sh
# rootfs/qemu-assets.sh: fetches and unpacks a Debian kernel and busybox-static for a QEMU
# guest architecture into the toolchain cache, keyed by package version; prints the directory.
#
#   qemu-assets.sh <mipsel|armhf|aarch64>
#
# Result: $SS_CACHE/qemu/<debarch>/<kernel-pkg>_<version>+busybox_<version>/ with
#   vmlinuz            the kernel image (Malta for mipsel, virt-capable armmp/arm64 for ARM)
#   versions           the Debian package versions used
#   modules/*.ko       the NIC driver modules and their dependencies (Debian builds the
#                      NICs as modules), uncompressed; modules/load.order lists them in
#                      dependency order for insmod (the .deb ships no modules.dep)
#   busybox            busybox-static for the guest
#   kernel.release     the kernel release string (6.1.0-NN-flavour)
# and $SS_CACHE/qemu/<debarch>/current -> that directory.
#
# The .debs come from the host's Debian mirrors through a private apt state directory, so the
# host's dpkg architectures and package lists stay untouched. A warm cache needs no network;
# SS_QEMU_REFRESH=1 looks for newer package versions.
set -eu

die() { echo "qemu-assets: $*" >&2; exit 1; }

# NIC per machine: Malta gets an e1000 on PCI, virt a virtio-net on virtio-mmio.
case ${1:-} in
mipsel) DEBARCH=mipsel KMETA=linux-image-4kc-malta NICMODS=e1000 ;;
armhf) DEBARCH=armhf KMETA=linux-image-armmp NICMODS="virtio_mmio virtio_net" ;;
aarch64) DEBARCH=arm64 KMETA=linux-image-arm64 NICMODS="virtio_mmio virtio_net" ;;
*) die "usage: qemu-assets.sh <mipsel|armhf|aarch64>" ;;
esac

SS_CACHE=${SS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamingserver}
BASE=$SS_CACHE/qemu/$DEBARCH
APTD=$BASE/apt
mkdir -p "$BASE"

# One fetch per architecture at a time (parallel test runs share the cache).
exec 9>"$BASE/.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi

if [ -z "${SS_QEMU_REFRESH:-}" ] && [ -f "$BASE/current/vmlinuz" ] && [ -x "$BASE/current/busybox" ]; then
	readlink -f "$BASE/current"
	exit 0
fi

mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/debs"
apt_priv() { # runs apt-get/apt-cache with the private state for $DEBARCH
	tool=$1
	shift
	"$tool" -o APT::Architecture="$DEBARCH" -o APT::Architectures::="$DEBARCH" \
		-o Dir::State::Lists="$APTD/lists" -o Dir::Cache="$APTD/cache" \
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root "$@"
}

# Package lists: refreshed when missing, older than a day, or on request.
if [ -n "${SS_QEMU_REFRESH:-}" ] || [ -z "$(find "$APTD/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	echo "qemu-assets: apt-get update for $DEBARCH (private state in $APTD)" >&2
	# A mirror caught mid-sync (or a proxy) may fail some index, typically the security
	# suite's; apt then uses the others, which is enough as long as the kernel and busybox
	# resolve below.
	if ! apt_priv apt-get -q update >"$APTD/update.log" 2>&1 || grep -q '^E: ' "$APTD/update.log"; then
		echo "qemu-assets: warning: apt-get update for $DEBARCH reported errors;" \
			"continuing with the indexes it got (see $APTD/update.log)" >&2
	fi
fi

# The metapackage names the current ABI package (linux-image-6.1.0-NN-<flavour>).
KPKG=$(apt_priv apt-cache depends "$KMETA" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$KPKG" ] || die "cannot resolve $KMETA for $DEBARCH (see $APTD/update.log)"
KVER=$(apt_priv apt-cache show "$KPKG" | awk '/^Version:/ { print $2; exit }')
BVER=$(apt_priv apt-cache show busybox-static | awk '/^Version:/ { print $2; exit }')
[ -n "$KVER" ] && [ -n "$BVER" ] || die "no version for $KPKG or busybox-static"

# add_module TREE OUT NAME: copies module NAME and, first, what it depends on (read from
# its .modinfo "depends=" entry) into OUT, appending each to OUT/load.order once.
add_module() {
	am_name=$(echo "$3" | tr '-' '_')
	grep -qx "$am_name.ko" "$2/load.order" 2>/dev/null && return 0
	am_path=$(sed -n "s|^\(.*/$am_name\.ko\(\.xz\)\{0,1\}\)\$|\1|p" "$1/modules.order" | head -1)
	if [ -z "$am_path" ]; then
		# builtin modules need nothing
		grep -q "/$am_name\.ko\$" "$1/modules.builtin" 2>/dev/null && return 0
		die "module $am_name not in $1/modules.order"
	fi
	case $am_path in
	*.xz) xz -dc "$1/$am_path" >"$2/$am_name.ko" ;;
	*) cp "$1/$am_path" "$2/$am_name.ko" ;;
	esac
	am_deps=$(tr '\0' '\n' <"$2/$am_name.ko" | sed -n 's/^depends=//p' | tr ',' ' ')
	# sh has no local variables: recurse in subshells, which only leave files behind
	for am_dep in $am_deps; do
		(add_module "$1" "$2" "$am_dep") || exit 1
	done
	echo "$am_name.ko" >>"$2/load.order"
}

KEY=$(echo "${KPKG}_${KVER}+busybox_${BVER}" | tr ':' '_')
DEST=$BASE/$KEY
if [ ! -f "$DEST/.complete" ]; then
	echo "qemu-assets: fetching $KPKG $KVER and busybox-static $BVER ($DEBARCH)" >&2
	(cd "$APTD/debs" && apt_priv apt-get -q download "$KPKG" busybox-static >"$APTD/download.log" 2>&1) ||
		die "apt-get download failed; see $APTD/download.log"
	KDEB=$(ls "$APTD/debs/${KPKG}_"*"_$DEBARCH.deb" | tail -1)
	BDEB=$(ls "$APTD/debs/busybox-static_"*"_$DEBARCH.deb" | tail -1)
	TMP=$DEST.tmp
	rm -rf "$TMP"
	mkdir -p "$TMP/k" "$TMP/b"
	dpkg-deb -x "$KDEB" "$TMP/k"
	dpkg-deb -x "$BDEB" "$TMP/b"
	REL=$(ls "$TMP/k/lib/modules" | head -1)
	[ -n "$REL" ] || die "$KDEB has no lib/modules"
	cp "$TMP/k/boot/vmlinuz-$REL" "$TMP/vmlinuz"
	mkdir -p "$TMP/modules"
	MODTREE=$TMP/k/lib/modules/$REL
	for m in $NICMODS; do
		add_module "$MODTREE" "$TMP/modules" "$m"
	done
	[ -s "$TMP/modules/load.order" ] || die "no NIC modules found in $KDEB"
	cp "$TMP/b/bin/busybox" "$TMP/busybox"
	echo "$REL" >"$TMP/kernel.release"
	printf '%s %s\nbusybox-static %s\n' "$KPKG" "$KVER" "$BVER" >"$TMP/versions"
	rm -rf "$TMP/k" "$TMP/b"
	touch "$TMP/.complete"
	rm -rf "$DEST"
	mv "$TMP" "$DEST"
	# Only the unpacked trees are kept; the .debs are re-downloadable.
	rm -f "$KDEB" "$BDEB"
fi
ln -sfn "$KEY" "$BASE/current"
# The package lists (about 40 MB) are only needed to resolve versions: drop them.
rm -rf "$APTD/lists" "$APTD/cache"
readlink -f "$BASE/current"
