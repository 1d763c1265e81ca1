/* toolchain/mbedtls-entropy.c: the entropy source of our mbedTLS build
 * (MBEDTLS_ENTROPY_HARDWARE_ALT).
 *
 * mbedTLS 2.28 only uses getrandom() when built against glibc; with musl it would read
 * /dev/urandom through stdio on every poll. This reads the kernel CSPRNG with getrandom(2),
 * which blocks until the pool is initialised at boot, and falls back to /dev/urandom on
 * kernels older than 3.17 (ENOSYS), e.g. the DM800se's. bootstrap.sh compiles it into
 * libmbedcrypto.a of every sysroot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mbedtls/entropy.h"
#include "mbedtls/entropy_poll.h"

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
	size_t got = 0;
	int fd;

	(void)data;
	*olen = 0;
#if defined(SYS_getrandom)
	while (got < len) {
		long n = syscall(SYS_getrandom, output + got, len - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == ENOSYS && got == 0)
			break; /* old kernel: use /dev/urandom */
		else
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
	}
	if (got == len) {
		*olen = len;
		return 0;
	}
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
	while (got < len) {
		ssize_t n = read(fd, output + got, len - got);
		if (n > 0)
			got += (size_t)n;
		else if (!(n < 0 && errno == EINTR)) {
			close(fd);
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
		}
	}
	close(fd);
	*olen = len;
	return 0;
}
