/*
 * local.c — the local executor: actions whose service is `local`, records
 * in the state only (servers, base domains, project types, plugins,
 * bundles, projects and their domains). Each runs in one transaction with
 * its log row.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The server a project goes to: the spec's, else the recorded placement,
 * else the plan's choice for `server: auto` (shown as "auto → NAME").
 */
static const char *placement(const struct run *run, const struct job *j)
{
	const char *v;
	const char *arrow;

	if (j->p->want && j->p->want->server)
		return j->p->want->server;
	if (j->p->server)
		return j->p->server;
	v = action_change_new(j->a, "server");
	if (v == NULL)
		return NULL;
	arrow = strstr(v, "→ ");
	if (arrow)
		v = arrow + strlen("→ ");
	return world_server(run->desired, v) ? v : NULL;
}

static bool str_is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int project_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;
	struct proj_rt *p = j->p;
	const struct m_project *w = p->want;
	struct m_project eff;
	const char *server;

	if (j->a->op == OP_DELETE) {
		if (state_project_delete(run->st, p->slug, err) < 0)
			return -1;
		p->in_state = false;
		return 0;
	}
	/* removed from the specs with nothing remote: the plan archives the row */
	if (w == NULL && j->a->op == OP_UPDATE &&
	    str_is(action_change_new(j->a, "status"), "archived"))
		return engine_set_status(run, p, PS_ARCHIVED, NULL, err);
	if (w == NULL)
		return err_set(err, "project '%s' is not in the specs", p->slug);
	if (state_project_upsert(run->st, w, err) < 0)
		return -1;
	if (p->rec && !p->rec->managed &&
	    engine_log(run, p->slug, "project_managed", NULL, NULL,
		       "a spec names this project of the marketplace application: vrsctl "
		       "manages it from now on (keys the spec does not name stay the "
		       "application's)",
		       NULL, NULL, "local", err) < 0)
		return -1;
	if (!p->in_state) {
		p->in_state = true;
		p->status = PS_DRAFT;
		if (engine_log(run, p->slug, "project_created", NULL, "draft",
			       "recorded from the specs", NULL, NULL, "local", err) < 0)
			return -1;
		if (w->trial_days > 0) {
			long long now = (long long)time(NULL);
			if (state_project_set_trial(run->st, p->slug, now,
						    now + (long long)w->trial_days * 86400,
						    err) < 0)
				return -1;
		}
	}
	server = placement(run, j);
	if (server && (p->server == NULL || strcmp(p->server, server) != 0)) {
		char msg[256];
		if (state_project_place(run->st, p->slug, server, err) < 0)
			return -1;
		free(p->server);
		p->server = strdup(server);
		snprintf(msg, sizeof(msg), "placed on %s", server);
		if (engine_log(run, p->slug, "server_assigned", NULL, NULL, msg, NULL, NULL,
			       "local", err) < 0)
			return -1;
	}
	/*
	 * Stripe projects wait for the payment before anything is provisioned;
	 * the method is the row's when the spec does not name it, as the plan
	 * sees it (project_effective), so that apply does what plan says
	 */
	project_effective(w, p->rec, &eff);
	if ((eff.payment_method == PM_STRIPE_PREPAID ||
	     eff.payment_method == PM_STRIPE_SUBSCRIPTION) &&
	    !w->payment_confirmed && p->status == PS_DRAFT)
		return engine_set_status(run, p, PS_PENDING_PAYMENT, NULL, err);
	if (p->status == PS_PENDING_PAYMENT && w->payment_confirmed)
		return engine_set_status(run, p, PS_DRAFT, NULL, err);
	return 0;
}

static const struct m_domain *desired_domain(const struct run *run, const struct job *j)
{
	const struct m_project *w = j->p ? j->p->want : NULL;

	for (size_t i = 0; w && i < w->ndomains; i++)
		if (strcmp(w->domains[i].fqdn, j->a->key) == 0)
			return &w->domains[i];
	(void)run;
	return NULL;
}

static int domain_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;
	const struct m_domain *d;

	if (j->a->op == OP_DELETE) {
		if (state_domain_delete(run->st, j->a->key, err) < 0)
			return -1;
		return engine_log(run, j->p->slug, "domain_removed", NULL, NULL, j->a->key, NULL,
				  NULL, "local", err);
	}
	d = desired_domain(run, j);
	if (d == NULL)
		return err_set(err, "domain '%s' is not in the specs", j->a->key);
	if (state_domain_upsert(run->st, j->p->slug, d, err) < 0 ||
	    state_domain_set_zone(run->st, d->fqdn, domain_zone(d), err) < 0)
		return -1;
	if (j->a->op == OP_CREATE)
		return engine_log(run, j->p->slug, "domain_added", NULL, NULL, d->fqdn, NULL, NULL,
				  "local", err);
	return 0;
}

static int global_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;
	const struct m_world *w = run->desired;
	const char *key = j->a->key;
	bool del = j->a->op == OP_DELETE;

	switch (j->a->resource) {
	case RES_SERVER:
		if (del)
			return state_server_delete(run->st, key, err);
		if (world_server(w, key) == NULL)
			break;
		return state_server_upsert(run->st, world_server(w, key), err);
	case RES_BASE_DOMAIN:
		if (del)
			return state_base_domain_delete(run->st, key, err);
		if (world_base_domain(w, key) == NULL)
			break;
		return state_base_domain_upsert(run->st, world_base_domain(w, key), err);
	case RES_PROJECT_TYPE:
		if (del)
			return state_project_type_delete(run->st, key, err);
		if (world_project_type(w, key) == NULL)
			break;
		return state_project_type_upsert(run->st, world_project_type(w, key), err);
	case RES_PLUGIN:
		if (del)
			return state_plugin_delete(run->st, key, err);
		if (world_plugin(w, key) == NULL)
			break;
		return state_plugin_upsert(run->st, world_plugin(w, key), err);
	case RES_BUNDLE:
		if (del)
			return state_bundle_delete(run->st, key, err);
		if (world_bundle(w, key) == NULL)
			break;
		return state_bundle_upsert(run->st, world_bundle(w, key), err);
	default:
		return err_set(err, "%s %s is not a local action", m_op_name(j->a->op),
			       m_resource_name(j->a->resource));
	}
	return err_set(err, "%s '%s' is not in the specs", m_resource_name(j->a->resource), key);
}

static void local_start(struct run *run, struct job *j)
{
	struct vrs_err err;
	int rc;

	err_clear(&err);
	switch (j->a->resource) {
	case RES_PROJECT:
		rc = j->p ? engine_tx(run, project_tx, j, &err) : err_set(&err, "no project");
		break;
	case RES_PROJECT_DOMAIN:
		rc = j->p ? engine_tx(run, domain_tx, j, &err) : err_set(&err, "no project");
		break;
	default:
		rc = engine_tx(run, global_tx, j, &err);
		break;
	}
	if (rc < 0)
		job_fail_err(run, j, &err);
	else
		job_done(run, j, NULL);
}

const struct executor local_executor = {"local", local_start, NULL, NULL};
