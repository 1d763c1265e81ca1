/* toolchain/r1shim.c: MIPS32 r1 versions of the libgcc/libatomic routines that Debian's mipsel
 * toolchain (built for mips32r2) implements with r2-only opcodes (ext, ins, seb, seh, wsbh,
 * mfhc1, mthc1). bootstrap.sh compiles it with -march=mips32 into $SYSROOT/lib/r1shim.o and
 * the Makefile links that object ahead of libgcc.a, so these definitions win; unused ones
 * are dropped by --gc-sections.
 *
 * Covered (found by scanning Debian's libgcc.a and libatomic.a with check-mips-r1.sh):
 *   __bswapsi2 __bswapdi2                 byte swaps (__builtin_bswap32/64, be32toh...)
 *   __fixdfdi                             double -> long long
 *   __negdf2                              soft-float negate (not reached with hard float)
 *   __mulsc3 __muldc3 __divsc3 __divdc3   float/double _Complex multiply and divide
 *   __atomic_*_8 and the generic __atomic_load/store/exchange/compare_exchange
 *                                         64-bit and odd-sized atomics (libatomic's locks)
 * Not covered, and not reachable from our C code: fixed-point (_Fract/_Accum) helpers,
 * MIPS16 call stubs, and the DWARF unwinder in libgcc_eh.a (only with -fexceptions or
 * C++). check-mips-r1.sh catches them if they ever get linked.
 *
 * Never compile this file for mips32r2: GCC would turn the byte swaps back into wsbh.
 */
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__mips_isa_rev) && __mips_isa_rev >= 2
#error "r1shim.c must be compiled with -march=mips32 (MIPS32 release 1)"
#endif

/* ---- byte swaps */
unsigned int __bswapsi2(unsigned int x);
unsigned long long __bswapdi2(unsigned long long x);

unsigned int __bswapsi2(unsigned int x)
{
	return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

unsigned long long __bswapdi2(unsigned long long x)
{
	return ((unsigned long long)__bswapsi2((unsigned int)x) << 32) |
	       __bswapsi2((unsigned int)(x >> 32));
}

/* ---- conversions and soft-float negate */
unsigned long long __fixunsdfdi(double a); /* r1-clean in libgcc.a */
long long __fixdfdi(double a);
double __negdf2(double a);

long long __fixdfdi(double a)
{
	return a < 0 ? -(long long)__fixunsdfdi(-a) : (long long)__fixunsdfdi(a);
}

double __negdf2(double a)
{
	union {
		double d;
		unsigned long long u;
	} v = {a};
	v.u ^= 1ull << 63;
	return v.d;
}

/* ---- complex multiply and divide, with C99 Annex G recovery of infinities */
#define R1_INF __builtin_inf()
#define R1_ISNAN(x) __builtin_isnan(x)
#define R1_ISINF(x) __builtin_isinf(x)
#define R1_FIN(x) __builtin_isfinite(x)

#define R1_COMPLEX_OPS(T, CT, MUL, DIV, COPYSIGN, FABS)                                            \
	CT MUL(T a, T b, T c, T d);                                                                \
	CT DIV(T a, T b, T c, T d);                                                                \
	CT MUL(T a, T b, T c, T d)                                                                 \
	{                                                                                          \
		T ac = a * c, bd = b * d, ad = a * d, bc = b * c;                                  \
		T x = ac - bd, y = ad + bc;                                                        \
		CT res;                                                                            \
		if (R1_ISNAN(x) && R1_ISNAN(y)) {                                                  \
			int recalc = 0;                                                            \
			if (R1_ISINF(a) || R1_ISINF(b)) {                                          \
				a = COPYSIGN(R1_ISINF(a) ? 1 : 0, a);                              \
				b = COPYSIGN(R1_ISINF(b) ? 1 : 0, b);                              \
				if (R1_ISNAN(c))                                                   \
					c = COPYSIGN(0, c);                                        \
				if (R1_ISNAN(d))                                                   \
					d = COPYSIGN(0, d);                                        \
				recalc = 1;                                                        \
			}                                                                          \
			if (R1_ISINF(c) || R1_ISINF(d)) {                                          \
				c = COPYSIGN(R1_ISINF(c) ? 1 : 0, c);                              \
				d = COPYSIGN(R1_ISINF(d) ? 1 : 0, d);                              \
				if (R1_ISNAN(a))                                                   \
					a = COPYSIGN(0, a);                                        \
				if (R1_ISNAN(b))                                                   \
					b = COPYSIGN(0, b);                                        \
				recalc = 1;                                                        \
			}                                                                          \
			if (!recalc &&                                                             \
			    (R1_ISINF(ac) || R1_ISINF(bd) || R1_ISINF(ad) || R1_ISINF(bc))) {      \
				if (R1_ISNAN(a))                                                   \
					a = COPYSIGN(0, a);                                        \
				if (R1_ISNAN(b))                                                   \
					b = COPYSIGN(0, b);                                        \
				if (R1_ISNAN(c))                                                   \
					c = COPYSIGN(0, c);                                        \
				if (R1_ISNAN(d))                                                   \
					d = COPYSIGN(0, d);                                        \
				recalc = 1;                                                        \
			}                                                                          \
			if (recalc) {                                                              \
				x = (T)R1_INF * (a * c - b * d);                                   \
				y = (T)R1_INF * (a * d + b * c);                                   \
			}                                                                          \
		}                                                                                  \
		__real__ res = x;                                                                  \
		__imag__ res = y;                                                                  \
		return res;                                                                        \
	}                                                                                          \
	CT DIV(T a, T b, T c, T d) /* Smith's algorithm */                                         \
	{                                                                                          \
		T ratio, denom, x, y;                                                              \
		CT res;                                                                            \
		if (FABS(c) < FABS(d)) {                                                           \
			ratio = c / d;                                                             \
			denom = (c * ratio) + d;                                                   \
			x = ((a * ratio) + b) / denom;                                             \
			y = ((b * ratio) - a) / denom;                                             \
		} else {                                                                           \
			ratio = d / c;                                                             \
			denom = (d * ratio) + c;                                                   \
			x = ((b * ratio) + a) / denom;                                             \
			y = (b - (a * ratio)) / denom;                                             \
		}                                                                                  \
		if (R1_ISNAN(x) && R1_ISNAN(y)) {                                                  \
			if (c == 0 && d == 0 && (!R1_ISNAN(a) || !R1_ISNAN(b))) {                  \
				x = COPYSIGN((T)R1_INF, c) * a;                                    \
				y = COPYSIGN((T)R1_INF, c) * b;                                    \
			} else if ((R1_ISINF(a) || R1_ISINF(b)) && R1_FIN(c) && R1_FIN(d)) {       \
				a = COPYSIGN(R1_ISINF(a) ? 1 : 0, a);                              \
				b = COPYSIGN(R1_ISINF(b) ? 1 : 0, b);                              \
				x = (T)R1_INF * (a * c + b * d);                                   \
				y = (T)R1_INF * (b * c - a * d);                                   \
			} else if ((R1_ISINF(c) || R1_ISINF(d)) && R1_FIN(a) && R1_FIN(b)) {       \
				c = COPYSIGN(R1_ISINF(c) ? 1 : 0, c);                              \
				d = COPYSIGN(R1_ISINF(d) ? 1 : 0, d);                              \
				x = 0 * (a * c + b * d);                                           \
				y = 0 * (b * c - a * d);                                           \
			}                                                                          \
		}                                                                                  \
		__real__ res = x;                                                                  \
		__imag__ res = y;                                                                  \
		return res;                                                                        \
	}

R1_COMPLEX_OPS(float, float _Complex, __mulsc3, __divsc3, __builtin_copysignf, __builtin_fabsf)
R1_COMPLEX_OPS(double, double _Complex, __muldc3, __divdc3, __builtin_copysign, __builtin_fabs)

/* ---- atomics wider than a word: a small table of spinlocks keyed by address, like
 * libatomic's (whose lock code is what carries the r2 opcodes). 4-byte exchange is inline
 * ll/sc, which MIPS32 r1 has. The public names are set with asm labels because GCC does not
 * allow defining functions under the names of its own __atomic builtins. */
#define R1_NLOCKS 64
static int r1_locks[R1_NLOCKS];

static int *r1_lock(const volatile void *p)
{
	int *l = &r1_locks[((uintptr_t)p >> 3) % R1_NLOCKS];
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			sched_yield(); /* single-core boxes: let the holder run */
	return l;
}

static void r1_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

typedef unsigned long long u64;
#define R1_ATOMIC(name) __asm__("__atomic_" name)

u64 r1_load_8(const volatile void *p, int m) R1_ATOMIC("load_8");
void r1_store_8(volatile void *p, u64 v, int m) R1_ATOMIC("store_8");
u64 r1_exchange_8(volatile void *p, u64 v, int m) R1_ATOMIC("exchange_8");
_Bool r1_cmpxchg_8(volatile void *p, void *exp, u64 des, _Bool weak, int sm, int fm)
	R1_ATOMIC("compare_exchange_8");

u64 r1_load_8(const volatile void *p, int m)
{
	int *l = r1_lock(p);
	u64 v = *(const volatile u64 *)p;
	(void)m;
	r1_unlock(l);
	return v;
}

void r1_store_8(volatile void *p, u64 v, int m)
{
	int *l = r1_lock(p);
	(void)m;
	*(volatile u64 *)p = v;
	r1_unlock(l);
}

u64 r1_exchange_8(volatile void *p, u64 v, int m)
{
	int *l = r1_lock(p);
	u64 old = *(volatile u64 *)p;
	(void)m;
	*(volatile u64 *)p = v;
	r1_unlock(l);
	return old;
}

_Bool r1_cmpxchg_8(volatile void *p, void *exp, u64 des, _Bool weak, int sm, int fm)
{
	int *l = r1_lock(p);
	u64 cur = *(volatile u64 *)p;
	_Bool ok = cur == *(u64 *)exp;
	(void)weak, (void)sm, (void)fm;
	if (ok)
		*(volatile u64 *)p = des;
	else
		*(u64 *)exp = cur;
	r1_unlock(l);
	return ok;
}

/* fetch_OP returns the old value, OP_fetch the new one */
#define R1_FETCH_OP(op, expr)                                                                      \
	u64 r1_fetch_##op##_8(volatile void *p, u64 v, int m) R1_ATOMIC("fetch_" #op "_8");        \
	u64 r1_##op##_fetch_8(volatile void *p, u64 v, int m) R1_ATOMIC(#op "_fetch_8");           \
	u64 r1_fetch_##op##_8(volatile void *p, u64 v, int m)                                      \
	{                                                                                          \
		int *l = r1_lock(p);                                                               \
		u64 old = *(volatile u64 *)p;                                                      \
		(void)m;                                                                           \
		*(volatile u64 *)p = (expr);                                                       \
		r1_unlock(l);                                                                      \
		return old;                                                                        \
	}                                                                                          \
	u64 r1_##op##_fetch_8(volatile void *p, u64 v, int m)                                      \
	{                                                                                          \
		int *l = r1_lock(p);                                                               \
		u64 old = *(volatile u64 *)p, nv = (expr);                                         \
		(void)m;                                                                           \
		*(volatile u64 *)p = nv;                                                           \
		r1_unlock(l);                                                                      \
		return nv;                                                                         \
	}
R1_FETCH_OP(add, old + v)
R1_FETCH_OP(sub, old - v)
R1_FETCH_OP(and, old &v)
R1_FETCH_OP(or, old | v)
R1_FETCH_OP(xor, old ^ v)
R1_FETCH_OP(nand, ~(old &v))

/* generic (any size) forms, used for _Atomic structs */
void r1_load(size_t n, void *mem, void *ret, int m) R1_ATOMIC("load");
void r1_store(size_t n, void *mem, void *val, int m) R1_ATOMIC("store");
void r1_exchange(size_t n, void *mem, void *val, void *ret, int m) R1_ATOMIC("exchange");
_Bool r1_cmpxchg(size_t n, void *mem, void *exp, void *des, int sm, int fm)
	R1_ATOMIC("compare_exchange");
_Bool r1_is_lock_free(size_t n, const volatile void *p) R1_ATOMIC("is_lock_free");

void r1_load(size_t n, void *mem, void *ret, int m)
{
	int *l = r1_lock(mem);
	(void)m;
	memcpy(ret, mem, n);
	r1_unlock(l);
}

void r1_store(size_t n, void *mem, void *val, int m)
{
	int *l = r1_lock(mem);
	(void)m;
	memcpy(mem, val, n);
	r1_unlock(l);
}

void r1_exchange(size_t n, void *mem, void *val, void *ret, int m)
{
	unsigned char tmp[64];
	int *l = r1_lock(mem);
	(void)m;
	while (n > 0) { /* chunked: val and ret may alias */
		size_t k = n < sizeof(tmp) ? n : sizeof(tmp);
		memcpy(tmp, val, k);
		memcpy(ret, mem, k);
		memcpy(mem, tmp, k);
		mem = (char *)mem + k, val = (char *)val + k, ret = (char *)ret + k, n -= k;
	}
	r1_unlock(l);
}

_Bool r1_cmpxchg(size_t n, void *mem, void *exp, void *des, int sm, int fm)
{
	int *l = r1_lock(mem);
	_Bool ok = memcmp(mem, exp, n) == 0;
	(void)sm, (void)fm;
	if (ok)
		memcpy(mem, des, n);
	else
		memcpy(exp, mem, n);
	r1_unlock(l);
	return ok;
}

_Bool r1_is_lock_free(size_t n, const volatile void *p)
{
	return n <= 4 && ((uintptr_t)p & (n - 1)) == 0 && (n & (n - 1)) == 0;
}
