/*
 * deploy_int.h — what the two halves of the Coolify executor's deployments
 * share: deploy_send.c (batched POST /deploy, a full queue, an unclear
 * answer) and deploy.c (waiting for a started deployment's end).
 */
#ifndef VRS_ENGINE_DEPLOY_INT_H
#define VRS_ENGINE_DEPLOY_INT_H
#include "engine/engine_int.h"

#include <stdint.h>

/* the deployments list backs off to at most this many poll ticks while nothing changes */
#define DEPLOY_POLL_BACKOFF_MAX 5
/* at most this many apps in one POST /deploy?uuid=a,b,c */
#define DEPLOY_BATCH_MAX 20
/*
 * A batch goes out when it is full, when no deploy of the run is still to come
 * (run->deploys_ahead), or one poll tick after it opened: apps that become ready one
 * after another (behind the serial INWX session) share a call instead of one each.
 */

/* where a deploy job is */
enum wphase {
	PH_RUN = 0, /* its deployment is known: the poller waits for its end */
	PH_BATCH,   /* in the next POST /deploy */
	PH_SENT,    /* its POST /deploy is in flight */
	PH_CHECK,   /* unclear whether it was queued: read the app's deployments at resend_ms */
	PH_RESEND,  /* surely not queued: into the next batch at resend_ms */
};

/* a deploy job from its journal row to its deployment's end */
struct wait {
	struct job *j; /* NULL: ended, removed at the next compaction */
	enum wphase phase;
	long long queue_deadline_ms; /* while not deployed or queued */
	long long run_deadline_ms;   /* once running; 0 until it left queued */
	long long resend_ms;	     /* PH_CHECK, PH_RESEND: when */
	long long not_before_ms;     /* no resend before (Retry-After, the resend backoff) */
	bool queue_full;	     /* the last answer was Coolify's full queue */
	bool polling;		     /* a read of it is in flight */
	bool resumed;		     /* started by an interrupted run: if it failed, deploy anew */
	unsigned polls_before;	     /* list calls sent before its deployment was known */
};

/* one POST /deploy in flight (owned by deploy_waits.sent until it is answered) */
struct deploy_batch {
	struct deploy_batch *next;
	struct run *run;
	size_t n;
	struct job *v[DEPLOY_BATCH_MAX];
};

struct deploy_waits {
	struct wait *v; /* in action order */
	size_t n, cap;
	bool poll_in_flight;
	long long next_poll_ms;
	long long poll_sent_ms; /* when the list call in flight was sent */
	int poll_delay_ms; /* the list's tick now: backs off while nothing changes; 0: none yet */
	bool poll_changed; /* a deployment moved since the last list (reset the backoff) */
	/* list calls sent: one sent before a deployment was known cannot show it (its absence
	 * is no end) */
	unsigned polls_sent;
	long long batch_opened_ms; /* the first PH_BATCH job's time; 0: none */
	struct deploy_batch *sent;
	uint64_t rng;
};

/* deploy.c */
struct wait *deploy_wait_of(struct run *run, const struct job *j);
struct wait *deploy_wait_add(struct run *run, struct job *j, long long queue_deadline_ms);
void deploy_wait_fail(struct run *run, struct job *j, const char *msg);
void deploy_wait_fail_err(struct run *run, struct job *j, const struct vrs_err *err);
int deploy_queue_s(const struct run *run);
/* the job's deployment is known (answered or found): journal closed, polled from now */
void deploy_known(struct run *run, struct wait *w, const char *deployment_uuid, const char *how);

/* deploy_send.c */
void deploy_send(struct run *run, struct job *j);
/* the send side's timers: resends, checks, the batch flush */
void deploy_send_step(struct run *run, long long now, int *wait_ms);
void deploy_send_release(struct deploy_waits *dw);

#endif
