/*
 * metrics.c — watch metrics (see metrics.h): the counters, and the file in
 * Prometheus text format, with the projects by status from the state.
 */
#include "engine/metrics.h"
#include "state/state.h"
#include "util/buf.h"
#include "util/file.h"

#include <time.h>

void metrics_add(struct watch_metrics *m, int rc, const struct reconcile_result *r,
		 long long duration_ms)
{
	if (rc == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		m->reconciles_ok++;
		m->last_success = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	} else {
		m->reconciles_failed++;
	}
	m->actions_ok += r->stats.ok;
	m->actions_failed += r->stats.failed;
	m->actions_skipped += r->stats.skipped;
	m->drift += r->drift;
	m->adopted += r->adopted;
	m->last_duration = (double)duration_ms / 1000.0;
	if (r->refresh.reads) {
		m->refreshed = true;
		m->refresh_reads = r->refresh.reads;
		m->refresh_zones = r->refresh.zones;
	}
}

/* when vrsctl last read each zone (never: 0), and what the last refresh read */
static void zone_metrics(struct buf *b, const struct watch_metrics *m,
			 const struct state_zone_reads *z)
{
	buf_puts(b, "# HELP vrsctl_zone_last_read_timestamp_seconds When a refresh last read "
		    "the zone (0: never).\n"
		    "# TYPE vrsctl_zone_last_read_timestamp_seconds gauge\n");
	for (size_t i = 0; i < z->n; i++)
		buf_printf(b, "vrsctl_zone_last_read_timestamp_seconds{zone=\"%s\"} %lld\n",
			   z->v[i].zone, z->v[i].read_at);
	if (!m->refreshed)
		return;
	buf_printf(b,
		   "# HELP vrsctl_refresh_reads Read calls of the last refresh.\n"
		   "# TYPE vrsctl_refresh_reads gauge\n"
		   "vrsctl_refresh_reads %zu\n"
		   "# HELP vrsctl_refresh_zones_read Zones the last refresh read.\n"
		   "# TYPE vrsctl_refresh_zones_read gauge\n"
		   "vrsctl_refresh_zones_read %zu\n",
		   m->refresh_reads, m->refresh_zones);
}

/* observed health: unhealthy active apps, and each known certificate's time left */
static void health_metrics(struct buf *b, const struct m_world *w, long long now)
{
	size_t unhealthy = 0;

	buf_puts(b, "# HELP vrsctl_certificate_expiry_seconds Seconds until the certificate "
		    "seen for the domain expires (negative: expired).\n"
		    "# TYPE vrsctl_certificate_expiry_seconds gauge\n");
	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];

		unhealthy += p->status == PS_ACTIVE && p->unhealthy;
		for (size_t k = 0; k < p->ndomains; k++)
			if (p->domains[k].ssl_expires_at)
				buf_printf(
				    b, "vrsctl_certificate_expiry_seconds{domain=\"%s\"} %lld\n",
				    p->domains[k].fqdn, p->domains[k].ssl_expires_at - now);
	}
	buf_printf(b,
		   "# HELP vrsctl_unhealthy_projects Active projects whose app the last refresh "
		   "saw unhealthy.\n"
		   "# TYPE vrsctl_unhealthy_projects gauge\n"
		   "vrsctl_unhealthy_projects %zu\n",
		   unhealthy);
}

/* Prometheus text format, written next to the target and renamed over it */
int metrics_write(const struct watch_metrics *m, struct vrs_err *err)
{
	struct state *st = NULL;
	struct m_world w;
	struct state_zone_reads z = {0};
	size_t by_status[PS__MAX] = {0};
	struct buf b;

	world_init(&w);
	if (state_open(m->state_path, STATE_READ, &st, err) < 0 || state_load(st, &w, err) < 0 ||
	    state_zone_reads_load(st, &z, err) < 0) {
		state_close(st);
		world_release(&w);
		return -1;
	}
	state_close(st);
	for (size_t i = 0; i < w.nprojects; i++)
		if ((int)w.projects[i].status >= 0 && w.projects[i].status < PS__MAX)
			by_status[w.projects[i].status]++;
	buf_init(&b);
	health_metrics(&b, &w, (long long)time(NULL));
	world_release(&w);
	zone_metrics(&b, m, &z);
	state_zone_reads_release(&z);
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
		   "# HELP vrsctl_http_retries_total HTTP calls asked again after a transient "
		   "failure.\n"
		   "# TYPE vrsctl_http_retries_total counter\n"
		   "vrsctl_http_retries_total %llu\n"
		   "# HELP vrsctl_last_success_timestamp_seconds End of the last successful "
		   "reconcile.\n"
		   "# TYPE vrsctl_last_success_timestamp_seconds gauge\n"
		   "vrsctl_last_success_timestamp_seconds %.3f\n"
		   "# HELP vrsctl_reconcile_duration_seconds Duration of the last reconcile.\n"
		   "# TYPE vrsctl_reconcile_duration_seconds gauge\n"
		   "vrsctl_reconcile_duration_seconds %.3f\n",
		   m->actions_ok, m->actions_failed, m->actions_skipped, m->reconciles_ok,
		   m->reconciles_failed, m->drift, m->adopted, m->http_retries, m->last_success,
		   m->last_duration);
	buf_puts(&b,
		 "# HELP vrsctl_leader 1 while this watch holds the writer lock and reconciles, "
		 "0 while it waits as a standby; holder: the lock holder's name.\n"
		 "# TYPE vrsctl_leader gauge\nvrsctl_leader{holder=\"");
	for (const char *p = m->holder; *p; p++)
		buf_printf(&b, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p == '\n' ? ' ' : *p);
	buf_printf(&b, "\"} %d\n", m->leader);
	if (file_write_atomic(m->path, b.data, b.len, err) < 0) {
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	return 0;
}
