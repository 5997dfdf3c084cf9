/*
 * plan.c — the plan's entry points: plan_build (a pure function of desired,
 * recorded and observed worlds -> ordered actions, DESIGN §6, §7; no I/O, no
 * clock), plan_check, plan_summarize.
 *
 * Shape: plan_globals() (globals.c) diffs servers, base domains, project
 * types, plugins and bundles; plan_place() (place.c) assigns servers to new
 * projects (slug order, least loaded, ties by name); plan_project()
 * (project.c, app.c, domains.c) diffs one project into local, Coolify and
 * INWX actions, remembering the index of each action so later ones can
 * require it. Actions are collected unordered with `requires` as indices;
 * plan_filter_targets() (targets.c) keeps the targeted ones and their
 * dependencies; plan_order() (order.c) runs Kahn's algorithm taking the ready
 * actions smallest first by (resource, key, op, creation sequence), numbers them
 * and rewrites requires as ids. Everything is O(n log n) in the number of
 * objects. plan_opts.now is not read: no rule of the plan depends on time.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- entry points --------------------------------------------------------------------- */

#define SORTED(arr, n, field)                                                                      \
	do {                                                                                       \
		for (size_t i_ = 1; i_ < (n); i_++)                                                \
			if (strcmp((arr)[i_ - 1].field ? (arr)[i_ - 1].field : "",                 \
				   (arr)[i_].field ? (arr)[i_].field : "") > 0)                    \
				return false;                                                      \
	} while (0)

static bool world_sorted(const struct m_world *w)
{
	SORTED(w->servers, w->nservers, name);
	SORTED(w->base_domains, w->nbase_domains, domain);
	SORTED(w->project_types, w->nproject_types, code);
	SORTED(w->plugins, w->nplugins, name);
	SORTED(w->bundles, w->nbundles, code);
	SORTED(w->projects, w->nprojects, slug);
	return true;
}

void pb_release(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++)
		pact_release(&b->v[i]);
	free(b->v);
	free(b->srv_act);
	free(b->bd_act);
	free(b->pt_act);
	free(b->pl_act);
	free(b->bu_act);
	free(b->proj_act);
	free(b->place);
	free(b->place_auto);
	free(b->oapps);
	free(b->orecs);
	arena_free(b->arena);
	memset(b, 0, sizeof(*b));
}

static int *neg_array(size_t n)
{
	int *v = malloc((n + 1) * sizeof(*v));

	if (v)
		for (size_t i = 0; i <= n; i++)
			v[i] = -1;
	return v;
}

int pb_begin(struct builder *b, const struct m_world *desired, const struct m_world *recorded,
	     const struct m_observed *observed, const struct plan_opts *opts, struct vrs_err *err)
{
	static const struct m_world empty;
	static const struct plan_opts noopts;

	memset(b, 0, sizeof(*b));
	b->d = desired;
	b->r = recorded ? recorded : &empty;
	b->o = observed && observed->present ? observed : NULL;
	b->opts = opts ? opts : &noopts;
	if (!world_sorted(b->d) || !world_sorted(b->r))
		return err_set(err, "plan: the worlds must be sorted by key (world_sort)");
	b->srv_act = neg_array(b->d->nservers);
	b->bd_act = neg_array(b->d->nbase_domains);
	b->pt_act = neg_array(b->d->nproject_types);
	b->pl_act = neg_array(b->d->nplugins);
	b->bu_act = neg_array(b->d->nbundles);
	b->proj_act = neg_array(b->d->nprojects);
	b->place = calloc(b->d->nprojects + 1, sizeof(*b->place));
	b->place_auto = calloc(b->d->nprojects + 1, sizeof(*b->place_auto));
	b->arena = arena_new();
	if (!b->arena || !b->srv_act || !b->bd_act || !b->pt_act || !b->pl_act || !b->bu_act ||
	    !b->proj_act || !b->place || !b->place_auto)
		return err_set(err, "plan: out of memory");
	if (b->o) {
		b->oapps = malloc((b->o->napps + 1) * sizeof(*b->oapps));
		b->orecs = malloc((b->o->nrecords + 1) * sizeof(*b->orecs));
		if (!b->oapps || !b->orecs)
			return err_set(err, "plan: out of memory");
		for (size_t i = 0; i < b->o->napps; i++)
			b->oapps[i] = &b->o->apps[i];
		for (size_t i = 0; i < b->o->nrecords; i++)
			b->orecs[i] = &b->o->records[i];
		qsort(b->oapps, b->o->napps, sizeof(*b->oapps), cmp_oapp);
		qsort(b->orecs, b->o->nrecords, sizeof(*b->orecs), cmp_orec);
	}
	return 0;
}

void plan_removed(struct builder *b, const struct m_project *rp)
{
	size_t before = b->n;

	/* a row the application made (a questionnaire's draft) is its own */
	if (!rp->managed) {
		pb_noop(b, rp->slug, rp->pos,
			"unmanaged: recorded by the marketplace application, in no spec "
			"(`vrsctl export` writes one)");
		return;
	}
	plan_archive(b, NULL, rp);
	if (b->n == before)
		pb_noop(b, rp->slug, rp->pos, "removed from the specs and archived");
}

/* a fragment's bounds, when the caller records them (plan_memo) */
static void rec_group(struct builder *b, struct pb_rec *rec, const char *slug, bool removed,
		      size_t index, size_t start, size_t nnoop0)
{
	struct pb_group *g;

	if (rec == NULL || b->oom)
		return;
	g = &rec->g[rec->ng++];
	g->slug = slug;
	g->removed = removed;
	g->index = index;
	g->start = start;
	g->nnoop = b->nnoop - nnoop0;
}

int pb_all(struct builder *b, struct pb_rec *rec)
{
	if (rec) {
		rec->ng = 0;
		rec->g = calloc(b->d->nprojects + b->r->nprojects + 1, sizeof(*rec->g));
		if (rec->g == NULL)
			return -1;
	}
	plan_globals(b);
	b->nglob = b->n;
	if (rec) {
		rec->nglob = b->n;
		rec->glob_nnoop = b->nnoop;
	}
	if (plan_place(b) < 0)
		return -1;
	for (size_t i = 0; i < b->d->nprojects && !b->oom; i++) {
		size_t start = b->n, nn = b->nnoop;
		plan_project(b, i);
		rec_group(b, rec, b->d->projects[i].slug, false, i, start, nn);
	}
	/* a demo clone's record needs its source project's record first */
	for (size_t i = 0; i < b->d->nprojects; i++) {
		const struct m_project *src = world_project(b->d, b->d->projects[i].cloned_from);
		if (src)
			pb_req(b, b->proj_act[i], b->proj_act[src - b->d->projects]);
	}
	for (size_t i = 0; i < b->r->nprojects && !b->oom; i++) {
		const struct m_project *rp = &b->r->projects[i];
		size_t start = b->n, nn = b->nnoop;
		if (world_project(b->d, rp->slug))
			continue;
		plan_removed(b, rp);
		rec_group(b, rec, rp->slug, true, i, start, nn);
	}
	/* a catalogue delete waits for the updates that move its users away
	 * (edges from globals to projects: the memo then takes the full path) */
	plan_order_catalogue(b);
	return b->oom ? -1 : 0;
}

int plan_build(const struct m_world *desired, const struct m_world *recorded,
	       const struct m_observed *observed, const struct plan_opts *opts, struct m_plan *out,
	       struct vrs_err *err)
{
	struct builder b;
	int rc = -1;

	out->actions = NULL;
	out->nactions = 0;
	out->nnoop = 0;
	if (pb_begin(&b, desired, recorded, observed, opts, err) < 0)
		goto out;
	if (pb_all(&b, NULL) < 0) {
		err_set(err, "plan: out of memory");
		goto out;
	}
	if (plan_filter_targets(&b, err) < 0)
		goto out;
	if (plan_order(&b, out, err) < 0)
		goto out;
	out->arena = b.arena; /* the actions' strings go with them */
	b.arena = NULL;
	out->nnoop = b.nnoop;
	rc = 0;
out:
	pb_release(&b);
	return rc;
}

int plan_check(const struct m_world *desired, const struct m_world *recorded,
	       struct diag_list *diags)
{
	int rc = 0;

	for (size_t i = 0; recorded && i < desired->nprojects; i++) {
		const struct m_project *dp = &desired->projects[i];
		const struct m_project *rp = world_project(recorded, dp->slug);
		if (dp->server == NULL || rp == NULL || rp->server == NULL ||
		    rp->status == PS_ARCHIVED || strcmp(dp->server, rp->server) == 0)
			continue;
		rc = diag_add(
		    diags, dp->server_pos.file, dp->server_pos.line, dp->server_pos.col,
		    "project '%s' is placed on '%s'; moving to '%s' is not supported: "
		    "set `server: %s` (or auto) again, or archive it (lifecycle: archived), "
		    "apply with --allow-delete, then create it under a new slug",
		    dp->slug, rp->server, dp->server, rp->server);
	}
	for (size_t i = 0; recorded && i < recorded->nservers; i++) {
		const struct m_server *rs = &recorded->servers[i];
		size_t n = 0;
		const char *first = NULL;
		/* the marketplace application's own server: never planned, nothing to refuse */
		if (world_server(desired, rs->name) || !rs->owned)
			continue;
		for (size_t j = 0; j < recorded->nprojects; j++) {
			const struct m_project *rp = &recorded->projects[j];
			if (rp->server && strcmp(rp->server, rs->name) == 0 &&
			    rp->status != PS_ARCHIVED) {
				if (first == NULL)
					first = rp->slug;
				n++;
			}
		}
		if (n)
			rc = diag_add(
			    diags, NULL, 0, 0,
			    "server '%s' was removed from the specs but still hosts %zu "
			    "project(s) (first: '%s'): archive them (lifecycle: archived) and "
			    "apply with --allow-delete before removing the server",
			    rs->name, n, first);
	}
	if (recorded && plan_check_catalogue(desired, recorded, diags) < 0)
		rc = -1;
	return rc;
}

void plan_summarize(const struct m_plan *p, struct plan_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		switch (a->op) {
		case OP_CREATE:
			s->create++;
			break;
		case OP_UPDATE:
			s->update++;
			break;
		case OP_DELETE:
			s->delete ++;
			break;
		case OP_DEPLOY:
			s->deploy++;
			break;
		case OP_START:
			s->start++;
			break;
		case OP_STOP:
			s->stop++;
			break;
		case OP_REGISTER:
			s->reg++;
			break;
		case OP_TRANSFER:
			s->transfer++;
			break;
		default:
			break;
		}
		s->cost_cents += a->cost_cents;
	}
	s->noop = p->nnoop;
}

bool plan_has_changes(const struct m_plan *p)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].op != OP_NOOP)
			return true;
	return false;
}
