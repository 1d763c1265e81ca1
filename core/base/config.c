/* Configuration store: fixed-capacity key/value table, file parser, command-line overrides. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/base/config.h"
#include "core/base/err.h"

struct config_ent {
	uint32_t key; /* offsets into store */
	uint32_t val;
	int line; /* line of the config file it came from; 0: command line or config_set() */
};

struct config {
	int refs; /* atomic: the owner plus one per job holding a snapshot */
	int n;
	size_t used;
	struct config_ent ent[CONFIG_CONFIG_MAX_KEYS];
	char store[CONFIG_CONFIG_MAX_BYTES];
};

struct config *config_new(void)
{
	struct config *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	c->refs = 1;
	c->n = 0;
	c->used = 0;
	return c;
}

struct config *config_ref(struct config *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void config_unref(struct config *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(c);
}

static int config_key_ok(const char *k, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = k[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static int config_find(const struct config *c, const char *key, size_t klen)
{
	for (int i = 0; i < c->n; i++) {
		const char *k = c->store + c->ent[i].key;

		if (strncmp(k, key, klen) == 0 && k[klen] == '\0')
			return i;
	}
	return -1;
}

static int config_store(struct config *c, const char *s, size_t n, uint32_t *off)
{
	if (n + 1 > sizeof(c->store) - c->used)
		return -ERR_LIMIT;
	memcpy(c->store + c->used, s, n);
	c->store[c->used + n] = '\0';
	*off = (uint32_t)c->used;
	c->used += n + 1;
	return 0;
}

static int config_setn(struct config *c, const char *key, size_t klen, const char *val, size_t vlen,
		       int line)
{
	int i;
	uint32_t voff;

	if (!config_key_ok(key, klen))
		return -ERR_BAD_REQUEST;
	i = config_find(c, key, klen);
	if (i >= 0) {
		/* Reuse the old value's bytes when the new one fits; else append. */
		char *old = c->store + c->ent[i].val;

		c->ent[i].line = line;
		if (strlen(old) >= vlen) {
			memcpy(old, val, vlen);
			old[vlen] = '\0';
			return 0;
		}
		if (config_store(c, val, vlen, &voff))
			return -ERR_LIMIT;
		c->ent[i].val = voff;
		return 0;
	}
	if (c->n >= CONFIG_CONFIG_MAX_KEYS)
		return -ERR_LIMIT;
	if (config_store(c, key, klen, &c->ent[c->n].key))
		return -ERR_LIMIT;
	if (config_store(c, val, vlen, &voff))
		return -ERR_LIMIT;
	c->ent[c->n].val = voff;
	c->ent[c->n].line = line;
	c->n++;
	return 0;
}

int config_set(struct config *c, const char *key, const char *value)
{
	return config_setn(c, key, strlen(key), value, strlen(value), 0);
}

const char *config_get(const struct config *c, const char *key, const char *def)
{
	int i;

	if (!c)
		return def;
	i = config_find(c, key, strlen(key));
	return i < 0 ? def : c->store + c->ent[i].val;
}

long config_get_int(const struct config *c, const char *key, long def)
{
	const char *v = config_get(c, key, NULL);
	char *end;
	long r;

	if (!v || !*v)
		return def;
	errno = 0;
	r = strtol(v, &end, 10);
	if (errno || *end)
		return def;
	return r;
}

int config_get_bool(const struct config *c, const char *key, int def)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	const char *v = config_get(c, key, NULL);

	if (!v)
		return def;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return def;
}

int config_each(const struct config *c, const char *prefix,
		int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	size_t pl = strlen(prefix);

	for (int i = 0; c && i < c->n; i++) {
		const char *k = c->store + c->ent[i].key;
		int r;

		if (strncmp(k, prefix, pl) != 0)
			continue;
		r = fn(ctx, k, c->store + c->ent[i].val);
		if (r)
			return r;
	}
	return 0;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

int config_parse(struct config *c, const char *text, size_t n, int *bad_line)
{
	size_t pos = 0;
	int line = 0;

	if (bad_line)
		*bad_line = 0;
	while (pos < n) {
		const char *s = text + pos, *e, *eq, *ks, *ke, *vs, *ve;
		const char *nl = memchr(s, '\n', n - pos);
		int r;

		e = nl ? nl : text + n;
		pos = (size_t)(e - text) + 1;
		line++;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		if (!eq || memchr(s, '\0', (size_t)(e - s))) {
			if (bad_line && !*bad_line)
				*bad_line = line;
			continue;
		}
		ks = s;
		ke = eq;
		while (ke > ks && is_space(ke[-1]))
			ke--;
		vs = eq + 1;
		ve = e;
		while (vs < ve && is_space(*vs))
			vs++;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		r = config_setn(c, ks, (size_t)(ke - ks), vs, (size_t)(ve - vs), line);
		if (r == -ERR_LIMIT)
			return r;
		if (r && bad_line && !*bad_line)
			*bad_line = line;
	}
	return 0;
}

int config_load_file(struct config *c, const char *path, int *bad_line)
{
	char *buf;
	size_t len = 0;
	int fd, r = 0;

	if (bad_line)
		*bad_line = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(CONFIG_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got = read(fd, buf + len, CONFIG_CONFIG_MAX_BYTES + 1 - len);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > CONFIG_CONFIG_MAX_BYTES) {
			r = -ERR_TOO_LARGE;
			break;
		}
	}
	close(fd);
	if (!r)
		r = config_parse(c, buf, len, bad_line);
	free(buf);
	return r;
}

int config_merge(struct config *dst, const struct config *src)
{
	for (int i = 0; i < src->n; i++) {
		const char *k = src->store + src->ent[i].key, *v = src->store + src->ent[i].val;
		int r = config_setn(dst, k, strlen(k), v, strlen(v), src->ent[i].line);

		if (r)
			return r;
	}
	return 0;
}

/* Keys the daemon reads itself (besides the log_level.<module> and iptv.list.<n> families). */
static const char *const config_known[] = {
	"listen",
	"port",
	"providers_dir",
	"allowed_roots",
	"data_dir",
	"log_level",
	"syslog",
	"auth_token",
	"auth_exempt_loopback",
	"tls_verify",
	"ca_file",
	"provider.cache_ttl",
	"provider_timeout_ms",
	"progress_interval_s",
	"test_hooks",
};

static int config_has_prefix(const char *key, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(key, prefix, n) == 0 && key[n] != '\0';
}

int config_key_known(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_known); i++)
		if (strcmp(key, config_known[i]) == 0)
			return 1;
	/* module names are checked when the levels are applied; IPTV reads every list key */
	return config_has_prefix(key, "log_level.") || config_has_prefix(key, "iptv.list.");
}

int config_each_unknown(const struct config *c, int (*known)(const char *key),
			void (*fn)(void *ctx, const char *key, int line), void *ctx)
{
	int n = 0;

	for (int i = 0; c && i < c->n; i++) {
		const char *k = c->store + c->ent[i].key;

		if (known(k))
			continue;
		n++;
		if (fn)
			fn(ctx, k, c->ent[i].line);
	}
	return n;
}

/* Options that take a value and the key they set. */
static const struct {
	const char *opt;
	const char *key;
} config_opts[] = {
	{"--listen", "listen"},
	{"--port", "port"},
	{"--providers-dir", "providers_dir"},
	{"--allowed-roots", "allowed_roots"},
	{"--log-level", "log_level"},
	{"--auth-token", "auth_token"},
	{"--data-dir", "data_dir"},
};

int config_arg_count(const char *a)
{
	const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
	size_t olen = eq ? (size_t)(eq - a) : strlen(a);

	if (strcmp(a, "--syslog") == 0)
		return 1;
	if ((olen == 8 && strncmp(a, "--config", olen) == 0) ||
	    (olen == 5 && strncmp(a, "--set", olen) == 0))
		return eq ? 1 : 2;
	for (size_t k = 0; k < ARRAY_SIZE(config_opts); k++)
		if (strlen(config_opts[k].opt) == olen && strncmp(a, config_opts[k].opt, olen) == 0)
			return eq ? 1 : 2;
	return 0;
}

int config_parse_args(struct config *ov, int argc, char **argv, const char **config_file, char *err,
		      size_t cap)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		size_t olen;
		int r = -ERR_BAD_REQUEST, found = 0;

		if (strcmp(a, "--syslog") == 0) {
			if (config_set(ov, "syslog", "1"))
				goto limit;
			continue;
		}
		eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		olen = eq ? (size_t)(eq - a) : strlen(a);
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[i + 1];
		}
		if (!val) {
			snprintf(err, cap, "option %s needs a value (see --help)", a);
			return -ERR_BAD_REQUEST;
		}
		if (olen == 8 && strncmp(a, "--config", olen) == 0) {
			*config_file = val;
			found = 1;
			r = 0;
		} else if (olen == 5 && strncmp(a, "--set", olen) == 0) {
			const char *e = strchr(val, '=');

			found = 1;
			if (!e) {
				snprintf(err, cap, "--set needs key=value, got '%s'", val);
				return -ERR_BAD_REQUEST;
			}
			r = config_setn(ov, val, (size_t)(e - val), e + 1, strlen(e + 1), 0);
		} else {
			for (size_t k = 0; k < ARRAY_SIZE(config_opts); k++) {
				if (strlen(config_opts[k].opt) == olen &&
				    strncmp(a, config_opts[k].opt, olen) == 0) {
					found = 1;
					r = config_set(ov, config_opts[k].key, val);
					break;
				}
			}
		}
		if (!found) {
			snprintf(err, cap, "unknown option '%s' (see --help)", a);
			return -ERR_BAD_REQUEST;
		}
		if (r == -ERR_LIMIT)
			goto limit;
		if (r) {
			snprintf(err, cap, "bad value for %.*s", (int)olen, a);
			return r;
		}
		if (!eq)
			i++;
	}
	return 0;
limit:
	snprintf(err, cap, "too many options for the configuration's capacity");
	return -ERR_LIMIT;
}
