/*
 * engine.c — the scheduler of apply: jobs over the plan's action graph,
 * project bookkeeping (status transitions, errors, retries, log rows),
 * journaling, and the local (state-only) actions. Remote actions live in
 * remote.c; this file decides when they run and records what they did.
 */
#include "engine/engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void engine_progress(struct engine *eng, const char *subject, const char *fmt, ...)
{
	char msg[768], line[1024];
	va_list ap;

	if (eng->o->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "[%zu/%zu] %s: %s", eng->finished, eng->njobs, subject, msg);
	eng->o->progress(eng->o->progress_ud, subject, msg, line);
}

/* ---- projects ------------------------------------------------------------- */

static int cmp_proj(const void *k, const void *x)
{
	return strcmp((const char *)k, ((const struct proj_rt *)x)->slug);
}

static struct proj_rt *proj_get(struct engine *eng, const char *slug)
{
	return bsearch(slug, eng->projs, eng->nprojs, sizeof(*eng->projs), cmp_proj);
}

static void proj_init(struct engine *eng, struct proj_rt *p, const char *slug)
{
	const struct m_project *rec = world_project(eng->recorded, slug);

	memset(p, 0, sizeof(*p));
	p->slug = slug;
	p->park_head = p->park_tail = -1;
	p->want = world_project(eng->desired, slug);
	p->rec = rec;
	p->status = rec ? rec->status : PS_DRAFT;
	p->in_state = rec != NULL;
	if (rec) {
		p->server = rec->server ? strdup(rec->server) : NULL;
		p->coolify_project_uuid =
		    rec->coolify_project_uuid ? strdup(rec->coolify_project_uuid) : NULL;
		p->coolify_env_uuid =
		    rec->coolify_environment_uuid ? strdup(rec->coolify_environment_uuid) : NULL;
		p->coolify_app_uuid = rec->coolify_app_uuid ? strdup(rec->coolify_app_uuid) : NULL;
	}
}

/* every project of either world, in slug order (both worlds are sorted) */
static void projs_init(struct engine *eng)
{
	const struct m_world *d = eng->desired, *r = eng->recorded;
	size_t i = 0, k = 0;

	while (i < d->nprojects || k < r->nprojects) {
		int c = i >= d->nprojects   ? 1
			: k >= r->nprojects ? -1
					    : strcmp(d->projects[i].slug, r->projects[k].slug);
		const char *slug = c <= 0 ? d->projects[i].slug : r->projects[k].slug;
		proj_init(eng, &eng->projs[eng->nprojs++], slug);
		i += c <= 0;
		k += c >= 0;
	}
}

static void proj_free(struct proj_rt *p)
{
	free(p->server);
	free(p->coolify_project_uuid);
	free(p->coolify_env_uuid);
	free(p->coolify_app_uuid);
	free(p->deployment_uuid);
}

int engine_log(struct engine *eng, const char *slug, const char *action, const char *old_status,
	       const char *new_status, const char *message, const char *error,
	       const char *external_id, const char *service, struct vrs_err *err)
{
	struct state_log_entry e = {.project_slug = (char *)slug,
				    .action = (char *)action,
				    .old_status = (char *)old_status,
				    .new_status = (char *)new_status,
				    .message = (char *)message,
				    .error_details = (char *)error,
				    .external_id = (char *)external_id,
				    .external_service = (char *)service,
				    .triggered_by = (char *)eng->o->triggered_by,
				    .metadata_json = eng->metadata_json};

	/* log rows hang off a recorded project; global objects have none */
	if (slug == NULL)
		return 0;
	return state_log_add(eng->st, &e, err);
}

/* set the project's status (inside the caller's transaction) and log the change */
int engine_set_status(struct engine *eng, struct proj_rt *p, enum m_prov_status to,
		      const char *error, struct vrs_err *err)
{
	enum m_prov_status from = p->status;

	if (from == to && error == NULL)
		return 0;
	if (state_project_set_status(eng->st, p->slug, to, error, err) < 0)
		return -1;
	p->status = to;
	if (from == to)
		return 0;
	return engine_log(eng, p->slug, "status_changed", m_prov_status_name(from),
			  m_prov_status_name(to), NULL, NULL, NULL, NULL, err);
}

/* one transaction around fn; on failure the whole step is rolled back */
int engine_tx(struct engine *eng, int (*fn)(struct engine *, void *, struct vrs_err *), void *arg,
	      struct vrs_err *err)
{
	if (state_begin(eng->st, err) < 0)
		return -1;
	if (fn(eng, arg, err) < 0) {
		state_rollback(eng->st, NULL);
		return -1;
	}
	return state_commit(eng->st, err);
}

/* ---- jobs ----------------------------------------------------------------- */

static struct job *job_by_action_id(struct engine *eng, int id)
{
	if (id < 1 || (size_t)id > eng->njobs)
		return NULL;
	return &eng->jobs[id - 1];
}

struct fail_arg {
	struct job *j;
	const char *msg;
};

static int fail_tx(struct engine *eng, void *arg, struct vrs_err *err)
{
	struct fail_arg *fa = arg;
	struct job *j = fa->j;
	struct proj_rt *p = j->p;

	if (j->journal_id &&
	    state_journal_close(eng->st, j->journal_id, SJ_FAILED, NULL, fa->msg, err) < 0)
		return -1;
	j->journal_id = 0;
	/* a project not recorded yet (its create failed) has no row to mark */
	if (p && !p->failed && p->in_state) {
		if (engine_log(eng, p->slug, "error", m_prov_status_name(p->status), "error",
			       j->what, fa->msg, NULL, m_service_name(j->a->service), err) < 0)
			return -1;
		if (engine_set_status(eng, p, PS_ERROR, fa->msg, err) < 0 ||
		    state_project_retry_increment(eng->st, p->slug, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Coolify queues at most 25 deployments per server and answers 429 with
 * Retry-After: 60 beyond that; vrsctl keeps below the limit instead.
 */
#define DEPLOYS_PER_SERVER 20

static int deploy_server(const struct engine *eng, const struct job *j)
{
	const struct m_server *s;

	if (j->a->resource != RES_DEPLOYMENT || j->p == NULL || j->p->server == NULL)
		return -1;
	s = world_server(eng->desired, j->p->server);
	return s ? (int)(s - eng->desired->servers) : -1;
}

/* ---- the ready queue ------------------------------------------------------------------
 *
 * A job enters the queue when its last prerequisite ends; the loop starts
 * jobs from its head. A job that must wait for something other than a
 * prerequisite is parked on what it waits for (its project's domain
 * purchase, a deployment slot on its server) and re-queued when that
 * frees: the loop never scans all jobs, so 100,000 actions cost no more per
 * step than 10.
 */
/*
 * One ready queue per service, so that a busy service never holds back
 * another (INWX's session is serial; its queue should never run dry while
 * Coolify calls are in flight). Each is a ring: a job is in a queue at most
 * once at a time, so njobs + 1 slots do.
 */
static void enqueue(struct engine *eng, struct job *j)
{
	enum m_service s = j->a->service;

	eng->queue[s][eng->qtail[s]++ % (eng->njobs + 1)] = (int)(j - eng->jobs);
}

/* a job's remote call slot is free again (it ended, or it waits for a deployment) */
void engine_release_call(struct engine *eng, struct job *j)
{
	if (j->running) {
		eng->in_flight--;
		eng->svc_in_flight[j->a->service]--;
	}
	j->running = false;
}

static void park(struct engine *eng, int *head, int *tail, struct job *j)
{
	int x = (int)(j - eng->jobs);

	j->park_next = -1;
	if (*tail >= 0)
		eng->jobs[*tail].park_next = x;
	else
		*head = x;
	*tail = x;
}

/* re-queue up to n parked jobs (n < 0: all) */
static void unpark(struct engine *eng, int *head, int *tail, int n)
{
	while (*head >= 0 && n-- != 0) {
		struct job *j = &eng->jobs[*head];
		*head = j->park_next;
		if (*head < 0)
			*tail = -1;
		enqueue(eng, j);
	}
}

static void reg_finished(struct engine *eng, struct job *j)
{
	if (j->p && j->a->resource == RES_DOMAIN_REGISTRATION && j->p->reg_pending > 0 &&
	    --j->p->reg_pending == 0)
		unpark(eng, &j->p->park_head, &j->p->park_tail, -1);
}

static void release_deploy_slot(struct engine *eng, struct job *j)
{
	int s = j->deploy_slot;

	if (s >= 0) {
		eng->deploys_on[s]--;
		j->deploy_slot = -1;
		unpark(eng, &eng->slot_park[2 * s], &eng->slot_park[2 * s + 1], 1);
	}
}

/* the bookkeeping every end of a job shares */
static void job_end(struct engine *eng, struct job *j, enum job_state state)
{
	int x = (int)(j - eng->jobs);

	release_deploy_slot(eng, j);
	reg_finished(eng, j);
	j->state = state;
	eng->finished++;
	engine_release_call(eng, j);
	/* dependents whose last prerequisite this was are ready to be looked at */
	for (int k = eng->dep_off[x]; k < eng->dep_off[x + 1]; k++)
		if (--eng->jobs[eng->deps[k]].remaining == 0)
			enqueue(eng, &eng->jobs[eng->deps[k]]);
}

void job_fail(struct engine *eng, struct job *j, const char *msg)
{
	struct fail_arg fa = {j, msg};
	struct vrs_err err;

	err_clear(&err);
	job_end(eng, j, J_FAILED);
	eng->stats.failed++;
	if (!eng->first_error[0])
		snprintf(eng->first_error, sizeof(eng->first_error), "%s%s%s",
			 j->p ? j->p->slug : "", j->p ? ": " : "", msg);
	if (engine_tx(eng, fail_tx, &fa, &err) < 0 && !eng->state_error[0])
		snprintf(eng->state_error, sizeof(eng->state_error), "%s", err.msg);
	if (j->p && !j->p->failed) {
		j->p->failed = true;
		eng->stats.projects_failed++;
	}
	engine_progress(eng, j->p ? j->p->slug : j->a->key, "%s failed: %s", j->what, msg);
}

struct drift_arg {
	struct job *j;
	const char *action;
};

static int drift_tx(struct engine *eng, void *arg, struct vrs_err *err)
{
	struct drift_arg *d = arg;
	char msg[512];

	snprintf(msg, sizeof(msg), "%s %s %s: %s", m_op_name(d->j->a->op),
		 m_resource_name(d->j->a->resource), d->j->a->key, d->j->a->reason);
	return engine_log(eng, d->j->p->slug, d->action, NULL, NULL, msg, NULL, NULL,
			  m_service_name(d->j->a->service), err);
}

/* drift found by a refresh is logged when its repair starts and when it is done */
static void log_drift(struct engine *eng, struct job *j, const char *action)
{
	struct drift_arg d = {j, action};
	struct vrs_err err;

	if (!action_is_drift(j->a) || j->p == NULL || !j->p->in_state)
		return;
	err_clear(&err);
	if (engine_tx(eng, drift_tx, &d, &err) < 0 && !eng->state_error[0])
		snprintf(eng->state_error, sizeof(eng->state_error), "%s", err.msg);
}

void job_done(struct engine *eng, struct job *j, const char *progress_msg)
{
	log_drift(eng, j, "drift_healed");
	job_end(eng, j, J_DONE);
	eng->stats.ok++;
	if (progress_msg)
		engine_progress(eng, j->p ? j->p->slug : j->a->key, "%s", progress_msg);
}

void job_defer(struct engine *eng, struct job *j, const char *msg)
{
	job_end(eng, j, J_DEFERRED);
	eng->stats.deferred++;
	if (j->p && !j->p->deferred) {
		j->p->deferred = true;
		eng->stats.projects_waiting++;
	}
	engine_progress(eng, j->p ? j->p->slug : j->a->key, "%s", msg);
}

static void job_skip(struct engine *eng, struct job *j, const char *why)
{
	job_end(eng, j, J_SKIPPED);
	eng->stats.skipped++;
	if (why && eng->o->progress)
		engine_progress(eng, j->p ? j->p->slug : j->a->key, "skipped %s: %s", j->what, why);
}

/* open the journal row of a remote write before the call (committed at once) */
int engine_journal_open(struct engine *eng, struct job *j, const char *remote_name,
			const char *summary, struct vrs_err *err)
{
	struct state_journal_entry e = {.op = j->a->op,
					.resource = j->a->resource,
					.key = j->a->key,
					.project_slug = j->p ? (char *)j->p->slug : NULL,
					.service = j->a->service,
					.remote_name = (char *)remote_name,
					.request_summary = (char *)summary};

	return state_journal_open(eng->st, &e, &j->journal_id, err);
}

/* ---- the action graph ------------------------------------------------------- */

/* what a job is, for messages: "create coolify_app" */
static void job_describe(struct job *j)
{
	snprintf(j->what, sizeof(j->what), "%s %s", m_op_name(j->a->op),
		 m_resource_name(j->a->resource));
}

enum ready { R_READY, R_BLOCKED, R_PARK_DOMAIN, R_PARK_SLOT };

/* a dequeued job (all its prerequisites ended): may it start now? */
static enum ready job_ready(struct engine *eng, const struct job *j)
{
	int srv = deploy_server(eng, j);

	if (j->p && (j->p->failed || j->p->deferred))
		return R_BLOCKED;
	for (size_t i = 0; i < j->a->nrequires; i++) {
		struct job *dep = job_by_action_id(eng, j->a->requires[i]);
		if (dep && dep->state != J_DONE)
			return R_BLOCKED;
	}
	/* nothing remote for a project before its domain purchase is settled */
	if (j->p && j->p->reg_pending && j->a->resource != RES_DOMAIN_REGISTRATION &&
	    j->a->service != SVC_LOCAL)
		return R_PARK_DOMAIN;
	if (srv >= 0 && eng->deploys_on[srv] >= DEPLOYS_PER_SERVER)
		return R_PARK_SLOT;
	return R_READY;
}

static void job_start(struct engine *eng, struct job *j)
{
	/* converged objects listed by -v: nothing to do */
	if (j->a->op == OP_NOOP) {
		job_end(eng, j, J_DONE);
		return;
	}
	/* nothing is deleted without --allow-delete, not even a local record */
	if (j->a->destructive && !eng->o->allow_delete) {
		job_end(eng, j, J_DONE);
		eng->stats.skipped++;
		eng->stats.kept++;
		engine_progress(eng, j->p ? j->p->slug : j->a->key,
				"kept %s %s (needs --allow-delete)",
				m_resource_name(j->a->resource), j->a->key);
		return;
	}
	j->state = J_RUNNING;
	if ((j->deploy_slot = deploy_server(eng, j)) >= 0)
		eng->deploys_on[j->deploy_slot]++;
	log_drift(eng, j, "drift_detected");
	if (j->a->service != SVC_LOCAL) {
		j->running = true;
		eng->in_flight++;
		eng->svc_in_flight[j->a->service]++;
		remote_start(eng, j);
	} else {
		local_run(eng, j);
	}
}

static bool stop_requested(const struct engine *eng)
{
	return eng->o->stop && *eng->o->stop;
}

/* start what service s may start now; true when anything left its queue */
static bool drain(struct engine *eng, enum m_service s)
{
	bool moved = false;

	while (eng->qhead[s] < eng->qtail[s] && !stop_requested(eng)) {
		struct job *j = &eng->jobs[eng->queue[s][eng->qhead[s] % (eng->njobs + 1)]];
		enum ready r = job_ready(eng, j);

		if (r == R_BLOCKED) {
			eng->qhead[s]++;
			job_skip(eng, j,
				 j->p && j->p->failed	  ? "project failed"
				 : j->p && j->p->deferred ? "waiting for the domain"
							  : "a prerequisite failed");
		} else if (r == R_PARK_DOMAIN) {
			eng->qhead[s]++;
			park(eng, &j->p->park_head, &j->p->park_tail, j);
		} else if (r == R_PARK_SLOT) {
			int srv = deploy_server(eng, j);
			eng->qhead[s]++;
			park(eng, &eng->slot_park[2 * srv], &eng->slot_park[2 * srv + 1], j);
		} else if (s != SVC_LOCAL && eng->svc_in_flight[s] >= (size_t)eng->parallelism) {
			break; /* it stays at the head until a call of its service ends */
		} else {
			eng->qhead[s]++;
			job_start(eng, j);
		}
		moved = true;
	}
	return moved;
}

int engine_apply(struct state *st, struct providers *pv, const struct inputs *in,
		 const struct m_world *recorded, const struct m_plan *plan,
		 const struct engine_opts *o, struct engine_stats *stats, struct vrs_err *err)
{
	struct engine eng;
	int rc = 0;

	memset(&eng, 0, sizeof(eng));
	memset(stats, 0, sizeof(*stats));
	eng.st = st;
	eng.pv = pv;
	eng.in = in;
	eng.desired = &in->desired;
	eng.recorded = recorded;
	eng.plan = plan;
	eng.o = o;
	eng.parallelism = o->parallelism > 0 ? o->parallelism : 10;
	eng.njobs = plan->nactions;
	eng.jobs = calloc(eng.njobs + 1, sizeof(*eng.jobs));
	eng.projs = calloc(in->desired.nprojects + recorded->nprojects + 1, sizeof(*eng.projs));
	eng.deploys_on = calloc(in->desired.nservers + 1, sizeof(*eng.deploys_on));
	eng.slot_park = malloc((2 * in->desired.nservers + 2) * sizeof(*eng.slot_park));
	for (int s = 0; s < SVC__MAX; s++)
		eng.queue[s] = malloc((eng.njobs + 1) * sizeof(*eng.queue[s]));
	eng.dep_off = calloc(eng.njobs + 2, sizeof(*eng.dep_off));
	if (eng.jobs == NULL || eng.projs == NULL || eng.deploys_on == NULL ||
	    eng.slot_park == NULL || eng.queue[SVC_LOCAL] == NULL ||
	    eng.queue[SVC_COOLIFY] == NULL || eng.queue[SVC_INWX] == NULL || eng.dep_off == NULL) {
		err_set(err, "out of memory");
		goto out_err;
	}
	for (size_t s = 0; s < 2 * in->desired.nservers + 2; s++)
		eng.slot_park[s] = -1;
	projs_init(&eng);
	{
		char meta[512];
		snprintf(meta, sizeof(meta), "{\"serial\": %lld, \"spec_commit\": %s%s%s}",
			 plan->serial + 1, o->spec_commit ? "\"" : "",
			 o->spec_commit ? o->spec_commit : "null", o->spec_commit ? "\"" : "");
		eng.metadata_json = strdup(meta);
	}
	if (state_fingerprint_key(st, eng.fp_key, err) < 0)
		goto out_err;
	for (size_t i = 0; i < eng.njobs; i++) {
		struct job *j = &eng.jobs[i];
		j->a = &plan->actions[i];
		j->eng = &eng;
		j->deploy_slot = -1;
		j->park_next = -1;
		if (j->a->project)
			j->p = proj_get(&eng, j->a->project);
		job_describe(j);
		if (j->p && j->a->resource == RES_DOMAIN_REGISTRATION)
			j->p->reg_pending++;
		/* prerequisites, and the reverse edges (CSR) to wake dependents */
		for (size_t k = 0; k < j->a->nrequires; k++) {
			if (job_by_action_id(&eng, j->a->requires[k]) == NULL)
				continue;
			j->remaining++;
			eng.dep_off[j->a->requires[k] - 1 + 1]++;
		}
	}
	for (size_t i = 0; i < eng.njobs; i++)
		eng.dep_off[i + 1] += eng.dep_off[i];
	eng.deps = malloc((eng.dep_off[eng.njobs] + 1) * sizeof(*eng.deps));
	if (eng.deps == NULL) {
		err_set(err, "out of memory");
		goto out_err;
	}
	{
		int *fill = calloc(eng.njobs + 1, sizeof(int));
		if (fill == NULL) {
			err_set(err, "out of memory");
			goto out_err;
		}
		for (size_t i = 0; i < eng.njobs; i++)
			for (size_t k = 0; k < eng.jobs[i].a->nrequires; k++) {
				int d = eng.jobs[i].a->requires[k] - 1;
				if (d < 0 || (size_t)d >= eng.njobs)
					continue;
				eng.deps[eng.dep_off[d] + fill[d]++] = (int)i;
			}
		free(fill);
	}
	for (size_t i = 0; i < eng.njobs; i++)
		if (eng.jobs[i].remaining == 0)
			enqueue(&eng, &eng.jobs[i]);
	stats->total = eng.njobs;
	while (eng.finished < eng.njobs && !eng.state_error[0]) {
		bool moved = false, queued = false;

		if (o->tick)
			o->tick(o->tick_ud);
		for (int s = 0; s < SVC__MAX; s++) {
			moved |= drain(&eng, (enum m_service)s);
			queued |= eng.qhead[s] < eng.qtail[s];
		}
		if (eng.in_flight == 0 && eng.waiting_deploys == 0 &&
		    (!queued || stop_requested(&eng)))
			break; /* nothing runs and nothing more can start */
		if (moved && !stop_requested(&eng))
			continue; /* ended jobs may have made others ready */
		if (remote_step(&eng, err) < 0)
			goto out_err;
	}
	for (size_t i = 0; i < eng.njobs; i++)
		if (eng.jobs[i].state == J_PENDING)
			job_skip(&eng, &eng.jobs[i], NULL);
	if (eng.state_error[0]) {
		err_set(err, "state: %s", eng.state_error);
		rc = -1;
	} else if (stats && (eng.stats.failed > 0)) {
		err_set(err, "%s", eng.first_error);
		rc = -1;
	} else if (stop_requested(&eng) && eng.stats.skipped) {
		err_set(err, "interrupted: %zu actions not started", eng.stats.skipped);
		rc = -1;
	}
	goto out;
out_err:
	rc = -1;
out:
	eng.stats.total = eng.njobs;
	*stats = eng.stats;
	for (size_t i = 0; i < eng.nprojs; i++)
		proj_free(&eng.projs[i]);
	for (size_t i = 0; eng.jobs && i < eng.njobs; i++)
		job_clear(&eng.jobs[i]);
	dns_free_all(&eng);
	free(eng.deploys_on);
	free(eng.slot_park);
	for (int s = 0; s < SVC__MAX; s++)
		free(eng.queue[s]);
	free(eng.dep_off);
	free(eng.deps);
	free(eng.projs);
	free(eng.jobs);
	free(eng.metadata_json);
	return rc;
}

void job_clear(struct job *j)
{
	free(j->remote_id);
	j->remote_id = NULL;
}

/* ---- who and which commit ------------------------------------------------------ */

static char *run_git(const char *dir, const char *args)
{
	char cmd[4096], line[512];
	FILE *f;
	char *out = NULL;

	/* the directory is passed quoted; refuse quotes in it rather than escaping */
	if (strchr(dir, '\'') || strlen(dir) > 2048)
		return NULL;
	snprintf(cmd, sizeof(cmd), "git -C '%s' %s 2>/dev/null", dir, args);
	f = popen(cmd, "r");
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			out = strdup(line);
	}
	if (pclose(f) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

char *engine_triggered_by(const char *specs_dir)
{
	const char *env = getenv("VRS_TRIGGERED_BY");
	char *who;

	if (env && *env)
		return strdup(env);
	who = run_git(specs_dir, "log -1 --format=%ae");
	return who ? who : strdup("system");
}

char *engine_spec_commit(const char *specs_dir)
{
	return run_git(specs_dir, "rev-parse HEAD");
}
