/*
 * replan_bench.c — what `watch` spends on a one-file edit against a full
 * plan, at the size of the tree given (tests/bench/gen_specs.py): the full
 * plan is spec_load + plan_build (what `vrsctl plan` does before rendering),
 * the re-plan is spec_cache_load after one project file changed +
 * plan_build_memo (the watch's: the changed project's actions spliced into
 * the previous plan), the cache told the path edited as watch's inotify
 * events tell it (no walk of the tree), both against an empty state (no recorded world), best of
 * ROUNDS each, CPU time of this process (the machine is shared). Prints
 * ROW lines for tests/bench/table.py and restores the edited file.
 *   build/bench/replan_bench DIR [FILE]   (FILE: relative, default the middle project)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"
#include "spec/spec.h"

#define ROUNDS 5

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int plan_of(const struct m_world *w, size_t *nactions)
{
	struct m_plan plan;
	struct vrs_err err;
	int rc;

	plan_init(&plan);
	err_clear(&err);
	rc = plan_build(w, NULL, NULL, NULL, &plan, &err);
	*nactions = plan.nactions;
	plan_release(&plan);
	if (rc < 0)
		fprintf(stderr, "replan_bench: %s\n", err.msg);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || (s = malloc((size_t)n + 1)) == NULL) {
		if (f)
			fclose(f);
		return NULL;
	}
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = 0;
	fclose(f);
	return s;
}

static int spit(const char *path, const char *s, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	fwrite(s, 1, len, f);
	return fclose(f);
}

/* the watch's plan: through the memo (spliced when only projects changed) */
static int memo_plan_of(struct plan_memo *m, const struct m_world *w, size_t *nactions,
			int *spliced)
{
	struct plan_memo_stats st;
	struct m_plan plan;
	struct vrs_err err;
	int rc;

	plan_init(&plan);
	err_clear(&err);
	rc = plan_build_memo(m, w, NULL, NULL, NULL, &plan, &st, &err);
	*nactions = plan.nactions;
	*spliced = st.incremental ? 1 + st.in_place : 0; /* 2: in place */
	plan_release(&plan);
	if (rc < 0)
		fprintf(stderr, "replan_bench: %s\n", err.msg);
	return rc;
}

int main(int argc, char **argv)
{
	double full = 1e9, full_load = 1e9, re = 1e9, re_load = 1e9, cold = 0;
	struct spec_cache *c = spec_cache_new();
	struct plan_memo *memo = plan_memo_new();
	bool walked = false;
	int spliced = 2, sp;
	struct spec_cache_stats st = {0};
	char path[4096], digest[65];
	size_t nact = 0, nproj = 0, len = 0;
	char *orig;
	const char *rel;

	if (argc < 2 || c == NULL || memo == NULL) {
		fprintf(stderr, "usage: replan_bench DIR [FILE]\n");
		return 2;
	}
	for (int r = 0; r < ROUNDS; r++) {
		struct m_world w;
		struct diag_list d;
		double t0 = cpu_now(), t1;
		world_init(&w);
		diag_init(&d);
		if (spec_load(argv[1], &w, &d, digest) < 0 ||
		    (t1 = cpu_now(), plan_of(&w, &nact)) < 0)
			return 1;
		full = cpu_now() - t0 < full ? cpu_now() - t0 : full;
		full_load = t1 - t0 < full_load ? t1 - t0 : full_load;
		nproj = w.nprojects;
		world_release(&w);
		diag_release(&d);
	}
	if (argc > 2) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	} else {
		snprintf(path, sizeof(path), "%s/projects/%02zu/project-%05zu.yaml", argv[1],
			 nproj / 2 / 1000, nproj / 2); /* gen_specs.py's layout */
	}
	rel = path + strlen(argv[1]) + 1;
	spec_cache_watch(c); /* as watch: its inotify events name the file edited */
	orig = slurp(path, &len);
	if (orig == NULL) {
		fprintf(stderr, "replan_bench: cannot read %s\n", path);
		return 1;
	}
	for (int r = -1; r < ROUNDS; r++) {
		struct m_world w;
		struct spec_view *v;
		struct diag_list d;
		double t0, t1;
		/*
		 * the edit: the app's image tag, another each round (a value the plan
		 * shows: the project's actions are built again); a file without one
		 * gets a comment line one byte longer each round
		 */
		if (r >= 0) {
			char *e = malloc(len + 64), *tag = strstr(orig, "vrs-core:");
			int n;
			if (tag)
				n = snprintf(e, len + 64, "%.*svrs-core:9.%d%s", (int)(tag - orig),
					     orig, r, tag + strcspn(tag, "\n"));
			else
				n = snprintf(e, len + 64, "%s#%*s\n", orig, r + 1, "");
			if (n < 0 || (size_t)n >= len + 64 || spit(path, e, (size_t)n) < 0)
				return 1;
			free(e);
			spec_cache_dirty(c, rel);
		}
		world_init(&w);
		diag_init(&d);
		t0 = cpu_now();
		if (spec_cache_load(c, argv[1], &w, &v, &d, digest, &st) < 0)
			return 1;
		t1 = cpu_now();
		if (memo_plan_of(memo, &w, &nact, &sp) < 0)
			return 1;
		if (r >= 0) {
			spliced = sp < spliced ? sp : spliced;
			walked = walked || st.walked;
		}
		if (r < 0) {
			cold = cpu_now() - t0;
		} else {
			re = cpu_now() - t0 < re ? cpu_now() - t0 : re;
			re_load = t1 - t0 < re_load ? t1 - t0 : re_load;
		}
		spec_view_release(v, &w);
		diag_release(&d);
	}
	spit(path, orig, len);
	free(orig);
	spec_cache_free(c);
	plan_memo_free(memo);
	printf("ROW|full plan (spec_load + plan_build), empty state|%zu|-|-|%.3f s CPU (load %.3f, "
	       "plan %.3f); %zu actions|-|-|best of %d; the denominator below\n",
	       nproj, full, full_load, full - full_load, nact, ROUNDS);
	printf("ROW|watch: cold load through the spec cache + plan|%zu|-|-|%.3f s CPU|full %.3f "
	       "s|%.2fx|the first load of a watch\n",
	       nproj, cold, full, cold / full);
	printf(
	    "ROW|watch: one-file edit (an image tag) re-planned (cache reload + "
	    "plan_build_memo)|%zu|-|-|%.3f s "
	    "CPU (reload %.3f: %zu files, %s, %zu read, %zu parsed; plan %.3f, %s)|10%% of full = "
	    "%.3f s|%.1f%% of full|best of %d; target <= 10%%\n",
	    nproj, re, re_load, st.files, walked ? "walked" : "1 path from inotify", st.read,
	    st.parsed, re - re_load,
	    spliced == 2   ? "spliced in place"
	    : spliced == 1 ? "spliced, merged"
			   : "NOT spliced",
	    full * 0.1, 100.0 * re / full, ROUNDS);
	return 0;
}
