/*
 * watch.c — `vrsctl watch`: the daemon. Holds the state lock for its whole
 * life, reconciles when the specs change (inotify, debounced) and on a
 * timer (refreshing the remote world to heal drift), and prints one line
 * per event, as text or JSON (--log-format json). Optionally writes
 * Prometheus metrics after each reconcile.
 *
 * On PostgreSQL a watch is a hot standby while another process holds the
 * writer lock: it tries the lock about once a second (answering SIGTERM and
 * SIGINT meanwhile), then leads; a leader whose lock session is lost stops
 * writing and waits again.
 */
#include "cmd/cmd.h"
#include "engine/metrics.h"
#include "engine/watch.h"
#include "plan/plan.h"
#include "util/buf.h"
#include "util/file.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char watch_usage[] =
    "usage: vrsctl watch [--debounce DUR] [--interval DUR] [--once] [--refresh=report]\n"
    "                    [--metrics-file PATH] [--parallelism N] [--allow-delete]\n"
    "                    [--max-delete-percent P] [--force] [--approve-costs]\n"
    "                    [--deploy-timeout DUR] [--deploy-queue-timeout DUR]\n"
    "                    [--dns-timeout DUR]\n"
    "                    [--health-timeout DUR] [--plan-out PLANFILE]\n"
    "                    [--refresh-zones N|P%] [--full-refresh DUR]\n"
    "\n"
    "Run as a daemon: apply the specs whenever they change (inotify on the specs tree,\n"
    "new directories included; a burst of changes such as an editor's save or a git\n"
    "checkout gives one reconcile) and every --interval read the remote world and\n"
    "repair drift (a tick reads the Coolify lists and a share of the zones, the least\n"
    "recently read first; a spec edit is taken between two zone reads). Invalid specs\n"
    "are reported with their positions and nothing is applied; the last good specs\n"
    "stay in force. Holds the state lock while it runs; on a PostgreSQL state whose\n"
    "lock another watch holds it waits as a hot standby and takes over when the\n"
    "holder ends, and a NOTIFY vrsctl, 'SLUG' reconciles now.\n"
    "\n";

static const char watch_usage_end[] =
    "\n"
    "Signals: SIGTERM/SIGINT finish the calls in flight and exit 0; SIGHUP reloads now.\n"
    "Durations: 300ms, 4s, 10m, 1h. Credentials as for apply (vrsctl(1) ENVIRONMENT).\n"
    "\n"
    "Exit status: 0 stopped by a signal (or --once succeeded), 1 error, 3 state locked\n"
    "(SQLite, or --once; on PostgreSQL a watch waits for the lock instead).\n";

enum { R_HEAL = 1, R_REPORT };

static struct {
	long long debounce, interval;
	long long deploy_timeout, deploy_queue_timeout;
	long long dns_timeout;
	long long health_timeout;
	long long full_refresh;
	const char *refresh_zones;
	int refresh;
	struct watch_opts wo;
	struct watch_metrics m;
	const char *plan_out;
} A = {.debounce = 300,
       .interval = 600000,
       .deploy_timeout = 30 * 60000LL,
       .deploy_queue_timeout = 60 * 60000LL,
       .dns_timeout = 30 * 60000LL,
       .health_timeout = 10 * 60000LL,
       .full_refresh = 3600000,
       .wo = {.base = {.parallelism = 10, .max_delete_percent = 10}}};

static const struct opt_word refresh_words[] = {
    {NULL, R_HEAL}, {"heal", R_HEAL}, {"report", R_REPORT}};

static const struct opt opts[] = {
    {OPT_DURATION, "--debounce", NULL, &A.debounce, 0, 86400000, .arg = "DUR",
     .help = "quiet time after a change before reconciling (default 300ms)"},
    {OPT_DURATION, "--interval", NULL, &A.interval, 0, 1000000000LL * 3600000, .arg = "DUR",
     .help = "periodic refresh (default 10m; 0 = never)"},
    {OPT_BOOL, "--once", NULL, &A.wo.once,
     .help = "one reconcile with refresh, then exit (for a systemd timer)"},
    {OPT_WORD, "--refresh", NULL, &A.refresh, .words = refresh_words, .nwords = 3, .arg = "=report",
     .help = "on ticks, log the drift found without repairing it"},
    {OPT_STRING, "--metrics-file", NULL, &A.m.path, .arg = "PATH",
     .help = "write Prometheus text metrics after each reconcile"},
    {OPT_INT, "--parallelism", NULL, &A.wo.base.parallelism, 1, 1000, .arg = "N",
     .help = "as for apply"},
    {OPT_BOOL, "--allow-delete", NULL, &A.wo.base.allow_delete, .help = "as for apply"},
    {OPT_INT, "--max-delete-percent", NULL, &A.wo.base.max_delete_percent, 0, 100, .arg = "P",
     .help = "as for apply"},
    {OPT_BOOL, "--force", NULL, &A.wo.base.force, .help = "as for apply"},
    {OPT_BOOL, "--approve-costs", NULL, &A.wo.base.approve_costs, .help = "as for apply"},
    {OPT_DURATION, "--deploy-timeout", NULL, &A.deploy_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "as for apply (default 30m)"},
    {OPT_DURATION, "--deploy-queue-timeout", NULL, &A.deploy_queue_timeout, 1000, 7 * 86400000LL,
     .arg = "DUR", .help = "as for apply (default 1h)"},
    {OPT_DURATION, "--dns-timeout", NULL, &A.dns_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "as for apply (default 30m)"},
    {OPT_DURATION, "--health-timeout", NULL, &A.health_timeout, 1000, 7 * 86400000LL, .arg = "DUR",
     .help = "as for apply (default 10m)"},
    {OPT_STRING, "--plan-out", NULL, &A.plan_out, .arg = "PLANFILE",
     .help = "write each reconcile's plan as JSON (as plan --out) before applying it"},
    {OPT_STRING, "--refresh-zones", NULL, &A.refresh_zones, .arg = "N|P%",
     .help = "zones a tick reads, oldest-read first (default 10%)"},
    {OPT_DURATION, "--full-refresh", NULL, &A.full_refresh, 1000, 366 * 86400000LL, .arg = "DUR",
     .help = "every zone read at least once per DUR (default 1h)"},
    {.type = OPT_END},
};

struct watch_ctx {
	const struct global_opts *g;
	int last_rc;
	struct providers **pv; /* the watch's providers (their HTTP retry count) */
};

static void on_event(void *ud, const struct watch_event *ev)
{
	struct watch_ctx *c = ud;
	char t[40];
	struct buf b;

	if (c->g->quiet && strcmp(ev->level, "error") != 0)
		return;
	cmd_iso_now(t, sizeof(t));
	buf_init(&b);
	if (c->g->log_json) {
		buf_puts(&b, "{\"time\": ");
		buf_json_str(&b, t);
		buf_puts(&b, ", \"level\": ");
		buf_json_str(&b, ev->level);
		buf_puts(&b, ", \"event\": ");
		buf_json_str(&b, ev->event);
		buf_puts(&b, ", \"project\": ");
		buf_json_str(&b, ev->project);
		buf_puts(&b, ", \"action\": ");
		buf_json_str(&b, ev->action);
		if (ev->duration_ms >= 0)
			buf_printf(&b, ", \"duration\": %.3f", (double)ev->duration_ms / 1000.0);
		else
			buf_puts(&b, ", \"duration\": null");
		buf_puts(&b, ", \"message\": ");
		buf_json_str(&b, ev->message);
		buf_puts(&b, "}\n");
	} else {
		buf_printf(&b, "%s %-5s %s", t, ev->level, ev->event);
		if (ev->project)
			buf_printf(&b, " %s", ev->project);
		if (ev->action)
			buf_printf(&b, " %s%s", ev->project ? "" : "(", ev->action);
		if (ev->action && !ev->project)
			buf_puts(&b, ")");
		if (ev->duration_ms >= 0)
			buf_printf(&b, " in %.2fs", (double)ev->duration_ms / 1000.0);
		if (ev->message)
			buf_printf(&b, ": %s", ev->message);
		buf_puts(&b, "\n");
	}
	/* events go to stderr, like every diagnostic; one write per line */
	fwrite(b.data, 1, b.len, stderr);
	fflush(stderr);
	buf_release(&b);
}

static void after_reconcile(void *ud, int rc, const struct reconcile_result *r,
			    long long duration_ms)
{
	struct watch_ctx *c = ud;
	struct vrs_err err;

	c->last_rc = rc;
	metrics_add(&A.m, rc, r, duration_ms);
	A.m.http_retries = engine_http_retries(*c->pv);
	if (A.m.path == NULL)
		return;
	err_clear(&err);
	if (metrics_write(&A.m, &err) < 0) {
		struct watch_event ev = {"error", "metrics_failed", NULL, NULL, -1, err.msg};
		on_event(c, &ev);
	}
}

/* --plan-out: the plan as `plan --out` writes it, atomically, before it runs */
static void on_planned(void *ud, const struct m_plan *plan, const struct m_world *desired)
{
	struct watch_ctx *c = ud;
	struct vrs_err err;
	struct buf json;

	err_clear(&err);
	buf_init(&json);
	if (plan_render_json(plan, desired, false, false, &json) < 0 ||
	    file_write_private(A.plan_out, json.data, json.len, &err) < 0) {
		struct watch_event ev = {
		    "error", "plan_out_failed",
		    NULL,    NULL,
		    -1,	     err.msg[0] ? err.msg : "rendering the plan failed"};
		on_event(c, &ev);
	}
	buf_release(&json);
}

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 0)
		return cmd_usage_error(c->name, "unknown argument '%s'", c->args[0]);
	if (cmd_env_int("VRS_POLL_MS", 0, 3600000, 0, &A.wo.base.poll_ms) < 0 ||
	    cmd_env_int("VRS_DELETE_WAIT_MS", 0, 3600000, 0, &A.wo.base.delete_wait_ms) < 0)
		return EXIT_ERR;
	A.wo.base.deploy_timeout_s = (int)(A.deploy_timeout / 1000);
	A.wo.base.deploy_queue_timeout_s = (int)(A.deploy_queue_timeout / 1000);
	A.wo.base.dns_timeout_s = (int)(A.dns_timeout / 1000);
	A.wo.base.health_timeout_s = (int)(A.health_timeout / 1000);
	/* a one-shot run (a timer job) does not wait: exit 3, or --lock-timeout */
	c->standby = !A.wo.once;
	A.wo.share.full_s = A.full_refresh / 1000;
	A.wo.share.percent = 10;
	if (A.refresh_zones) {
		char *end = NULL;
		long long v = strtoll(A.refresh_zones, &end, 10);
		bool pct = end && *end == '%' && end[1] == 0;
		if (end == A.refresh_zones || v < 1 || (!pct && *end) || (pct && v > 100) ||
		    v > 100000000)
			return cmd_usage_error(
			    c->name,
			    "--refresh-zones wants a count (5) or a share (10%%), "
			    "not '%s'",
			    A.refresh_zones);
		A.wo.share.percent = pct ? (int)v : 0;
		A.wo.share.zones = pct ? 0 : (size_t)v;
	}
	return EXIT_OK;
}

static void say(struct watch_ctx *ctx, const char *level, const char *event, const char *msg)
{
	struct watch_event ev = {level, event, NULL, NULL, -1, msg};
	on_event(ctx, &ev);
}

/* the metrics of a standby: who leads (the reconcile counters stay); 0
 * written (or no metrics file), -1 failed (said; the caller tries again) */
static int standby_metrics(struct watch_ctx *ctx, const char *holder)
{
	struct vrs_err err;

	A.m.leader = 0;
	snprintf(A.m.holder, sizeof(A.m.holder), "%s", holder);
	err_clear(&err);
	if (A.m.path && metrics_write(&A.m, &err) < 0) {
		say(ctx, "error", "metrics_failed", err.msg);
		return -1;
	}
	return 0;
}

/* wait for the writer lock as a hot standby, trying it about once a second
 * (after `first` seconds): 0 leading (state open), 1 stopped by
 * SIGTERM/SIGINT, -1 error */
static int standby(struct cmd_ctx *c, struct watch_ctx *ctx, int first, struct vrs_err *err)
{
	struct timespec wait = {first > 1 ? first : 1, 0};
	bool yield = first > 1, metrics_due = false;
	char holder[128], last[128] = "-", msg[300];
	sigset_t mask;

	/* blocked and taken with sigtimedwait; engine_watch's signalfd later */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	for (;;) {
		int sig;

		if (yield) {
			say(ctx, "info", "standby", "yielding the writer lock to a waiting watch");
			standby_metrics(ctx, "");
		} else if (state_lock(c->g->state, &c->lk, NULL, err) == 0) {
			break;
		} else {
			if (err->code != VRS_E_LOCKED)
				return -1;
			err_clear(err);
			if (state_lock_holder(c->g->state, holder, sizeof(holder), err) < 0)
				return -1;
			if (strcmp(holder, last) != 0) {
				snprintf(msg, sizeof(msg),
					 "the writer lock is held by %s; waiting for it",
					 *holder ? holder : "another process");
				say(ctx, "info", "standby", msg);
				snprintf(last, sizeof(last), "%s", holder);
				metrics_due = true;
			}
			/* a failed write (the leader migrating, say) is tried again */
			if (metrics_due && standby_metrics(ctx, holder) == 0)
				metrics_due = false;
		}
		sig = sigtimedwait(&mask, NULL, &wait);
		wait.tv_sec = 1;
		yield = false;
		if (sig == SIGTERM || sig == SIGINT)
			return 1;
		if (sig < 0 && errno != EAGAIN && errno != EINTR)
			return err_set(err, "watch: waiting for the lock: %s", strerror(errno));
	}
	if (cmd_standby_open(c, err) < 0)
		return -1;
	say(ctx, "info", "leading", "took the writer lock");
	return 0;
}

/* lead (from the start, or after waiting as a standby) until a signal; a
 * leader that lost the lock on PostgreSQL goes back to waiting */
static int lead(struct cmd_ctx *c, struct watch_ctx *ctx, struct watch_opts *wo)
{
	struct vrs_err err;
	int first = 0;

	for (;;) {
		int r = 0;

		err_clear(&err);
		if (c->st == NULL && (r = standby(c, ctx, first, &err)) != 0) {
			if (r < 0)
				return cmd_fail(&err);
			say(ctx, "info", "watch_stopped", "signal (standby)");
			return EXIT_OK;
		}
		A.m.leader = 1;
		state_self_name(A.m.holder, sizeof(A.m.holder));
		if (engine_watch(c->st, &c->pv, wo, &err) == 0)
			return wo->once && ctx->last_rc < 0 ? EXIT_ERR : EXIT_OK;
		if (!c->standby || err.code != VRS_E_LOCKED || !state_is_postgres(c->g->state))
			return cmd_fail(&err);
		say(ctx, "error", "leadership_lost", err.msg);
		cmd_standby_close(c);
		/* a standby already waiting tries within its second: it goes first
		 * (this process's connection may be what failed) */
		first = 2;
	}
}

static int run(struct cmd_ctx *c)
{
	struct watch_ctx ctx = {.g = c->g, .pv = &c->pv};
	struct watch_opts *wo = &A.wo;
	char *who = engine_triggered_by(c->g->specs), *commit = engine_spec_commit(c->g->specs);
	int rc;

	A.m.state_path = c->g->state;
	wo->specs = c->g->specs;
	wo->debounce_ms = (int)A.debounce;
	wo->interval_ms = A.interval;
	wo->refresh = A.refresh == R_REPORT ? REFRESH_REPORT
		      : A.refresh == R_HEAL ? REFRESH_HEAL
					    : REFRESH_NONE;
	wo->base.verbose = c->g->verbose > 0;
	wo->base.http_trace = c->g->verbose >= 2 ? cmd_http_trace : NULL;
	wo->base.triggered_by = who;
	wo->base.spec_commit = commit;
	wo->event = on_event;
	wo->event_ud = &ctx;
	wo->after = after_reconcile;
	wo->after_ud = &ctx;
	wo->planned = A.plan_out ? on_planned : NULL;
	wo->planned_ud = &ctx;
	rc = lead(c, &ctx, wo);
	free(who);
	free(commit);
	return rc;
}

const struct cmd_spec cmd_watch = {
    .opts = opts,
    .usage = watch_usage,
    .usage_end = watch_usage_end,
    .help_width = 22,
    .check = check,
    .run = run,
};
