/*
 * journal.c — the bookkeeping of apply: log rows, project status changes,
 * transactions, and the journal of remote writes. A journal row is
 * committed before every remote write and closed in the same transaction
 * that records the write's result, so a crash anywhere leaves either an
 * open row (recover.c adopts the object by its name) or a finished one.
 * It calls only the state; the scheduler and the executors call it.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <string.h>

int engine_log(struct run *run, const char *slug, const char *action, const char *old_status,
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
				    .triggered_by = (char *)run->o->triggered_by,
				    .metadata_json = run->metadata_json};

	/* log rows hang off a recorded project; global objects have none */
	if (slug == NULL)
		return 0;
	return state_log_add(run->st, &e, err);
}

int engine_set_status(struct run *run, struct proj_rt *p, enum m_prov_status to, const char *error,
		      struct vrs_err *err)
{
	enum m_prov_status from = p->status;

	if (from == to && error == NULL)
		return 0;
	if (state_project_set_status(run->st, p->slug, to, error, err) < 0)
		return -1;
	p->status = to;
	if (from == to)
		return 0;
	return engine_log(run, p->slug, "status_changed", m_prov_status_name(from),
			  m_prov_status_name(to), NULL, NULL, NULL, NULL, err);
}

int engine_tx(struct run *run, int (*fn)(struct run *, void *, struct vrs_err *), void *arg,
	      struct vrs_err *err)
{
	if (state_begin(run->st, err) < 0)
		return -1;
	if (fn(run, arg, err) < 0) {
		state_rollback(run->st, NULL);
		return -1;
	}
	return state_commit(run->st, err);
}

int engine_journal_open(struct run *run, struct job *j, const char *remote_name,
			const char *summary, struct vrs_err *err)
{
	struct state_journal_entry e = {.op = j->a->op,
					.resource = j->a->resource,
					.key = j->a->key,
					.project_slug = j->p ? (char *)j->p->slug : NULL,
					.service = j->a->service,
					.remote_name = (char *)remote_name,
					.request_summary = (char *)summary};

	return state_journal_open(run->st, &e, &j->journal_id, err);
}

/* ---- a remote result ---------------------------------------------------------- */

struct result_arg {
	struct job *j;
	const char *external_id;
	const char *log_action; /* NULL: no log row */
	const char *message;
	record_fn extra;
};

static int result_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct result_arg *r = arg;
	struct job *j = r->j;

	if (r->extra && r->extra(run, j, r->external_id, err) < 0)
		return -1;
	if (j->journal_id &&
	    state_journal_close(run->st, j->journal_id, SJ_OK, r->external_id, NULL, err) < 0)
		return -1;
	j->journal_id = 0;
	if (r->log_action && j->p &&
	    engine_log(run, j->p->slug, r->log_action, NULL, NULL, r->message, NULL, r->external_id,
		       m_service_name(j->a->service), err) < 0)
		return -1;
	return 0;
}

int engine_record_result(struct run *run, struct job *j, const char *external_id,
			 const char *log_action, const char *message, record_fn extra,
			 struct vrs_err *err)
{
	struct result_arg r = {j, external_id, log_action, message, extra};

	return engine_tx(run, result_tx, &r, err);
}

/* ---- a failure ------------------------------------------------------------------ */

struct fail_arg {
	struct job *j;
	const char *msg;
};

static int fail_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct fail_arg *fa = arg;
	struct job *j = fa->j;
	struct proj_rt *p = j->p;

	if (j->journal_id &&
	    state_journal_close(run->st, j->journal_id, SJ_FAILED, NULL, fa->msg, err) < 0)
		return -1;
	j->journal_id = 0;
	/* a project not recorded yet (its create failed) has no row to mark */
	if (p && !p->failed && p->in_state) {
		if (engine_log(run, p->slug, "error", m_prov_status_name(p->status), "error",
			       j->what, fa->msg, NULL, m_service_name(j->a->service), err) < 0)
			return -1;
		if (engine_set_status(run, p, PS_ERROR, fa->msg, err) < 0 ||
		    state_project_retry_increment(run->st, p->slug, err) < 0)
			return -1;
	}
	return 0;
}

int engine_record_failure(struct run *run, struct job *j, const char *msg, struct vrs_err *err)
{
	struct fail_arg fa = {j, msg};

	return engine_tx(run, fail_tx, &fa, err);
}

/* ---- drift ------------------------------------------------------------------------- */

struct drift_arg {
	struct job *j;
	const char *action;
};

static int drift_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct drift_arg *d = arg;
	const struct m_action *a = d->j->a;
	char msg[512];

	snprintf(msg, sizeof(msg), "%s %s %s: %s", m_op_name(a->op), m_resource_name(a->resource),
		 a->key, a->reason);
	return engine_log(run, d->j->p->slug, d->action, NULL, NULL, msg, NULL, NULL,
			  m_service_name(a->service), err);
}

/* drift found by a refresh is logged when its repair starts and when it is done */
int engine_record_drift(struct run *run, struct job *j, const char *action, struct vrs_err *err)
{
	struct drift_arg d = {j, action};

	if (!j->a->drift || j->p == NULL || !j->p->in_state)
		return 0;
	return engine_tx(run, drift_tx, &d, err);
}

/* ---- status on the way ------------------------------------------------------------- */

static int provisioning_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct proj_rt *p = arg;
	return engine_set_status(run, p, PS_PROVISIONING, NULL, err);
}

int engine_enter_provisioning(struct run *run, struct job *j, struct vrs_err *err)
{
	struct proj_rt *p = j->p;

	if (p == NULL || !p->in_state)
		return 0;
	if (j->a->op == OP_STOP || j->a->op == OP_DELETE || j->a->op == OP_START ||
	    j->a->resource == RES_DOMAIN_REGISTRATION)
		return 0;
	if (p->status == PS_DRAFT || p->status == PS_ERROR || p->status == PS_PENDING_PAYMENT ||
	    p->status == PS_PENDING_DOMAIN || p->status == PS_SUSPENDED)
		return engine_tx(run, provisioning_tx, p, err);
	/*
	 * An active project's app or env change is followed by a deployment: it
	 * is provisioning from the first such call on, committed before it, so a
	 * run killed after the change landed (and was recorded) still leaves a
	 * reason for the next plan to deploy, and a deployment it started is
	 * waited for (deploy.c resume_started) instead of never being observed.
	 */
	if (p->status == PS_ACTIVE &&
	    ((j->a->resource == RES_COOLIFY_APP && j->a->op == OP_UPDATE) ||
	     j->a->resource == RES_APP_ENV || j->a->resource == RES_DEPLOYMENT))
		return engine_tx(run, provisioning_tx, p, err);
	return 0;
}

const char *action_change_new(const struct m_action *a, const char *field)
{
	for (size_t i = 0; i < a->nchanges; i++)
		if (strcmp(a->changes[i].field, field) == 0)
			return a->changes[i].new;
	return NULL;
}
