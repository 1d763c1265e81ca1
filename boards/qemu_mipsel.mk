# QEMU Malta (mipsel, MIPS32 r1 code): emulated test board.
ARCH      := mipsel
TRIPLE    := mipsel-linux-gnu
CPUFLAGS  := -march=mips32 -mtune=24kf
QEMU      := qemu-mipsel-static
QEMU_CPU  := 24Kf
