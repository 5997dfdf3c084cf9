/*
 * reconcile.c — one reconcile, as `apply` runs it once and `watch` runs it
 * on every change and tick: adopt, read, plan, check the safety rules, ask,
 * converge, record. The caller holds the state lock and prints; this file
 * decides nothing about output.
 */
#include "engine/engine_int.h"
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *read_whole(const char *path, size_t *len, struct vrs_err *err)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return err_set(err, "%s: cannot read the plan file", path), NULL;
	buf_init(&b);
	b.cap = 256u << 20;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			buf_release(&b);
			return err_set(err, "%s: too large", path), NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* a saved plan is applied only when it is exactly what would be planned now */
static int check_planfile(const char *path, const struct m_plan *now, const struct m_world *desired,
			  struct vrs_err *err)
{
	struct m_plan saved;
	struct buf a, b;
	size_t len = 0;
	char *json = read_whole(path, &len, err);
	int rc = -1;

	if (json == NULL)
		return -1;
	plan_init(&saved);
	buf_init(&a);
	buf_init(&b);
	if (plan_parse_json(json, len, &saved, err) < 0) {
		err_prefix(err, "%s", path);
		goto out;
	}
	if ((saved.lineage == NULL) != (now->lineage == NULL) ||
	    (saved.lineage && strcmp(saved.lineage, now->lineage) != 0) ||
	    saved.serial != now->serial) {
		err_set(err,
			"%s is stale: it was made for state %s serial %lld, the state is now %s "
			"serial %lld; run 'vrsctl plan --out %s' again",
			path, saved.lineage ? saved.lineage : "(new)", saved.serial,
			now->lineage ? now->lineage : "(new)", now->serial, path);
		goto out;
	}
	if (plan_render_json(&saved, desired, false, false, &a) < 0 ||
	    plan_render_json(now, desired, false, false, &b) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		err_set(err,
			"%s is stale: the specs or the world changed since it was made; run "
			"'vrsctl plan --out %s' again",
			path, path);
		goto out;
	}
	rc = 0;
out:
	free(json);
	buf_release(&a);
	buf_release(&b);
	plan_release(&saved);
	return rc;
}

/* report mode: the drift is logged, not repaired */
static int log_drift_found(struct state *st, const struct m_plan *plan, const struct m_world *rec,
			   const char *who, struct vrs_err *err)
{
	if (state_begin(st, err) < 0)
		return -1;
	for (size_t i = 0; i < plan->nactions; i++) {
		const struct m_action *a = &plan->actions[i];
		char msg[512];
		struct state_log_entry e = {.project_slug = a->project,
					    .action = "drift_detected",
					    .message = msg,
					    .external_service = (char *)m_service_name(a->service),
					    .triggered_by = (char *)who};
		if (!a->drift || a->project == NULL || !world_project(rec, a->project))
			continue;
		snprintf(msg, sizeof(msg), "%s %s %s: %s (not repaired: report mode)",
			 m_op_name(a->op), m_resource_name(a->resource), a->key, a->reason);
		if (state_log_add(st, &e, err) < 0) {
			state_rollback(st, NULL);
			return -1;
		}
	}
	return state_commit(st, err);
}

/* a refresh that finds a recorded domain expired at INWX records it and logs it once */
static int note_expired(struct state *st, const struct m_world *rec, const struct m_observed *o,
			const char *who, struct vrs_err *err)
{
	long long now = (long long)time(NULL);

	for (size_t i = 0; i < o->noffers; i++) {
		const struct o_offer *f = &o->offers[i];
		bool expired = f->in_account && ((f->expires_at && f->expires_at < now) ||
						 (f->status && strcmp(f->status, "EXPIRED") == 0));
		if (!expired)
			continue;
		for (size_t p = 0; p < rec->nprojects; p++) {
			const struct m_project *rp = &rec->projects[p];
			for (size_t k = 0; k < rp->ndomains; k++) {
				const struct m_domain *d = &rp->domains[k];
				char msg[400], t[32];
				struct state_log_entry e = {.project_slug = rp->slug,
							    .action = "domain_expired",
							    .message = msg,
							    .external_service = "inwx",
							    .triggered_by = (char *)who};
				if (strcmp(d->fqdn, f->domain) != 0 || d->status == DS_EXPIRED)
					continue;
				snprintf(msg, sizeof(msg), "%s expired at INWX (%s)", d->fqdn,
					 f->expires_at ? state_time_fmt(f->expires_at, t, sizeof(t))
						       : f->status);
				if (state_begin(st, err) < 0)
					return -1;
				if (state_domain_set_status(st, d->fqdn, DS_EXPIRED, err) < 0 ||
				    (f->expires_at && state_domain_set_expiry(
							  st, d->fqdn, f->expires_at, err) < 0) ||
				    state_log_add(st, &e, err) < 0) {
					state_rollback(st, NULL);
					return -1;
				}
				if (state_commit(st, err) < 0)
					return -1;
			}
		}
	}
	return 0;
}

/*
 * A server Coolify reports unreachable is recorded `offline` (the plan
 * places nothing new on it); when it is back, it returns to its spec mode.
 */
static int note_servers(struct state *st, const struct m_world *desired, const struct m_world *rec,
			const struct m_observed *o, size_t *changed, struct vrs_err *err)
{
	for (size_t i = 0; i < rec->nservers; i++) {
		const struct m_server *rs = &rec->servers[i];
		const struct m_server *ds = world_server(desired, rs->name);
		const struct o_server *os = NULL;
		enum m_server_status want;

		for (size_t k = 0; k < o->nservers && os == NULL; k++)
			if (o->servers[k].uuid && rs->coolify_uuid &&
			    strcmp(o->servers[k].uuid, rs->coolify_uuid) == 0)
				os = &o->servers[k];
		if (os == NULL)
			continue;
		want = !os->reachable ? SS_OFFLINE : ds ? ds->status : SS_ACTIVE;
		if (want == rs->status || (os->reachable && rs->status != SS_OFFLINE))
			continue;
		if (state_server_set_status(st, rs->name, want, err) < 0)
			return -1;
		(*changed)++;
	}
	return 0;
}

/* what a refresh found that the state records before planning */
static int note_observed(struct state *st, struct providers *pv, const struct inputs *in,
			 struct m_world *recorded, const struct m_observed *observed,
			 const struct reconcile_opts *o, size_t *unhealthy, struct vrs_err *err)
{
	size_t changed = 0;

	if (note_expired(st, recorded, observed, o->triggered_by, err) < 0 ||
	    note_servers(st, &in->desired, recorded, observed, &changed, err) < 0 ||
	    engine_note_health(st, pv, recorded, observed, o->triggered_by, unhealthy, err) < 0)
		return -1;
	/* the plan must see the servers as they are now */
	if (changed) {
		world_release(recorded);
		world_init(recorded);
		if (state_load(st, recorded, err) < 0)
			return -1;
	}
	return 0;
}

/* run the engine over the plan, then bump the serial (even after a failure) */
static int apply_plan(struct state *st, struct providers *pv, const struct inputs *in,
		      const struct m_world *recorded, const struct m_plan *plan,
		      const struct reconcile_opts *o, struct reconcile_result *r,
		      struct vrs_err *err)
{
	struct engine_opts eo = {0};
	struct vrs_err e2;
	int rc;

	eo.parallelism = o->parallelism;
	/* the Coolify client's own cap (10 by default) must not undercut --parallelism */
	if (pv->coolify && o->parallelism > 0)
		http_service_set_max_in_flight(coolify_service(pv->coolify), o->parallelism);
	eo.allow_delete = o->allow_delete;
	eo.approve_costs = o->approve_costs;
	eo.triggered_by = o->triggered_by;
	eo.spec_commit = o->spec_commit;
	eo.progress = o->progress;
	eo.progress_ud = o->progress_ud;
	eo.stop = o->stop;
	eo.tick = o->tick;
	eo.tick_ud = o->tick_ud;
	eo.poll_ms = o->poll_ms;
	eo.deploy_timeout_s = o->deploy_timeout_s;
	eo.dns_timeout_s = o->dns_timeout_s;
	eo.deploy_queue_timeout_s = o->deploy_queue_timeout_s;
	eo.delete_wait_ms = o->delete_wait_ms;
	eo.health_timeout_s = o->health_timeout_s;
	eo.executors = &engine_executors;
	rc = engine_apply(st, pv, in, recorded, plan, &eo, &r->stats, err);
	err_clear(&e2);
	if (state_serial_bump(st, in->specs_digest, &e2) < 0 && rc == 0) {
		*err = e2;
		rc = -1;
	}
	return rc;
}

int engine_reconcile(struct state *st, struct providers **pv, struct inputs *in,
		     const struct reconcile_opts *o, struct reconcile_result *r,
		     struct diag_list *diags, struct vrs_err *err)
{
	struct m_world recorded;
	struct m_observed observed;
	struct m_plan plan;
	struct state_meta meta = {0};
	struct plan_opts po = {0};
	unsigned char key[32];
	size_t deletes = 0, managed;
	bool need_coolify = false, need_inwx = false;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	world_init(&recorded);
	memset(&observed, 0, sizeof(observed));
	plan_init(&plan);
	/* a stop cuts the blocking calls of recovery and refresh too */
	if (*pv && (*pv)->pool)
		http_pool_set_stop((*pv)->pool, o->stop);
	if (engine_recover(st, *pv, o->triggered_by, &r->adopted, err) < 0)
		goto out;
	if (state_load(st, &recorded, err) < 0 || state_meta_get(st, &meta, err) < 0 ||
	    state_fingerprint_key(st, key, err) < 0 ||
	    inputs_fingerprint_secrets(&in->desired, key, false, err) < 0)
		goto out;
	if (plan_check(&in->desired, &recorded, diags) < 0 || (diags && diags->n)) {
		err_set(err, "the specs conflict with the recorded state");
		goto out;
	}
	if (o->refresh != REFRESH_NONE &&
	    engine_refresh(st, *pv, &in->desired, &recorded, o, &observed, &r->refresh, err) < 0) {
		err_prefix(err, "refresh");
		goto out;
	}
	/* the refresh stopped for an edit: o->yield loaded it into *in */
	if (r->refresh.yielded &&
	    (inputs_fingerprint_secrets(&in->desired, key, false, err) < 0 ||
	     plan_check(&in->desired, &recorded, diags) < 0 || (diags && diags->n))) {
		if (diags && diags->n)
			err_set(err, "the specs conflict with the recorded state");
		goto out;
	}
	if (observed.present &&
	    note_observed(st, *pv, in, &recorded, &observed, o, &r->unhealthy, err) < 0)
		goto out;
	po.targets = o->targets;
	po.ntargets = o->ntargets;
	po.allow_delete = o->allow_delete;
	po.verbose = o->verbose;
	if (o->plan_memo ? plan_build_memo(o->plan_memo, &in->desired, &recorded, &observed, &po,
					   &plan, o->plan_memo_stats, err) < 0
			 : plan_build(&in->desired, &recorded, &observed, &po, &plan, err) < 0)
		goto out;
	plan.lineage = meta.lineage ? strdup(meta.lineage) : NULL;
	plan.serial = meta.serial;
	plan.specs_digest = strdup(in->specs_digest);
	if (o->planned)
		o->planned(o->planned_ud, &plan, &in->desired);
	if (o->planfile && check_planfile(o->planfile, &plan, &in->desired, err) < 0)
		goto out;
	for (size_t i = 0; i < plan.nactions; i++) {
		const struct m_action *a = &plan.actions[i];
		need_coolify |= a->service == SVC_COOLIFY;
		need_inwx |= a->service == SVC_INWX;
		deletes += a->destructive && a->service != SVC_LOCAL;
		r->drift += a->drift;
	}
	r->actions = plan.nactions;
	r->changes = plan_has_changes(&plan);
	if (!r->changes) {
		rc = 0;
		goto out;
	}
	if (o->refresh == REFRESH_REPORT) {
		if (o->confirm)
			o->confirm(o->confirm_ud, &plan, &in->desired);
		rc = log_drift_found(st, &plan, &recorded, o->triggered_by, err);
		goto out;
	}
	managed = world_managed_objects(&recorded);
	if (o->allow_delete && !o->force && managed >= 10 &&
	    deletes * 100 >
		(size_t)(o->max_delete_percent > 0 ? o->max_delete_percent : 10) * managed) {
		err_set(err,
			"the plan deletes %zu of %zu managed objects (more than %d%%); refusing "
			"without --force",
			deletes, managed, o->max_delete_percent > 0 ? o->max_delete_percent : 10);
		goto out;
	}
	/* the services the plan calls must be configured */
	if ((need_coolify && (*pv)->coolify == NULL) || (need_inwx && (*pv)->inwx == NULL)) {
		struct providers *np = NULL;
		if (providers_open(need_coolify, need_inwx, o->http_trace, o->http_trace_ud, &np,
				   err) < 0)
			goto out;
		np->retries_before = engine_http_retries(*pv);
		providers_close(*pv);
		*pv = np;
		http_pool_set_stop(np->pool, o->stop);
	}
	if (o->confirm && !o->confirm(o->confirm_ud, &plan, &in->desired)) {
		r->cancelled = true;
		rc = 0;
		goto out;
	}
	rc = apply_plan(st, *pv, in, &recorded, &plan, o, r, err);
out:
	state_meta_release(&meta);
	plan_release(&plan);
	observed_release(&observed);
	world_release(&recorded);
	return rc;
}
