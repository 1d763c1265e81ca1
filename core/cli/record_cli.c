/* `streamingserver --record URL -o DIR ...`: the recorder engine without a client, JSON lines out.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/base/err.h"
#include "core/base/json.h"
#include "core/base/log.h"
#include "core/cli/cli.h"
#include "core/ctrl/paths.h"
#include "core/rec/engine.h"
#include "net/http.h"

struct cli {
	const char *rec_dir;
	const char *url;    /* the URL given: a "refresh" loads it again */
	enum rec_kind kind; /* last recorder kind reported */
};

static void print_json(struct dbuf *b)
{
	if (b->err || !b->p)
		return;
	fwrite(b->p, 1, b->len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void on_event(void *ctx, const struct rec_event *ev)
{
	struct cli *cl = ctx;
	struct dbuf b;
	struct jw w;

	if (ev->kind != REC_AUTO)
		cl->kind = ev->kind;
	dbuf_init(&b, 8192);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	if (ev->type == REC_EV_SECTION) {
		jw_str(&w, "start");
		jw_obj_begin(&w);
		jw_kstr(&w, "url", ev->url ? ev->url : "");
		jw_kstr(&w, "rec_file", ev->rec_file ? ev->rec_file : "");
		jw_kint(&w, "section_index", ev->section_index);
		jw_kint(&w, "segment_index", ev->segment_index);
		jw_kstr(&w, "recorder_id", rec_kind_name(ev->kind));
		jw_key(&w, "recorder");
		jw_obj_begin(&w);
		jw_kstr(&w, "type", rec_kind_name(ev->kind));
		jw_obj_end(&w);
		jw_obj_end(&w);
	} else {
		jw_str(&w, "log");
		jw_obj_begin(&w);
		jw_kstr(&w, "msg", ev->msg ? ev->msg : "");
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	if (jw_finish(&w) == 0)
		print_json(&b);
	dbuf_free(&b);
}

/* 401/403: without a provider, re-resolving means loading the given URL again (a master
 * playlist typically hands out freshly signed variant and segment URLs). */
static int on_refresh(void *ctx, struct resolve_result *r)
{
	struct cli *cl = ctx;

	snprintf(r->url, sizeof(r->url), "%s", cl->url);
	r->kind = REC_AUTO;
	return 0;
}

static void print_stop(struct cli *cl, int rc, const char *msg)
{
	struct dbuf b;
	struct jw w;

	dbuf_init(&b, 4096);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	jw_str(&w, "stop");
	jw_obj_begin(&w);
	if (rc == 0) {
		jw_kstr(&w, "reason", "complete");
	} else if (rc == -ERR_CANCELLED) {
		jw_kstr(&w, "reason", "stopped");
	} else {
		jw_kstr(&w, "reason", "error");
		jw_kstr(&w, "error_id", err_id(rc));
		jw_kstr(&w, "msg", msg && *msg ? msg : err_str(rc));
		jw_kstr(&w, "message", msg && *msg ? msg : err_str(rc));
	}
	jw_kstr(&w, "recorder_id", rec_kind_name(cl->kind));
	jw_kstr(&w, "rec_dir", cl->rec_dir);
	jw_obj_end(&w);
	jw_arr_end(&w);
	if (jw_finish(&w) == 0)
		print_json(&b);
	dbuf_free(&b);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: streamingserver --record URL -o DIR [--quality Q] [--buffering N]\n"
		"                        [--duration S] [-H 'Name: value']... [--insecure]\n");
	return 2;
}

/* -o DIR with its missing parents (like wget -P); a relative DIR is taken from the cwd.
 * The missing part may not contain "." or ".." (paths_mkdirs()'s rule). */
static int make_rec_dir(const char *dir, char *out, size_t cap)
{
	char abs[PATH_MAX], cwd[PATH_MAX];
	int n;

	if (dir[0] == '/') {
		n = snprintf(abs, sizeof(abs), "%s", dir);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		n = snprintf(abs, sizeof(abs), "%s/%s", cwd, dir);
	}
	if (n < 0 || (size_t)n >= sizeof(abs))
		return -ERR_PATH_DENIED;
	return paths_mkdirs("/", abs, NULL, out, cap);
}

int record_main(int argc, char **argv)
{
	char dir[PATH_MAX]; /* canonical -o DIR; the events keep the path as given */
	struct rec_params p;
	struct rec_hooks h;
	struct cli cl = {NULL, NULL, REC_AUTO};
	struct http_session_opts o;
	struct http_session *http = NULL;
	sigset_t sigs;
	char msg[256];
	int sfd, rc, insecure = 0;

	memset(&p, 0, sizeof(p));
	p.quality = "best";
	p.buffering = 5;
	if (argc < 2 || argv[1][0] == '-')
		return usage();
	if (strlen(argv[1]) >= sizeof(p.res.url)) {
		fprintf(stderr, "--record: URL longer than %zu bytes\n", sizeof(p.res.url) - 1);
		return 2;
	}
	snprintf(p.res.url, sizeof(p.res.url), "%s", argv[1]);
	p.res.kind = REC_AUTO;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "--insecure")) {
			insecure = 1;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "-o")) {
			p.rec_dir = v;
		} else if (!strcmp(a, "--quality")) {
			p.quality = v;
		} else if (!strcmp(a, "--buffering")) {
			p.buffering = (int)strtol(v, &end, 10);
			if (*end || p.buffering < 1 || p.buffering > 1000)
				return usage();
		} else if (!strcmp(a, "--duration")) {
			p.duration_s = strtod(v, &end);
			if (*end || p.duration_s < 0)
				return usage();
		} else if (!strcmp(a, "-H")) {
			if (p.res.n_headers >= RESOLVE_HEADERS_MAX || strlen(v) >= 256 ||
			    !strchr(v, ':'))
				return usage();
			snprintf(p.res.headers[p.res.n_headers++], 256, "%s", v);
		} else {
			return usage();
		}
	}
	if (!p.rec_dir)
		return usage();
	cl.rec_dir = p.rec_dir;
	rc = make_rec_dir(p.rec_dir, dir, sizeof(dir));
	if (rc) {
		snprintf(msg, sizeof(msg), "cannot create the directory %s: %s", p.rec_dir,
			 err_str(rc));
		print_stop(&cl, rc, msg);
		return 1;
	}
	cl.url = argv[1];
	/* A file size limit must end in disk_full (EFBIG), not kill the process. */
	signal(SIGXFSZ, SIG_IGN);
	/* SIGINT/SIGTERM become the cancel fd: blocked here (and in the fetcher threads). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "--record: signalfd: %s\n", strerror(errno));
		return 1;
	}
	http_session_opts_init(&o);
	o.cancel_fd = sfd;
	cli_http_opts(&o); /* --set tls_verify=0 / ca_file=F given around --record */
	if (insecure)
		o.tls_verify = 0;
	rc = http_session_new(&o, &http);
	if (rc < 0) {
		print_stop(&cl, rc, "The HTTP client could not start.");
		close(sfd);
		return 1;
	}
	memset(&h, 0, sizeof(h));
	h.ctx = &cl;
	h.event = on_event;
	h.refresh = on_refresh;
	rc = recorder_run(&p, &h, http, sfd, msg, sizeof(msg));
	print_stop(&cl, rc, msg);
	http_session_free(http);
	close(sfd);
	return rc == 0 || rc == -ERR_CANCELLED ? 0 : 1;
}
