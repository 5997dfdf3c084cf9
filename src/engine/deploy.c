/*
 * deploy.c — the Coolify executor's deployments: start one (deploy_send.c),
 * then wait for its end without holding a call slot; one list call per
 * tick serves every running deployment, and each that left the list is
 * asked once how it ended.
 *
 * Two deadlines: one for waiting in Coolify's build queue (status queued,
 * --deploy-queue-timeout) and one for running, counted from when the
 * deployment is first seen out of queued (--deploy-timeout). A list that
 * fails (or fails to parse) still counts: the deadlines are checked on
 * every answer, so a deployment is timed out even when polling is broken.
 *
 * Sending (batched, a full queue, an unclear answer) is deploy_send.c's;
 * a job enters the poller's list here once its deployment is known.
 */
#include "engine/deploy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wait *deploy_wait_of(struct run *run, const struct job *j)
{
	struct deploy_waits *dw = run->deploys;

	for (size_t i = 0; dw && i < dw->n; i++)
		if (dw->v[i].j == j)
			return &dw->v[i];
	return NULL;
}

struct wait *deploy_wait_add(struct run *run, struct job *j, long long queue_deadline_ms)
{
	struct deploy_waits *dw = run->deploys;
	size_t at;

	if (dw == NULL) {
		if ((dw = run->deploys = calloc(1, sizeof(*dw))) == NULL)
			return NULL;
		dw->rng = (uint64_t)engine_now_ms() ^ (uint64_t)(uintptr_t)run;
	}
	if (dw->n == dw->cap) {
		size_t cap = dw->cap ? dw->cap * 2 : 32;
		struct wait *v = realloc(dw->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		dw->v = v;
		dw->cap = cap;
	}
	for (at = dw->n; at > 0 && (dw->v[at - 1].j == NULL || dw->v[at - 1].j->a->id > j->a->id);
	     at--)
		;
	memmove(&dw->v[at + 1], &dw->v[at], (dw->n - at) * sizeof(*dw->v));
	dw->v[at] = (struct wait){.j = j, .queue_deadline_ms = queue_deadline_ms};
	dw->n++;
	return &dw->v[at];
}

static void wait_forget(struct run *run, const struct job *j)
{
	struct wait *w = deploy_wait_of(run, j);

	if (w)
		w->j = NULL;
}

static void wait_compact(struct deploy_waits *dw)
{
	size_t k = 0;

	for (size_t i = 0; i < dw->n; i++)
		if (dw->v[i].j)
			dw->v[k++] = dw->v[i];
	dw->n = k;
}

void deploy_release(struct run *run)
{
	long long until = engine_now_ms() + 120000;
	struct vrs_err err;

	/* a list call still out names this run (a stack frame about to go): a later
	 * run's pool step would deliver it to a dead run; let it answer first, as
	 * health_release does (every job has ended: its answer touches no job) */
	while (run->deploys && run->deploys->poll_in_flight && engine_now_ms() < until) {
		err_clear(&err);
		if (http_pool_step(run->pv->pool, 100, &err) < 0)
			break;
	}
	if (run->deploys && run->deploys->poll_in_flight)
		return; /* never answered: the pool is broken; keep what its callback names */
	if (run->deploys) {
		deploy_send_release(run->deploys);
		free(run->deploys->v);
	}
	free(run->deploys);
	run->deploys = NULL;
}

int deploy_queue_s(const struct run *run)
{
	return run->o->deploy_queue_timeout_s > 0 ? run->o->deploy_queue_timeout_s : 3600;
}

/* a deploy job's end other than its deployment's */
void deploy_wait_fail(struct run *run, struct job *j, const char *msg)
{
	wait_forget(run, j);
	job_fail(run, j, msg);
}

void deploy_wait_fail_err(struct run *run, struct job *j, const struct vrs_err *err)
{
	wait_forget(run, j);
	job_fail_err(run, j, err);
}

/* ---- started -------------------------------------------------------------------- */

/* the status stays (provisioning): bootstrapping starts when the deployment finished */
static int deploy_started_tx(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	(void)run, (void)j, (void)id, (void)err;
	return 0;
}

void deploy_known(struct run *run, struct wait *w, const char *deployment_uuid, const char *how)
{
	struct job *j = w->j;
	struct vrs_err err;

	free(j->remote_id);
	if ((j->remote_id = strdup(deployment_uuid)) == NULL) {
		deploy_wait_fail(run, j, "out of memory");
		return;
	}
	err_clear(&err);
	if (engine_record_result(run, j, j->remote_id, "deployment_started", NULL,
				 deploy_started_tx, &err) < 0) {
		deploy_wait_fail(run, j, err.msg);
		return;
	}
	/* the poller waits for it; the queue deadline counts from now */
	run->deploys->poll_changed = true;
	w->polls_before = run->deploys->polls_sent;
	w->phase = PH_RUN;
	w->polling = false;
	w->queue_deadline_ms = engine_now_ms() + (long long)deploy_queue_s(run) * 1000;
	engine_progress(run, j->p->slug, "%s", how);
}

static bool resume_started(struct run *run, struct job *j);

void deploy_start(struct run *run, struct job *j)
{
	if (j->p->coolify_app_uuid == NULL) {
		job_fail(run, j, "no Coolify application to deploy");
		return;
	}
	if (!resume_started(run, j))
		deploy_send(run, j);
}

/* a resumed deployment that failed or is unknown to Coolify: deploy anew (true) */
static bool resume_failed(struct run *run, struct job *j)
{
	struct wait *w = deploy_wait_of(run, j);

	if (w == NULL || !w->resumed)
		return false;
	wait_forget(run, j);
	free(j->remote_id);
	j->remote_id = NULL;
	engine_progress(run, j->p->slug,
			"the interrupted run's deployment did not finish: deploying");
	deploy_send(run, j);
	return true;
}

/* ---- waiting for the end ---------------------------------------------------------- */

static void wait_running(struct run *run, struct wait *w, long long now);

/* the deployment finished: bootstrapping until the app answers healthy (health.c) */
static int bootstrap_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;

	if (engine_log(run, j->p->slug, "deployment_completed", NULL, NULL, NULL, NULL,
		       j->remote_id, "coolify", err) < 0 ||
	    engine_log(run, j->p->slug, "bootstrap_started", NULL, NULL, NULL, NULL,
		       j->p->coolify_app_uuid, "coolify", err) < 0)
		return -1;
	return engine_set_status(run, j->p, PS_BOOTSTRAPPING, NULL, err);
}

static void deploy_end(struct run *run, struct job *j, const char *status)
{
	struct vrs_err err;

	if (strcmp(status, "finished") != 0 && resume_failed(run, j))
		return;
	wait_forget(run, j);
	err_clear(&err);
	if (strcmp(status, "finished") == 0) {
		if (engine_tx(run, bootstrap_tx, j, &err) < 0) {
			job_fail_err(run, j, &err);
			return;
		}
		health_wait(run, j);
	} else {
		char msg[256];
		snprintf(msg, sizeof(msg), "deployment %s ended %s", j->remote_id, status);
		job_fail(run, j, msg);
	}
}

static int env_uuid_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;

	return state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_ENVIRONMENT,
				      j->p->coolify_env_uuid, err);
}

/*
 * A project created by this version has no environment uuid recorded (the app went in
 * by environment_name, remote.c): the deployment's URL names it, so this read records it
 * instead of a GET of the environment per project.
 */
static void note_env_uuid(struct run *run, struct job *j, const struct coolify_deployment *d)
{
	char env[128];
	struct vrs_err err;

	if (j->p->coolify_env_uuid ||
	    !coolify_deployment_env_uuid(d, j->p->coolify_project_uuid, env, sizeof(env)) ||
	    (j->p->coolify_env_uuid = strdup(env)) == NULL)
		return;
	err_clear(&err);
	if (engine_tx(run, env_uuid_tx, j, &err) < 0)
		engine_progress(run, j->p->slug, "environment uuid not recorded: %s", err.msg);
}

static void on_deployment_got(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct wait *w = deploy_wait_of(j->eng, j);
	struct coolify_deployment *d = res;

	if (w)
		w->polling = false;
	if (rc < 0) {
		/* transient trouble reading it: the next tick asks again */
		if (err->transient || (err->code == VRS_E_NOT_FOUND && resume_failed(j->eng, j)))
			return;
		wait_forget(j->eng, j);
		job_fail_err(j->eng, j, err);
		return;
	}
	note_env_uuid(j->eng, j, d);
	if (d->status && coolify_deployment_terminal(d->status))
		deploy_end(j->eng, j, d->status);
	else if (w && d->status && strcmp(d->status, "queued") != 0)
		wait_running(j->eng, w, engine_now_ms());
	coolify_deployment_free(d);
}

/* the deployment left queued: its running time counts from now */
static void wait_running(struct run *run, struct wait *w, long long now)
{
	int run_s = run->o->deploy_timeout_s > 0 ? run->o->deploy_timeout_s : 1800;

	if (w->run_deadline_ms == 0)
		w->run_deadline_ms = now + (long long)run_s * 1000;
}

static void queue_timeout_msg(struct run *run, char *msg, size_t n)
{
	snprintf(msg, n, "deployment still queued after %ds (--deploy-queue-timeout)",
		 run->o->deploy_queue_timeout_s > 0 ? run->o->deploy_queue_timeout_s : 3600);
}

/* after the cancel of a deployment queued too long (whatever its answer): the job fails */
static void on_cancelled(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	char msg[160];

	(void)err;
	if (rc == 0)
		coolify_ack_free(res);
	queue_timeout_msg(j->eng, msg, sizeof(msg));
	deploy_wait_fail(j->eng, j, msg);
}

/* a passed deadline ends the wait (true); a queued deployment is cancelled first */
static bool wait_expired(struct run *run, struct wait *w, long long now)
{
	char msg[160];
	struct vrs_err err;

	if (w->run_deadline_ms == 0 && now > w->queue_deadline_ms) {
		err_clear(&err);
		w->polling = true; /* until the cancel's answer ends it */
		if (w->j->remote_id &&
		    coolify_deployment_cancel_async(run->pv->coolify, w->j->remote_id, on_cancelled,
						    w->j, &err) == 0)
			return true;
		w->polling = false;
		queue_timeout_msg(run, msg, sizeof(msg));
	} else if (w->run_deadline_ms != 0 && now > w->run_deadline_ms) {
		snprintf(msg, sizeof(msg),
			 "deployment did not finish within %ds (--deploy-timeout)",
			 run->o->deploy_timeout_s > 0 ? run->o->deploy_timeout_s : 1800);
	} else {
		return false;
	}
	deploy_wait_fail(run, w->j, msg);
	return true;
}

/* one waiting deployment against the list of active ones */
static void check_one(struct run *run, struct wait *w, const struct coolify_deployment_list *l,
		      long long now)
{
	struct job *j = w->j;
	const struct coolify_deployment *d = NULL;
	struct vrs_err err;

	for (size_t k = 0; k < l->n && d == NULL; k++)
		if (l->v[k].deployment_uuid && strcmp(l->v[k].deployment_uuid, j->remote_id) == 0)
			d = &l->v[k];
	if (d) {
		if ((d->status == NULL || strcmp(d->status, "queued") != 0) &&
		    w->run_deadline_ms == 0) {
			run->deploys->poll_changed = true;
			wait_running(run, w, now);
		}
		(void)wait_expired(run, w, now);
		return;
	}
	/* no longer active: ask once how it ended (unless its time is up) */
	run->deploys->poll_changed = true;
	if (wait_expired(run, w, now))
		return;
	err_clear(&err);
	w->polling = true;
	if (coolify_deployment_get_async(run->pv->coolify, j->remote_id, on_deployment_got, j,
					 &err) < 0) {
		w->polling = false;
		deploy_wait_fail(run, j, err.msg);
	}
}

/*
 * The next list: one tick after a change (a deployment known, started or gone from the
 * list), else half as often again, up to DEPLOY_POLL_BACKOFF_MAX ticks.
 */
static void poll_backoff(struct run *run, struct deploy_waits *dw)
{
	int tick = engine_poll_ms(run);
	long long d = dw->poll_changed || dw->poll_delay_ms < tick
			  ? tick
			  : (long long)dw->poll_delay_ms * 3 / 2;

	if (d > (long long)tick * DEPLOY_POLL_BACKOFF_MAX)
		d = (long long)tick * DEPLOY_POLL_BACKOFF_MAX;
	dw->poll_delay_ms = (int)d;
	dw->poll_changed = false;
	dw->next_poll_ms = dw->poll_sent_ms + d;
}

static void on_active_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct run *run = ud;
	struct deploy_waits *dw = run->deploys;
	struct coolify_deployment_list *l = res;
	long long now = engine_now_ms();

	(void)err;
	dw->poll_in_flight = false;
	if (rc < 0) {
		dw->poll_changed = true; /* not seen: no backoff */
		poll_backoff(run, dw);
		/* unreadable or failed: the next tick asks again, but the deadlines run on */
		for (size_t i = 0; i < dw->n; i++)
			if (dw->v[i].j && !dw->v[i].polling && dw->v[i].phase == PH_RUN)
				(void)wait_expired(run, &dw->v[i], now);
		wait_compact(dw);
		return;
	}
	for (size_t i = 0; i < dw->n; i++)
		if (dw->v[i].j && !dw->v[i].polling && dw->v[i].phase == PH_RUN &&
		    dw->v[i].polls_before < dw->polls_sent)
			check_one(run, &dw->v[i], l, now);
	coolify_deployment_list_free(l);
	wait_compact(dw);
	poll_backoff(run, dw);
}

void deploy_step(struct run *run, int *wait_ms)
{
	struct deploy_waits *dw = run->deploys;
	long long now = engine_now_ms();
	size_t running = 0;

	if (dw == NULL)
		return;
	wait_compact(dw);
	deploy_send_step(run, now, wait_ms);
	wait_compact(dw);
	for (size_t i = 0; i < dw->n; i++)
		running += dw->v[i].phase == PH_RUN;
	if (running > 0 && !dw->poll_in_flight && now >= dw->next_poll_ms) {
		struct vrs_err err;
		err_clear(&err);
		dw->poll_sent_ms = now;
		dw->next_poll_ms = now + engine_poll_ms(run); /* until the answer says more */
		/* one list call per tick for every running deployment */
		dw->polls_sent++; /* before the call: its answer is this list's */
		if (coolify_deployments_list_async(run->pv->coolify, on_active_listed, run, &err) ==
		    0)
			dw->poll_in_flight = true;
	}
	if (running > 0 && !dw->poll_in_flight) {
		long long left = dw->next_poll_ms - now;
		*wait_ms = left < 0 ? 0 : left < *wait_ms ? (int)left : *wait_ms;
	}
}

/* ---- resuming a deployment an interrupted run left running ------------------------ */

/*
 * A run stopped (SIGTERM) while its deployment ran leaves the project
 * provisioning with "deployment_started" (and the deployment's uuid) as
 * the project's newest log row apart from status changes: nothing was
 * changed since. This run then waits for that deployment instead of
 * queueing a second one; if it failed (or Coolify no longer knows it), it
 * deploys anew (resume_failed).
 */
/*
 * rows a run writes beside a running deployment that change nothing it
 * deploys: a status, a record or domain removed (a deploy waits only for
 * the records it serves to be created), an observation of the DNS
 */
static bool after_deploy_row(const char *action)
{
	static const char *const same[] = {"status_changed", "dns_deleted", "domain_removed",
					   "dns_resolved"};

	for (size_t i = 0; action && i < sizeof(same) / sizeof(same[0]); i++)
		if (strcmp(action, same[i]) == 0)
			return true;
	return false;
}

static bool resume_started(struct run *run, struct job *j)
{
	struct state_log_entry *rows = NULL;
	const struct state_log_entry *started = NULL;
	struct wait *w;
	size_t n = 0;
	bool booting = false;
	struct vrs_err err;

	err_clear(&err);
	if ((j->p->status != PS_PROVISIONING && j->p->status != PS_BOOTSTRAPPING &&
	     j->p->status != PS_ACTIVE) ||
	    !j->p->in_state || state_log_list(run->st, j->p->slug, 8, &rows, &n, &err) < 0)
		return false;
	for (size_t i = 0; i < n && started == NULL; i++) {
		if (after_deploy_row(rows[i].action))
			continue;
		if (rows[i].action && strcmp(rows[i].action, "deployment_started") == 0 &&
		    rows[i].external_id)
			started = &rows[i];
		/* stopped while the finished deployment was being checked: check again */
		booting = rows[i].action && strcmp(rows[i].action, "bootstrap_started") == 0 &&
			  j->p->status == PS_BOOTSTRAPPING;
		break;
	}
	if (started)
		j->remote_id = strdup(started->external_id);
	state_log_free(rows, n);
	if (booting) {
		engine_progress(run, j->p->slug,
				"checking the health an interrupted run waited for");
		health_wait(run, j);
		return true;
	}
	if (j->remote_id == NULL)
		return false;
	engine_release_call(run, j);
	if ((w = deploy_wait_add(
		 run, j, engine_now_ms() + (long long)deploy_queue_s(run) * 1000)) == NULL) {
		job_fail(run, j, "out of memory");
		return true;
	}
	w->resumed = true;
	engine_progress(run, j->p->slug, "waiting for the deployment an interrupted run started");
	return true;
}
