/*
 * http_bench.c — throughput of the Coolify client against the simulator.
 *
 *   http_bench latency URL N LATENCY_MS   N GET /applications at parallelism 1, 5, 10, 25, 50
 *                                         (budget off): wall time vs the floor N*latency/P
 *   http_bench budget URL PER_MIN SECONDS [unpaced]
 *                                         as many calls as the budget allows for SECONDS
 *                                         (more than one 60 s window, so more than the
 *                                         simulator's limit is offered in one window):
 *                                         elapsed vs the floor ok/budget, count of 429s;
 *                                         "unpaced": the same load without the client's
 *                                         token bucket, which does get 429s
 * The simulator is started by tests/bench/http_bench.sh. Prints ROW lines for
 * tests/bench/table.py on stdout.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/coolify.h"

struct counts {
	int ok, failed, r429;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_trace(void *ud, const char *svc, const char *line)
{
	struct counts *c = ud;

	(void)svc;
	if (strncmp(line, "< HTTP 429", 10) == 0)
		c->r429++;
}

static void on_done(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct counts *c = ud;

	(void)err;
	if (rc == 0)
		c->ok++;
	else
		c->failed++;
	coolify_result_free(COOLIFY_K_APPS, res);
}

static int latency(const char *url, int n, int lat_ms)
{
	static const int par[] = {1, 5, 10, 25, 50};

	for (size_t i = 0; i < sizeof(par) / sizeof(par[0]); i++) {
		struct vrs_err err;
		struct http_pool *pool;
		struct coolify *c;
		struct coolify_opts o;
		struct counts cnt = {0, 0, 0};
		double t0, wall, floor_ms;

		err_clear(&err);
		pool = http_pool_new(&err);
		memset(&o, 0, sizeof(o));
		o.rate_per_min = 1e7;
		o.max_in_flight = par[i];
		c = pool ? coolify_new(pool, url, "sim-coolify-token", &o, &err) : NULL;
		if (c == NULL) {
			fprintf(stderr, "http_bench: %s\n", err.msg);
			return 1;
		}
		http_pool_set_trace(pool, on_trace, &cnt);
		t0 = now_s();
		for (int k = 0; k < n; k++)
			if (coolify_apps_list_async(c, on_done, &cnt, &err) < 0)
				cnt.failed++;
		if (http_pool_run(pool, 600000, &err) < 0)
			fprintf(stderr, "http_bench: %s\n", err.msg);
		wall = (now_s() - t0) * 1000;
		floor_ms = (double)n * lat_ms / par[i];
		printf("ROW|http client: GET /applications, parallelism %d|%d|%d ms|off|%.0f ms|"
		       "N x latency / P = %.0f ms|%.2fx|ok %d, failed %d\n",
		       par[i], n, lat_ms, wall, floor_ms, wall / floor_ms, cnt.ok, cnt.failed);
		coolify_free(c);
		http_pool_free(pool);
	}
	return 0;
}

static int budget(const char *url, double per_min, double seconds, bool paced)
{
	struct vrs_err err;
	struct http_pool *pool;
	struct coolify *c;
	struct coolify_opts o;
	struct counts cnt = {0, 0, 0};
	int n = (int)(per_min * seconds / 60.0 * 1.5) + 10, submitted = 0;
	double t0, t;

	err_clear(&err);
	pool = http_pool_new(&err);
	memset(&o, 0, sizeof(o));
	o.rate_per_min = per_min;
	o.max_in_flight = 10;
	o.unpaced = !paced;
	c = pool ? coolify_new(pool, url, "sim-coolify-token", &o, &err) : NULL;
	if (c == NULL) {
		fprintf(stderr, "http_bench: %s\n", err.msg);
		return 1;
	}
	http_pool_set_trace(pool, on_trace, &cnt);
	for (; submitted < n; submitted++)
		coolify_apps_list_async(c, on_done, &cnt, &err);
	t0 = now_s();
	while ((t = now_s()) - t0 < seconds && http_pool_pending(pool) > 0)
		http_pool_step(pool, 100, &err);
	t = now_s() - t0;
	printf("ROW|http client: GET /applications for %.0f s, pacing %s|%d offered|0|%.0f/min|"
	       "%d ok in %.1f s (%.0f/min)|ok / budget = %.1f s|%.2fx|%d x 429, %d failed\n",
	       seconds, paced ? "on" : "off (VRS_BENCH_UNPACED)", n, per_min, cnt.ok, t,
	       cnt.ok / t * 60.0, cnt.ok / (per_min / 60.0), t / (cnt.ok / (per_min / 60.0)),
	       cnt.r429, cnt.failed);
	coolify_free(c);
	http_pool_free(pool); /* drops the requests still queued */
	return paced && cnt.r429 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "latency") == 0)
		return latency(argv[2], atoi(argv[3]), atoi(argv[4]));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "budget") == 0)
		return budget(argv[2], atof(argv[3]), atof(argv[4]),
			      argc == 5 || strcmp(argv[5], "unpaced") != 0);
	fprintf(stderr, "usage: http_bench latency URL N LATENCY_MS | budget URL PER_MIN SECONDS "
			"[unpaced]\n");
	return 2;
}
