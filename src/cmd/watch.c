/*
 * watch.c — `vrsctl watch`: the daemon. Holds the state lock for its whole
 * life, reconciles when the specs change (inotify, debounced) and on a
 * timer (refreshing the remote world to heal drift), and prints one line
 * per event, as text or JSON (--log-format json). Optionally writes
 * Prometheus metrics after each reconcile.
 */
#include "cmd/cmd.h"
#include "engine/watch.h"
#include "state/state.h"
#include "util/buf.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char watch_usage[] =
    "usage: vrsctl watch [--debounce DUR] [--interval DUR] [--once] [--refresh=report]\n"
    "                    [--metrics-file PATH] [--parallelism N] [--allow-delete]\n"
    "                    [--max-delete-percent P] [--force] [--approve-costs]\n"
    "\n"
    "Run as a daemon: apply the specs whenever they change (inotify on the specs tree,\n"
    "new directories included; a burst of changes such as an editor's save or a git\n"
    "checkout gives one reconcile) and every --interval read the remote world and\n"
    "repair drift. Invalid specs are reported with their positions and nothing is\n"
    "applied; the last good specs stay in force. Holds the state lock while it runs.\n"
    "\n"
    "  --debounce DUR         quiet time after a change before reconciling (default 300ms)\n"
    "  --interval DUR         periodic refresh (default 10m; 0 = never)\n"
    "  --once                 one reconcile with refresh, then exit (for a systemd timer)\n"
    "  --refresh=report       on ticks, log the drift found without repairing it\n"
    "  --metrics-file PATH    write Prometheus text metrics after each reconcile\n"
    "  --parallelism N, --allow-delete, --max-delete-percent P, --force, --approve-costs\n"
    "                         as for apply\n"
    "\n"
    "Signals: SIGTERM/SIGINT finish the calls in flight and exit 0; SIGHUP reloads now.\n"
    "Durations: 300ms, 4s, 10m, 1h. Credentials as for apply (vrsctl(1) ENVIRONMENT).\n"
    "\n"
    "Exit status: 0 stopped by a signal (or --once succeeded), 1 error, 3 state locked.\n";

struct metrics {
	const char *path;
	const char *state_path;
	unsigned long long reconciles_ok, reconciles_failed;
	unsigned long long actions_ok, actions_failed, actions_skipped, drift;
	unsigned long long adopted;
	double last_success, last_duration;
};

struct watch_ctx {
	const struct global_opts *g;
	struct metrics m;
	int last_rc;
};

static void iso_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void on_event(void *ud, const struct watch_event *ev)
{
	struct watch_ctx *c = ud;
	char t[40];
	struct buf b;

	if (c->g->quiet && strcmp(ev->level, "error") != 0)
		return;
	iso_now(t, sizeof(t));
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
	buf_free(&b);
}

/* Prometheus text format, written next to the target and renamed over it */
static int write_metrics(const struct metrics *m, struct vrs_err *err)
{
	struct state *st = NULL;
	struct m_world w;
	size_t by_status[PS__MAX] = {0};
	struct buf b;

	world_init(&w);
	if (state_open(m->state_path, STATE_READ, &st, err) < 0 || state_load(st, &w, err) < 0) {
		state_close(st);
		world_free(&w);
		return -1;
	}
	state_close(st);
	for (size_t i = 0; i < w.nprojects; i++)
		if ((int)w.projects[i].status >= 0 && w.projects[i].status < PS__MAX)
			by_status[w.projects[i].status]++;
	world_free(&w);
	buf_init(&b);
	buf_puts(&b, "# HELP vrsctl_projects Projects by provisioning status.\n"
		     "# TYPE vrsctl_projects gauge\n");
	for (int s = 0; s < PS__MAX; s++)
		buf_printf(&b, "vrsctl_projects{status=\"%s\"} %zu\n",
			   m_prov_status_name((enum m_prov_status)s), by_status[s]);
	buf_printf(&b,
		   "# HELP vrsctl_actions_total Plan actions run, by result.\n"
		   "# TYPE vrsctl_actions_total counter\n"
		   "vrsctl_actions_total{result=\"ok\"} %llu\n"
		   "vrsctl_actions_total{result=\"failed\"} %llu\n"
		   "vrsctl_actions_total{result=\"skipped\"} %llu\n"
		   "# HELP vrsctl_reconciles_total Reconciles, by result.\n"
		   "# TYPE vrsctl_reconciles_total counter\n"
		   "vrsctl_reconciles_total{result=\"ok\"} %llu\n"
		   "vrsctl_reconciles_total{result=\"error\"} %llu\n"
		   "# HELP vrsctl_drift_total Drifted objects found by refreshes.\n"
		   "# TYPE vrsctl_drift_total counter\n"
		   "vrsctl_drift_total %llu\n"
		   "# HELP vrsctl_adopted_total Objects adopted after an interrupted run.\n"
		   "# TYPE vrsctl_adopted_total counter\n"
		   "vrsctl_adopted_total %llu\n"
		   "# HELP vrsctl_last_success_timestamp_seconds End of the last successful "
		   "reconcile.\n"
		   "# TYPE vrsctl_last_success_timestamp_seconds gauge\n"
		   "vrsctl_last_success_timestamp_seconds %.3f\n"
		   "# HELP vrsctl_reconcile_duration_seconds Duration of the last reconcile.\n"
		   "# TYPE vrsctl_reconcile_duration_seconds gauge\n"
		   "vrsctl_reconcile_duration_seconds %.3f\n",
		   m->actions_ok, m->actions_failed, m->actions_skipped, m->reconciles_ok,
		   m->reconciles_failed, m->drift, m->adopted, m->last_success, m->last_duration);
	if (file_write_atomic(m->path, b.data, b.len, err) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

static void after_reconcile(void *ud, int rc, const struct reconcile_result *r,
			    long long duration_ms)
{
	struct watch_ctx *c = ud;
	struct vrs_err err;

	c->last_rc = rc;
	if (rc == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		c->m.reconciles_ok++;
		c->m.last_success = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	} else {
		c->m.reconciles_failed++;
	}
	c->m.actions_ok += r->stats.ok;
	c->m.actions_failed += r->stats.failed;
	c->m.actions_skipped += r->stats.skipped;
	c->m.drift += r->drift;
	c->m.adopted += r->adopted;
	c->m.last_duration = (double)duration_ms / 1000.0;
	if (c->m.path == NULL)
		return;
	err_clear(&err);
	if (write_metrics(&c->m, &err) < 0) {
		struct watch_event ev = {"error", "metrics_failed", NULL, NULL, -1, err.msg};
		on_event(c, &ev);
	}
}

static int parse_int(const char *flag, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == 0 || *end || n < lo || n > hi)
		return cmd_usage_error("watch", "%s wants a number from %d to %d, not '%s'", flag,
				       lo, hi, v);
	*out = (int)n;
	return 0;
}

int cmd_watch(int argc, char **argv, const struct global_opts *g)
{
	struct watch_opts wo = {0};
	struct watch_ctx ctx = {.g = g};
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct providers *pv = NULL;
	struct vrs_err err;
	char *who = NULL, *commit = NULL;
	long long debounce = 300, interval = 600000;
	int pid = 0, rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, watch_usage))
		return EXIT_OK;
	wo.base.parallelism = 10;
	wo.base.max_delete_percent = 10;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *eq = strchr(s, '='), *v = NULL;
		size_t n = eq ? (size_t)(eq - s) : strlen(s);
		const char *valued[] = {"--debounce", "--interval", "--metrics-file",
					"--parallelism", "--max-delete-percent"};
		bool takes = false;

		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
			takes |= strlen(valued[k]) == n && strncmp(s, valued[k], n) == 0;
		if (takes) {
			v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (v == NULL || *v == 0)
				return cmd_usage_error("watch", "%.*s needs a value", (int)n, s);
		}
		if (strncmp(s, "--debounce", n) == 0 && takes) {
			if ((debounce = cmd_parse_duration(v)) < 0)
				return cmd_usage_error("watch",
						       "--debounce: '%s' is not a duration", v);
		} else if (strncmp(s, "--interval", n) == 0 && takes) {
			if ((interval = cmd_parse_duration(v)) < 0)
				return cmd_usage_error("watch",
						       "--interval: '%s' is not a duration", v);
		} else if (strncmp(s, "--metrics-file", n) == 0 && takes) {
			ctx.m.path = v;
		} else if (strncmp(s, "--parallelism", n) == 0 && takes) {
			if (parse_int("--parallelism", v, 1, 1000, &wo.base.parallelism) < 0)
				return EXIT_ERR;
		} else if (takes) {
			if (parse_int("--max-delete-percent", v, 0, 100,
				      &wo.base.max_delete_percent) < 0)
				return EXIT_ERR;
		} else if (strcmp(s, "--once") == 0) {
			wo.once = true;
		} else if (strcmp(s, "--allow-delete") == 0) {
			wo.base.allow_delete = true;
		} else if (strcmp(s, "--force") == 0) {
			wo.base.force = true;
		} else if (strcmp(s, "--approve-costs") == 0) {
			wo.base.approve_costs = true;
		} else if (strcmp(s, "--refresh=report") == 0) {
			wo.refresh = REFRESH_REPORT;
		} else if (strcmp(s, "--refresh") == 0 || strcmp(s, "--refresh=heal") == 0) {
			wo.refresh = REFRESH_HEAL;
		} else {
			return cmd_usage_error("watch", "unknown argument '%s'", s);
		}
	}
	err_clear(&err);
	if (state_lock(g->state, &lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		return cmd_exit_status(&err);
	}
	who = engine_triggered_by(g->specs);
	commit = engine_spec_commit(g->specs);
	if (state_open(g->state, STATE_WRITE, &st, &err) < 0 ||
	    providers_open(false, false, g->verbose, &pv, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	ctx.m.state_path = g->state;
	wo.specs = g->specs;
	wo.debounce_ms = (int)debounce;
	wo.interval_ms = interval;
	wo.base.verbose = g->verbose > 0;
	wo.base.verbose_http = g->verbose;
	wo.base.triggered_by = who;
	wo.base.spec_commit = commit;
	wo.base.poll_ms = getenv("VRS_POLL_MS") ? atoi(getenv("VRS_POLL_MS")) : 0;
	wo.event = on_event;
	wo.event_ud = &ctx;
	wo.after = after_reconcile;
	wo.after_ud = &ctx;
	if (engine_watch(st, &pv, &wo, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	rc = wo.once && ctx.last_rc < 0 ? EXIT_ERR : EXIT_OK;
out:
	providers_close(pv);
	state_close(st);
	state_unlock(lk);
	free(who);
	free(commit);
	return rc;
}
