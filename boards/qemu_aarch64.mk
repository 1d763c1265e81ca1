# QEMU virt (AArch64 Cortex-A53): emulated test board.
ARCH      := aarch64
TRIPLE    := aarch64-linux-gnu
CPUFLAGS  := -mcpu=cortex-a53
QEMU      := qemu-aarch64-static
QEMU_CPU  := cortex-a53
