#!/bin/sh
# Marks a mipsel binary as MIPS32 release 1 in its ELF header (e_flags) and .MIPS.abiflags.
# Run only after check-mips-r1.sh proved the code has no release-2 opcode: the r2 marks come
# from Debian's crtbeginT.o/libgcc objects being flagged r2, not from the code we link.
set -eu
bin=$1
# putbyte OFFSET VALUE: writes one byte (octal escape: POSIX printf has no \x).
putbyte() { printf "\\$(printf '%03o' "$2")" | dd of="$bin" bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null; }
# e_flags: ELF32 offset 0x24, little endian; EF_MIPS_ARCH is the top nibble of its last byte:
# 5 = MIPS32, 7 = MIPS32r2.
top=$(od -An -tu1 -j39 -N1 "$bin" | tr -d ' ')
putbyte 39 $(( (top & 0x0f) | 0x50 ))
# .MIPS.abiflags: version (2 bytes), isa_level (1), isa_rev (1): isa_rev becomes 1.
off=$(mipsel-linux-gnu-readelf -SW "$bin" |
	awk '{ for (i = 1; i < NF; i++) if ($i == ".MIPS.abiflags") { print $(i + 3); exit } }')
if [ -n "$off" ]; then
	putbyte $((0x$off + 3)) 1
fi
