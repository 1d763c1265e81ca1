/* Unit tests: config file parser, getters, capacity, command-line overrides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/config.h"
#include "core/base/err.h"
#include "providers/provider.h"

static void test_parse_file_syntax(void **state)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "  listen = 127.0.0.1  \r\n"
				   "port=5001\n"
				   "   # indented comment\n"
				   "this line is broken\n"
				   "auth_token = \"  spaced  \"\n"
				   "url = http://x/#frag\n"
				   "empty =\n"
				   "log_level.http = debug\n"
				   "port = 5002\n";
	struct config *c = config_new();
	int bad = -1;

	(void)state;
	assert_non_null(c);
	assert_int_equal(config_parse(c, text, sizeof(text) - 1, &bad), 0);
	assert_int_equal(bad, 6);
	assert_string_equal(config_get(c, "listen", NULL), "127.0.0.1");
	assert_int_equal(config_get_int(c, "port", 0), 5002);
	assert_string_equal(config_get(c, "auth_token", NULL), "  spaced  ");
	assert_string_equal(config_get(c, "url", NULL), "http://x/#frag");
	assert_string_equal(config_get(c, "empty", "def"), "");
	assert_string_equal(config_get(c, "log_level.http", NULL), "debug");
	assert_null(config_get(c, "missing", NULL));
	config_unref(c);
}

static void test_getters(void **state)
{
	struct config *c = config_new();

	(void)state;
	assert_int_equal(config_set(c, "a", "12"), 0);
	assert_int_equal(config_set(c, "b", "12x"), 0);
	assert_int_equal(config_set(c, "yes", "On"), 0);
	assert_int_equal(config_set(c, "no", "false"), 0);
	assert_int_equal(config_set(c, "maybe", "perhaps"), 0);
	assert_int_equal(config_get_int(c, "a", 7), 12);
	assert_int_equal(config_get_int(c, "b", 7), 7);
	assert_int_equal(config_get_int(c, "none", 7), 7);
	assert_int_equal(config_get_bool(c, "yes", 0), 1);
	assert_int_equal(config_get_bool(c, "no", 1), 0);
	assert_int_equal(config_get_bool(c, "maybe", 1), 1);
	assert_int_equal(config_set(c, "bad key", "x"), -ERR_BAD_REQUEST);
	assert_int_equal(config_set(c, "", "x"), -ERR_BAD_REQUEST);
	/* Replacing with a longer and a shorter value. */
	assert_int_equal(config_set(c, "a", "123456789"), 0);
	assert_string_equal(config_get(c, "a", NULL), "123456789");
	assert_int_equal(config_set(c, "a", "1"), 0);
	assert_string_equal(config_get(c, "a", NULL), "1");
	config_unref(c);
}

static int collect(void *ctx, const char *key, const char *value)
{
	char *out = ctx;

	strcat(out, key);
	strcat(out, "=");
	strcat(out, value);
	strcat(out, ";");
	return strcmp(value, "stop") == 0 ? 5 : 0;
}

static void test_each_in_order(void **state)
{
	static const char text[] = "iptv.list.2 = b\nother = x\niptv.list.1 = a\n";
	struct config *c = config_new();
	char out[256] = "";

	(void)state;
	config_parse(c, text, sizeof(text) - 1, NULL);
	assert_int_equal(config_each(c, "iptv.list.", collect, out), 0);
	assert_string_equal(out, "iptv.list.2=b;iptv.list.1=a;");
	config_set(c, "iptv.list.3", "stop");
	config_set(c, "iptv.list.4", "never");
	out[0] = '\0';
	assert_int_equal(config_each(c, "iptv.", collect, out), 5);
	assert_string_equal(out, "iptv.list.2=b;iptv.list.1=a;iptv.list.3=stop;");
	config_unref(c);
}

static void test_capacity(void **state)
{
	struct config *c = config_new();
	char key[32];
	int rc = 0, i;

	(void)state;
	for (i = 0; i < CONFIG_CONFIG_MAX_KEYS + 1 && !rc; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		rc = config_set(c, key, "v");
	}
	assert_int_equal(rc, -ERR_LIMIT);
	assert_int_equal(i, CONFIG_CONFIG_MAX_KEYS + 1);
	config_unref(c);

	/* Byte capacity: one huge value does not fit. */
	c = config_new();
	{
		char *big = malloc(CONFIG_CONFIG_MAX_BYTES + 1);

		memset(big, 'x', CONFIG_CONFIG_MAX_BYTES);
		big[CONFIG_CONFIG_MAX_BYTES] = '\0';
		assert_int_equal(config_set(c, "big", big), -ERR_LIMIT);
		free(big);
	}
	config_unref(c);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/ss-test-config-XXXXXX";
	int fd = mkstemp(path), bad;
	struct config *c = config_new();
	static const char text[] = "listen = ::\nport = 6000\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(config_load_file(c, path, &bad), 0);
	assert_string_equal(config_get(c, "listen", NULL), "::");
	unlink(path);
	assert_int_equal(config_load_file(c, path, &bad), -ENOENT);
	config_unref(c);
}

static void test_refcount(void **state)
{
	struct config *c = config_new();

	(void)state;
	config_set(c, "k", "v");
	assert_ptr_equal(config_ref(c), c);
	config_unref(c);
	assert_string_equal(config_get(c, "k", NULL), "v");
	config_unref(c);
	config_unref(NULL);
}

static void test_args(void **state)
{
	char *argv[] = {"--listen",	   "127.0.0.1", "--port=6001",	"--syslog",
			"--config",	   "/x.conf",	"--set",	"tls_verify=0",
			"--allowed-roots", "/a:/b",	"--log-level",	"debug",
			"--providers-dir", "/p",	"--auth-token", "t",
			"--data-dir",	   "/d"};
	struct config *ov = config_new(), *file = config_new();
	const char *cf = NULL;
	char err[128];

	(void)state;
	assert_int_equal(config_parse_args(ov, (int)ARRAY_SIZE(argv), argv, &cf, err, sizeof(err)),
			 0);
	assert_string_equal(cf, "/x.conf");
	assert_string_equal(config_get(ov, "listen", NULL), "127.0.0.1");
	assert_int_equal(config_get_int(ov, "port", 0), 6001);
	assert_int_equal(config_get_bool(ov, "syslog", 0), 1);
	assert_int_equal(config_get_bool(ov, "tls_verify", 1), 0);
	assert_string_equal(config_get(ov, "allowed_roots", NULL), "/a:/b");
	assert_string_equal(config_get(ov, "log_level", NULL), "debug");
	assert_string_equal(config_get(ov, "providers_dir", NULL), "/p");
	assert_string_equal(config_get(ov, "auth_token", NULL), "t");
	assert_string_equal(config_get(ov, "data_dir", NULL), "/d");
	/* Overrides win over the file. */
	config_set(file, "port", "5000");
	config_set(file, "ca_file", "/ca");
	assert_int_equal(config_merge(file, ov), 0);
	assert_int_equal(config_get_int(file, "port", 0), 6001);
	assert_string_equal(config_get(file, "ca_file", NULL), "/ca");
	config_unref(ov);
	config_unref(file);
}

static void test_args_errors(void **state)
{
	char *unknown[] = {"--frobnicate", "1"};
	char *missing[] = {"--port"};
	char *badset[] = {"--set", "novalue"};
	struct config *ov = config_new();
	const char *cf = NULL;
	char err[128];

	(void)state;
	assert_int_equal(config_parse_args(ov, 2, unknown, &cf, err, sizeof(err)),
			 -ERR_BAD_REQUEST);
	assert_non_null(strstr(err, "--frobnicate"));
	assert_int_equal(config_parse_args(ov, 1, missing, &cf, err, sizeof(err)),
			 -ERR_BAD_REQUEST);
	assert_int_equal(config_parse_args(ov, 2, badset, &cf, err, sizeof(err)), -ERR_BAD_REQUEST);
	config_unref(ov);
}

struct unknown_seen {
	int n;
	char key[4][64];
	int line[4];
};

static void note_unknown(void *ctx, const char *key, int line)
{
	struct unknown_seen *u = ctx;

	assert_true(u->n < 4);
	snprintf(u->key[u->n], sizeof(u->key[0]), "%s", key);
	u->line[u->n++] = line;
}

static int known_or_provider(const char *key)
{
	return config_key_known(key) || provider_config_key(key);
}

static void test_unknown_keys_with_origin(void **state)
{
	static const char text[] = "# comment\n"
				   "listen = 127.0.0.1\n"
				   "prot = 5000\n"
				   "log_level.http = debug\n"
				   "iptv.list.1 = /x.m3u\n"
				   "\n"
				   "provider.cache_ttl = 60\n"
				   "provider.PlutoTV.api_url = http://x/\n"
				   "provider.PlutoTV.apiurl = http://x/\n"
				   "provider.Nobody.url = http://x/\n"
				   "tls_verify = yes\n";
	char *argv[] = {"--set", "tls_verfy=0", "--set", "prot=5001", "--port", "1"};
	struct config *c = config_new(), *ov = config_new();
	struct unknown_seen u = {0};
	const char *cf = NULL;
	char err[128];

	(void)state;
	assert_int_equal(config_parse(c, text, sizeof(text) - 1, NULL), 0);
	assert_int_equal(config_parse_args(ov, (int)ARRAY_SIZE(argv), argv, &cf, err, sizeof(err)),
			 0);
	/* the command line wins, and so does its origin: prot now comes from --set */
	assert_int_equal(config_merge(c, ov), 0);
	assert_int_equal(config_each_unknown(c, known_or_provider, note_unknown, &u), 4);
	assert_string_equal(u.key[0], "prot");
	assert_int_equal(u.line[0], 0);
	assert_string_equal(u.key[1], "provider.PlutoTV.apiurl");
	assert_int_equal(u.line[1], 9);
	assert_string_equal(u.key[2], "provider.Nobody.url");
	assert_int_equal(u.line[2], 10);
	assert_string_equal(u.key[3], "tls_verfy");
	assert_int_equal(u.line[3], 0);
	/* without the provider hook every provider.<Id>.<name> key is unknown */
	assert_int_equal(config_each_unknown(c, config_key_known, NULL, NULL), 5);
	config_unref(c);
	config_unref(ov);
}

static void test_known_keys(void **state)
{
	(void)state;
	assert_true(config_key_known("listen"));
	assert_true(config_key_known("test_hooks"));
	assert_true(config_key_known("log_level.tls"));
	assert_true(config_key_known("iptv.list.12"));
	assert_false(config_key_known("log_level."));
	assert_false(config_key_known("iptv.list."));
	assert_false(config_key_known("iptv.lists.1"));
	assert_false(config_key_known("listen2"));
	assert_true(provider_config_key("provider.SamsungTV.region"));
	assert_false(provider_config_key("provider.SamsungTV"));
	assert_false(provider_config_key("provider.SamsungTV.regio"));
	assert_false(provider_config_key("provider.samsungtv.region"));
	assert_false(provider_config_key("provider.IPTV.url"));
}

static void test_arg_count(void **state)
{
	(void)state;
	assert_int_equal(config_arg_count("--set"), 2);
	assert_int_equal(config_arg_count("--set=tls_verify=0"), 1);
	assert_int_equal(config_arg_count("--syslog"), 1);
	assert_int_equal(config_arg_count("--config"), 2);
	assert_int_equal(config_arg_count("--port=5"), 1);
	assert_int_equal(config_arg_count("--data-dir"), 2);
	assert_int_equal(config_arg_count("-o"), 0);
	assert_int_equal(config_arg_count("--quality"), 0);
	assert_int_equal(config_arg_count("--setx"), 0);
	assert_int_equal(config_arg_count("http://x/--set"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_file_syntax),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_each_in_order),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_unknown_keys_with_origin),
		cmocka_unit_test(test_known_keys),
		cmocka_unit_test(test_arg_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
