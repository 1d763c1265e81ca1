/* Record commands' arguments: what start and record share, checked in PROTOCOL.md's order. */
#include <stdio.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/log.h"
#include "core/ctrl/cmd_int.h"
#include "core/ctrl/paths.h"

/* Copies an absolute path with repeated and trailing slashes removed ("/a//b/" -> "/a/b"). */
static void cmd_tidy_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 1 < cap; i++) {
		if (in[i] == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = in[i];
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

/* Optional string argument into out; 0, or -ERR_BAD_REQUEST when present but unusable. */
static int cmd_opt_str(const struct jr *r, int args, const char *key, const char *def, char *out,
		       size_t cap)
{
	int t = jr_get(r, args, key);

	if (t < 0 || jr_is_null(r, t)) {
		snprintf(out, cap, "%s", def);
		return 0;
	}
	return jr_str(r, t, out, cap) < 0 ? -ERR_BAD_REQUEST : 0;
}

/* The quality to record: the argument, else the provider's configured one, else best. */
static int cmd_rec_quality(struct cmd_state *m, const struct jr *r, int args, struct rec_job *job)
{
	struct prov_info pi;
	const char *dir = config_get(m->ctrl->cfg, "providers_dir", CONFIG_DEFAULT_PROVIDERS_DIR);
	int t;

	if (cmd_opt_str(r, args, "quality", "provider", job->quality, sizeof(job->quality)))
		return -ERR_BAD_REQUEST;
	if (strcmp(job->quality, "provider"))
		return 0;
	/* The provider's configured quality; else what the client echoed; else best. */
	t = jr_path(r, args, "provider", "quality", (const char *)NULL);
	if (cmd_prov_info(dir, job->provider_id, &pi) == 0 && strcmp(pi.quality, "provider"))
		snprintf(job->quality, sizeof(job->quality), "%s", pi.quality);
	else if (t < 0 || jr_str(r, t, job->quality, sizeof(job->quality)) <= 0 ||
		 strcmp(job->quality, "provider") == 0)
		strcpy(job->quality, "best");
	return 0;
}

/* rec_dir: confined, existing; both spellings kept. 0 or an error with *why set. */
static int cmd_rec_dir(struct cmd_state *m, const struct jr *r, int args, struct rec_job *job,
		       const char **why)
{
	char rec_dir[PATH_MAX];
	int rc;

	if (cmd_opt_str(r, args, "rec_dir", CONFIG_STORAGE_ROOT, rec_dir, sizeof(rec_dir))) {
		*why = "rec_dir is not a usable path string.";
		return -ERR_BAD_REQUEST;
	}
	rc = paths_confine(cmd_roots(m->ctrl), rec_dir, 1, job->rec_dir, sizeof(job->rec_dir));
	if (rc == -ERR_PATH_DENIED) {
		*why = "The rec_dir is outside the allowed directories.";
	} else if (rc) {
		rc = -ERR_NOT_FOUND;
		*why = "The rec_dir does not exist or is not a directory.";
	}
	if (rc)
		LOG_WARN(LOG_CTRL, "session refused: rec_dir %s: %s", rec_dir, *why);
	else
		cmd_tidy_path(rec_dir, job->rec_dir_msg, sizeof(job->rec_dir_msg));
	return rc;
}

/* A session's name: args.name, else video.title (the plugin's item), else the provider. */
static int cmd_rec_name(const struct jr *r, int args, struct rec_job *job)
{
	int t = jr_get(r, args, "name");

	if (t >= 0 && !jr_is_null(r, t))
		return jr_str(r, t, job->name, sizeof(job->name)) <= 0 ? -ERR_BAD_REQUEST : 0;
	t = jr_path(r, args, "video", "title", (const char *)NULL);
	if (t < 0 || jr_str(r, t, job->name, sizeof(job->name)) <= 0)
		snprintf(job->name, sizeof(job->name), "%s", job->provider_id);
	return 0;
}

/*
 * The arguments start and record share, checked in PROTOCOL.md's order: provider, url,
 * buffering, show_ads, av1, quality, rec_dir, data_dir (then name). 0 or an error with
 * *why set.
 */
int cmd_rec_args(struct cmd_state *m, const struct jr *r, int args, struct rec_job *job,
		 const char **why)
{
	long long buffering = 5;
	int show_ads = 1, av1 = 0, t, rc;

	rc = cmd_provider(m->ctrl, r, args, job->provider_id, sizeof(job->provider_id), &job->prov,
			  &job->is_test, why, !job->interactive);
	if (rc)
		return rc;
	t = jr_get(r, args, "url");
	if (t < 0 || jr_str(r, t, job->url, sizeof(job->url)) <= 0) {
		*why = "No valid url was given.";
		return -ERR_BAD_REQUEST;
	}
	if ((t = jr_get(r, args, "buffering")) >= 0 && !jr_is_null(r, t) &&
	    (jr_int(r, t, &buffering) || buffering < 0 || buffering > 1000)) {
		*why = "buffering must be an integer from 0 to 1000.";
		return -ERR_BAD_REQUEST;
	}
	if ((t = jr_get(r, args, "show_ads")) >= 0 && !jr_is_null(r, t) &&
	    jr_bool(r, t, &show_ads)) {
		*why = "show_ads must be a boolean.";
		return -ERR_BAD_REQUEST;
	}
	if ((t = jr_get(r, args, "av1")) >= 0 && !jr_is_null(r, t) && jr_bool(r, t, &av1)) {
		*why = "av1 must be a boolean.";
		return -ERR_BAD_REQUEST;
	}
	if (cmd_rec_quality(m, r, args, job)) {
		*why = "quality must be a short string.";
		return -ERR_BAD_REQUEST;
	}
	rc = cmd_rec_dir(m, r, args, job, why);
	if (!rc)
		rc = cmd_data_dir(m->ctrl, r, args, job->provider_id, job->data_dir,
				  sizeof(job->data_dir), why);
	if (rc)
		return rc;
	if (cmd_rec_name(r, args, job)) {
		*why = "name must be a non-empty short string.";
		return -ERR_BAD_REQUEST;
	}
	job->sa.url = job->url;
	job->sa.quality = job->quality;
	job->sa.show_ads = show_ads;
	job->sa.av1 = av1;
	job->sa.buffering = buffering < 1 ? 1 : (int)buffering;
	return 0;
}
