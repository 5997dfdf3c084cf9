/*
 * engine_int.h — what the parts of apply share: the run's context (struct
 * run), the job handle, the executor interface, and the APIs of the
 * scheduler (engine.c) and of the bookkeeping (journal.c). The scheduler's
 * own state (the job graph, the ready queues, the caps) is private to
 * engine.c; see the comment at its top for the parts and the allowed arrows.
 */
#ifndef VRS_ENGINE_INT_H
#define VRS_ENGINE_INT_H

#include "engine/engine.h"
#include "providers/coolify.h"
#include "providers/http.h"
#include "providers/inwx.h"
#include "providers/probe.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/secret.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct providers {
	struct http_pool *pool;
	struct coolify *coolify; /* NULL when not configured */
	struct inwx *inwx;	 /* NULL when not configured */
	char *nameserver;    /* VRS_NAMESERVER (a loopback test setting): every DNS question goes
				there; NULL: none */
	struct probe *probe; /* the HTTPS health probe (always there) */
	unsigned long long retries_before; /* HTTP retries of the providers this one replaced */
};

/* what the engine knows of a project while it runs (recorded + this run's results) */
struct proj_rt {
	const char *slug;
	const struct m_project *want; /* desired, NULL when removed from the specs */
	const struct m_project *rec;  /* recorded at the start, NULL when new */
	enum m_prov_status status;
	bool in_state; /* a row exists in the state */
	bool failed;
	bool deferred; /* waits (domain pending at INWX, purchase not approved) */
	char *server;  /* placed server name */
	char *coolify_project_uuid, *coolify_env_uuid, *coolify_app_uuid;
};

/*
 * projects.c: the projects of both worlds into v (room for both counts),
 * in slug order; returns how many
 */
size_t projs_init(struct proj_rt *v, const struct m_world *desired, const struct m_world *recorded);
struct proj_rt *projs_find(struct proj_rt *v, size_t n, const char *slug);
void projs_release(struct proj_rt *v, size_t n);

struct dom_ids {
	char *a, *aaaa, *www;
};

/* a domain's record ids as this run changes them */
struct dom_rt {
	char *fqdn;
	struct dom_ids ids;
};

struct deploy_waits;
struct run_zones;
struct app_gones;
struct dnsgate;
struct health_waits;
struct run_dests;

/* one apply: its inputs and what the executors keep for its length */
struct run {
	struct state *st;
	struct providers *pv;
	const struct inputs *in;
	const struct m_world *desired, *recorded;
	const struct engine_opts *o;
	unsigned char fp_key[32];
	char *metadata_json;	   /* of every log row: serial and spec commit */
	struct engine_stats stats; /* the scheduler's counts (purchases_skipped: domains.c) */
	/* the executors' data for the run, freed by their release() */
	struct dom_rt *doms; /* dns.c */
	size_t ndoms, adoms;
	struct run_zones *zones;      /* zones.c: the INWX zones read in this run */
	struct deploy_waits *deploys; /* deploy.c */
	struct app_gones *gones;      /* appgone.c */
	struct health_waits *healths; /* health.c */
	struct resends *resends;      /* resend.c */
	struct dnsgate *dnsgate;      /* dnsgate.c */
	struct run_dests *dests;      /* dests.c: the servers' destinations read in this run */
	/* deploy actions not started yet (the scheduler's count): a deploy batch waits for
	 * more only while some are still to come (deploy_send.c) */
	size_t deploys_ahead;
};

/* the handle of one action while it runs; the scheduler keeps the rest */
struct job {
	const struct m_action *a;
	struct run *eng;	  /* the run it belongs to (named eng as before the split) */
	struct proj_rt *p;	  /* NULL for global objects */
	long long journal_id;	  /* open journal row, 0 if none */
	char what[96];		  /* "create coolify_app" */
	char *remote_id;	  /* id returned by the call (uuid, record id) */
	int step;		  /* for multi-call actions */
	void *ctx;		  /* the executor's working data */
	struct vrs_err saved_err; /* the first failure while looking for an adopted object */
};

/*
 * One executor per service. start() begins a job; the job's completion
 * comes back to the executor in the provider's callback, which ends the job
 * through the scheduler (job_done, job_fail, job_defer, engine_finish).
 * step() (optional) runs once per turn of the loop before the providers
 * are driven, for timers of its own (the deployment poller), and may lower
 * *wait_ms; release() (optional) frees what the executor kept in the run.
 */
struct executor {
	const char *name;
	void (*start)(struct run *run, struct job *j);
	void (*step)(struct run *run, int *wait_ms);
	void (*release)(struct run *run);
};

/* the executors of a run, given to the scheduler by its caller */
struct executor_set {
	const struct executor *const *v; /* every one: step, release */
	size_t n;
	/* the one that runs an action; NULL when this version has none */
	const struct executor *(*of)(const struct m_action *a);
};

extern const struct executor_set engine_executors; /* executors.c */

extern const struct executor local_executor;   /* local.c */
extern const struct executor coolify_executor; /* remote.c (+ appenv.c, deploy.c) */
extern const struct executor dns_executor;     /* dns.c */
extern const struct executor domains_executor; /* domains.c */

/*
 * The poll tick of deployments and health waits (--poll / VRS_POLL_MS; each list backs
 * off from it while nothing changes), and the longest a deploy batch gathers.
 */
#define ENGINE_POLL_MS_DEFAULT 2000
static inline int engine_poll_ms(const struct run *run)
{
	return run->o->poll_ms > 0 ? run->o->poll_ms : ENGINE_POLL_MS_DEFAULT;
}

/* ---- the scheduler's API (engine.c) ----------------------------------------- */

long long engine_now_ms(void);
void engine_progress(struct run *run, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void job_done(struct run *run, struct job *j, const char *progress_msg);
void job_fail(struct run *run, struct job *j, const char *msg);
/* job_fail with the error's message */
void job_fail_err(struct run *run, struct job *j, const struct vrs_err *err);
/* the job cannot finish in this run (domain pending, purchase not approved): its project waits */
void job_defer(struct run *run, struct job *j, const char *msg);
/* the job goes on without holding a call slot (a deployment waits for its end) */
void engine_release_call(struct run *run, struct job *j);

typedef int (*record_fn)(struct run *run, struct job *j, const char *external_id,
			 struct vrs_err *err);

/*
 * Record a remote result (extra writes, journal close, log row) in one
 * transaction and end the job: done, or failed on a state failure (the
 * journal row then stays open).
 */
void engine_finish(struct run *run, struct job *j, const char *external_id, const char *log_action,
		   const char *message, record_fn extra, const char *progress);

/* ---- the bookkeeping's API (journal.c) -------------------------------------- */

int engine_log(struct run *run, const char *slug, const char *action, const char *old_status,
	       const char *new_status, const char *message, const char *error,
	       const char *external_id, const char *service, struct vrs_err *err);
/* set the project's status (inside the caller's transaction) and log the change */
int engine_set_status(struct run *run, struct proj_rt *p, enum m_prov_status to, const char *error,
		      struct vrs_err *err);
/* one transaction around fn; on failure the whole step is rolled back */
int engine_tx(struct run *run, int (*fn)(struct run *, void *, struct vrs_err *), void *arg,
	      struct vrs_err *err);
/* open the journal row of a remote write before the call (committed at once) */
int engine_journal_open(struct run *run, struct job *j, const char *remote_name,
			const char *summary, struct vrs_err *err);
/* in one transaction: extra, the journal row closed ok, the log row */
int engine_record_result(struct run *run, struct job *j, const char *external_id,
			 const char *log_action, const char *message, record_fn extra,
			 struct vrs_err *err);
/* in one transaction: the journal row closed failed; a project's first failure marks it */
int engine_record_failure(struct run *run, struct job *j, const char *msg, struct vrs_err *err);
/* a drift repair's log row (action "drift_detected" or "drift_healed") */
int engine_record_drift(struct run *run, struct job *j, const char *action, struct vrs_err *err);
/* the first remote step of a project moves it to provisioning */
int engine_enter_provisioning(struct run *run, struct job *j, struct vrs_err *err);
/* the new value of a change of the action, or NULL */
const char *action_change_new(const struct m_action *a, const char *field);

/* ---- the zones read in this run (zones.c) ------------------------------------- */

/* zi: the zone's records (the run keeps them), or NULL and err */
typedef void (*zone_fn)(struct run *run, void *ud, const struct inwx_zone_info *zi,
			const struct vrs_err *err);
/*
 * The zone's records: one nameserver.info per zone and run, shared; fn runs
 * at once when the zone was read, else when the read under way ends.
 */
void run_zone_read(struct run *run, const char *zone, zone_fn fn, void *ud);
/* idempotent: every executor that reads zones may call it in its release() */
void run_zones_release(struct run *run);

/* ---- the servers' destinations read in this run (dests.c) ---------------------- */

/* l: the server's destinations (the run keeps them), or NULL and err */
typedef void (*dests_fn)(struct run *run, void *ud, const struct coolify_server_list *l,
			 const struct vrs_err *err);
/* one GET /servers/{uuid}/destinations per server and run, shared like run_zone_read */
void run_dests_read(struct run *run, const char *server_uuid, dests_fn fn, void *ud);
void run_dests_release(struct run *run);

/* ---- ownership (recover.c) --------------------------------------------------- */

/* the description mark of what vrsctl made (or `vrsctl import` took over) */
extern const char engine_managed_marker[];
/*
 * The app named slug in env (an environment read with coolify_environment_get,
 * which lists its applications): *out gets it when it carries the marker;
 * NULL when there is none; an unmarked one is an error naming it (VRS_E_EXISTS),
 * never adopted. where names the environment in the message.
 */
int engine_owned_app(const struct coolify_environment *env, const char *slug, const char *where,
		     const struct coolify_app **out, struct vrs_err *err);
/*
 * The project named name (vrs-<slug>) in the team-wide list: *out gets a
 * marked one; NULL when none has the name; only unmarked ones is an error
 * naming one (VRS_E_EXISTS), never adopted.
 */
int engine_owned_project(const struct coolify_project_list *l, const char *name, const char *slug,
			 const struct coolify_project **out, struct vrs_err *err);

/* ---- the Coolify executor's parts (remote.c calls them) ----------------------- */

/* appenv.c */
void appenv_start(struct run *run, struct job *j);
/* deploy.c */
void deploy_start(struct run *run, struct job *j);
void deploy_step(struct run *run, int *wait_ms);
void deploy_release(struct run *run);
/* appgone.c: after an accepted DELETE, wait (bounded) until the app is gone, then done_tx */
void appgone_wait(struct run *run, struct job *j, record_fn done_tx);
/* resend.c: a resend after a transient failure waits RESEND_FLOOR_MS plus the
 * HTTP layer's jittered backoff for resend n (1 = first), out of its call slot */
#define RESEND_FLOOR_MS 250
typedef void (*resend_fn)(struct run *run, struct job *j);
int resend_delay_ms(int n, uint64_t *rng);
void resend_later(struct run *run, struct job *j, int n, resend_fn fn);
void resend_step(struct run *run, int *wait_ms);
void resend_release(struct run *run);
/* after an accepted start, wait (bounded by the deploy timeout) until the app runs */
void appstart_wait(struct run *run, struct job *j, record_fn done_tx);
void appgone_step(struct run *run, int *wait_ms);
void appgone_release(struct run *run);
/*
 * dnsgate.c: before an app's FQDNs go to Coolify, wait (out of the call
 * slot, bounded by --dns-timeout) until the zone's nameservers serve the
 * domains it adds; then cont(run, j) sends the call. No domain added: cont at once.
 */
typedef void (*gate_fn)(struct run *run, struct job *j);
void dnsgate_wait(struct run *run, struct job *j, gate_fn cont);
void dnsgate_step(struct run *run, int *wait_ms);
void dnsgate_release(struct run *run);
/* health.c: a finished deployment's project waits (bootstrapping) until healthy; ends the job */
void health_wait(struct run *run, struct job *j);
void health_step(struct run *run, int *wait_ms);
void health_release(struct run *run);

/* ---- refresh (refresh.c, zonepick.c) ---------------------------------------- */

/* the zones holding managed records, sorted and unique (pointers into rec; free the array) */
char **engine_managed_zones(const struct m_world *rec, size_t *n);

/* which zones engine_observe_zones reads, in this order */
struct observe_zones {
	const char *const *v;
	size_t n;
	bool partial; /* v is a share of the managed zones */
	bool (*yield)(void *ud);
	void *yield_ud;
	int yield_fd; /* with yield: polled while a zone is read (reconcile_opts) */
	volatile sig_atomic_t *stop;
};
int engine_observe_zones(struct providers *pv, const struct m_world *desired,
			 const struct m_world *recorded, const struct observe_zones *z,
			 struct m_observed *o, struct engine_refresh_stats *stats,
			 struct vrs_err *err);
/*
 * The zones a tick reads (pure): of zones[n] (sorted), every one due
 * (not read within full_s by the next tick) and up to the share more,
 * oldest read first; the ones written since the last tick (and not due)
 * are skipped. out has room for n; returns how many.
 */
size_t engine_pick_zones(const char *const *zones, size_t n, const struct state_zone_reads *rd,
			 const struct refresh_share *sh, long long now, const char **out,
			 size_t *skipped);
/* reconcile.c's refresh: pick (with a share), read, record which zones were read */
int engine_refresh(struct state *st, struct providers *pv, const struct m_world *desired,
		   const struct m_world *recorded, const struct reconcile_opts *o,
		   struct m_observed *observed, struct engine_refresh_stats *stats,
		   struct vrs_err *err);

#endif
