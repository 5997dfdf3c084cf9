/*
 * metrics.h — `vrsctl watch`'s Prometheus metrics: counters summed over
 * the reconciles of one watch, plus the projects by provisioning status
 * read from the state, written as a text file after each reconcile.
 */
#ifndef VRS_ENGINE_METRICS_H
#define VRS_ENGINE_METRICS_H

#include "engine/engine.h"

struct watch_metrics {
	const char *path;	/* the metrics file; NULL: none is written */
	const char *state_path; /* the state the project gauges are read from */
	unsigned long long reconciles_ok, reconciles_failed;
	unsigned long long actions_ok, actions_failed, actions_skipped, drift;
	unsigned long long adopted;
	unsigned long long http_retries; /* set by the caller: engine_http_retries */
	double last_success, last_duration;
	/* the hot standby (PostgreSQL): 1 this watch leads, 0 it waits; holder
	 * names the writer lock's holder ("" unknown) */
	int leader;
	char holder[128];
	/* the last refresh: its read calls and zones read (watch ticks read a share) */
	size_t refresh_reads, refresh_zones;
	bool refreshed;
};

/* count one reconcile (rc 0: succeeded) that took duration_ms */
void metrics_add(struct watch_metrics *m, int rc, const struct reconcile_result *r,
		 long long duration_ms);
/* write m->path (next to it, renamed over it) in Prometheus text format */
int metrics_write(const struct watch_metrics *m, struct vrs_err *err);

#endif
