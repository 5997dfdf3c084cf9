/*
 * engine_int.h — the engine's internal types, shared by engine.c (the
 * scheduler), local.c (state-only actions) and remote.c (provider calls).
 */
#ifndef VRS_ENGINE_INT_H
#define VRS_ENGINE_INT_H

#include "engine/engine.h"
#include "providers/coolify.h"
#include "providers/http.h"
#include "providers/inwx.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/secret.h"

#include <stdbool.h>
#include <stddef.h>

struct providers {
	struct http_pool *pool;
	struct coolify *coolify; /* NULL when not configured */
	struct inwx *inwx;	 /* NULL when not configured */
};

/* what the engine knows of a project while it runs (recorded + this run's results) */
struct proj_rt {
	const char *slug;
	const struct m_project *want; /* desired, NULL when removed from the specs */
	const struct m_project *rec;  /* recorded at the start, NULL when new */
	enum m_prov_status status;
	bool in_state; /* a row exists in the state */
	bool failed;
	bool deferred;		  /* waits (domain pending at INWX, purchase not approved) */
	size_t reg_pending;	  /* domain registrations/transfers not finished in this run */
	int park_head, park_tail; /* jobs waiting for the purchase (engine.c) */
	char *server;		  /* placed server name */
	char *coolify_project_uuid, *coolify_env_uuid, *coolify_app_uuid;
	char *deployment_uuid;
};

enum job_state { J_PENDING, J_RUNNING, J_DONE, J_FAILED, J_SKIPPED, J_DEFERRED };

struct engine;

struct job {
	const struct m_action *a;
	struct engine *eng;
	struct proj_rt *p; /* NULL for global objects */
	enum job_state state;
	bool running;		  /* counts against parallelism */
	long long journal_id;	  /* open journal row, 0 if none */
	char what[96];		  /* "create coolify_app" */
	char *remote_id;	  /* id returned by the call (uuid, record id) */
	int step;		  /* for multi-call actions */
	long long deadline_ms;	  /* deployments */
	bool polling;		  /* a deployment read is in flight */
	int deploy_slot;	  /* index of the server whose deploy slot it holds, -1 none */
	size_t remaining;	  /* prerequisites not ended yet */
	int park_next;		  /* next job in the list it is parked on, -1 */
	void *ctx;		  /* per-action working data (remote.c) */
	struct vrs_err saved_err; /* the first failure while looking for an adopted object */
};

struct dom_ids {
	char *a, *aaaa, *www;
};

/* a domain's record ids as this run changes them */
struct dom_rt {
	char *fqdn;
	struct dom_ids ids;
};

struct engine {
	struct state *st;
	struct providers *pv;
	const struct inputs *in;
	const struct m_world *desired, *recorded;
	const struct m_plan *plan;
	const struct engine_opts *o;
	int parallelism;
	struct job *jobs;
	size_t njobs;
	struct proj_rt *projs;
	size_t nprojs;
	size_t in_flight;
	size_t finished;
	size_t waiting_deploys; /* deploy jobs waiting for their deployment to end */
	size_t *deploys_on;	/* per desired server: deployments started and not ended */
	int *slot_park;		/* per server: head, tail of the jobs waiting for a slot */
	int *queue[SVC__MAX];	/* ready queues per service (job indexes), qhead..qtail */
	size_t qhead[SVC__MAX], qtail[SVC__MAX];
	size_t svc_in_flight[SVC__MAX]; /* remote jobs running, per service */
	int *dep_off, *deps;		/* dependents of each job (CSR) */
	bool poll_in_flight;
	long long next_poll_ms;
	char *metadata_json;
	unsigned char fp_key[32];
	struct dom_rt *doms;
	size_t ndoms, adoms;
	struct engine_stats stats;
	char first_error[512];
	char state_error[512];
};

long long engine_now_ms(void);
void engine_progress(struct engine *eng, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int engine_log(struct engine *eng, const char *slug, const char *action, const char *old_status,
	       const char *new_status, const char *message, const char *error,
	       const char *external_id, const char *service, struct vrs_err *err);
int engine_set_status(struct engine *eng, struct proj_rt *p, enum m_prov_status to,
		      const char *error, struct vrs_err *err);
int engine_tx(struct engine *eng, int (*fn)(struct engine *, void *, struct vrs_err *), void *arg,
	      struct vrs_err *err);
int engine_journal_open(struct engine *eng, struct job *j, const char *remote_name,
			const char *summary, struct vrs_err *err);
void job_done(struct engine *eng, struct job *j, const char *progress_msg);
void job_fail(struct engine *eng, struct job *j, const char *msg);
void engine_release_call(struct engine *eng, struct job *j);
/* the job cannot finish in this run (domain pending, purchase not approved): its project waits */
void job_defer(struct engine *eng, struct job *j, const char *msg);
void job_clear(struct job *j);

/* record a remote result (extra writes, journal close, log row) in one
 * transaction and finish the job */
void engine_finish(struct engine *eng, struct job *j, const char *external_id,
		   const char *log_action, const char *message,
		   int (*extra)(struct engine *, struct job *, const char *, struct vrs_err *),
		   const char *progress);
const char *action_change_new(const struct m_action *a, const char *field);

/* local.c */
void local_run(struct engine *eng, struct job *j);
/* remote.c */
void remote_start(struct engine *eng, struct job *j);
/* drive the providers one step (and the deployment poller) */
int remote_step(struct engine *eng, struct vrs_err *err);
bool action_is_drift(const struct m_action *a);
/* domains.c */
void domains_start(struct engine *eng, struct job *j);
/* dns.c */
void dns_start(struct engine *eng, struct job *j);
void dns_free_all(struct engine *eng);

#endif
