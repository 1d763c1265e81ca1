/* m3u8 parser: master playlists (variants, renditions, session keys). */
#include <string.h>

#include "core/base/err.h"
#include "core/hls/m3u8_int.h"

static int parse_resolution(struct m3u8_str v, int *w, int *h)
{
	uint64_t a, b;

	for (uint32_t i = 0; i < v.n; i++) {
		if (v.p[i] == 'x' || v.p[i] == 'X') {
			struct m3u8_str x = {v.p, i}, y = {v.p + i + 1, v.n - i - 1};

			if (m3u8_parse_u64(x, &a) || m3u8_parse_u64(y, &b) || a > 65535 ||
			    b > 65535)
				return -ERR_PARSE;
			*w = (int)a;
			*h = (int)b;
			return 0;
		}
	}
	return -ERR_PARSE;
}

static int parse_stream_inf(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_variant *var)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc, have_bw = 0;
	int64_t fr;

	memset(var, 0, sizeof(*var));
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "BANDWIDTH")) {
			if (m3u8_parse_u64(av, &var->bandwidth))
				return m3u8_fail(s, -ERR_PARSE, "bad BANDWIDTH");
			have_bw = 1;
		} else if (m3u8_str_eq(an, "AVERAGE-BANDWIDTH")) {
			if (m3u8_parse_u64(av, &var->avg_bandwidth))
				return m3u8_fail(s, -ERR_PARSE, "bad AVERAGE-BANDWIDTH");
		} else if (m3u8_str_eq(an, "RESOLUTION")) {
			if (parse_resolution(av, &var->width, &var->height))
				return m3u8_fail(s, -ERR_PARSE, "bad RESOLUTION");
		} else if (m3u8_str_eq(an, "FRAME-RATE")) {
			if (m3u8_parse_milli(av, &fr) || fr < 0 || fr > 1000000)
				return m3u8_fail(s, -ERR_PARSE, "bad FRAME-RATE");
			var->frame_rate_milli = (uint32_t)fr;
		} else if (m3u8_str_eq(an, "CODECS")) {
			var->codecs = av;
		} else if (m3u8_str_eq(an, "AUDIO")) {
			var->audio = av;
		}
	}
	if (rc < 0)
		return m3u8_fail(s, rc, "malformed EXT-X-STREAM-INF attributes");
	if (!have_bw)
		return m3u8_fail(s, -ERR_PARSE, "EXT-X-STREAM-INF without BANDWIDTH");
	return 0;
}

static int parse_media_tag(struct m3u8_scan *s, struct m3u8_str v, struct m3u8_rendition *r)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "TYPE")) {
			r->type = m3u8_str_eq(av, "AUDIO")	       ? M3U8_MT_AUDIO
				  : m3u8_str_eq(av, "VIDEO")	       ? M3U8_MT_VIDEO
				  : m3u8_str_eq(av, "SUBTITLES")       ? M3U8_MT_SUBTITLES
				  : m3u8_str_eq(av, "CLOSED-CAPTIONS") ? M3U8_MT_CC
								       : M3U8_MT_OTHER;
		} else if (m3u8_str_eq(an, "GROUP-ID")) {
			r->group_id = av;
		} else if (m3u8_str_eq(an, "NAME")) {
			r->name = av;
		} else if (m3u8_str_eq(an, "LANGUAGE")) {
			r->language = av;
		} else if (m3u8_str_eq(an, "URI")) {
			r->uri = av;
		} else if (m3u8_str_eq(an, "DEFAULT")) {
			r->is_default = m3u8_str_eq(av, "YES");
		} else if (m3u8_str_eq(an, "AUTOSELECT")) {
			r->autoselect = m3u8_str_eq(av, "YES");
		}
	}
	if (rc < 0)
		return m3u8_fail(s, rc, "malformed EXT-X-MEDIA attributes");
	return 0;
}

int m3u8_parse_master(const uint8_t *p, size_t n, struct m3u8_master *m, char *err, size_t cap)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v;
	struct m3u8_variant pending;
	int have_pending = 0, rc;

	memset(m, 0, sizeof(*m));
	rc = m3u8_scan_playlist(&s, p, n, err, cap);
	if (rc < 0)
		return rc;
	while ((rc = m3u8_scan_line(&s, &l)) > 0) {
		if (l.p[0] != '#') {
			if (!have_pending)
				continue; /* a URI without EXT-X-STREAM-INF: ignored */
			if (m->n_variants >= CONFIG_HLS_MAX_VARIANTS)
				return m3u8_fail(&s, -ERR_LIMIT,
						 "more than %d variants (CONFIG_HLS_MAX_VARIANTS)",
						 CONFIG_HLS_MAX_VARIANTS);
			pending.uri.p = l.p;
			pending.uri.n = (uint32_t)l.n;
			m->variant[m->n_variants++] = pending;
			have_pending = 0;
		} else if (m3u8_tag_is(&l, "#EXT-X-STREAM-INF", &v)) {
			if ((rc = parse_stream_inf(&s, v, &pending)) < 0)
				return rc;
			have_pending = 1;
		} else if (m3u8_tag_is(&l, "#EXT-X-MEDIA", &v)) {
			if (m->n_media >= CONFIG_HLS_MAX_MEDIA)
				return m3u8_fail(&s, -ERR_LIMIT,
						 "more than %d renditions (CONFIG_HLS_MAX_MEDIA)",
						 CONFIG_HLS_MAX_MEDIA);
			if ((rc = parse_media_tag(&s, v, &m->media[m->n_media])) < 0)
				return rc;
			m->n_media++;
		} else if (m3u8_tag_is(&l, "#EXT-X-SESSION-KEY", &v)) {
			struct m3u8_key k;

			if ((rc = m3u8_parse_key_attrs(&s, v, &k)) < 0)
				return rc;
			if (k.drm)
				m->drm_session_key = 1;
		} else if (m3u8_tag_is(&l, "#EXTINF", &v)) {
			return m3u8_fail(&s, -ERR_PARSE, "media segment in a master playlist");
		}
	}
	if (rc < 0)
		return rc;
	if (have_pending)
		return m3u8_fail(&s, -ERR_PARSE, "EXT-X-STREAM-INF without URI");
	if (m->n_variants == 0)
		return m3u8_fail(&s, -ERR_PARSE, "master playlist without variants");
	return 0;
}
