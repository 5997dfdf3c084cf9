/*
 * engine.c — the scheduler of apply.
 *
 * The parts of apply and the allowed arrows. The scheduler (engine.c)
 * owns the job graph, the ready queues (one per service), the in-flight
 * caps, the parking lists (deploy slots per server, domain purchases per
 * project) and `struct engine`, which no other file sees; executors get a
 * job handle (`struct job`) and the run's context (`struct run`). One
 * executor per service sits behind `struct executor` (engine_int.h: start
 * a job, step its timers, release its data): `local` (local.c, the state
 * only), `coolify` (remote.c, with its parts appenv.c and deploy.c),
 * `inwx` DNS (dns.c) and `inwx` domains (domains.c). The scheduler knows
 * them only through the table its caller passes (executors.c, given by
 * reconcile.c). An executor makes provider calls; in their callbacks it
 * records what happened through the bookkeeping (journal.c: log rows,
 * status changes, transactions, the journal row committed before every
 * remote write and closed in the transaction that records its result) and
 * ends the job through the scheduler's API (job_done, job_fail, job_defer,
 * engine_finish). Arrows and the never-arrows: docs/ARCHITECTURE.md.
 */
#include "engine/engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum job_state { J_PENDING, J_RUNNING, J_DONE, J_FAILED, J_SKIPPED, J_DEFERRED };

/* a job with what only the scheduler keeps of it */
struct slot {
	struct job job; /* first: a job handle is its slot */
	enum job_state state;
	bool running;	  /* counts against parallelism */
	bool waiting;	  /* runs without a call slot (a deployment waiting for its end) */
	int deploy_slot;  /* index of the server whose deploy slot it holds, -1 none */
	size_t remaining; /* prerequisites not ended yet */
	int park_next;	  /* next job in the list it is parked on, -1 */
};

/* what the scheduler keeps of a project */
struct proj_sched {
	size_t reg_pending;	  /* domain registrations/transfers not finished in this run */
	int park_head, park_tail; /* jobs waiting for the purchase */
};

struct engine {
	struct run run; /* first: the run's context is the engine's */
	int parallelism;
	struct slot *jobs;
	size_t njobs;
	struct proj_rt *projs;
	struct proj_sched *psched; /* parallel to projs */
	size_t nprojs;
	size_t in_flight;
	size_t finished;
	size_t waiting;	      /* jobs running without a call slot */
	size_t *deploys_on;   /* per desired server: deployments started and not ended */
	int *slot_park;	      /* per server: head, tail of the jobs waiting for a slot */
	int *queue[SVC__MAX]; /* ready queues per service (job indexes), qhead..qtail */
	size_t qhead[SVC__MAX], qtail[SVC__MAX];
	size_t svc_in_flight[SVC__MAX]; /* remote jobs running, per service */
	int *dep_off, *deps;		/* dependents of each job (CSR) */
	char first_error[512];
	char state_error[512];
	bool cancelling; /* a stop is cancelling the calls: their failures are interruptions */
};

static struct engine *engine_of(struct run *run)
{
	return (struct engine *)run;
}

static struct slot *slot_of(struct job *j)
{
	return (struct slot *)j;
}

void engine_progress(struct run *run, const char *subject, const char *fmt, ...)
{
	struct engine *eng = engine_of(run);
	char msg[768], line[1024];
	va_list ap;

	if (run->o->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "[%zu/%zu] %s: %s", eng->finished, eng->njobs, subject, msg);
	run->o->progress(run->o->progress_ud, subject, msg, line);
}

static const char *subject_of(const struct job *j)
{
	return j->p ? j->p->slug : j->a->key;
}

/* a state failure outside a job's own result: the run stops */
static void note_state_error(struct engine *eng, const struct vrs_err *err)
{
	if (!eng->state_error[0])
		snprintf(eng->state_error, sizeof(eng->state_error), "%s", err->msg);
}

static struct proj_sched *psched_of(struct engine *eng, const struct proj_rt *p)
{
	return &eng->psched[p - eng->projs];
}

/* ---- the ready queue ------------------------------------------------------------------
 *
 * A job enters the queue when its last prerequisite ends; the loop starts
 * jobs from its head. A job that must wait for something other than a
 * prerequisite is parked on what it waits for (its project's domain
 * purchase, a deployment slot on its server) and re-queued when that
 * frees: the loop never scans all jobs, so 100,000 actions cost no more per
 * step than 10.
 *
 * One ready queue per service, so that a busy service never holds back
 * another (INWX's session is serial; its queue should never run dry while
 * Coolify calls are in flight). Each is a ring: a job is in a queue at most
 * once at a time, so njobs + 1 slots do.
 */
static struct slot *job_by_action_id(struct engine *eng, int id)
{
	if (id < 1 || (size_t)id > eng->njobs)
		return NULL;
	return &eng->jobs[id - 1];
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
	s = world_server(eng->run.desired, j->p->server);
	return s ? (int)(s - eng->run.desired->servers) : -1;
}

static void enqueue(struct engine *eng, struct slot *s)
{
	enum m_service q = s->job.a->service;

	eng->queue[q][eng->qtail[q]++ % (eng->njobs + 1)] = (int)(s - eng->jobs);
}

void engine_release_call(struct run *run, struct job *j)
{
	struct engine *eng = engine_of(run);
	struct slot *s = slot_of(j);

	if (s->running) {
		eng->in_flight--;
		eng->svc_in_flight[j->a->service]--;
		s->waiting = true;
		eng->waiting++;
	}
	s->running = false;
}

static void park(struct engine *eng, int *head, int *tail, struct slot *s)
{
	int x = (int)(s - eng->jobs);

	s->park_next = -1;
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
		struct slot *s = &eng->jobs[*head];
		*head = s->park_next;
		if (*head < 0)
			*tail = -1;
		enqueue(eng, s);
	}
}

static void reg_finished(struct engine *eng, struct job *j)
{
	struct proj_sched *ps = j->p ? psched_of(eng, j->p) : NULL;

	if (ps && j->a->resource == RES_DOMAIN_REGISTRATION && ps->reg_pending > 0 &&
	    --ps->reg_pending == 0)
		unpark(eng, &ps->park_head, &ps->park_tail, -1);
}

static void release_deploy_slot(struct engine *eng, struct slot *s)
{
	int srv = s->deploy_slot;

	if (srv >= 0) {
		eng->deploys_on[srv]--;
		s->deploy_slot = -1;
		unpark(eng, &eng->slot_park[2 * srv], &eng->slot_park[2 * srv + 1], 1);
	}
}

/* ---- the ends of a job ------------------------------------------------------------ */

/* the bookkeeping every end of a job shares */
static void job_end(struct engine *eng, struct slot *s, enum job_state state)
{
	int x = (int)(s - eng->jobs);

	release_deploy_slot(eng, s);
	reg_finished(eng, &s->job);
	eng->run.deploys_ahead -= s->state == J_PENDING && s->job.a->op == OP_DEPLOY;
	s->state = state;
	eng->finished++;
	if (s->running) {
		eng->in_flight--;
		eng->svc_in_flight[s->job.a->service]--;
		s->running = false;
	}
	if (s->waiting) {
		eng->waiting--;
		s->waiting = false;
	}
	/* dependents whose last prerequisite this was are ready to be looked at */
	for (int k = eng->dep_off[x]; k < eng->dep_off[x + 1]; k++)
		if (--eng->jobs[eng->deps[k]].remaining == 0)
			enqueue(eng, &eng->jobs[eng->deps[k]]);
}

/*
 * A job cut short by a stop: no failure is recorded, its journal row stays
 * open (the call's answer was not seen: the next run's recovery looks it
 * up), and its project keeps its status (a deployment started stays
 * bootstrapping, so the next run sees to it).
 */
static void job_interrupt(struct engine *eng, struct slot *s)
{
	job_end(eng, s, J_SKIPPED);
	eng->run.stats.skipped++;
	eng->run.stats.interrupted++;
	engine_progress(&eng->run, subject_of(&s->job), "%s interrupted", s->job.what);
}

void job_fail(struct run *run, struct job *j, const char *msg)
{
	struct engine *eng = engine_of(run);
	struct vrs_err err;

	if (eng->cancelling) {
		job_interrupt(eng, slot_of(j));
		return;
	}
	err_clear(&err);
	job_end(eng, slot_of(j), J_FAILED);
	run->stats.failed++;
	if (!eng->first_error[0])
		snprintf(eng->first_error, sizeof(eng->first_error), "%s%s%s",
			 j->p ? j->p->slug : "", j->p ? ": " : "", msg);
	if (engine_record_failure(run, j, msg, &err) < 0)
		note_state_error(eng, &err);
	if (j->p && !j->p->failed) {
		j->p->failed = true;
		run->stats.projects_failed++;
	}
	engine_progress(run, subject_of(j), "%s failed: %s", j->what, msg);
}

void job_fail_err(struct run *run, struct job *j, const struct vrs_err *err)
{
	/* the state cannot record (only it gives VRS_E_IO): the run stops, and a failure
	 * row would close the journal row although its call may have landed: none */
	if (err && (err->code == VRS_E_INTERRUPTED || err->code == VRS_E_IO)) {
		if (err->code == VRS_E_IO)
			note_state_error(engine_of(run), err);
		job_interrupt(engine_of(run), slot_of(j));
		return;
	}
	job_fail(run, j, err && err->msg[0] ? err->msg : "unknown error");
}

static void log_drift(struct engine *eng, struct job *j, const char *action)
{
	struct vrs_err err;

	err_clear(&err);
	if (engine_record_drift(&eng->run, j, action, &err) < 0)
		note_state_error(eng, &err);
}

void job_done(struct run *run, struct job *j, const char *progress_msg)
{
	struct engine *eng = engine_of(run);

	log_drift(eng, j, "drift_healed");
	job_end(eng, slot_of(j), J_DONE);
	run->stats.ok++;
	if (progress_msg)
		engine_progress(run, subject_of(j), "%s", progress_msg);
}

void job_defer(struct run *run, struct job *j, const char *msg)
{
	job_end(engine_of(run), slot_of(j), J_DEFERRED);
	run->stats.deferred++;
	if (j->p && !j->p->deferred) {
		j->p->deferred = true;
		run->stats.projects_waiting++;
	}
	engine_progress(run, subject_of(j), "%s", msg);
}

static void job_skip(struct engine *eng, struct slot *s, const char *why)
{
	job_end(eng, s, J_SKIPPED);
	eng->run.stats.skipped++;
	if (why && eng->run.o->progress)
		engine_progress(&eng->run, subject_of(&s->job), "skipped %s: %s", s->job.what, why);
}

void engine_finish(struct run *run, struct job *j, const char *external_id, const char *log_action,
		   const char *message, record_fn extra, const char *progress)
{
	struct vrs_err err;

	err_clear(&err);
	if (engine_record_result(run, j, external_id, log_action, message, extra, &err) < 0) {
		job_fail_err(run, j, &err);
		return;
	}
	job_done(run, j, progress);
}

/* ---- starting jobs ------------------------------------------------------------------ */

enum ready { R_READY, R_BLOCKED, R_PARK_DOMAIN, R_PARK_SLOT };

/* a dequeued job (all its prerequisites ended): may it start now? */
static enum ready job_ready(struct engine *eng, const struct slot *s)
{
	const struct job *j = &s->job;
	int srv = deploy_server(eng, j);

	if (j->p && (j->p->failed || j->p->deferred))
		return R_BLOCKED;
	for (size_t i = 0; i < j->a->nrequires; i++) {
		struct slot *dep = job_by_action_id(eng, j->a->requires[i]);
		if (dep && dep->state != J_DONE)
			return R_BLOCKED;
	}
	/* nothing remote for a project before its domain purchase is settled */
	if (j->p && psched_of(eng, j->p)->reg_pending &&
	    j->a->resource != RES_DOMAIN_REGISTRATION && j->a->service != SVC_LOCAL)
		return R_PARK_DOMAIN;
	if (srv >= 0 && eng->deploys_on[srv] >= DEPLOYS_PER_SERVER)
		return R_PARK_SLOT;
	return R_READY;
}

/* a remote job: its service configured, its project provisioning, its executor */
static void remote_start(struct engine *eng, struct job *j)
{
	const struct executor *x = eng->run.o->executors->of(j->a);
	struct providers *pv = eng->run.pv;
	struct vrs_err err;

	err_clear(&err);
	if (j->p == NULL || (j->a->service == SVC_COOLIFY && pv->coolify == NULL) ||
	    (j->a->service == SVC_INWX && pv->inwx == NULL))
		err_set(&err, "%s is not configured", m_service_name(j->a->service));
	else if (engine_enter_provisioning(&eng->run, j, &err) < 0)
		;
	else if (x == NULL)
		err_set(&err, "%s %s is not supported by this version", m_op_name(j->a->op),
			m_resource_name(j->a->resource));
	else {
		x->start(&eng->run, j);
		return;
	}
	job_fail_err(&eng->run, j, &err);
}

static void job_start(struct engine *eng, struct slot *s)
{
	struct job *j = &s->job;

	/* converged objects listed by -v: nothing to do */
	if (j->a->op == OP_NOOP) {
		job_end(eng, s, J_DONE);
		return;
	}
	/* nothing is deleted without --allow-delete, not even a local record */
	if (j->a->destructive && !eng->run.o->allow_delete) {
		job_end(eng, s, J_DONE);
		eng->run.stats.skipped++;
		eng->run.stats.kept++;
		engine_progress(&eng->run, subject_of(j), "kept %s %s (needs --allow-delete)",
				m_resource_name(j->a->resource), j->a->key);
		return;
	}
	s->state = J_RUNNING;
	eng->run.deploys_ahead -= j->a->op == OP_DEPLOY;
	if ((s->deploy_slot = deploy_server(eng, j)) >= 0)
		eng->deploys_on[s->deploy_slot]++;
	log_drift(eng, j, "drift_detected");
	if (j->a->service != SVC_LOCAL) {
		s->running = true;
		eng->in_flight++;
		eng->svc_in_flight[j->a->service]++;
		remote_start(eng, j);
	} else {
		eng->run.o->executors->of(j->a)->start(&eng->run, j);
	}
}

static bool stop_requested(const struct engine *eng)
{
	return eng->run.o->stop && *eng->run.o->stop;
}

/* start what service q may start now; true when anything left its queue */
static bool drain(struct engine *eng, enum m_service q)
{
	bool moved = false;

	while (eng->qhead[q] < eng->qtail[q] && !stop_requested(eng) && !eng->state_error[0]) {
		struct slot *s = &eng->jobs[eng->queue[q][eng->qhead[q] % (eng->njobs + 1)]];
		struct proj_rt *p = s->job.p;
		enum ready r = job_ready(eng, s);

		if (r == R_BLOCKED) {
			eng->qhead[q]++;
			job_skip(eng, s,
				 p && p->failed	    ? "project failed"
				 : p && p->deferred ? "waiting for the domain"
						    : "a prerequisite failed");
		} else if (r == R_PARK_DOMAIN) {
			struct proj_sched *ps = psched_of(eng, p);
			eng->qhead[q]++;
			park(eng, &ps->park_head, &ps->park_tail, s);
		} else if (r == R_PARK_SLOT) {
			int srv = deploy_server(eng, &s->job);
			eng->qhead[q]++;
			park(eng, &eng->slot_park[2 * srv], &eng->slot_park[2 * srv + 1], s);
		} else if (q != SVC_LOCAL && eng->svc_in_flight[q] >= (size_t)eng->parallelism) {
			break; /* it stays at the head until a call of its service ends */
		} else {
			eng->qhead[q]++;
			job_start(eng, s);
		}
		moved = true;
	}
	return moved;
}

/* drive the executors' timers and the providers one step */
static int step(struct engine *eng, struct vrs_err *err)
{
	const struct executor_set *xs = eng->run.o->executors;
	int wait = 200;

	for (size_t i = 0; i < xs->n; i++)
		if (xs->v[i]->step)
			xs->v[i]->step(&eng->run, &wait);
	return http_pool_step(eng->run.pv->pool, wait, err);
}

/* ---- the graph ------------------------------------------------------------------------ */

/* what a job is, for messages: "create coolify_app" */
static void job_describe(struct job *j)
{
	snprintf(j->what, sizeof(j->what), "%s %s", m_op_name(j->a->op),
		 m_resource_name(j->a->resource));
}

static int engine_init(struct engine *eng, struct state *st, struct providers *pv,
		       const struct inputs *in, const struct m_world *recorded,
		       const struct m_plan *plan, const struct engine_opts *o, struct vrs_err *err)
{
	const struct m_world *d = &in->desired;
	const char *c = o->spec_commit;
	char meta[512];
	bool ok;

	memset(eng, 0, sizeof(*eng));
	eng->run.st = st;
	eng->run.pv = pv;
	eng->run.in = in;
	eng->run.desired = d;
	eng->run.recorded = recorded;
	eng->run.o = o;
	eng->parallelism = o->parallelism > 0 ? o->parallelism : 10;
	eng->njobs = plan->nactions;
	eng->jobs = calloc(eng->njobs + 1, sizeof(*eng->jobs));
	eng->projs = calloc(d->nprojects + recorded->nprojects + 1, sizeof(*eng->projs));
	eng->psched = calloc(d->nprojects + recorded->nprojects + 1, sizeof(*eng->psched));
	eng->deploys_on = calloc(d->nservers + 1, sizeof(*eng->deploys_on));
	eng->slot_park = malloc((2 * d->nservers + 2) * sizeof(*eng->slot_park));
	eng->dep_off = calloc(eng->njobs + 2, sizeof(*eng->dep_off));
	ok = eng->jobs && eng->projs && eng->psched && eng->deploys_on && eng->slot_park &&
	     eng->dep_off;
	for (int s = 0; s < SVC__MAX; s++) {
		eng->queue[s] = malloc((eng->njobs + 1) * sizeof(*eng->queue[s]));
		ok = ok && eng->queue[s];
	}
	snprintf(meta, sizeof(meta), "{\"serial\": %lld, \"spec_commit\": %s%s%s}",
		 plan->serial + 1, c ? "\"" : "", c ? c : "null", c ? "\"" : "");
	eng->run.metadata_json = strdup(meta);
	if (!ok || eng->run.metadata_json == NULL)
		return err_set(err, "out of memory");
	if (o->executors == NULL)
		return err_set(err, "no executors");
	for (size_t s = 0; s < 2 * d->nservers + 2; s++)
		eng->slot_park[s] = -1;
	eng->nprojs = projs_init(eng->projs, d, recorded);
	for (size_t i = 0; i < eng->nprojs; i++)
		eng->psched[i].park_head = eng->psched[i].park_tail = -1;
	return state_fingerprint_key(st, eng->run.fp_key, err);
}

/* the jobs, their prerequisites, and the reverse edges (CSR) to wake dependents */
static int graph_init(struct engine *eng, const struct m_plan *plan, struct vrs_err *err)
{
	int *fill;

	for (size_t i = 0; i < eng->njobs; i++) {
		struct slot *s = &eng->jobs[i];
		struct job *j = &s->job;
		j->a = &plan->actions[i];
		j->eng = &eng->run;
		s->deploy_slot = -1;
		s->park_next = -1;
		if (j->a->project)
			j->p = projs_find(eng->projs, eng->nprojs, j->a->project);
		job_describe(j);
		eng->run.deploys_ahead += j->a->op == OP_DEPLOY;
		if (j->p && j->a->resource == RES_DOMAIN_REGISTRATION)
			psched_of(eng, j->p)->reg_pending++;
		for (size_t k = 0; k < j->a->nrequires; k++) {
			if (job_by_action_id(eng, j->a->requires[k]) == NULL)
				continue;
			s->remaining++;
			eng->dep_off[j->a->requires[k] - 1 + 1]++;
		}
	}
	for (size_t i = 0; i < eng->njobs; i++)
		eng->dep_off[i + 1] += eng->dep_off[i];
	eng->deps = malloc((eng->dep_off[eng->njobs] + 1) * sizeof(*eng->deps));
	fill = calloc(eng->njobs + 1, sizeof(int));
	if (eng->deps == NULL || fill == NULL) {
		free(fill);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < eng->njobs; i++)
		for (size_t k = 0; k < eng->jobs[i].job.a->nrequires; k++) {
			int d = eng->jobs[i].job.a->requires[k] - 1;
			if (d < 0 || (size_t)d >= eng->njobs)
				continue;
			eng->deps[eng->dep_off[d] + fill[d]++] = (int)i;
		}
	free(fill);
	for (size_t i = 0; i < eng->njobs; i++)
		if (eng->jobs[i].remaining == 0)
			enqueue(eng, &eng->jobs[i]);
	return 0;
}

static void engine_release(struct engine *eng)
{
	const struct executor_set *xs = eng->run.o->executors;

	for (size_t i = 0; xs && i < xs->n; i++)
		if (xs->v[i]->release)
			xs->v[i]->release(&eng->run);
	projs_release(eng->projs, eng->nprojs);
	for (size_t i = 0; eng->jobs && i < eng->njobs; i++)
		free(eng->jobs[i].job.remote_id);
	free(eng->deploys_on);
	free(eng->slot_park);
	for (int s = 0; s < SVC__MAX; s++)
		free(eng->queue[s]);
	free(eng->dep_off);
	free(eng->deps);
	free(eng->psched);
	free(eng->projs);
	free(eng->jobs);
	free(eng->run.metadata_json);
}

/* calls in flight at a stop get this long to answer before they are cut */
#define STOP_GRACE_MS 2000

/* cancel every call queued, backing off or in flight; interrupt waiting jobs */
static void cut_all(struct engine *eng)
{
	eng->cancelling = true;
	http_pool_cancel(eng->run.pv->pool);
	for (size_t i = 0; i < eng->njobs; i++)
		if (eng->jobs[i].state == J_RUNNING &&
		    (eng->jobs[i].waiting || eng->jobs[i].running))
			job_interrupt(eng, &eng->jobs[i]);
	eng->cancelling = false;
}

/* a stop: nothing new starts, calls in flight get STOP_GRACE_MS to answer
 * (no executor timer runs meanwhile: no poll, no resend), then cut_all */
static int stop_run(struct engine *eng, struct vrs_err *err)
{
	struct http_pool *pool = eng->run.pv->pool;
	long long until = engine_now_ms() + STOP_GRACE_MS;

	while (eng->in_flight > 0 && http_pool_in_flight(pool) > 0 && !eng->state_error[0] &&
	       engine_now_ms() < until)
		if (http_pool_step(pool, 100, err) < 0)
			return -1;
	cut_all(eng);
	eng->run.stats.stopped = true;
	return 0;
}

/* run until every job ended, or nothing more can start */
static int run_loop(struct engine *eng, struct vrs_err *err)
{
	const struct engine_opts *o = eng->run.o;

	while (eng->finished < eng->njobs && !eng->state_error[0]) {
		bool moved = false, queued = false;

		if (o->tick)
			o->tick(o->tick_ud);
		if (stop_requested(eng))
			return stop_run(eng, err);
		for (int s = 0; s < SVC__MAX; s++) {
			moved |= drain(eng, (enum m_service)s);
			queued |= eng->qhead[s] < eng->qtail[s];
		}
		if (eng->in_flight == 0 && eng->waiting == 0 && (!queued || stop_requested(eng)))
			break; /* nothing runs and nothing more can start */
		if (moved && !stop_requested(eng))
			continue; /* ended jobs may have made others ready */
		if (step(eng, err) < 0)
			return -1;
	}
	/* a failed state write ends the run: none of its calls may outlive it */
	return eng->state_error[0] ? stop_run(eng, err) : 0;
}

int engine_apply(struct state *st, struct providers *pv, const struct inputs *in,
		 const struct m_world *recorded, const struct m_plan *plan,
		 const struct engine_opts *o, struct engine_stats *stats, struct vrs_err *err)
{
	struct engine eng;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	if (engine_init(&eng, st, pv, in, recorded, plan, o, err) < 0 ||
	    graph_init(&eng, plan, err) < 0 || run_loop(&eng, err) < 0)
		goto out;
	for (size_t i = 0; i < eng.njobs; i++)
		if (eng.jobs[i].state == J_PENDING)
			job_skip(&eng, &eng.jobs[i], NULL);
	rc = 0;
	if (eng.state_error[0]) {
		err_setc(err, VRS_E_IO,
			 "%s; the run stopped: the calls left open in the journal "
			 "(`vrsctl status`) are looked up next run",
			 eng.state_error);
		rc = -1;
	} else if (stop_requested(&eng) && eng.run.stats.skipped > eng.run.stats.kept) {
		/* before the failures: what a stop left undone is what the caller must know */
		eng.run.stats.stopped = true;
		err_setc(err, VRS_E_INTERRUPTED, "interrupted, %zu actions pending",
			 eng.run.stats.skipped - eng.run.stats.kept);
		rc = -1;
	} else if (eng.run.stats.failed > 0) {
		err_set(err, "%s", eng.first_error);
		rc = -1;
	}
out:
	eng.run.stats.total = eng.njobs;
	*stats = eng.run.stats;
	engine_release(&eng);
	return rc;
}
