# Dreambox DM920 UHD: BCM7252S (Cortex-A15), H.264 and HEVC, AC-3/E-AC-3.
ARCH      := armhf
TRIPLE    := arm-linux-gnueabihf
CPUFLAGS  := -march=armv7-a -mtune=cortex-a15 -mfpu=vfpv3-d16 -mfloat-abi=hard
QEMU      := qemu-arm-static
QEMU_CPU  := cortex-a15
