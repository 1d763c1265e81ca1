/* Unit tests of recorder helpers: which files cleanup removes, URLs without secrets, stream.log. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/err.h"
#include "core/rec/rec_util.h"

static void test_own_files(void **state)
{
	UNUSED(state);
	assert_true(rec_is_own_file("stream_0.ts"));
	assert_true(rec_is_own_file("stream_12.ts"));
	assert_true(rec_is_own_file("stream_3.ts.ap"));
	assert_true(rec_is_own_file("stream_3.ts.cuts"));
	assert_true(rec_is_own_file("stream_3.ts.sc"));
	assert_true(rec_is_own_file("stream_3.ts.meta"));
	assert_true(rec_is_own_file("stream_0.mp4"));
	assert_true(rec_is_own_file("stream_0.mp4.cuts"));
	assert_false(rec_is_own_file("stream.log"));
	assert_false(rec_is_own_file("stream_1.mp4"));
	assert_false(rec_is_own_file("stream_.ts"));
	assert_false(rec_is_own_file("stream_1x.ts"));
	assert_false(rec_is_own_file("stream_1.ts.bak"));
	assert_false(rec_is_own_file("streamer.ts"));
	assert_false(rec_is_own_file("my_stream_1.ts"));
}

static void touch(const char *dir, const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void test_cleanup_and_log(void **state)
{
	char dir[] = "/tmp/ss-rec-XXXXXX", cmd[64], line[256];
	FILE *f;

	UNUSED(state);
	assert_non_null(mkdtemp(dir));
	touch(dir, "stream_0.ts");
	touch(dir, "stream_7.ts.ap");
	touch(dir, "stream_0.mp4");
	touch(dir, "stream.log");
	touch(dir, "stream_notes.txt");
	touch(dir, "movie.ts");
	assert_int_equal(rec_cleanup(dir), 0);
	assert_false(exists(dir, "stream_0.ts"));
	assert_false(exists(dir, "stream_7.ts.ap"));
	assert_false(exists(dir, "stream_0.mp4"));
	assert_true(exists(dir, "stream.log"));
	assert_true(exists(dir, "stream_notes.txt"));
	assert_true(exists(dir, "movie.ts"));
	unlink(strcat(strcpy(line, dir), "/stream.log"));
	rec_log_line(dir, 0, 5, "http://u:p@h/seg5.ts?token=secret", "buffering-complete");
	rec_log_line(dir, -1, REC_LOG_NONE, NULL, "new-section");
	f = fopen(line, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(strlen(line),
			 12 + strlen(" STS 000/005: http://h/seg5.ts - buffering-complete\n"));
	assert_string_equal(line + 12, " STS 000/005: http://h/seg5.ts - buffering-complete\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line + 12, " STS ---/---: none - new-section\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "\n");
	fclose(f);
	assert_true(rec_cleanup("/nonexistent/dir") < 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_url_public(void **state)
{
	char out[64];

	UNUSED(state);
	rec_url_public("https://user:pw@cdn.example/a/b.ts?sig=1#x", out, sizeof(out));
	assert_string_equal(out, "https://cdn.example/a/b.ts");
	rec_url_public("seg.ts?x", out, sizeof(out));
	assert_string_equal(out, "seg.ts");
	rec_url_public("http://h/averyveryveryveryveryveryveryveryveryverylongpathname.ts", out,
		       20);
	assert_int_equal(strlen(out), 19);
}

static void test_sleep_cancel(void **state)
{
	int fds[2];

	UNUSED(state);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(rec_sleep(fds[0], 10), 0);
	assert_false(rec_cancelled(fds[0]));
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_true(rec_cancelled(fds[0]));
	assert_int_equal(rec_sleep(fds[0], 10000), -ERR_CANCELLED);
	close(fds[0]);
	close(fds[1]);
}

static void test_seg_sniff(void **state)
{
	static uint8_t b[REC_SNIFF_MAX + 600];
	const char *html = "<!DOCTYPE html><html><body>Busy</body></html>";

	UNUSED(state);
	assert_int_equal(rec_seg_sniff(NULL, 0, false), 0);
	assert_int_equal(rec_seg_sniff(NULL, 0, true), 1); /* empty: not ours to judge */
	assert_int_equal(rec_seg_sniff((const uint8_t *)html, 5, false), 0);
	assert_int_equal(rec_seg_sniff((const uint8_t *)html, strlen(html), true), -ERR_PROTOCOL);
	assert_int_equal(rec_seg_sniff((const uint8_t *)"\0\0\0\x18styp", 8, false), 1);
	assert_int_equal(rec_seg_sniff((const uint8_t *)"\0\0\1\0moof", 8, false), 1);
	assert_int_equal(rec_seg_sniff((const uint8_t *)"ID3\4\0\0\0\0", 8, false), 1);
	assert_int_equal(rec_seg_sniff((const uint8_t *)"\xff\xf1\x50\x80", 4, false), 1);
	/* TS: 4 syncs decide; 1000 bytes of junk before the first packet are fine */
	memset(b, 'G' + 1, sizeof(b));
	for (int i = 0; i < 4; i++)
		b[1000 + 188 * i] = 0x47;
	assert_int_equal(rec_seg_sniff(b, 1000 + 188 * 3, false), 0);
	assert_int_equal(rec_seg_sniff(b, 1000 + 188 * 3 + 1, false), 1);
	/* one whole packet, then the end */
	assert_int_equal(rec_seg_sniff(b + 1000, 188, true), 1);
	assert_int_equal(rec_seg_sniff(b + 1000, 187, true), -ERR_PROTOCOL);
	/* garbage: undecided until the hold is full, then refused */
	b[1000] = 0;
	assert_int_equal(rec_seg_sniff(b, REC_SNIFF_MAX - 1, false), 0);
	assert_int_equal(rec_seg_sniff(b, REC_SNIFF_MAX, false), -ERR_PROTOCOL);
	assert_int_equal(rec_seg_sniff(b, 2000, true), -ERR_PROTOCOL);
}

static void test_retry_delay(void **state)
{
	UNUSED(state);
	assert_int_equal(rec_retry_delay_ms(250, -1, -1), 250);
	assert_int_equal(rec_retry_delay_ms(250, 2, -1), 2000);
	assert_int_equal(rec_retry_delay_ms(4000, 2, -1), 4000);
	assert_int_equal(rec_retry_delay_ms(250, 0, -1), 250);
	/* capped by Kconfig, then by the time the segment stays in the live window */
	assert_int_equal(rec_retry_delay_ms(250, 100000, -1),
			 (int64_t)CONFIG_HTTP_RETRY_AFTER_MAX_S * 1000);
	assert_int_equal(rec_retry_delay_ms(250, 10, 1500), 1500);
	assert_int_equal(rec_retry_delay_ms(250, 10, 100), 250);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_files),  cmocka_unit_test(test_cleanup_and_log),
		cmocka_unit_test(test_url_public), cmocka_unit_test(test_sleep_cancel),
		cmocka_unit_test(test_seg_sniff),  cmocka_unit_test(test_retry_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
