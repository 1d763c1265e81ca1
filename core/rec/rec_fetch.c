/* Segment prefetcher: fetcher threads, ring buffers with backpressure, retries, abort pipe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/err.h"
#include "core/base/log.h"
#include "core/rec/rec_fetch.h"
#include "core/rec/rec_util.h"
#include "hal/storage.h"

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE, SLOT_FAILED };

struct slot {
	struct rec_fetch *f;
	pthread_t thread;
	bool started;
	struct http_session *http;
	enum slot_state state;
	struct rec_fetch_job job;
	int rc;		   /* final result when DONE/FAILED */
	int64_t delivered; /* body bytes of the job handed to the ring (after skip) */
	int64_t received;  /* body bytes received in the current attempt */
	int64_t last_byte_ms;
	bool abandon; /* the reader gave the job up: stop at once */
	bool checked; /* the segment's first bytes look like media (hidden from the reader until) */
	const struct http_response *rs; /* of the current attempt (its head is known in on_body) */
	uint8_t *ring;
	size_t head, len; /* unread bytes: ring[head .. head+len) modulo cap */
};

struct rec_fetch {
	pthread_mutex_t mu; /* protects everything below and every slot's fields */
	pthread_cond_t cv;  /* any slot changed state or ring fill */
	bool quit;
	bool aborting; /* reset in progress: fetchers must drop their jobs */
	uint64_t window_first;
	int abort_rd, abort_wr; /* readable while aborting: the sessions' cancel fd */
	int nslots;
	size_t cap;
	struct slot slot[CONFIG_HLS_PREFETCH];
};

static void deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/*
 * Where the HTTP client reads the next body bytes: straight into the ring's free space
 * (on_body then only commits them), or, while a retry is still skipping bytes the reader
 * already has, into the session's own buffer (*cap 0). Waits while the ring is full.
 */
static int on_buf(void *ctx, uint8_t **p, size_t *cap)
{
	struct slot *s = ctx;
	struct rec_fetch *f = s->f;
	int rc = 0;

	*cap = 0;
	pthread_mutex_lock(&f->mu);
	if (s->received >= s->job.skip + s->delivered) {
		while (s->len == f->cap && !f->aborting && !f->quit && !s->abandon)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->aborting || f->quit || s->abandon) {
			rc = -ERR_CANCELLED;
		} else {
			size_t tail = (s->head + s->len) % f->cap;

			*p = s->ring + tail;
			*cap = MIN(f->cap - s->len, f->cap - tail);
		}
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/*
 * While unchecked, the segment's first bytes wait in the ring (at its start: the reader sees
 * nothing yet) until rec_seg_sniff() decides. Not media: they are dropped and the attempt
 * fails like a broken download (retried, then logged by the recorder). Called locked.
 */
static int check_start(struct slot *s, bool final)
{
	struct rec_fetch *f = s->f;
	int r = rec_seg_sniff(s->ring, s->len, final || s->len >= MIN(f->cap, REC_SNIFF_MAX));

	if (r > 0) {
		s->checked = true;
		pthread_cond_broadcast(&f->cv);
	} else if (r < 0) {
		LOG_INFO(LOG_HLS, "segment %llu: %zu bytes that are neither TS nor MP4 nor audio",
			 (unsigned long long)s->job.seq, s->len);
		s->head = s->len = 0;
		s->delivered = 0;
		return r;
	}
	return 0;
}

/* Body bytes of one attempt: drop what was delivered before, then fill the ring. */
static int on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct slot *s = ctx;
	struct rec_fetch *f = s->f;
	int64_t already = s->job.skip + s->delivered;
	int rc = 0;

	pthread_mutex_lock(&f->mu);
	s->last_byte_ms = mono_ms();
	/* A retry without Range starts at byte 0 again: skip what the reader already has. */
	if (s->received < already) {
		size_t k = (size_t)MIN((int64_t)n, already - s->received);

		s->received += (int64_t)k;
		p += k;
		n -= k;
	}
	if (s->job.len >= 0 && s->received + (int64_t)n > s->job.len) {
		pthread_mutex_unlock(&f->mu);
		return -ERR_PROTOCOL; /* more than the byte range: the server ignored Range */
	}
	if (n && s->received == 0 && strcmp(s->rs->content_type, "text/html") == 0) {
		pthread_mutex_unlock(&f->mu);
		return -ERR_PROTOCOL; /* an error page with status 200 */
	}
	while (n) {
		size_t room, tail, k;

		while (s->len == f->cap && !f->aborting && !f->quit && !s->abandon)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->aborting || f->quit || s->abandon) {
			rc = -ERR_CANCELLED;
			break;
		}
		room = f->cap - s->len;
		tail = (s->head + s->len) % f->cap;
		k = MIN(n, MIN(room, f->cap - tail));
		/* bytes read in place (on_buf) are already there: the reader only consumes,
		 * which leaves the tail where it was */
		if (p != s->ring + tail)
			memcpy(s->ring + tail, p, k);
		s->len += k;
		s->received += (int64_t)k;
		s->delivered += (int64_t)k;
		p += k;
		n -= k;
		pthread_cond_broadcast(&f->cv);
	}
	if (rc == 0 && !s->checked)
		rc = check_start(s, false);
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static bool retryable(int rc)
{
	return rc != -ERR_FORBIDDEN && rc != -ERR_CANCELLED && rc != -ERR_DRM &&
	       rc != -ERR_TOO_LARGE && rc != -ENOMEM;
}

/* The whole body is there: a start still unchecked is judged on what came. */
static int body_end(struct slot *s)
{
	int rc = 0;

	pthread_mutex_lock(&s->f->mu);
	if (!s->checked)
		rc = check_start(s, true);
	pthread_mutex_unlock(&s->f->mu);
	return rc;
}

/* One job with retries; returns 0 or the last error. Called without the lock. */
static int run_job(struct slot *s)
{
	struct rec_fetch *f = s->f;
	int backoff = CONFIG_HLS_RETRY_BACKOFF_MS, rc = 0;

	for (int attempt = 0; attempt <= CONFIG_HLS_SEG_RETRIES; attempt++) {
		struct http_request rq;
		struct http_response rs;
		int64_t have, delay;
		uint64_t first;

		pthread_mutex_lock(&f->mu);
		have = s->job.skip + s->delivered;
		s->received = 0;
		pthread_mutex_unlock(&f->mu);
		http_request_init(&rq, s->job.url);
		rq.max_retries = 0; /* retried here, where the live window is known */
		rq.body_buf = on_buf;
		if (s->job.len >= 0) {
			/* Byte-range segments resume exactly where the reader is. */
			rq.range_start = s->job.off + have;
			rq.range_end = s->job.off + s->job.len - 1;
			pthread_mutex_lock(&f->mu);
			s->received = have;
			pthread_mutex_unlock(&f->mu);
			if (have >= s->job.len)
				return body_end(s);
		}
		/* on_body reads the head of this attempt; cleared when http_get returns */
		s->rs = &rs; // cppcheck-suppress autoVariables
		rc = http_get(s->http, &rq, &rs, on_body, s);
		s->rs = NULL;
		if (rc == 0)
			rc = body_end(s);
		if (rc == 0)
			return 0;
		pthread_mutex_lock(&f->mu);
		first = f->window_first;
		pthread_mutex_unlock(&f->mu);
		if (!retryable(rc) || attempt == CONFIG_HLS_SEG_RETRIES)
			break;
		if (first != 0 && s->job.seq < first) {
			LOG_INFO(LOG_HLS, "segment %llu left the window, not retried",
				 (unsigned long long)s->job.seq);
			break;
		}
		/* Retry-After, but no longer than the segment stays listed: about one target
		 * duration per segment before it in the window. */
		delay = rec_retry_delay_ms(
			backoff, rs.retry_after_s,
			first ? (int64_t)(s->job.seq - first + 1) * s->job.target_ms : -1);
		LOG_INFO(LOG_HLS, "segment %llu: %s, retry %d in %lld ms",
			 (unsigned long long)s->job.seq, err_str(rc), attempt + 1,
			 (long long)delay);
		if (rec_sleep(f->abort_rd, delay) < 0)
			return -ERR_CANCELLED;
		backoff = MIN(backoff * 2, MAX(s->job.retry_cap_ms, CONFIG_HLS_RETRY_BACKOFF_MS));
	}
	return rc;
}

static void *fetcher_main(void *arg)
{
	struct slot *s = arg;
	struct rec_fetch *f = s->f;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		int rc;

		while (!f->quit && s->state != SLOT_QUEUED)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->quit)
			break;
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&f->mu);
		rc = run_job(s);
		pthread_mutex_lock(&f->mu);
		s->rc = rc;
		s->state = rc == 0 ? SLOT_DONE : SLOT_FAILED;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int rec_fetch_new(struct rec_fetch **out, int nslots, const char (*headers)[256], int n_headers,
		  const struct http_session_opts *base)
{
	struct rec_fetch *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;
	int fds[2], rc = 0;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->nslots = MAX(1, MIN(nslots, CONFIG_HLS_PREFETCH));
	f->cap = (size_t)CONFIG_HLS_SLOT_BUF_KB << 10;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(f);
		return -errno;
	}
	f->abort_rd = fds[0];
	f->abort_wr = fds[1];
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < f->nslots && rc == 0; i++) {
		struct slot *s = &f->slot[i];
		struct http_session_opts o;

		s->f = f;
		s->ring = malloc(f->cap);
		if (!s->ring) {
			rc = -ENOMEM;
			break;
		}
		if (base)
			o = *base;
		else
			http_session_opts_init(&o);
		o.cancel_fd = f->abort_rd;
		rc = http_session_new(&o, &s->http);
		for (int h = 0; rc == 0 && h < n_headers; h++) {
			char name[256];
			const char *colon = strchr(headers[h], ':');

			if (!colon || colon == headers[h])
				continue;
			memcpy(name, headers[h], (size_t)(colon - headers[h]));
			name[colon - headers[h]] = '\0';
			colon++;
			while (*colon == ' ')
				colon++;
			rc = http_session_set_header(s->http, name, colon);
		}
		if (rc == 0) {
			rc = -pthread_create(&s->thread, NULL, fetcher_main, s);
			s->started = rc == 0;
		}
	}
	if (rc < 0) {
		rec_fetch_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void rec_fetch_free(struct rec_fetch *f)
{
	char c = 1;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->quit = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	if (write(f->abort_wr, &c, 1) < 0)
		LOG_DBG(LOG_HLS, "abort pipe full");
	for (int i = 0; i < f->nslots; i++) {
		struct slot *s = &f->slot[i];

		if (s->started)
			pthread_join(s->thread, NULL);
		if (s->http)
			http_session_free(s->http);
		free(s->ring);
	}
	close(f->abort_rd);
	close(f->abort_wr);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int rec_fetch_free_slots(struct rec_fetch *f)
{
	int n = 0;

	pthread_mutex_lock(&f->mu);
	for (int i = 0; i < f->nslots; i++)
		n += f->slot[i].state == SLOT_FREE;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int rec_fetch_submit(struct rec_fetch *f, const struct rec_fetch_job *job)
{
	int rc = -EBUSY;

	pthread_mutex_lock(&f->mu);
	for (int i = 0; i < f->nslots; i++) {
		struct slot *s = &f->slot[i];

		if (s->state != SLOT_FREE)
			continue;
		s->job = *job;
		s->rc = 0;
		s->delivered = 0;
		s->received = 0;
		s->last_byte_ms = 0;
		s->abandon = false;
		s->checked = job->skip > 0 || job->opaque;
		s->head = s->len = 0;
		s->state = SLOT_QUEUED;
		pthread_cond_broadcast(&f->cv);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static struct slot *find(struct rec_fetch *f, uint64_t seq)
{
	for (int i = 0; i < f->nslots; i++)
		if (f->slot[i].state != SLOT_FREE && f->slot[i].job.seq == seq)
			return &f->slot[i];
	return NULL;
}

int rec_fetch_peek(struct rec_fetch *f, uint64_t seq, uint8_t **p, int wait_ms)
{
	struct timespec dl;
	struct slot *s;
	int rc;

	deadline(&dl, wait_ms);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		s = find(f, seq);
		if (!s) {
			rc = -ENOENT;
			break;
		}
		if (s->len && s->checked) {
			/* The writer only fills free space: these bytes stay put until consumed. */
			*p = s->ring + s->head;
			rc = (int)MIN(s->len, f->cap - s->head);
			break;
		}
		if (s->state == SLOT_DONE) {
			rc = 0;
			break;
		}
		if (s->state == SLOT_FAILED) {
			rc = s->rc < 0 ? s->rc : -ERR_FAILURE;
			break;
		}
		if (pthread_cond_timedwait(&f->cv, &f->mu, &dl) == ETIMEDOUT) {
			rc = -EAGAIN;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

void rec_fetch_consume(struct rec_fetch *f, uint64_t seq, size_t n)
{
	struct slot *s;

	pthread_mutex_lock(&f->mu);
	s = find(f, seq);
	if (s && n <= s->len) {
		s->head = (s->head + n) % f->cap;
		s->len -= n;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
}

void rec_fetch_release(struct rec_fetch *f, uint64_t seq)
{
	struct slot *s;

	pthread_mutex_lock(&f->mu);
	s = find(f, seq);
	if (s) {
		if (s->state == SLOT_QUEUED) {
			s->state = SLOT_FREE;
		} else if (s->state == SLOT_RUNNING) {
			/* Let the fetcher notice; the slot is freed when it stops. */
			s->abandon = true;
			pthread_cond_broadcast(&f->cv);
			while (s->state == SLOT_RUNNING) {
				pthread_mutex_unlock(&f->mu);
				rec_fetch_reset(f);
				pthread_mutex_lock(&f->mu);
			}
			s->state = SLOT_FREE;
		} else {
			s->state = SLOT_FREE;
		}
		s->len = 0;
	}
	pthread_mutex_unlock(&f->mu);
}

void rec_fetch_reset(struct rec_fetch *f)
{
	char c = 1, drain[64];
	bool busy;

	pthread_mutex_lock(&f->mu);
	f->aborting = true;
	for (int i = 0; i < f->nslots; i++)
		if (f->slot[i].state == SLOT_QUEUED)
			f->slot[i].state = SLOT_FREE;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	/* The sessions poll the pipe: a blocked connect/read returns -ERR_CANCELLED. */
	if (write(f->abort_wr, &c, 1) < 0)
		LOG_DBG(LOG_HLS, "abort pipe full");
	pthread_mutex_lock(&f->mu);
	do {
		busy = false;
		for (int i = 0; i < f->nslots; i++)
			busy |= f->slot[i].state == SLOT_RUNNING;
		if (busy) {
			struct timespec dl;

			deadline(&dl, 20);
			pthread_cond_timedwait(&f->cv, &f->mu, &dl);
		}
	} while (busy);
	for (int i = 0; i < f->nslots; i++) {
		f->slot[i].state = SLOT_FREE;
		f->slot[i].len = 0;
	}
	while (read(f->abort_rd, drain, sizeof(drain)) > 0)
		;
	f->aborting = false;
	pthread_mutex_unlock(&f->mu);
}

void rec_fetch_set_window(struct rec_fetch *f, uint64_t first_seq)
{
	pthread_mutex_lock(&f->mu);
	f->window_first = first_seq;
	pthread_mutex_unlock(&f->mu);
}

int64_t rec_fetch_last_byte_ms(struct rec_fetch *f, uint64_t seq)
{
	struct slot *s;
	int64_t t = 0;

	pthread_mutex_lock(&f->mu);
	s = find(f, seq);
	if (s)
		t = s->last_byte_ms;
	pthread_mutex_unlock(&f->mu);
	return t;
}
