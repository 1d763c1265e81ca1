#!/bin/sh
# rootfs/test-image.sh: `make test-image`: for each qemu_* board, builds the daemon and the
# image, boots it under qemu-system, waits for the daemon's "listening on" console line, runs
# the protocol smoke test and an HLS recording from a fixture server on the host, checks the
# recording, and powers the guest off (tests/qemu/). Prints boot-to-listening per board.
#
#   rootfs/test-image.sh [board...]     default: qemu_mipsel qemu_armhf qemu_aarch64
#
# Kernels and busybox-static come from Debian (rootfs/qemu-assets.sh, cached in $SS_CACHE).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
[ $# -gt 0 ] || set -- qemu_mipsel qemu_armhf qemu_aarch64
J=$(nproc 2>/dev/null || echo 2)

for b in "$@"; do
	case $b in
	qemu_mipsel | qemu_armhf | qemu_aarch64) ;;
	*) echo "test-image: '$b' has no QEMU image (qemu_mipsel qemu_armhf qemu_aarch64)" >&2; exit 2 ;;
	esac
	if [ -z "${SS_BIN_DIR:-}" ]; then
		make --no-print-directory -s -j"$J" BOARD="$b" all || exit 1
	fi
	# Fetch kernels now, so a cold cache shows up here and not as a test timeout.
	arch=$(sed -n 's/^ARCH[[:space:]]*:=[[:space:]]*//p' "boards/$b.mk")
	rootfs/qemu-assets.sh "$arch" >/dev/null || exit 1
done

mkdir -p build/test-logs
rm -f build/test-logs/image-times.txt
SS_IMAGE_BOARDS="$*" SS_BIN_DIR=${SS_BIN_DIR:-$TOP/build} \
	timeout 1200 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/qemu
rc=$?
if [ -f build/test-logs/image-times.txt ]; then
	cat build/test-logs/image-times.txt
fi
echo "consoles: build/test-logs/image-<board>.log"
exit $rc
