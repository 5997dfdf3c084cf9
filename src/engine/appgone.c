/*
 * appgone.c — the Coolify executor's wait for a deleted application to go.
 *
 * DELETE /applications/{uuid} only queues Coolify's DeleteResourceJob: the
 * app stays listed for a while, and its project cannot be deleted until it
 * is gone (400 "Project has resources"). After the DELETE is accepted the
 * job waits without holding a call slot; GET /applications/{uuid} is asked
 * with backoff until it answers 404, or until the bounded wait runs out:
 * then the deletion is recorded as queued and the project's own delete
 * (which then finds it still there) waits for the next run.
 *
 * The same wait serves an accepted start (POST /applications/{uuid}/start
 * only queues a deployment): the app is asked for until its status starts
 * with "running"; a start that does not get there within the bound
 * (--deploy-timeout: a start is a deployment in Coolify) fails, saying
 * which status was seen last.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_DELAY_MS	250
#define MAX_DELAY_MS	5000
#define DEFAULT_WAIT_MS 60000

struct gone {
	struct job *j; /* NULL: ended, removed at the next compaction */
	record_fn done_tx;
	long long next_ms, deadline_ms;
	int delay_ms;
	bool asking;   /* its GET is in flight */
	bool running;  /* waiting for status running (a start), not for 404 */
	char seen[64]; /* the status last seen */
};

struct app_gones {
	struct gone *v;
	size_t n, cap;
};

static struct gone *gone_of(struct run *run, const struct job *j)
{
	struct app_gones *g = run->gones;

	for (size_t i = 0; g && i < g->n; i++)
		if (g->v[i].j == j)
			return &g->v[i];
	return NULL;
}

static void gone_end(struct run *run, struct job *j, bool gone)
{
	struct gone *g = gone_of(run, j);
	record_fn tx = g ? g->done_tx : NULL;

	if (g)
		g->j = NULL;
	if (gone)
		engine_finish(run, j, NULL, "coolify_app_deleted", NULL, tx, "application deleted");
	else
		engine_finish(run, j, NULL, "coolify_app_deleted",
			      "deletion queued; Coolify still lists the application", tx,
			      "application deletion queued, still listed: its project waits for "
			      "the next run");
}

/* a start's wait: the app's status; true when the wait ended (it is running) */
static bool running_seen(struct run *run, struct gone *g, struct coolify_app *a)
{
	struct job *j = g->j;
	char note[96];

	snprintf(g->seen, sizeof(g->seen), "%s", a->status ? a->status : "(none)");
	coolify_app_free(a);
	if (strncmp(g->seen, "running", 7) != 0)
		return false;
	snprintf(note, sizeof(note), "observed %s", g->seen);
	g->j = NULL;
	engine_finish(run, j, NULL, "app_started", note, g->done_tx, "application started");
	return true;
}

static void start_unseen(struct run *run, struct gone *g)
{
	struct job *j = g->j;
	char msg[192];

	snprintf(msg, sizeof(msg),
		 "Coolify accepted the start but the application did not reach running "
		 "(last status seen: %s)",
		 g->seen[0] ? g->seen : "none");
	g->j = NULL;
	job_fail(run, j, msg);
}

static void on_app_got(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct run *run = j->eng;
	struct gone *g = gone_of(run, j);
	long long now = engine_now_ms();

	if (g == NULL) {
		if (rc == 0)
			coolify_app_free(res);
		return;
	}
	g->asking = false;
	if (rc == 0 && g->running) {
		if (running_seen(run, g, res))
			return;
	} else if (rc == 0)
		coolify_app_free(res);
	else if (err->code == VRS_E_NOT_FOUND && !g->running) {
		gone_end(run, j, true);
		return;
	} else if (!err->transient) {
		g->j = NULL;
		job_fail_err(run, j, err);
		return;
	}
	/* still there (or transient trouble asking): later, unless the wait ran out */
	if (now >= g->deadline_ms || (run->o->stop && *run->o->stop)) {
		if (g->running)
			start_unseen(run, g);
		else
			gone_end(run, j, false);
		return;
	}
	g->next_ms = now + g->delay_ms;
	g->delay_ms = g->delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : g->delay_ms * 2;
}

static void wait_add(struct run *run, struct job *j, record_fn done_tx, long long wait_ms,
		     bool running)
{
	struct app_gones *g = run->gones;
	long long now = engine_now_ms();

	if (g == NULL && (g = run->gones = calloc(1, sizeof(*g))) == NULL) {
		job_fail(run, j, "out of memory");
		return;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct gone *v = realloc(g->v, cap * sizeof(*v));
		if (v == NULL) {
			job_fail(run, j, "out of memory");
			return;
		}
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = (struct gone){
	    j,	     done_tx, now + FIRST_DELAY_MS, now + wait_ms, FIRST_DELAY_MS * 2, false,
	    running, ""};
	engine_release_call(run, j);
	engine_progress(run, j->p ? j->p->slug : j->a->key,
			running ? "application start queued, waiting for it to run"
				: "application deletion queued, waiting for it to go");
}

void appgone_wait(struct run *run, struct job *j, record_fn done_tx)
{
	wait_add(run, j, done_tx,
		 run->o->delete_wait_ms > 0 ? run->o->delete_wait_ms : DEFAULT_WAIT_MS, false);
}

void appstart_wait(struct run *run, struct job *j, record_fn done_tx)
{
	int s = run->o->deploy_timeout_s > 0 ? run->o->deploy_timeout_s : 1800;

	wait_add(run, j, done_tx, (long long)s * 1000, true);
}

void appgone_step(struct run *run, int *wait_ms)
{
	struct app_gones *g = run->gones;
	long long now = engine_now_ms();
	size_t k = 0;

	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].j)
			g->v[k++] = g->v[i];
	g->n = k;
	for (size_t i = 0; i < g->n; i++) {
		struct gone *w = &g->v[i];
		struct vrs_err err;

		if (w->asking)
			continue;
		if (now >= w->next_ms) {
			err_clear(&err);
			w->asking = true;
			if (coolify_app_get_async(run->pv->coolify, w->j->p->coolify_app_uuid,
						  on_app_got, w->j, &err) < 0) {
				struct job *j = w->j;
				w->j = NULL;
				job_fail_err(run, j, &err);
			}
			continue;
		}
		if (w->next_ms - now < *wait_ms)
			*wait_ms = (int)(w->next_ms - now);
	}
}

void appgone_release(struct run *run)
{
	if (run->gones)
		free(run->gones->v);
	free(run->gones);
	run->gones = NULL;
}
