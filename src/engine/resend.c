/*
 * resend.c — a resend after a transient failure (a start/stop/deploy after a
 * 5xx, a create its lookup proved did not land) goes out after a delay, not
 * at once: RESEND_FLOOR_MS plus the HTTP layer's full-jitter backoff
 * (util/backoff.h, base 0.5 s, cap 30 s) for the resend's number. The job
 * leaves its call slot while it waits, as a deployment's wait does.
 */
#include "engine/engine_int.h"

#include "util/backoff.h"

#include <stdlib.h>

#define RESEND_BASE_S 0.5
#define RESEND_CAP_S  30.0

struct later {
	struct job *j;
	resend_fn fn;
	long long at_ms;
};

struct resends {
	struct later *v;
	size_t n, cap;
	uint64_t rng;
};

int resend_delay_ms(int n, uint64_t *rng)
{
	return RESEND_FLOOR_MS +
	       (int)(backoff_jitter_s(RESEND_BASE_S, RESEND_CAP_S, n, rng) * 1000);
}

void resend_later(struct run *run, struct job *j, int n, resend_fn fn)
{
	struct resends *r = run->resends;

	if (r == NULL && (r = run->resends = calloc(1, sizeof(*r))) != NULL)
		r->rng = (uint64_t)engine_now_ms() ^ (uint64_t)(uintptr_t)run;
	if (r && r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct later *v = realloc(r->v, cap * sizeof(*v));
		if (v) {
			r->v = v;
			r->cap = cap;
		}
	}
	if (r == NULL || r->n == r->cap) {
		job_fail(run, j, "out of memory");
		return;
	}
	r->v[r->n++] = (struct later){j, fn, engine_now_ms() + resend_delay_ms(n, &r->rng)};
	engine_release_call(run, j);
}

void resend_step(struct run *run, int *wait_ms)
{
	struct resends *r = run->resends;
	long long now = engine_now_ms();
	size_t i = 0;

	while (r && i < r->n) {
		struct later l = r->v[i];

		if (now < l.at_ms) {
			if (l.at_ms - now < *wait_ms)
				*wait_ms = (int)(l.at_ms - now);
			i++;
			continue;
		}
		r->v[i] = r->v[--r->n]; /* order does not matter: each has its own time */
		l.fn(run, l.j);
	}
}

void resend_release(struct run *run)
{
	if (run->resends)
		free(run->resends->v);
	free(run->resends);
	run->resends = NULL;
}
