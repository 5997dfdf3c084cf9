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
    "                    [--refresh[=report]] [--target KIND/KEY]...\n"
    "\n"
    "Converge the world to the specs: plan, show the plan, ask (or --auto-approve),\n"
    "then create, update and deploy through Coolify and INWX, recording every step.\n"
    "With PLANFILE (from 'vrsctl plan --out'), apply exactly that plan; a plan made\n"
    "against another state or other specs is refused as stale.\n"
    "\n"
    "  --auto-approve          do not ask (required when stdin is not a terminal)\n"
    "  --parallelism N         remote actions in flight per service (default 10)\n"
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
	bool auto_approve, allow_delete, approve_costs, force, refresh, report;
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
		} else if (strcmp(s, "--refresh") == 0 || strcmp(s, "--refresh=heal") == 0) {
			a->refresh = true;
		} else if (strcmp(s, "--refresh=report") == 0) {
			a->refresh = a->report = true;
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

static void progress_line(void *ud, const char *subject, const char *msg, const char *line)
{
	(void)subject;
	(void)msg;
	bool tty = *(bool *)ud;

	if (tty)
		fprintf(stderr, "\r\033[K%s", line);
	else
		fprintf(stderr, "%s\n", line);
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

struct confirm_ctx {
	const struct global_opts *g;
	bool auto_approve;
	bool report;
};

/* show the plan, and ask unless --auto-approve */
static bool confirm(void *ud, const struct m_plan *plan, const struct m_world *desired)
{
	struct confirm_ctx *c = ud;
	struct buf text;

	buf_init(&text);
	if (!c->g->quiet || !c->auto_approve || c->report) {
		if (plan_render_text(plan, desired, c->g->color, c->g->verbose > 0, &text) == 0)
			fwrite(text.data, 1, text.len, stdout);
		fflush(stdout);
	}
	buf_free(&text);
	if (c->auto_approve || c->report)
		return true;
	return ask_approval();
}

static void print_diags(struct diag_list *d, const char *specs, const char *what)
{
	diag_sort(d);
	diag_print(d, stderr);
	fprintf(stderr, "vrsctl: %zu %s in %s; %s\n", d->n, d->n == 1 ? "error" : "errors", specs,
		what);
}

int cmd_apply(int argc, char **argv, const struct global_opts *g)
{
	struct apply_args a = {.parallelism = 10, .max_delete_percent = 10};
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct providers *pv = NULL;
	struct inputs in;
	struct reconcile_opts ro = {0};
	struct reconcile_result rr;
	struct confirm_ctx cc = {.g = g};
	struct diag_list conflicts;
	struct vrs_err err;
	char *who = NULL, *commit = NULL;
	bool tty_err = isatty(STDERR_FILENO);
	int pid = 0, rc = EXIT_ERR, erc;
	struct sigaction sa;

	if (cmd_wants_help(argc, argv, apply_usage))
		return EXIT_OK;
	a.targets = calloc((size_t)argc + 1, sizeof(*a.targets));
	if (a.targets == NULL || parse_args(argc, argv, &a) < 0) {
		free(a.targets);
		return EXIT_ERR;
	}
	memset(&in, 0, sizeof(in));
	diag_init(&conflicts);
	err_clear(&err);
	if (!a.auto_approve && !a.report && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "vrsctl: error: apply without a terminal needs --auto-approve\n");
		goto out;
	}
	if (state_lock(g->state, &lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		rc = cmd_exit_status(&err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	who = engine_triggered_by(g->specs);
	commit = engine_spec_commit(g->specs);
	/* specs first: nothing is created, not even the state, for invalid specs */
	if (inputs_load_specs(g->specs, &in, &err) < 0) {
		if (in.diags.n)
			print_diags(&in.diags, g->specs, "nothing applied");
		else
			cmd_print_err(&err);
		goto out;
	}
	if (state_open(g->state, STATE_WRITE, &st, &err) < 0 ||
	    providers_open(false, false, g->verbose, &pv, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	cc.auto_approve = a.auto_approve;
	cc.report = a.report;
	ro.targets = a.targets;
	ro.ntargets = a.ntargets;
	ro.allow_delete = a.allow_delete;
	ro.approve_costs = a.approve_costs;
	ro.force = a.force;
	ro.max_delete_percent = a.max_delete_percent;
	ro.parallelism = a.parallelism;
	ro.refresh = a.report ? REFRESH_REPORT : a.refresh ? REFRESH_HEAL : REFRESH_NONE;
	ro.planfile = a.planfile;
	ro.verbose = g->verbose > 0;
	ro.verbose_http = g->verbose;
	ro.confirm = confirm;
	ro.confirm_ud = &cc;
	ro.progress = g->quiet ? NULL : progress_line;
	ro.progress_ud = &tty_err;
	ro.stop = &stop_flag;
	ro.triggered_by = who;
	ro.spec_commit = commit;
	ro.poll_ms = getenv("VRS_POLL_MS") ? atoi(getenv("VRS_POLL_MS")) : 0;
	erc = engine_reconcile(st, &pv, &in, &ro, &rr, &conflicts, &err);
	if (tty_err && !g->quiet && rr.stats.total)
		fputs("\r\033[K", stderr);
	if (rr.adopted && !g->quiet)
		fprintf(stderr, "vrsctl: adopted %zu object%s left by an interrupted run\n",
			rr.adopted, rr.adopted == 1 ? "" : "s");
	if (conflicts.n) {
		print_diags(&conflicts, g->specs, "nothing applied");
		goto out;
	}
	if (erc < 0 && rr.stats.total == 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (!rr.changes) {
		if (!g->quiet)
			printf("No changes. The world matches the specs.\n");
		rc = EXIT_OK;
		goto out;
	}
	if (rr.cancelled) {
		fprintf(stderr, "vrsctl: apply cancelled; nothing changed\n");
		goto out;
	}
	if (a.report) {
		if (!g->quiet)
			printf(
			    "Drift report: %zu action%s would repair %zu drifted object%s; nothing "
			    "was changed.\n",
			    rr.actions, rr.actions == 1 ? "" : "s", rr.drift,
			    rr.drift == 1 ? "" : "s");
		rc = rr.drift ? EXIT_CHANGES : EXIT_OK;
		goto out;
	}
	if (!g->quiet) {
		printf("Apply %s: %zu done, %zu failed, %zu skipped, of %zu actions.\n",
		       erc == 0 ? "complete" : "finished with errors", rr.stats.ok, rr.stats.failed,
		       rr.stats.skipped - rr.stats.kept, rr.stats.total);
		if (rr.stats.kept)
			printf(
			    "%zu destructive action%s kept; run with --allow-delete to delete.\n",
			    rr.stats.kept, rr.stats.kept == 1 ? " was" : "s were");
	}
	if (erc < 0) {
		cmd_print_err(&err);
		goto out;
	}
	rc = EXIT_OK;
out:
	diag_free(&conflicts);
	inputs_free(&in);
	providers_close(pv);
	state_close(st);
	state_unlock(lk);
	free(who);
	free(commit);
	free(a.targets);
	return rc;
}
