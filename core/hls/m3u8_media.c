/* m3u8 parser: media playlists (segments, keys, init sections, date ranges). */
#include <stddef.h>
#include <string.h>

#include "core/base/err.h"
#include "core/hls/m3u8_int.h"

static bool key_same(const struct m3u8_key *a, const struct m3u8_key *b)
{
	return a->method == b->method && a->has_iv == b->has_iv &&
	       (!a->has_iv || memcmp(a->iv, b->iv, 16) == 0) && a->uri.n == b->uri.n &&
	       (a->uri.n == 0 || memcmp(a->uri.p, b->uri.p, a->uri.n) == 0) &&
	       a->keyformat.n == b->keyformat.n &&
	       (a->keyformat.n == 0 || memcmp(a->keyformat.p, b->keyformat.p, a->keyformat.n) == 0);
}

/* Index of k in the table (added when new), or a negative error. */
static int key_intern(struct m3u8_scan *s, struct m3u8_media *m, const struct m3u8_key *k)
{
	for (int i = 0; i < m->n_keys; i++)
		if (key_same(&m->keys[i], k))
			return i;
	if (m->n_keys >= CONFIG_HLS_MAX_KEYS)
		return m3u8_fail(s, -ERR_LIMIT, "more than %d keys (CONFIG_HLS_MAX_KEYS)",
				 CONFIG_HLS_MAX_KEYS);
	m->keys[m->n_keys] = *k;
	return m->n_keys++;
}

static int parse_map(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_str an, av;
	struct m3u8_map mp = {{NULL, 0}, 0, -1};
	bool q;
	size_t pos = 0;
	int rc;

	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "URI")) {
			mp.uri = av;
		} else if (m3u8_str_eq(an, "BYTERANGE")) {
			if (m3u8_parse_byterange(av, &mp.len, &mp.off))
				return m3u8_fail(s, -ERR_PARSE, "bad EXT-X-MAP BYTERANGE");
			if (mp.off < 0)
				mp.off = 0;
		}
	}
	if (rc < 0 || !mp.uri.n)
		return m3u8_fail(s, -ERR_PARSE, "malformed EXT-X-MAP");
	for (int i = 0; i < m->n_maps; i++) {
		const struct m3u8_map *o = &m->maps[i];

		if (o->uri.n == mp.uri.n && memcmp(o->uri.p, mp.uri.p, mp.uri.n) == 0 &&
		    o->off == mp.off && o->len == mp.len)
			return i;
	}
	if (m->n_maps >= CONFIG_HLS_MAX_MAPS)
		return m3u8_fail(s, -ERR_LIMIT, "more than %d init sections (CONFIG_HLS_MAX_MAPS)",
				 CONFIG_HLS_MAX_MAPS);
	m->maps[m->n_maps] = mp;
	return m->n_maps++;
}

static int parse_daterange(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_daterange d;
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;
	int64_t x;

	memset(&d, 0, sizeof(d));
	d.duration_ms = -1;
	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "ID"))
			d.id = av;
		else if (m3u8_str_eq(an, "CLASS"))
			d.klass = av;
		else if (m3u8_str_eq(an, "START-DATE"))
			d.start_date = av;
		else if ((m3u8_str_eq(an, "DURATION") || m3u8_str_eq(an, "PLANNED-DURATION")) &&
			 !m3u8_parse_milli(av, &x) && x >= 0)
			d.duration_ms = x;
		else if (m3u8_str_eq(an, "SCTE35-OUT"))
			d.scte35_out = true;
		else if (m3u8_str_eq(an, "SCTE35-IN"))
			d.scte35_in = true;
	}
	if (rc < 0 || !d.id.n)
		return m3u8_fail(s, -ERR_PARSE, "malformed EXT-X-DATERANGE");
	if (m->n_dateranges >= CONFIG_HLS_MAX_DATERANGES)
		return m3u8_fail(s, -ERR_LIMIT,
				 "more than %d date ranges (CONFIG_HLS_MAX_DATERANGES)",
				 CONFIG_HLS_MAX_DATERANGES);
	m->dateranges[m->n_dateranges++] = d;
	return 0;
}

static int parse_start(struct m3u8_scan *s, struct m3u8_media *m, struct m3u8_str v)
{
	struct m3u8_str an, av;
	bool q;
	size_t pos = 0;
	int rc;

	while ((rc = m3u8_attr_next(v.p, v.n, &pos, &an, &av, &q)) > 0) {
		if (m3u8_str_eq(an, "TIME-OFFSET")) {
			if (m3u8_parse_milli(av, &m->start_offset_ms))
				return m3u8_fail(s, -ERR_PARSE, "bad EXT-X-START TIME-OFFSET");
			m->has_start = true;
		} else if (m3u8_str_eq(an, "PRECISE")) {
			m->start_precise = m3u8_str_eq(av, "YES");
		}
	}
	if (rc < 0 || !m->has_start)
		return m3u8_fail(s, -ERR_PARSE, "malformed EXT-X-START");
	return 0;
}

/*
 * Ends the segment cur at its URI line l: checks the cap, resolves a BYTERANGE without
 * offset against the previous range of the same URI (*prev_uri ending at *next_off).
 */
static int add_segment(struct m3u8_scan *s, struct m3u8_media *m, const struct m3u8_line *l,
		       struct m3u8_segment *cur, struct m3u8_str *prev_uri, int64_t *next_off)
{
	if (m->n_segments >= CONFIG_HLS_MAX_SEGMENTS)
		return m3u8_fail(s, -ERR_LIMIT, "more than %d segments (CONFIG_HLS_MAX_SEGMENTS)",
				 CONFIG_HLS_MAX_SEGMENTS);
	cur->uri.p = l->p;
	cur->uri.n = (uint32_t)l->n;
	if (cur->flags & M3U8_SEG_BYTERANGE) {
		if (cur->off < 0) {
			/* No offset: continues the previous range of the same URI. */
			if (!prev_uri->p || prev_uri->n != cur->uri.n ||
			    memcmp(prev_uri->p, cur->uri.p, cur->uri.n) != 0)
				return m3u8_fail(s, -ERR_PARSE,
						 "BYTERANGE without offset after another URI");
			cur->off = *next_off;
		}
		*next_off = cur->off + cur->len;
	}
	*prev_uri = cur->uri;
	m->seg[m->n_segments++] = *cur;
	return 0;
}

/*
 * The tags that describe the next segment only (EXTINF, BYTERANGE, DISCONTINUITY,
 * PROGRAM-DATE-TIME, CUE-OUT/IN, GAP) into cur; *have_inf is set by EXTINF.
 * 1 when l was one of them, 0 when not, or an error.
 */
static int segment_tag(struct m3u8_scan *s, const struct m3u8_line *l, struct m3u8_segment *cur,
		       int *have_inf)
{
	struct m3u8_str v;
	int64_t x;

	if (m3u8_tag_is(l, "#EXTINF", &v)) {
		struct m3u8_str d = v;

		for (uint32_t i = 0; i < v.n; i++) {
			if (v.p[i] == ',') {
				d.n = i;
				break;
			}
		}
		if (m3u8_parse_milli(d, &x) || x < 0 || x > 86400000)
			return m3u8_fail(s, -ERR_PARSE, "bad EXTINF duration");
		cur->duration_ms = (uint32_t)x;
		*have_inf = 1;
	} else if (m3u8_tag_is(l, "#EXT-X-BYTERANGE", &v)) {
		if (m3u8_parse_byterange(v, &cur->len, &cur->off))
			return m3u8_fail(s, -ERR_PARSE, "bad EXT-X-BYTERANGE");
		cur->flags |= M3U8_SEG_BYTERANGE;
	} else if (m3u8_tag_is(l, "#EXT-X-DISCONTINUITY", &v)) {
		cur->flags |= M3U8_SEG_DISCONTINUITY;
	} else if (m3u8_tag_is(l, "#EXT-X-PROGRAM-DATE-TIME", &v)) {
		if (m3u8_parse_datetime(v, &cur->pdt_ms))
			cur->pdt_ms = 0; /* informational only: a bad date is not fatal */
	} else if (m3u8_tag_is(l, "#EXT-X-CUE-OUT", &v)) {
		cur->flags |= M3U8_SEG_CUE_OUT;
	} else if (m3u8_tag_is(l, "#EXT-X-CUE-IN", &v)) {
		cur->flags |= M3U8_SEG_CUE_IN;
	} else if (m3u8_tag_is(l, "#EXT-X-GAP", &v)) {
		cur->flags |= M3U8_SEG_GAP;
	} else {
		return 0;
	}
	return 1;
}

int m3u8_parse_media(const uint8_t *p, size_t n, struct m3u8_media *m, char *err, size_t cap)
{
	struct m3u8_scan s;
	struct m3u8_line l;
	struct m3u8_str v, prev_uri = {NULL, 0};
	struct m3u8_segment cur;
	int have_inf = 0, have_target = 0, key_group = 0, rc;
	int cur_key = -1, cur_map = -1;
	int64_t next_off = 0;
	uint64_t u;

	/* The segment table is large: clear only the header, segments are written in full. */
	memset(m, 0, offsetof(struct m3u8_media, seg));
	memset(&cur, 0, sizeof(cur));
	cur.key = cur.map = -1;
	rc = m3u8_scan_playlist(&s, p, n, err, cap);
	if (rc < 0)
		return rc;
	while ((rc = m3u8_scan_line(&s, &l)) > 0) {
		if (l.p[0] != '#') {
			if (!have_inf)
				return m3u8_fail(&s, -ERR_PARSE, "segment URI without EXTINF");
			cur.key = (int16_t)cur_key;
			cur.map = (int16_t)cur_map;
			if ((rc = add_segment(&s, m, &l, &cur, &prev_uri, &next_off)) < 0)
				return rc;
			memset(&cur, 0, sizeof(cur));
			have_inf = 0;
			key_group = 0;
			continue;
		}
		if ((rc = segment_tag(&s, &l, &cur, &have_inf)) < 0)
			return rc;
		if (rc > 0)
			continue;
		if (m3u8_tag_is(&l, "#EXT-X-TARGETDURATION", &v)) {
			if (m3u8_parse_u64(v, &u) || u > 86400)
				return m3u8_fail(&s, -ERR_PARSE, "bad EXT-X-TARGETDURATION");
			m->target_duration_s = (uint32_t)u;
			have_target = 1;
		} else if (m3u8_tag_is(&l, "#EXT-X-MEDIA-SEQUENCE", &v)) {
			if (m3u8_parse_u64(v, &m->media_sequence) ||
			    m->media_sequence > (UINT64_MAX >> 2))
				return m3u8_fail(&s, -ERR_PARSE, "bad EXT-X-MEDIA-SEQUENCE");
		} else if (m3u8_tag_is(&l, "#EXT-X-DISCONTINUITY-SEQUENCE", &v)) {
			if (m3u8_parse_u64(v, &m->disc_sequence))
				return m3u8_fail(&s, -ERR_PARSE,
						 "bad EXT-X-DISCONTINUITY-SEQUENCE");
		} else if (m3u8_tag_is(&l, "#EXT-X-VERSION", &v)) {
			if (m3u8_parse_u64(v, &u) || u > 100)
				return m3u8_fail(&s, -ERR_PARSE, "bad EXT-X-VERSION");
			m->version = (int)u;
		} else if (m3u8_tag_is(&l, "#EXT-X-KEY", &v)) {
			struct m3u8_key k;

			if ((rc = m3u8_parse_key_attrs(&s, v, &k)) < 0)
				return rc;
			/*
			 * Several KEY tags in a row (before one segment) are alternatives for
			 * different key systems: keep a decryptable one when there is one.
			 */
			if (key_group && cur_key >= 0 && !m->keys[cur_key].drm && k.drm)
				continue;
			if (k.method == M3U8_KEY_NONE) {
				cur_key = -1;
			} else {
				if ((rc = key_intern(&s, m, &k)) < 0)
					return rc;
				cur_key = rc;
			}
			key_group = 1;
		} else if (m3u8_tag_is(&l, "#EXT-X-MAP", &v)) {
			if ((rc = parse_map(&s, m, v)) < 0)
				return rc;
			cur_map = rc;
		} else if (m3u8_tag_is(&l, "#EXT-X-ENDLIST", &v)) {
			m->endlist = true;
		} else if (m3u8_tag_is(&l, "#EXT-X-PLAYLIST-TYPE", &v)) {
			if (m3u8_str_eq(v, "VOD"))
				m->playlist_type = M3U8_PT_VOD;
			else if (m3u8_str_eq(v, "EVENT"))
				m->playlist_type = M3U8_PT_EVENT;
			else
				return m3u8_fail(&s, -ERR_PARSE, "bad EXT-X-PLAYLIST-TYPE");
		} else if (m3u8_tag_is(&l, "#EXT-X-DATERANGE", &v)) {
			if ((rc = parse_daterange(&s, m, v)) < 0)
				return rc;
		} else if (m3u8_tag_is(&l, "#EXT-X-START", &v)) {
			if ((rc = parse_start(&s, m, v)) < 0)
				return rc;
		} else if (m3u8_tag_is(&l, "#EXT-X-STREAM-INF", &v)) {
			return m3u8_fail(&s, -ERR_PARSE, "variant in a media playlist");
		}
	}
	if (rc < 0)
		return rc;
	if (!have_target)
		return m3u8_fail(&s, -ERR_PARSE, "media playlist without EXT-X-TARGETDURATION");
	for (int i = 0; i < m->n_keys; i++)
		if (m->keys[i].drm)
			m->has_drm = true;
	return 0;
}

int64_t m3u8_duration_ms(const struct m3u8_media *m)
{
	int64_t t = 0;

	for (int i = 0; i < m->n_segments; i++)
		t += m->seg[i].duration_ms;
	return t;
}
