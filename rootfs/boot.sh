#!/bin/sh
# rootfs/boot.sh: boots the QEMU test image of a board (built by rootfs/mkimage.sh) with
# user-mode networking only; the serial console is this process's stdout.
#
#   rootfs/boot.sh <board> [HOSTPORT:GUESTPORT ...]
#
# Each HOSTPORT:GUESTPORT forwards 127.0.0.1:HOSTPORT on the host to the guest's port
# (default 15000:5000). The guest reaches the host's loopback as 10.0.2.2. The guest powers
# off when something connects to its port 5001; QEMU then exits (-no-reboot).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BOARD=${1:-}
IMG=$TOP/build/$BOARD/image
[ -f "$IMG/qemu.sh" ] || { echo "boot.sh: no image for '$BOARD'; run rootfs/mkimage.sh $BOARD" >&2; exit 1; }
shift
. "$IMG/qemu.sh"
[ $# -gt 0 ] || set -- 15000:5000
FWD=
for f in "$@"; do
	FWD="$FWD,hostfwd=tcp:127.0.0.1:${f%%:*}-:${f#*:}"
done
# shellcheck disable=SC2086
exec $QEMU_CMD -kernel "$QEMU_KERNEL" -initrd "$QEMU_INITRD" -append "$QEMU_APPEND" \
	-display none -monitor none -serial stdio -no-reboot \
	-netdev "user,id=n0$FWD" -device "$QEMU_NIC,netdev=n0"
