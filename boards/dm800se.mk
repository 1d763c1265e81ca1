# Dreambox DM800se: BCM7405 (BMIPS4380, MIPS32 r1), H.264/MPEG-2, AC-3.
ARCH      := mipsel
TRIPLE    := mipsel-linux-gnu
CPUFLAGS  := -march=mips32 -mtune=4kc
QEMU      := qemu-mipsel-static
QEMU_CPU  := 24Kf
