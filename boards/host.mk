# Development host (x86_64): the default board; runs the daemon natively.
ARCH      := x86_64
TRIPLE    := x86_64-linux-gnu
# -Os makes GCC inline every memcpy/memset as `rep movsb`/`rep stosb`, one byte per step:
# slow on many x86 cores and, under callgrind (`make bench`), one counted instruction per
# byte. libcall hands them to musl's memcpy (rep movsq) instead; the board builds (MIPS,
# ARM) call memcpy anyway, so this keeps the host figures honest for them too.
CPUFLAGS  := -mstringop-strategy=libcall
QEMU      := 
QEMU_CPU  := 
