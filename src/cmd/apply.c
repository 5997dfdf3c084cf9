/*
 * apply.c — `vrsctl apply [PLANFILE]`: take the state lock, adopt what an
 * interrupted run left behind, plan, check the safety rules (deletes,
 * stale plan files, approval), and converge through the engine.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "engine/inputs.h"
#include "plan/plan.h"
#include "state/state.h"
#include "util/buf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char apply_usage[] =
    "usage: vrsctl apply [PLANFILE] [--auto-approve] [--parallelism N] [--allow-delete]\n"
    "                    [--approve-costs] [--max-delete-percent P] [--force]\n"
    "                    [--target KIND/KEY]...\n"
    "\n"
    "Converge the world to the specs: plan, show the plan, ask (or --auto-approve),\n"
    "then create, update and deploy through Coolify and INWX, recording every step.\n"
    "With PLANFILE (from 'vrsctl plan --out'), apply exactly that plan; a plan made\n"
    "against another state or other specs is refused as stale.\n"
    "\n"
    "  --auto-approve          do not ask (required when stdin is not a terminal)\n"
    "  --parallelism N         remote calls in flight (default 10)\n"
    "  --allow-delete          run destructive actions (deleting apps, records, domains);\n"
    "                          without it they are kept and reported\n"
    "  --max-delete-percent P  refuse when deletes exceed P% of the managed objects\n"
    "                          (default 10; checked from 10 managed objects on)\n"
    "  --force                 apply even above --max-delete-percent\n"
    "  --approve-costs         allow purchases (domain registrations)\n"
    "  --target KIND/KEY       only this object and what it needs (repeatable)\n"
    "\n"
    "Credentials come from the environment: VRS_COOLIFY_URL, VRS_COOLIFY_TOKEN,\n"
    "VRS_INWX_URL, VRS_INWX_USER, VRS_INWX_PASSWORD, VRS_INWX_TOTP_SECRET (each\n"
    "secret also as NAME_FILE). See vrsctl(1).\n"
    "\n"
    "Exit status: 0 converged, 1 error or a failed action, 3 state locked.\n";

struct apply_args {
	const char *planfile;
	bool auto_approve, allow_delete, approve_costs, force;
	int parallelism;
	int max_delete_percent;
	const char **targets;
	size_t ntargets;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int parse_int(const char *flag, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == 0 || *end || errno || n < lo || n > hi)
		return cmd_usage_error("apply", "%s wants a number from %d to %d, not '%s'", flag,
				       lo, hi, v);
	*out = (int)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct apply_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *eq = strchr(s, '='), *v = NULL;
		size_t n = eq ? (size_t)(eq - s) : strlen(s);

		if (strcmp(s, "--auto-approve") == 0) {
			a->auto_approve = true;
		} else if (strcmp(s, "--allow-delete") == 0) {
			a->allow_delete = true;
		} else if (strcmp(s, "--approve-costs") == 0) {
			a->approve_costs = true;
		} else if (strcmp(s, "--force") == 0) {
			a->force = true;
		} else if (strcmp(s, "--refresh") == 0) {
			fprintf(stderr, "vrsctl: error: apply --refresh is not available in this "
					"version (drift detection is planned)\n");
			return -1;
		} else if ((n == 13 && strncmp(s, "--parallelism", n) == 0) ||
			   (n == 20 && strncmp(s, "--max-delete-percent", n) == 0) ||
			   (n == 8 && strncmp(s, "--target", n) == 0)) {
			if (eq)
				v = eq + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			if (v == NULL || *v == 0)
				return cmd_usage_error("apply", "%.*s needs a value", (int)n, s);
			if (n == 13 && parse_int("--parallelism", v, 1, 1000, &a->parallelism) < 0)
				return -1;
			if (n == 20 && parse_int("--max-delete-percent", v, 0, 100,
						 &a->max_delete_percent) < 0)
				return -1;
			if (n == 8) {
				if (strchr(v, '/') == NULL)
					return cmd_usage_error(
					    "apply", "--target wants KIND/KEY, got '%s'", v);
				a->targets[a->ntargets++] = v;
			}
		} else if (s[0] == '-') {
			return cmd_usage_error("apply", "unknown flag '%s'", s);
		} else if (a->planfile == NULL) {
			a->planfile = s;
		} else {
			return cmd_usage_error("apply", "unexpected argument '%s'", s);
		}
	}
	return 0;
}

static void progress_line(void *ud, const char *line)
{
	bool tty = *(bool *)ud;

	if (tty)
		fprintf(stderr, "\r\033[K%s", line);
	else
		fprintf(stderr, "%s\n", line);
}

static char *read_file(const char *path, size_t *len, struct vrs_err *err)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	b.cap = 256u << 20;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			buf_free(&b);
			err_set(err, "%s: too large", path);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* a saved plan is applied only when it is exactly what would be planned now */
static int check_planfile(const char *path, const struct m_plan *now, const struct m_world *desired,
			  struct vrs_err *err)
{
	struct m_plan saved;
	struct buf a, b;
	size_t len = 0;
	char *json = read_file(path, &len, err);
	int rc = -1;

	if (json == NULL)
		return -1;
	plan_init(&saved);
	buf_init(&a);
	buf_init(&b);
	if (plan_parse_json(json, len, &saved, err) < 0) {
		err_prefix(err, "%s", path);
		goto out;
	}
	if ((saved.lineage == NULL) != (now->lineage == NULL) ||
	    (saved.lineage && strcmp(saved.lineage, now->lineage) != 0) ||
	    saved.serial != now->serial) {
		err_set(err,
			"%s is stale: it was made for state %s serial %lld, the state is now %s "
			"serial %lld; run 'vrsctl plan --out %s' again",
			path, saved.lineage ? saved.lineage : "(new)", saved.serial,
			now->lineage ? now->lineage : "(new)", now->serial, path);
		goto out;
	}
	if (plan_render_json(&saved, desired, false, false, &a) < 0 ||
	    plan_render_json(now, desired, false, false, &b) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		err_set(err,
			"%s is stale: the specs or the world changed since it was made; run "
			"'vrsctl plan --out %s' again",
			path, path);
		goto out;
	}
	rc = 0;
out:
	free(json);
	buf_free(&a);
	buf_free(&b);
	plan_free(&saved);
	return rc;
}

/* remote objects vrsctl manages, for the delete threshold */
static size_t managed_objects(const struct m_world *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->nprojects; i++) {
		const struct m_project *p = &rec->projects[i];
		n += p->coolify_project_uuid != NULL;
		n += p->coolify_app_uuid != NULL;
		for (size_t k = 0; k < p->ndomains; k++)
			n += (p->domains[k].record_a != NULL) +
			     (p->domains[k].record_aaaa != NULL) +
			     (p->domains[k].record_www != NULL);
	}
	return n;
}

static bool ask_approval(void)
{
	char line[64];

	fprintf(stderr, "\nDo you want to apply this plan? Only 'yes' is accepted: ");
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = 0;
	return strcmp(line, "yes") == 0;
}

int cmd_apply(int argc, char **argv, const struct global_opts *g)
{
	struct apply_args a = {.parallelism = 10, .max_delete_percent = 10};
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct providers *pv = NULL;
	struct inputs in;
	struct m_plan plan;
	struct plan_opts po = {0};
	struct engine_opts eo = {0};
	struct engine_stats stats = {0};
	struct vrs_err err;
	struct buf text;
	char *who = NULL, *commit = NULL;
	unsigned char key[32];
	size_t adopted = 0, deletes = 0, managed;
	bool need_coolify = false, need_inwx = false, tty_err = isatty(STDERR_FILENO);
	int pid = 0, rc = EXIT_ERR;
	struct sigaction sa;

	if (cmd_wants_help(argc, argv, apply_usage))
		return EXIT_OK;
	a.targets = calloc((size_t)argc + 1, sizeof(*a.targets));
	if (a.targets == NULL || parse_args(argc, argv, &a) < 0) {
		free(a.targets);
		return EXIT_ERR;
	}
	memset(&in, 0, sizeof(in));
	plan_init(&plan);
	buf_init(&text);
	err_clear(&err);
	if (!a.auto_approve && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "vrsctl: error: apply without a terminal needs --auto-approve\n");
		goto out;
	}
	if (state_lock(g->state, &lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		rc = pid > 0 || strstr(err.msg, "locked") ? EXIT_LOCKED : EXIT_ERR;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	who = engine_triggered_by(g->specs);
	commit = engine_spec_commit(g->specs);
	/* specs first: nothing is created, not even the state, for invalid specs */
	if (inputs_load(g->specs, g->state, &in, &err) < 0 && in.diags.n == 0 && !err.msg[0])
		err_set(&err, "could not load the specs");
	if (in.diags.n) {
		diag_sort(&in.diags);
		diag_print(&in.diags, stderr);
		fprintf(stderr, "vrsctl: %zu %s in %s; nothing applied\n", in.diags.n,
			in.diags.n == 1 ? "error" : "errors", g->specs);
		goto out;
	}
	if (err.msg[0]) {
		cmd_print_err(&err);
		goto out;
	}
	if (state_open(g->state, STATE_WRITE, &st, &err) < 0 ||
	    providers_open(false, false, g->verbose, &pv, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (engine_recover(st, pv, who, &adopted, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (adopted && !g->quiet)
		fprintf(stderr, "vrsctl: adopted %zu object%s left by an interrupted run\n",
			adopted, adopted == 1 ? "" : "s");
	/* the world as recorded now (after adoption), fingerprints under the stored key */
	inputs_free(&in);
	if (inputs_load(g->specs, g->state, &in, &err) < 0) {
		if (in.diags.n) {
			diag_sort(&in.diags);
			diag_print(&in.diags, stderr);
		} else {
			cmd_print_err(&err);
		}
		goto out;
	}
	if (state_fingerprint_key(st, key, &err) < 0 ||
	    inputs_fingerprint_secrets(&in.desired, key, false, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	po.targets = a.targets;
	po.ntargets = a.ntargets;
	po.allow_delete = a.allow_delete;
	if (plan_build(&in.desired, &in.recorded, NULL, &po, &plan, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	plan.lineage = in.lineage ? strdup(in.lineage) : NULL;
	plan.serial = in.serial;
	plan.specs_digest = strdup(in.specs_digest);
	if (a.planfile && check_planfile(a.planfile, &plan, &in.desired, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (!plan_has_changes(&plan)) {
		if (!g->quiet)
			printf("No changes. The world matches the specs.\n");
		rc = EXIT_OK;
		goto out;
	}
	for (size_t i = 0; i < plan.nactions; i++) {
		const struct m_action *x = &plan.actions[i];
		need_coolify |= x->service == SVC_COOLIFY;
		need_inwx |= x->service == SVC_INWX;
		deletes += x->destructive && x->service != SVC_LOCAL;
	}
	managed = managed_objects(&in.recorded);
	if (a.allow_delete && !a.force && managed >= 10 &&
	    deletes * 100 > (size_t)a.max_delete_percent * managed) {
		fprintf(stderr,
			"vrsctl: error: the plan deletes %zu of %zu managed objects (more than "
			"%d%%); refusing without --force\n",
			deletes, managed, a.max_delete_percent);
		goto out;
	}
	providers_close(pv);
	pv = NULL;
	if (providers_open(need_coolify, need_inwx, g->verbose, &pv, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (!g->quiet || !a.auto_approve) {
		if (plan_render_text(&plan, &in.desired, g->color, g->verbose > 0, &text) == 0)
			fwrite(text.data, 1, text.len, stdout);
		fflush(stdout);
	}
	if (!a.auto_approve && !ask_approval()) {
		fprintf(stderr, "vrsctl: apply cancelled; nothing changed\n");
		goto out;
	}
	eo.parallelism = a.parallelism;
	eo.allow_delete = a.allow_delete;
	eo.approve_costs = a.approve_costs;
	eo.triggered_by = who;
	eo.spec_commit = commit;
	eo.progress = g->quiet ? NULL : progress_line;
	eo.progress_ud = &tty_err;
	eo.stop = &stop_flag;
	if (getenv("VRS_POLL_MS"))
		eo.poll_ms = atoi(getenv("VRS_POLL_MS"));
	rc = engine_apply(st, pv, &in, &plan, &eo, &stats, &err);
	if (tty_err && !g->quiet)
		fputs("\r\033[K", stderr);
	{
		struct vrs_err e2;
		err_clear(&e2);
		if (state_serial_bump(st, in.specs_digest, &e2) < 0) {
			cmd_print_err(&e2);
			rc = -1;
		}
	}
	if (!g->quiet) {
		printf("Apply %s: %zu done, %zu failed, %zu skipped, of %zu actions.\n",
		       rc == 0 ? "complete" : "finished with errors", stats.ok, stats.failed,
		       stats.skipped - stats.kept, stats.total);
		if (stats.kept)
			printf(
			    "%zu destructive action%s kept; run with --allow-delete to delete.\n",
			    stats.kept, stats.kept == 1 ? " was" : "s were");
	}
	if (rc < 0) {
		cmd_print_err(&err);
		rc = EXIT_ERR;
	} else {
		rc = EXIT_OK;
	}
out:
	buf_free(&text);
	plan_free(&plan);
	inputs_free(&in);
	providers_close(pv);
	state_close(st);
	state_unlock(lk);
	free(who);
	free(commit);
	free(a.targets);
	return rc;
}
