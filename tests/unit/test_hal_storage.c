/* Unit tests of the storage/output HAL: whole packets, gathering, section files, -ENOTSUP ops. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "hal/output.h"

static char dir[64];

static int setup(void **state)
{
	UNUSED(state);
	snprintf(dir, sizeof(dir), "/tmp/ss-hal-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	UNUSED(state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static off_t fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_whole_packets_only(void **state)
{
	struct storage_file f;
	uint8_t pkt[3 * TS_PACKET];
	char path[128];

	UNUSED(state);
	memset(pkt, 0x47, sizeof(pkt));
	snprintf(path, sizeof(path), "%s/a.ts", dir);
	assert_int_equal(storage_posix_ops.open(&f, path), 0);
	assert_int_equal(storage_posix_ops.write_packets(&f, pkt, sizeof(pkt)), 0);
	assert_int_equal(storage_posix_ops.write_packets(&f, pkt, 100), -EINVAL);
	assert_int_equal(fsize(path), 3 * TS_PACKET);
	assert_int_equal(f.size, 3 * TS_PACKET);
	assert_int_equal(storage_posix_ops.close(&f), 0);
	assert_int_equal(f.fd, -1);
	assert_int_equal(storage_posix_ops.close(&f), 0);
	assert_int_equal(storage_posix_ops.remove(path), 0);
	assert_int_equal(storage_posix_ops.remove(path), 0);
}

static void test_output_sections(void **state)
{
	struct output o;
	uint8_t pkt[TS_PACKET];
	char p0[128], p1[128];

	UNUSED(state);
	memset(pkt, 0x47, sizeof(pkt));
	assert_int_equal(output_file_init(&o, dir, &storage_posix_ops), 0);
	assert_int_equal(o.ops->write(&o, pkt, sizeof(pkt)), -EBADF);
	assert_int_equal(o.ops->section_open(&o, 0), 0);
	output_section_path(dir, 0, p0, sizeof(p0));
	output_section_path(dir, 1, p1, sizeof(p1));
	assert_string_equal(o.path, p0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(o.ops->write(&o, pkt, sizeof(pkt)), 0);
	/* Gathered: nothing reaches the file before a flush (the buffer holds more). */
	assert_int_equal(fsize(p0), CONFIG_HAL_WRITE_BUF_PACKETS > 10 ? 0 : 10 * TS_PACKET);
	assert_int_equal(o.ops->flush(&o), 0);
	assert_int_equal(fsize(p0), 10 * TS_PACKET);
	assert_int_equal(o.ops->write(&o, pkt, 5), -EINVAL);
	assert_int_equal(o.ops->section_open(&o, 1), 0);
	assert_int_equal(o.ops->write(&o, pkt, sizeof(pkt)), 0);
	assert_int_equal(o.ops->section_close(&o), 0);
	assert_int_equal(fsize(p1), TS_PACKET);
	assert_int_equal(o.ops->dvr_open(&o, "/dev/dvb/adapter0/dvr0"), -ENOTSUP);
	assert_int_equal(o.ops->relay_open(&o, 8001), -ENOTSUP);
	assert_int_equal(output_free(&o), 0);
}

static void test_free_space(void **state)
{
	int64_t bytes = -1;

	UNUSED(state);
	assert_int_equal(storage_posix_ops.free_space(dir, &bytes), 0);
	assert_true(bytes > 0);
	assert_true(storage_posix_ops.free_space("/nonexistent/x", &bytes) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_packets_only),
		cmocka_unit_test(test_output_sections),
		cmocka_unit_test(test_free_space),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
