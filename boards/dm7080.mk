# Dreambox DM7080: BCM7435 (BMIPS5000, MIPS32 r1 baseline), H.264, AC-3.
ARCH      := mipsel
TRIPLE    := mipsel-linux-gnu
CPUFLAGS  := -march=mips32 -mtune=4kc
QEMU      := qemu-mipsel-static
QEMU_CPU  := 24Kf
