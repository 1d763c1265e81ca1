# Development host (x86_64) with the BearSSL TLS backend: runs natively, tests the second backend.
ARCH      := x86_64
TRIPLE    := x86_64-linux-gnu
CPUFLAGS  := 
QEMU      := 
QEMU_CPU  := 
