# Development host (x86_64): the default board; runs the daemon natively.
ARCH      := x86_64
TRIPLE    := x86_64-linux-gnu
CPUFLAGS  := 
QEMU      := 
QEMU_CPU  := 
