/*
 * engine.h — apply: run a plan's actions through the providers and record
 * every result in the state.
 *
 * The engine is the imperative shell around the pure plan. It runs the
 * actions as a dependency graph, up to `parallelism` remote calls in flight
 * (each service's own cap and rate budget apply underneath, in http.c).
 * Every remote write is journaled: the journal row is committed before the
 * call, and closed in the same transaction that records the call's result.
 * After a crash, engine_recover() looks up the objects of rows left open by
 * their deterministic names and adopts them, so no object is created twice.
 *
 * One project's failure never stops the others: its remaining actions are
 * skipped, the project goes to `error` with the message, and its retry
 * count grows (the plan retries it on later runs while the count is < 3).
 */
#ifndef VRS_ENGINE_H
#define VRS_ENGINE_H

#include <signal.h>
#include <stdbool.h>

#include "engine/inputs.h"
#include "model/model.h"
#include "state/state.h"
#include "util/err.h"

struct providers;
struct executor_set;

/*
 * A step for the operator: subject (project slug or object key), message
 * ("deployment finished") and the whole line ("[37/200] kunde-37: deployment
 * finished").
 */
typedef void (*engine_progress_fn)(void *ud, const char *subject, const char *msg,
				   const char *line);

struct engine_opts {
	int parallelism;    /* remote actions in flight; default 10 */
	bool allow_delete;  /* destructive actions run only with it */
	bool approve_costs; /* purchases run only with it (or under max_price_cents) */
	const char *triggered_by;
	const char *spec_commit;    /* NULL when the specs are not a git checkout */
	int poll_ms;		    /* deployment and health poll tick; default 2000 */
	int deploy_timeout_s;	    /* running time allowed, from leaving queued; default 1800 */
	int deploy_queue_timeout_s; /* time allowed in queued; default 3600 */
	int delete_wait_ms;	    /* wait for a deleted app to go; default 60000 */
	int dns_timeout_s;	    /* DNS gate: wait for the zone's nameservers; default 1800 */
	int health_timeout_s; /* a finished deployment's wait to answer healthy; default 600 */
	engine_progress_fn progress;
	void *progress_ud;
	/* set from a signal handler: start nothing new, finish what is in flight */
	volatile sig_atomic_t *stop;
	/* called on every turn of the loop (watch reads its signalfd there); may set *stop */
	void (*tick)(void *ud);
	void *tick_ud;
	/* which executor runs what (engine_executors, executors.c) */
	const struct executor_set *executors;
};

struct engine_stats {
	size_t ok, failed, skipped, total;
	size_t kept;		  /* destructive actions not run for want of --allow-delete */
	size_t deferred;	  /* actions waiting: a domain pending at INWX */
	size_t projects_waiting;  /* projects in pending_domain after this run */
	size_t purchases_skipped; /* purchases not approved (--approve-costs / max_price_cents) */
	size_t projects_failed;
	size_t interrupted; /* started and cut short by a stop (counted in skipped too) */
	bool stopped;	    /* a stop ended the run before every action ran */
};

/*
 * Providers from the environment (DESIGN §3). need_coolify / need_inwx say
 * which credentials the plan needs; a missing one is an error naming the
 * variable. Secrets are registered with the HTTP pool so traces mask them.
 * With a trace function (cmd/ passes one that prints at -vv), each HTTP
 * call is traced to it, masked; NULL: silent.
 */
typedef void (*providers_trace_fn)(void *ud, const char *service, const char *line);
int providers_open(bool need_coolify, bool need_inwx, providers_trace_fn trace, void *trace_ud,
		   struct providers **out, struct vrs_err *err);
void providers_close(struct providers *pv);
/* HTTP retries queued by pv's pool and the ones it replaced (watch metrics); 0 for NULL */
unsigned long long engine_http_retries(const struct providers *pv);

/*
 * Adopt what a crashed run may have created: for every journal row left
 * open, look the object up remotely by its deterministic name (`vrs-<slug>`
 * project, `<slug>` app, record by zone + name + type), record it when found
 * and close the row (adopted, or failed when the call never landed).
 * *adopted counts the objects adopted. The state must be locked.
 */
int engine_recover(struct state *st, struct providers *pv, const char *triggered_by,
		   size_t *adopted, struct vrs_err *err);

/*
 * Run the plan. Returns 0 when every action ran (or was skipped on
 * purpose), -1 when any failed (stats say how many; err the first error)
 * or on a state failure.
 */
int engine_apply(struct state *st, struct providers *pv, const struct inputs *in,
		 const struct m_world *recorded, const struct m_plan *plan,
		 const struct engine_opts *o, struct engine_stats *stats, struct vrs_err *err);

/* ---- refresh (drift) ------------------------------------------------------ */

struct engine_refresh_stats {
	size_t reads;	      /* list calls made (logins not counted) */
	size_t zones;	      /* managed zones read */
	size_t zones_total;   /* managed zones */
	size_t zones_picked;  /* chosen to be read (a watch tick: its share) */
	size_t zones_skipped; /* left out: vrsctl wrote them since the last tick */
	bool yielded; /* stopped after `zones` reads for a spec edit (reconcile_opts.yield) */
	long long
	    oldest_read;   /* unix seconds of the least recently read zone after it (0: never) */
	long long started; /* unix seconds: when it began (the read time recorded) */
};

/*
 * A watch tick's bounded refresh (zonepick.c): the Coolify lists, plus a
 * share of the zones, oldest-read first, the ones vrsctl wrote since the
 * last tick skipped, raised so that every zone is read once per full_s.
 */
struct refresh_share {
	size_t zones;		/* per tick; 0 with percent 0: only what the period needs */
	int percent;		/* or a share of the zones per tick (1..100) */
	long long full_s;	/* every zone read at least once in this period; 0: 3600 */
	long long interval_s;	/* between ticks */
	size_t resume;		/* > 0: the rest of a tick that yielded: this many, */
	long long resume_since; /* of the zones neither read nor written since it began */
};

/*
 * Read the remote world with list calls only (one GET /applications, one
 * GET /servers, one nameserver.info per managed zone) into *o (observed_release
 * it). A service without credentials is left out.
 */
int engine_observe(struct providers *pv, const struct m_world *desired,
		   const struct m_world *recorded, struct m_observed *o,
		   struct engine_refresh_stats *stats, struct vrs_err *err);

/* ---- observed health (healthobs.c) ------------------------------------------ */

/* a Coolify app status that means running but not healthy (running:unhealthy, restarting) */
bool engine_app_unhealthy(const char *status);
/* active projects whose app the observed world shows unhealthy (pure) */
size_t engine_unhealthy(const struct m_world *recorded, const struct m_observed *o);
/*
 * After a refresh: record each active project's health as observed (a row on
 * each change), and re-check certificates not checked for a day. The state
 * must be writable.
 */
int engine_note_health(struct state *st, struct providers *pv, const struct m_world *recorded,
		       const struct m_observed *o, const char *who, size_t *unhealthy,
		       struct vrs_err *err);

/* ---- one reconcile: what apply and every watch cycle do ------------------- */

enum refresh_mode { REFRESH_NONE, REFRESH_HEAL, REFRESH_REPORT };

struct plan_memo;	/* plan/plan.h */
struct plan_memo_stats; /* plan/plan.h */
struct reconcile_opts {
	const char *const *targets;
	size_t ntargets;
	bool allow_delete, approve_costs, force;
	int max_delete_percent; /* default 10 */
	int parallelism;	/* default 10 */
	enum refresh_mode refresh;
	const char *planfile; /* apply exactly this saved plan, or NULL */
	bool verbose;
	/*
	 * Called with the plan before anything runs (to show it, and ask);
	 * returning false cancels. NULL approves.
	 */
	bool (*confirm)(void *ud, const struct m_plan *plan, const struct m_world *desired);
	void *confirm_ud;
	engine_progress_fn progress;
	void *progress_ud;
	volatile sig_atomic_t *stop;
	void (*tick)(void *ud);
	void *tick_ud;
	const char *triggered_by, *spec_commit;
	int poll_ms;
	int deploy_timeout_s;	       /* running time, from leaving queued; 0: 1800 */
	int deploy_queue_timeout_s;    /* time in queued; 0: 3600 */
	int delete_wait_ms;	       /* wait for a deleted app to go; 0: 60000 */
	int dns_timeout_s;	       /* DNS gate (dnsgate.c); 0: 1800 */
	int health_timeout_s;	       /* healthy after the deployment; 0: 600 */
	providers_trace_fn http_trace; /* -vv: HTTP trace (masked); NULL: none */
	void *http_trace_ud;
	/* the plan once built, before the safety rules and the apply (watch --plan-out) */
	void (*planned)(void *ud, const struct m_plan *plan, const struct m_world *desired);
	void *planned_ud;
	/* watch: the plan built through this memo (plan_build_memo), what it did in *stats */
	struct plan_memo *plan_memo;
	struct plan_memo_stats *plan_memo_stats;
	/* watch: a tick's share of the zones (NULL: a refresh reads every zone) */
	const struct refresh_share *share;
	/*
	 * watch: asked between zone reads (after the first); true when a spec
	 * edit waits and the callback has loaded it into *in: the refresh stops
	 * there and this reconcile plans the edit with the zones read so far
	 * (r->refresh.yielded), the caller reads the rest after.
	 */
	bool (*yield)(void *ud);
	void *yield_ud;
	int yield_fd; /* with yield: readable when yield may have news (asked then too) */
};

struct reconcile_result {
	bool changes;	/* the plan had something to do */
	bool cancelled; /* confirm said no */
	size_t adopted; /* objects adopted from an interrupted run */
	size_t drift;	/* actions repairing drift */
	size_t actions;
	size_t unhealthy; /* a refresh saw this many active apps unhealthy */
	struct engine_stats stats;
	struct engine_refresh_stats refresh;
};

/*
 * One reconcile against a locked, writable state: adopt what an interrupted
 * run left, read the recorded world (and with refresh the remote one),
 * plan, apply the safety rules (delete threshold, stale plan file), ask
 * confirm, run the engine and bump the serial. `in` holds the validated
 * desired world (its secret fingerprints are recomputed under the state's
 * key). Conflicts between specs and state go to diags. Returns 0, or -1
 * with err (or diags) filled; a failed action is -1 too, with stats.
 */
int engine_reconcile(struct state *st, struct providers **pv, struct inputs *in,
		     const struct reconcile_opts *o, struct reconcile_result *r,
		     struct diag_list *diags, struct vrs_err *err);

/* ---- import ------------------------------------------------------------------ */

struct engine_import {
	size_t considered; /* projects of the specs looked at */
	size_t projects;   /* with something adopted */
	size_t apps;	   /* Coolify applications adopted */
	size_t records;	   /* DNS records adopted */
	size_t unplaced;   /* adopted, but the server could not be told (server: auto) */
};

/*
 * Adopt existing Coolify projects/apps (by the names vrsctl gives them) and
 * the domains' records into the state, changing nothing remotely; slugs
 * (nslugs 0: all) limit it to some projects. The state must be locked.
 */
int engine_import(struct state *st, struct providers *pv, const struct inputs *in,
		  const char *const *slugs, size_t nslugs, const char *who,
		  struct engine_import *res, struct vrs_err *err);

/* VRS_TRIGGERED_BY, else the git author of the specs' HEAD, else "system" (caller frees) */
char *engine_triggered_by(const char *specs_dir);
/* HEAD commit of the specs' git checkout, or NULL (caller frees) */
char *engine_spec_commit(const char *specs_dir);

/*
 * export.c: the spec YAML of the unmanaged project slug (one the marketplace
 * application recorded) into out: the row's own fields, never the
 * marketplace-owned ones; image and project_type (NULL: the row's) fill
 * what the row lacks, else an error naming --image / --project-type.
 */
struct buf;
int engine_export_project(const struct m_world *recorded, const char *slug, const char *image,
			  const char *project_type, struct buf *out, struct vrs_err *err);

#endif
