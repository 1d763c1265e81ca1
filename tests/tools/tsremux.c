/*
 * Test and benchmark driver for core/ts: feeds files through the remuxer as HLS segments.
 *   tsremux [-o DIR | -n] [-c CHUNK] [-r SEED] [-q] [-f] [-i INIT.mp4] [-d] SEG [[-d] SEG]...
 * -o DIR writes DIR/stream_<N>.ts per section (default .), -n writes nothing (benchmark),
 * -c feeds CHUNK bytes per call (default 65536; 0 = random 1..4096 with -r SEED),
 * -d marks the next segment as following an EXT-X-DISCONTINUITY, -i gives the fMP4 init for
 * the next segments (they are fed as fMP4), -f feeds the next segments as fMP4 without an init
 * (a moov inside them). One JSON line per segment on stdout; exit 0, or
 * 2 with the error id when the remuxer fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/ts/remux.h"

struct sink {
	const char *dir;
	bool null;
	int fd;
	int sections;
};

static int sink_write(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;

	if (n % TS_PKT)
		return -EINVAL;
	if (s->null)
		return 0;
	while (n) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sink_section(void *ctx, const struct ts_section_info *info)
{
	struct sink *s = ctx;
	char path[4096];

	s->sections++;
	if (s->null)
		return 0;
	if (s->fd >= 0)
		close(s->fd);
	snprintf(path, sizeof(path), "%s/stream_%d.ts", s->dir, info->index);
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (s->fd < 0)
		return -errno;
	printf("{\"section\": %d, \"vcodec\": \"%s\", \"width\": %d, \"height\": %d, "
	       "\"n_audio\": %d}\n",
	       info->index, ts_codec_name(info->vcodec), info->width, info->height, info->n_audio);
	return 0;
}

static const struct ts_sink_ops ops = {sink_write, sink_section};

/* The remuxer is large (fixed buffers); keep it off the stack. */
static struct ts_remux remux;
static uint8_t buf[1 << 16];

static int read_all(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc(len > 0 ? (size_t)len : 1);
	if (!*out || fread(*out, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*n = (size_t)len;
	return 0;
}

int main(int argc, char **argv)
{
	struct sink s = {".", false, -1, 0};
	size_t chunk = sizeof(buf);
	unsigned seed = 1;
	bool disc = false, fmp4 = false, quiet = false;
	int rc = 0;

	ts_remux_init(&remux, &ops, &s);
	for (int i = 1; i < argc && rc >= 0; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") && i + 1 < argc) {
			s.dir = argv[++i];
		} else if (!strcmp(a, "-n")) {
			s.null = true;
		} else if (!strcmp(a, "-q")) {
			quiet = true;
		} else if (!strcmp(a, "-c") && i + 1 < argc) {
			chunk = (size_t)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-r") && i + 1 < argc) {
			seed = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-d")) {
			disc = true;
		} else if (!strcmp(a, "-f")) {
			fmp4 = true;
		} else if (!strcmp(a, "-i") && i + 1 < argc) {
			uint8_t *ini = NULL;
			size_t n = 0;

			rc = read_all(argv[++i], &ini, &n);
			if (rc == 0)
				rc = ts_remux_fmp4_init(&remux, ini, n);
			free(ini);
			fmp4 = true;
		} else {
			FILE *f = fopen(a, "rb");
			struct ts_segment_info si;
			size_t n = 0;

			if (!f) {
				fprintf(stderr, "%s: %s\n", a, strerror(errno));
				return 1;
			}
			rc = ts_remux_segment_begin(&remux, (disc ? TS_SEG_DISCONTINUITY : 0) |
								    (fmp4 ? TS_SEG_FMP4 : 0));
			disc = false;
			while (rc >= 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
				for (size_t o = 0; o < n && rc >= 0;) {
					size_t c =
						chunk ? chunk : 1 + (size_t)(rand_r(&seed) % 4096);

					c = c > n - o ? n - o : c;
					rc = ts_remux_feed(&remux, buf + o, c);
					o += c;
				}
			}
			fclose(f);
			if (rc >= 0)
				rc = ts_remux_segment_end(&remux, &si);
			if (rc >= 0 && !quiet)
				printf("{\"segment\": \"%s\", \"section\": %d, \"new_section\": "
				       "%s, "
				       "\"rebased\": %s, \"keyframe\": %s, \"vcodec\": \"%s\", "
				       "\"width\": %d, \"height\": %d, \"acodec\": \"%s\", "
				       "\"audio_rate\": %d, \"audio_channels\": %d, \"duration\": "
				       "%lld, "
				       "\"bytes_in\": %llu, \"bytes_out\": %llu, \"skipped\": "
				       "%llu}\n",
				       a, si.section, si.new_section ? "true" : "false",
				       si.rebased ? "true" : "false",
				       si.keyframe ? "true" : "false", ts_codec_name(si.vcodec),
				       si.width, si.height, ts_codec_name(si.acodec), si.audio_rate,
				       si.audio_channels, (long long)si.duration,
				       (unsigned long long)si.bytes_in,
				       (unsigned long long)si.bytes_out,
				       (unsigned long long)si.skipped);
		}
	}
	if (rc >= 0)
		rc = ts_remux_finish(&remux);
	if (s.fd >= 0)
		close(s.fd);
	if (rc < 0) {
		printf("{\"error\": \"%s\", \"message\": \"%s\"}\n", err_id(rc), err_str(rc));
		return 2;
	}
	return 0;
}
