# QEMU virt (ARMv7 Cortex-A15): emulated test board.
ARCH      := armhf
TRIPLE    := arm-linux-gnueabihf
CPUFLAGS  := -march=armv7-a -mtune=cortex-a15 -mfpu=vfpv3-d16 -mfloat-abi=hard
QEMU      := qemu-arm-static
QEMU_CPU  := cortex-a15
