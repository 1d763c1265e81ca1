/* toolchain/r1shim.c: MIPS32 r1 replacements for libgcc routines that Debian's mipsel
 * libgcc.a (built for mips32r2) implements with r2-only opcodes. Linked into every
 * mipsel binary so these definitions win over libgcc.a's. Compile with -march=mips32. */

unsigned long long __fixunsdfdi(double);
long long __fixdfdi(double a);
unsigned int __bswapsi2(unsigned int x);
unsigned long long __bswapdi2(unsigned long long x);

long long __fixdfdi(double a)
{
	return a < 0 ? -(long long)__fixunsdfdi(-a) : (long long)__fixunsdfdi(a);
}

unsigned int __bswapsi2(unsigned int x)
{
	return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

unsigned long long __bswapdi2(unsigned long long x)
{
	return ((unsigned long long)__bswapsi2((unsigned int)x) << 32) |
	       __bswapsi2((unsigned int)(x >> 32));
}
