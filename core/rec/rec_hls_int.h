/*
 * HLS recorder, private to core/rec/rec_hls*.c: the recorder state and what its parts call
 * of each other. rec_hls.c runs the loop (start, refresh on 401/403, the main loop),
 * rec_hls_playlist.c loads playlists and paces the live reloads, rec_hls_seg.c queues
 * segments to the fetchers and writes them (keys, fMP4 init sections, decryption).
 */
#ifndef SS_REC_HLS_INT_H
#define SS_REC_HLS_INT_H

#include "core/hls/m3u8.h"
#include "core/rec/rec_ctx.h"
#include "core/rec/rec_fetch.h"
#include "core/rec/rec_out.h"

#define CHUNK 16384
#define NDESC CONFIG_HLS_PREFETCH

/* What the consumer needs of a submitted segment (the playlist buffer may be reloaded). */
struct hls_desc {
	uint64_t seq;
	bool used;
	unsigned flags; /* TS_SEG_* */
	uint32_t dur_ms;
	bool enc; /* AES-128 */
	bool has_iv;
	uint8_t iv[16];
	char url[HTTP_URL_MAX];
	char key_url[HTTP_URL_MAX];
	bool has_map;
	int64_t map_off, map_len;
	char map_url[HTTP_URL_MAX];
};

struct hls_key {
	char url[HTTP_URL_MAX];
	uint8_t key[16];
	bool valid;
};

struct hls {
	struct rec_ctx *c;
	struct rec_out out;
	struct rec_fetch *fetch;
	/* playlists */
	uint8_t *buf; /* playlist bytes; the parsed views point here */
	size_t cap, len;
	struct m3u8_media *pl;
	struct m3u8_master *master;
	char master_url[HTTP_URL_MAX];
	char media_url[HTTP_URL_MAX]; /* final URL of the media playlist (base for URIs) */
	bool have_master;
	/* pinned variant */
	int var_w, var_h;
	uint64_t var_bw;
	char var_codecs[128];
	/* timeline */
	bool live;
	uint64_t next_submit, next_consume;
	bool pending_disc;  /* next consumed segment starts after a gap */
	int64_t t_last_req; /* ms when the last playlist request began */
	int64_t next_reload;
	uint32_t pl_hash;
	int fail_pl;	      /* consecutive failed playlist loads */
	int fail_seg;	      /* consecutive failed segments */
	int64_t last_advance; /* ms when the live playlist last gained a segment */
	uint64_t seen_end;    /* highest one-past-last sequence seen */
	bool refreshed;	      /* a refresh happened and no segment completed since */
	bool need_refresh;    /* a reload got 401/403: refresh after the current segment */
	int64_t consumed;     /* bytes of the current segment already fed */
	bool seg_open;	      /* the remuxer has the current segment open */
	/* fMP4 init section in use */
	bool fmp4;
	char map_url[HTTP_URL_MAX];
	int64_t map_off, map_len;
	bool map_loaded;
	struct hls_desc desc[NDESC];
	int key_next;
	struct hls_key keys[CONFIG_HLS_KEY_CACHE];
	uint8_t dec[CHUNK + 32];
};

/* ---- playlists and reload pacing (rec_hls_playlist.c) ------------------------------- */

uint32_t hls_fnv1a(const uint8_t *p, size_t n);
/* Target duration in ms (at least 1 s). */
int hls_target_ms(const struct hls *s);
/* Resolves a playlist view against base into out (HTTP_URL_MAX). */
int hls_resolve(struct hls *s, const char *base, struct m3u8_str ref, char *out);
/* GETs a playlist into s->buf; final URL to final (HTTP_URL_MAX) unless NULL. */
int hls_fetch_playlist(struct hls *s, const char *url, char *final);
/* Parses s->buf into s->pl; rec_fail() on a malformed or DRM playlist. */
int hls_parse_media(struct hls *s);
/* Picks (or after a refresh re-picks) the variant of the master in s->buf. */
int hls_choose_variant(struct hls *s, bool repick);
/* Loads the current stream URL (master or media playlist) and, for a master, the variant. */
int hls_load_from_top(struct hls *s, bool repick);
/* One past the last media sequence of the playlist. */
uint64_t hls_last_seq(const struct hls *s);
/* First segment of a live recording. */
uint64_t hls_live_start(const struct hls *s);
/* How long a segment may go without data. */
int hls_stall_ms(const struct hls *s);
/* Sets the next live reload time; changed: the last reload changed the playlist. */
void hls_schedule_reload(struct hls *s, bool changed);
/* Notes segments that left the window before we could fetch them, resyncs on a restart. */
void hls_check_expired(struct hls *s);
/* Live reload when due. 0, or an error after too many failures in a row. */
int hls_reload(struct hls *s);

/* ---- segments (rec_hls_seg.c) ------------------------------------------------------- */

/* Fills the descriptor of segment seq from the current playlist and its fetch job (skip 0). */
int hls_describe_job(struct hls *s, uint64_t seq, struct hls_desc *d, struct rec_fetch_job *job);
/* Queues segments while a fetcher is free and the playlist has them. */
int hls_submit_more(struct hls *s);
/* Writes segment next_consume: 0 (written or skipped), -ERR_FORBIDDEN (refresh) or fatal. */
int hls_consume(struct hls *s);

#endif
