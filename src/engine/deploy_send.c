/*
 * deploy_send.c — sending deploys: the apps whose deploy becomes ready
 * while a batch gathers (until no deploy is still to come, or one poll
 * tick) go out in one POST /deploy?uuid=a,b,c (at most DEPLOY_BATCH_MAX),
 * each journaled before the call and closed with its own deployment uuid
 * from the answer's `deployments` list.
 *
 * Coolify's DeployController::by_uuids queues the apps one by one and, at
 * the first app whose server's queue is full, answers 429 for the whole
 * call: the apps before it stay queued and the answer does not say which.
 * A lost answer (timeout, dropped connection, 5xx) is as unclear. Since
 * vrsctl deploys with force=true (Coolify then queues a second deployment
 * of an app that has one), such an app is never sent again blind: its
 * deployments are read first (GET /deployments/applications/{uuid}); a
 * queued or running one is taken as this deploy's, the others are sent
 * again (after Retry-After when the queue was full). A one-app call that
 * answered 429 queued nothing and is sent again without the read.
 */
#include "engine/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* an unclear deploy is checked and sent again at most this many times */
#define DEPLOY_ATTEMPTS 4

static void batch_unlink(struct deploy_waits *dw, struct deploy_batch *b)
{
	for (struct deploy_batch **pp = &dw->sent; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			return;
		}
}

void deploy_send_release(struct deploy_waits *dw)
{
	/* calls still unanswered when the run ends: the pool drops them, no callback */
	while (dw->sent) {
		struct deploy_batch *b = dw->sent;
		dw->sent = b->next;
		free(b);
	}
}

/* the journal row is open: the job waits for the next batch, without a call slot */
void deploy_send(struct run *run, struct job *j)
{
	struct wait *w;
	struct vrs_err err;

	err_clear(&err);
	if (engine_journal_open(run, j, j->p->slug, "deploy", &err) < 0) {
		job_fail_err(run, j, &err);
		return;
	}
	engine_release_call(run, j);
	if ((w = deploy_wait_add(
		 run, j, engine_now_ms() + (long long)deploy_queue_s(run) * 1000)) == NULL) {
		job_fail(run, j, "out of memory");
		return;
	}
	w->phase = PH_BATCH;
	if (run->deploys->batch_opened_ms == 0)
		run->deploys->batch_opened_ms = engine_now_ms();
}

/* ---- the answer ------------------------------------------------------------------- */

static const struct coolify_deploy_item *item_of(const struct coolify_deploy_result *r,
						 const char *app_uuid)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (r->v[i].resource_uuid && strcmp(r->v[i].resource_uuid, app_uuid) == 0)
			return &r->v[i];
	return NULL;
}

/* the job's deploy may have landed: read its app's deployments at `at` */
static void unclear(struct wait *w, long long at)
{
	w->phase = PH_CHECK;
	w->resend_ms = at;
}

static void one_answered(struct deploy_batch *b, struct wait *w, int rc,
			 const struct coolify_deploy_result *r, const struct vrs_err *err)
{
	struct run *run = b->run;
	struct job *j = w->j;
	long long now = engine_now_ms();
	const struct coolify_deploy_item *it;
	char msg[320];

	if (rc < 0) {
		if (err->transient && ++j->step < DEPLOY_ATTEMPTS) {
			/* read at once (what landed is still queued), resend after the backoff */
			w->not_before_ms = now + resend_delay_ms(j->step, &run->deploys->rng);
			w->queue_full = false;
			unclear(w, now);
			return;
		}
		deploy_wait_fail_err(run, j, err);
		return;
	}
	if (r->queue_full) {
		double ra = r->retry_after_s >= 0 ? r->retry_after_s : 60;

		w->not_before_ms = now + (long long)(ra * 1000);
		w->queue_full = true;
		engine_progress(run, j->p->slug,
				"Coolify's deploy queue is full: deploying again in %llds",
				((long long)(ra * 1000) + 999) / 1000);
		if (b->n == 1) { /* the one app was refused: nothing was queued */
			w->phase = PH_RESEND;
			w->resend_ms = w->not_before_ms;
		} else {
			unclear(w, now); /* read now, while what was queued is still queued */
		}
		return;
	}
	it = item_of(r, j->p->coolify_app_uuid);
	if (it && it->deployment_uuid) {
		deploy_known(run, w, it->deployment_uuid, "deployment started");
		return;
	}
	snprintf(msg, sizeof(msg), "coolify: POST /deploy: no deployment was queued%s%s",
		 it && it->message ? ": " : "", it && it->message ? it->message : "");
	deploy_wait_fail(run, j, msg);
}

static void on_batch(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct deploy_batch *b = ud;
	struct run *run = b->run;

	batch_unlink(run->deploys, b);
	for (size_t i = 0; i < b->n; i++) {
		struct wait *w = deploy_wait_of(run, b->v[i]);

		if (w && w->phase == PH_SENT)
			one_answered(b, w, rc, res, err);
	}
	if (rc == 0)
		coolify_deploy_result_free(res);
	free(b);
}

/* ---- sending ---------------------------------------------------------------------- */

/* the PH_BATCH jobs in action order, DEPLOY_BATCH_MAX per call */
static void flush(struct run *run)
{
	struct deploy_waits *dw = run->deploys;
	size_t i = 0;

	dw->batch_opened_ms = 0;
	while (i < dw->n) {
		struct deploy_batch *b = calloc(1, sizeof(*b));
		const char *uuids[DEPLOY_BATCH_MAX];
		struct vrs_err err;

		if (b == NULL) {
			for (; i < dw->n; i++)
				if (dw->v[i].j && dw->v[i].phase == PH_BATCH)
					deploy_wait_fail(run, dw->v[i].j, "out of memory");
			return;
		}
		b->run = run;
		for (; i < dw->n && b->n < DEPLOY_BATCH_MAX; i++)
			if (dw->v[i].j && dw->v[i].phase == PH_BATCH) {
				dw->v[i].phase = PH_SENT;
				uuids[b->n] = dw->v[i].j->p->coolify_app_uuid;
				b->v[b->n++] = dw->v[i].j;
			}
		if (b->n == 0) {
			free(b);
			return;
		}
		err_clear(&err);
		/* force: a docker image app has no commit to dedupe on; a redeploy is what we want
		 */
		if (coolify_deploy_async(run->pv->coolify, uuids, b->n, true, on_batch, b, &err) <
		    0) {
			for (size_t k = 0; k < b->n; k++)
				deploy_wait_fail_err(run, b->v[k], &err);
			free(b);
			continue;
		}
		b->next = dw->sent;
		dw->sent = b;
	}
}

/* ---- an unclear deploy: did it land? ------------------------------------------------ */

static void on_checked(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct run *run = j->eng;
	struct wait *w = deploy_wait_of(run, j);
	struct coolify_deployment_list *l = res;
	const char *found = NULL;
	long long now = engine_now_ms();

	if (w == NULL || w->phase != PH_CHECK) {
		if (rc == 0)
			coolify_deployment_list_free(l);
		return;
	}
	w->polling = false;
	if (rc < 0) {
		if (err->transient) { /* read again later; the queue deadline bounds it */
			w->resend_ms = now + resend_delay_ms(j->step + 1, &run->deploys->rng);
			return;
		}
		deploy_wait_fail_err(run, j, err);
		return;
	}
	/* newest first: a queued or running deployment is the one the unclear call queued */
	for (size_t i = 0; i < l->n && found == NULL; i++)
		if (l->v[i].status && !coolify_deployment_terminal(l->v[i].status))
			found = l->v[i].deployment_uuid;
	if (found) {
		engine_progress(run, j->p->slug, "the unclear deploy had queued deployment %s",
				found);
		deploy_known(run, w, found, "deployment started");
	} else {
		w->phase = PH_RESEND;
		w->resend_ms = w->not_before_ms > now ? w->not_before_ms : now;
	}
	coolify_deployment_list_free(l);
}

static void check(struct run *run, struct wait *w)
{
	struct vrs_err err;

	err_clear(&err);
	w->polling = true;
	if (coolify_app_deployments_async(run->pv->coolify, w->j->p->coolify_app_uuid, 0, 5,
					  on_checked, w->j, &err) < 0) {
		w->polling = false;
		deploy_wait_fail_err(run, w->j, &err);
	}
}

void deploy_send_step(struct run *run, long long now, int *wait_ms)
{
	struct deploy_waits *dw = run->deploys;
	size_t nbatch = 0;

	for (size_t i = 0; i < dw->n; i++) {
		struct wait *w = &dw->v[i];

		if (w->j == NULL || (w->phase != PH_CHECK && w->phase != PH_RESEND) || w->polling)
			continue;
		if (now > w->queue_deadline_ms) {
			deploy_wait_fail(run, w->j,
					 w->queue_full ? "Coolify's deploy queue stayed full past "
							 "--deploy-queue-timeout"
						       : "the deploy did not reach Coolify within "
							 "--deploy-queue-timeout");
			continue;
		}
		if (now < w->resend_ms) {
			if (w->resend_ms - now < *wait_ms)
				*wait_ms = (int)(w->resend_ms - now);
			continue;
		}
		if (w->phase == PH_CHECK) {
			check(run, w);
		} else {
			w->phase = PH_BATCH;
			if (dw->batch_opened_ms == 0)
				dw->batch_opened_ms = now;
		}
	}
	for (size_t i = 0; i < dw->n; i++)
		nbatch += dw->v[i].j && dw->v[i].phase == PH_BATCH;
	if (nbatch == 0)
		return;
	if (nbatch >= DEPLOY_BATCH_MAX || run->deploys_ahead == 0 ||
	    now >= dw->batch_opened_ms + engine_poll_ms(run)) {
		flush(run);
		return;
	}
	if (dw->batch_opened_ms + engine_poll_ms(run) - now < *wait_ms)
		*wait_ms = (int)(dw->batch_opened_ms + engine_poll_ms(run) - now);
}
