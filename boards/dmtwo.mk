# Dreambox Two: Amlogic S922X (Cortex-A53/A73), H.264 and HEVC, AC-3/E-AC-3.
ARCH      := aarch64
TRIPLE    := aarch64-linux-gnu
CPUFLAGS  := -mcpu=cortex-a53
QEMU      := qemu-aarch64-static
QEMU_CPU  := cortex-a53
