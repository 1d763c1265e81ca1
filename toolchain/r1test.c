/* toolchain/r1test.c: exercises every routine of r1shim.c (run by selftest.sh under
 * qemu-mipsel, then scanned by check-mips-r1.sh); builds and runs on any arch. */
#include <complex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static int failures;
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("r1test: FAILED line %d: %s\n", __LINE__, #cond);                   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static _Atomic long long counter;
static _Atomic unsigned long long bits;
struct triple {
	int a, b, c;
};
static _Atomic struct triple trip;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		atomic_fetch_add(&counter, 3);
		atomic_fetch_sub(&counter, 1);
		atomic_fetch_or(&bits, 1ull << (i % 64));
	}
	return NULL;
}

int main(void)
{
	volatile unsigned int w = 0x11223344u;
	volatile unsigned long long q = 0x0102030405060708ull;
	volatile double d = -1234567890123.75, big = 9.0e15;
	volatile float f1 = 1.5f, f2 = -2.0f;
	volatile double d1 = 3.0, d2 = 4.0;
	double complex z1 = d1 + d2 * I, z2 = d2 - d1 * I;
	float complex y1 = f1 + f2 * I, y2 = f2 + f1 * I;
	pthread_t th[2];
	long long expect;
	struct triple t1 = {1, 2, 3}, t2 = {4, 5, 6}, got;

	CHECK(__builtin_bswap32(w) == 0x44332211u);
	CHECK(__builtin_bswap64(q) == 0x0807060504030201ull);
	CHECK((long long)d == -1234567890123ll);
	CHECK((long long)big == 9000000000000000ll);
	CHECK((long long)-big == -9000000000000000ll);

	/* (3+4i)(4-3i) = 24+7i ; (3+4i)/(4-3i) = i */
	double complex p = z1 * z2, r = z1 / z2;
	CHECK(creal(p) == 24.0 && cimag(p) == 7.0);
	CHECK(creal(r) > -1e-12 && creal(r) < 1e-12 && cimag(r) > 1 - 1e-12 &&
	      cimag(r) < 1 + 1e-12);
	/* (1.5-2i)(-2+1.5i) = 0+6.25i ; (1.5-2i)/(-2+1.5i) = -0.96+0.28i */
	float complex fp = y1 * y2, fr = y1 / y2;
	CHECK(crealf(fp) == 0.0f && cimagf(fp) == 6.25f);
	CHECK(crealf(fr) > -0.9601f && crealf(fr) < -0.9599f && cimagf(fr) > 0.2799f &&
	      cimagf(fr) < 0.2801f);
	/* Annex G: an infinite operand gives an infinite result, not NaN */
	volatile double inf = __builtin_inf();
	double complex zi = (inf + 0.0 * I) * z1;
	CHECK(__builtin_isinf(creal(zi)) || __builtin_isinf(cimag(zi)));

	pthread_create(&th[0], NULL, worker, NULL);
	pthread_create(&th[1], NULL, worker, NULL);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	CHECK(atomic_load(&counter) == 2 * 20000 * 2);
	CHECK(atomic_load(&bits) == ~0ull);
	expect = 80000;
	CHECK(atomic_compare_exchange_strong(&counter, &expect, 5));
	CHECK(!atomic_compare_exchange_strong(&counter, &expect, 6) && expect == 5);
	CHECK(atomic_exchange(&counter, 1ll << 40) == 5 && atomic_load(&counter) == 1ll << 40);
	atomic_store(&trip, t1);
	got = atomic_exchange(&trip, t2);
	CHECK(got.a == 1 && got.c == 3);
	CHECK(atomic_compare_exchange_strong(&trip, &t2, t1));
	got = atomic_load(&trip);
	CHECK(got.a == 1 && got.b == 2);

	if (failures)
		return 1;
	printf("r1test: bswap, fixdfdi, complex mul/div, 64-bit and struct atomics ok\n");
	return 0;
}
