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

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char apply_usage[] =
    "usage: vrsctl apply [PLANFILE] [--auto-approve] [--parallelism N] [--allow-delete]\n"
    "                    [--approve-costs] [--max-delete-percent P] [--force]\n"
    "                    [--refresh[=report]] [--target KIND/KEY]...\n"
    "                    [--deploy-timeout DUR] [--deploy-queue-timeout DUR]\n"
    "                    [--dns-timeout DUR]\n"
    "                    [--health-timeout DUR]\n"
    "\n"
    "Converge the world to the specs: plan, show the plan, ask (or --auto-approve),\n"
    "then create, update and deploy through Coolify and INWX, recording every step.\n"
    "With PLANFILE (from 'vrsctl plan --out'), apply exactly that plan; a plan made\n"
    "against another state or other specs is refused as stale.\n"
    "\n";

static const char apply_usage_end[] =
    "\n"
    "Credentials come from the environment: VRS_COOLIFY_URL, VRS_COOLIFY_TOKEN,\n"
    "VRS_INWX_URL, VRS_INWX_USER, VRS_INWX_PASSWORD, VRS_INWX_TOTP_SECRET (each\n"
    "secret also as NAME_FILE). See vrsctl(1).\n"
    "\n"
    "Exit status: 0 converged, 1 error, a failed action or a stop by SIGTERM/SIGINT\n"
    "(\"interrupted, N actions pending\"), 3 state locked.\n";

enum { R_NONE, R_HEAL, R_REPORT };

static struct {
	bool auto_approve;
	int refresh;
	struct opt_list targets;
	long long deploy_timeout, deploy_queue_timeout;
	long long dns_timeout;
	long long health_timeout;
	struct reconcile_opts ro;
} A = {.deploy_timeout = 30 * 60000LL,
       .health_timeout = 10 * 60000LL,
       .deploy_queue_timeout = 60 * 60000LL,
       .dns_timeout = 30 * 60000LL,
       .ro = {.parallelism = 10, .max_delete_percent = 10}};

static const struct opt_word refresh_words[] = {
    {NULL, R_HEAL}, {"heal", R_HEAL}, {"report", R_REPORT}};

static const struct opt opts[] = {
    {OPT_BOOL, "--auto-approve", NULL, &A.auto_approve,
     .help = "do not ask (required when stdin is not a terminal)"},
    {OPT_INT, "--parallelism", NULL, &A.ro.parallelism, 1, 1000, .arg = "N",
     .help = "remote actions in flight per service (default 10)"},
    {OPT_BOOL, "--allow-delete", NULL, &A.ro.allow_delete,
     .help = "run destructive actions (deleting apps, records, domains);\nwithout it they are "
	     "kept and reported"},
    {OPT_INT, "--max-delete-percent", NULL, &A.ro.max_delete_percent, 0, 100, .arg = "P",
     .help = "refuse when deletes exceed P% of the managed objects\n(default 10; checked from "
	     "10 managed objects on)"},
    {OPT_BOOL, "--force", NULL, &A.ro.force, .help = "apply even above --max-delete-percent"},
    {OPT_BOOL, "--approve-costs", NULL, &A.ro.approve_costs,
     .help = "allow purchases (domain registrations)"},
    {OPT_WORD, "--refresh", NULL, &A.refresh, .words = refresh_words, .nwords = 3,
     .arg = "[=report]",
     .help = "read the remote world first and repair drift; =report: only\nreport it (exit 2 "
	     "when there is drift)"},
    {OPT_LIST, "--target", NULL, &A.targets, .arg = "KIND/KEY",
     .help = "only this object and what it needs (repeatable)"},
    {OPT_DURATION, "--deploy-timeout", NULL, &A.deploy_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "a deployment's running time, counted from when it leaves\nthe build queue "
	     "(default 30m)"},
    {OPT_DURATION, "--deploy-queue-timeout", NULL, &A.deploy_queue_timeout, 1000, 7 * 86400000LL,
     .arg = "DUR", .help = "how long a deployment may wait in Coolify's build queue\n(default 1h)"},
    {OPT_DURATION, "--dns-timeout", NULL, &A.dns_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "how long a project waits for its zone's nameservers to\nserve its new records before "
	     "its FQDNs go to Coolify\n(default 30m)"},
    {OPT_DURATION, "--health-timeout", NULL, &A.health_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "how long a finished deployment may take to answer healthy\n(Coolify "
	     "running:healthy and HTTPS 2xx; default 10m)"},
    {.type = OPT_END},
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void progress_line(void *ud, const char *subject, const char *msg, const char *line)
{
	(void)subject;
	(void)msg;
	bool tty = *(bool *)ud;

	if (cmd_log_json())
		cmd_message("info", NULL, 0, 0, line);
	else if (tty)
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
	buf_release(&text);
	if (c->auto_approve || c->report)
		return true;
	return ask_approval();
}

static int check(struct cmd_ctx *c)
{
	struct sigaction sa;
	bool report = A.refresh == R_REPORT;

	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	if (cmd_check_targets(c->name, &A.targets) != EXIT_OK)
		return EXIT_ERR;
	if (cmd_env_int("VRS_POLL_MS", 0, 3600000, 0, &A.ro.poll_ms) < 0 ||
	    cmd_env_int("VRS_DELETE_WAIT_MS", 0, 3600000, 0, &A.ro.delete_wait_ms) < 0)
		return EXIT_ERR;
	A.ro.deploy_timeout_s = (int)(A.deploy_timeout / 1000);
	A.ro.deploy_queue_timeout_s = (int)(A.deploy_queue_timeout / 1000);
	A.ro.dns_timeout_s = (int)(A.dns_timeout / 1000);
	A.ro.health_timeout_s = (int)(A.health_timeout / 1000);
	if (!A.auto_approve && !report && !isatty(STDIN_FILENO)) {
		cmd_error("apply without a terminal needs --auto-approve");
		return EXIT_ERR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return EXIT_OK;
}

/* what apply did, on stdout (stderr for a cancel); the exit status */
static int report_result(struct cmd_ctx *c, int erc, const struct reconcile_result *rr,
			 const struct vrs_err *err)
{
	const struct global_opts *g = c->g;

	if (!rr->changes) {
		if (!g->quiet)
			printf("No changes. The world matches the specs.\n");
		if (rr->unhealthy && !g->quiet)
			printf("%zu active app%s unhealthy in Coolify (see vrsctl status).\n",
			       rr->unhealthy, rr->unhealthy == 1 ? "" : "s");
		return A.refresh == R_REPORT && rr->unhealthy ? EXIT_CHANGES : EXIT_OK;
	}
	if (rr->cancelled) {
		cmd_info("apply cancelled; nothing changed");
		return EXIT_ERR;
	}
	if (A.refresh == R_REPORT) {
		if (!g->quiet)
			printf(
			    "Drift report: %zu action%s would repair %zu drifted object%s; nothing "
			    "was changed.\n",
			    rr->actions, rr->actions == 1 ? "" : "s", rr->drift,
			    rr->drift == 1 ? "" : "s");
		return rr->drift || rr->unhealthy ? EXIT_CHANGES : EXIT_OK;
	}
	if (!g->quiet) {
		printf("Apply %s: %zu done, %zu failed, %zu skipped, of %zu actions.\n",
		       erc == 0		   ? "complete"
		       : rr->stats.stopped ? "interrupted"
					   : "finished with errors",
		       rr->stats.ok, rr->stats.failed, rr->stats.skipped - rr->stats.kept,
		       rr->stats.total);
		if (rr->stats.kept)
			printf(
			    "%zu destructive action%s kept; run with --allow-delete to delete.\n",
			    rr->stats.kept, rr->stats.kept == 1 ? " was" : "s were");
	}
	if (erc < 0)
		return cmd_fail(err);
	return EXIT_OK;
}

static int run(struct cmd_ctx *c)
{
	const struct global_opts *g = c->g;
	struct reconcile_opts ro = A.ro;
	struct reconcile_result rr;
	struct confirm_ctx cc = {.g = g, .auto_approve = A.auto_approve};
	struct diag_list conflicts;
	struct vrs_err err;
	char *who = engine_triggered_by(g->specs), *commit = engine_spec_commit(g->specs);
	bool tty_err = isatty(STDERR_FILENO);
	int rc = EXIT_ERR, erc;

	diag_init(&conflicts);
	err_clear(&err);
	cc.report = A.refresh == R_REPORT;
	ro.targets = A.targets.v;
	ro.ntargets = A.targets.n;
	ro.refresh = A.refresh == R_REPORT ? REFRESH_REPORT
		     : A.refresh == R_HEAL ? REFRESH_HEAL
					   : REFRESH_NONE;
	ro.planfile = c->nargs ? c->args[0] : NULL;
	ro.verbose = g->verbose > 0;
	ro.http_trace = g->verbose >= 2 ? cmd_http_trace : NULL;
	ro.confirm = confirm;
	ro.confirm_ud = &cc;
	ro.progress = g->quiet ? NULL : progress_line;
	ro.progress_ud = &tty_err;
	ro.stop = &stop_flag;
	ro.triggered_by = who;
	ro.spec_commit = commit;
	erc = engine_reconcile(c->st, &c->pv, &c->in, &ro, &rr, &conflicts, &err);
	/* a run whose lock session ended fails for that reason: exit 3, not 1 */
	if (erc < 0 && err.code != VRS_E_LOCKED) {
		struct vrs_err lost;
		err_clear(&lost);
		if (state_writer_check(c->st, &lost) < 0)
			err = lost;
	}
	if (tty_err && !g->quiet && rr.stats.total)
		fputs("\r\033[K", stderr);
	if (rr.adopted && !g->quiet)
		cmd_info("adopted %zu object%s left by an interrupted run", rr.adopted,
			 rr.adopted == 1 ? "" : "s");
	if (conflicts.n)
		cmd_print_diags(&conflicts, g->specs, "nothing applied");
	else if (erc < 0 && rr.stats.total == 0)
		rc = cmd_fail(&err);
	else
		rc = report_result(c, erc, &rr, &err);
	diag_release(&conflicts);
	free(who);
	free(commit);
	return rc;
}

const struct cmd_spec cmd_apply = {
    .opts = opts,
    .usage = apply_usage,
    .usage_end = apply_usage_end,
    .help_width = 23,
    .diag_what = "nothing applied",
    .check = check,
    .run = run,
};
