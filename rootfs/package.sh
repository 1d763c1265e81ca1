#!/bin/sh
# rootfs/package.sh: builds the installable packages of the daemon for one board.
#
#   rootfs/package.sh <board>        (make package BOARD=<board>)
#
# Writes build/<board>/pkg/streamingserver_<version>_<arch>.ipk for OE-Alliance images (every
# board) and, for the DreamOS boards (dm900 dm920 dmone dmtwo), .deb as well. Both carry:
#   /usr/bin/streamingserver                         the static binary of build/<board>/
#   /etc/streamingserver/streamingserver.conf        default config (conffile)
#   /usr/lib/streamingserver/prestart                start hook: logo and CA links
#   /usr/share/streamingserver/providers/<id>/       config.json + provider.png of providers/
#   /usr/share/streamingserver/ca-certificates.crt   CA bundle for images without one
#   .deb: /lib/systemd/system/streamingserver.service   (DreamOS runs systemd)
#   .ipk: /etc/init.d/streamingserver + /usr/lib/streamingserver/supervise   (SysV)
# and maintainer scripts from rootfs/control/<deb|ipk>/. The package is called
# "streamingserver" and Provides/Conflicts/Replaces the Python server's packages, so it
# satisfies StreamingCockpit's dependency and removes the Python server on install.
#
# Environment (all optional):
#   SS_PKG_BIN      binary to package instead of building build/<board>/streamingserver
#   SS_PKG_FORMATS  "deb ipk", "ipk" or "deb" instead of the board default
#   SS_PKG_OUT      output directory instead of build/<board>/pkg
#   SS_DEB_ARCH, SS_IPK_ARCH   override the Architecture fields (see arch table below)
#   SS_CA_BUNDLE    CA bundle to ship (default: the host's Debian ca-certificates bundle)
#   SOURCE_DATE_EPOCH  timestamp for all archive members (default: last commit time)
set -eu

die() { echo "package.sh: $*" >&2; exit 1; }

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BOARD=${1:-}
[ -n "$BOARD" ] && [ -f "boards/$BOARD.mk" ] || die "usage: rootfs/package.sh <board> (boards/<board>.mk)"

PKG=streamingserver
OLD_PKGS="enigma2-plugin-systemplugins-streamingserver, enigma2-plugin-ubuntu-streamingserver"
VERSION=$(cat VERSION)
ARCH=$(sed -n 's/^ARCH[[:space:]]*:=[[:space:]]*//p' "boards/$BOARD.mk")

# Debian names for dpkg on DreamOS (OpenEmbedded's deb backend maps to them); OE-Alliance's
# opkg feeds use the tune names.
case $ARCH in
mipsel) DEB_ARCH=mipsel IPK_ARCH=mips32el ;;
armhf) DEB_ARCH=armhf IPK_ARCH=cortexa15hf-neon-vfpv4 ;;
aarch64) DEB_ARCH=arm64 IPK_ARCH=aarch64 ;;
x86_64) DEB_ARCH=amd64 IPK_ARCH=x86_64 ;;
*) die "no package architecture for ARCH '$ARCH'" ;;
esac
DEB_ARCH=${SS_DEB_ARCH:-$DEB_ARCH}
IPK_ARCH=${SS_IPK_ARCH:-$IPK_ARCH}

case $BOARD in
dm900 | dm920 | dmone | dmtwo) FORMATS="deb ipk" ;;
*) FORMATS=ipk ;;
esac
FORMATS=${SS_PKG_FORMATS:-$FORMATS}

if [ -n "${SS_PKG_BIN:-}" ]; then
	BIN=$SS_PKG_BIN
else
	make --no-print-directory -s BOARD="$BOARD" all >&2
	BIN=build/$BOARD/streamingserver
fi
[ -f "$BIN" ] || die "no binary $BIN"

CA=${SS_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$CA" ] || die "no CA bundle at $CA (install Debian's ca-certificates or set SS_CA_BUNDLE)"

OUT=${SS_PKG_OUT:-build/$BOARD/pkg}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
rm -rf "$WORK"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH

# stage_common DIR: the files both formats carry.
stage_common() {
	d=$1
	mkdir -p "$d"
	cp -R rootfs/overlay/. "$d/"
	install -D -m 0755 "$BIN" "$d/usr/bin/streamingserver"
	install -D -m 0644 "$CA" "$d/usr/share/streamingserver/ca-certificates.crt"
	mkdir -p "$d/usr/share/streamingserver/providers"
	for p in providers/*/; do
		[ -f "$p/config.json" ] || continue
		id=$(basename "$p")
		install -D -m 0644 "$p/config.json" "$d/usr/share/streamingserver/providers/$id/config.json"
		if [ -f "$p/provider.png" ]; then
			install -m 0644 "$p/provider.png" "$d/usr/share/streamingserver/providers/$id/provider.png"
		fi
	done
}

# normalize DIR: root-owned modes independent of the builder's umask and checkout.
normalize() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod 0644 {} +
	chmod 0755 "$1/usr/bin/streamingserver" "$1/usr/lib/streamingserver/"*
	if [ -d "$1/etc/init.d" ]; then
		chmod 0755 "$1/etc/init.d/"*
	fi
}

# control_fields ARCH: the control paragraph shared by both formats.
control_fields() {
	cat <<EOF
Package: $PKG
Version: $VERSION
Architecture: $1
Maintainer: streamingserver developers <streamingserver@localhost>
Section: net
Priority: optional
Provides: enigma2-plugin-systemplugins-streamingserver
Conflicts: $OLD_PKGS
Replaces: $OLD_PKGS
Description: native server for the StreamingCockpit plugin (port 5000)
 A small static daemon that replaces the Python streamingserver in the Ubuntu chroot:
 it browses free streaming providers (Pluto TV, Samsung TV Plus, IPTV lists) and
 records HLS streams into MPEG-TS files the box plays while they grow. It runs as a
 service listening on 127.0.0.1:5000, so StreamingCockpit finds it with or without the
 Ubuntu chroot. Built for board $BOARD.
EOF
}

tar_dir() { # tar_dir DIR OUT.tar.gz: deterministic, root-owned, "./"-prefixed members
	tar --format=gnu --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
		--numeric-owner -C "$1" -cf - . | gzip -9n >"$2"
}

for fmt in $FORMATS; do
	root=$WORK/$fmt/root
	stage_common "$root"
	case $fmt in
	deb)
		cp -R rootfs/systemd/. "$root/"
		normalize "$root"
		mkdir -p "$root/DEBIAN"
		size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
		{
			control_fields "$DEB_ARCH" | sed '/^Description:/,$d'
			echo "Installed-Size: $size"
			# The interface is a TCP port: any architecture's plugin may use it (and dpkg
			# then accepts the Provides for arch "all" dependents on multiarch roots).
			echo "Multi-Arch: foreign"
			control_fields "$DEB_ARCH" | sed -n '/^Description:/,$p'
		} >"$root/DEBIAN/control"
		echo /etc/streamingserver/streamingserver.conf >"$root/DEBIAN/conffiles"
		for s in postinst prerm postrm; do
			install -m 0755 "rootfs/control/deb/$s" "$root/DEBIAN/$s"
		done
		find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
		f=$OUT/${PKG}_${VERSION}_$DEB_ARCH.deb
		dpkg-deb --root-owner-group -Zgzip -z9 --build "$root" "$f" >/dev/null
		;;
	ipk)
		cp -R rootfs/sysv/. "$root/"
		normalize "$root"
		ctl=$WORK/$fmt/control
		mkdir -p "$ctl"
		control_fields "$IPK_ARCH" >"$ctl/control"
		echo /etc/streamingserver/streamingserver.conf >"$ctl/conffiles"
		for s in postinst prerm postrm; do
			install -m 0755 "rootfs/control/ipk/$s" "$ctl/$s"
		done
		chmod 0644 "$ctl/control" "$ctl/conffiles"
		printf '2.0\n' >"$WORK/$fmt/debian-binary"
		tar_dir "$ctl" "$WORK/$fmt/control.tar.gz"
		tar_dir "$root" "$WORK/$fmt/data.tar.gz"
		f=$OUT/${PKG}_${VERSION}_$IPK_ARCH.ipk
		rm -f "$f"
		(cd "$WORK/$fmt" && touch -d "@$SOURCE_DATE_EPOCH" debian-binary control.tar.gz data.tar.gz &&
			ar rcD "$f" debian-binary control.tar.gz data.tar.gz)
		;;
	*) die "unknown package format '$fmt'" ;;
	esac
	printf '%s: %s bytes\n' "${f#"$TOP"/}" "$(stat -c %s "$f")"
done
rm -rf "$WORK"
