/*
 * place.c — placement (server: auto) and the gates that keep a project off
 * a server (payment, exhausted retries); lookups in the observed world.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

static bool is_stripe(enum m_payment_method m)
{
	return m == PM_STRIPE_PREPAID || m == PM_STRIPE_SUBSCRIPTION;
}

/* a Stripe project waits in pending_payment until confirmed (once past it, it stays past) */
bool payment_gated(const struct m_project *dp, const struct m_project *rp)
{
	if (!is_stripe(dp->payment_method) || dp->payment_confirmed)
		return false;
	return rp == NULL || rp->status == PS_DRAFT || rp->status == PS_PENDING_PAYMENT;
}

bool retries_exhausted(const struct m_project *rp)
{
	return rp && rp->status == PS_ERROR && rp->provisioning_retry_count >= VRS_MAX_RETRIES;
}

/* does the project take a server slot now? */
static bool wants_server(const struct m_project *dp, const struct m_project *rp)
{
	return dp->lifecycle == LC_ACTIVE && !payment_gated(dp, rp) && !retries_exhausted(rp);
}

int cmp_oapp(const void *x, const void *y)
{
	const struct o_app *a = *(const struct o_app *const *)x,
			   *c = *(const struct o_app *const *)y;

	return strcmp(a->uuid ? a->uuid : "", c->uuid ? c->uuid : "");
}

int cmp_orec(const void *x, const void *y)
{
	const struct o_record *a = *(const struct o_record *const *)x;
	const struct o_record *c = *(const struct o_record *const *)y;

	return strcmp(a->id ? a->id : "", c->id ? c->id : "");
}

const struct o_app *find_oapp(const struct builder *b, const char *uuid)
{
	struct o_app key = {.uuid = (char *)uuid};
	const struct o_app *kp = &key, **hit;

	if (b->o == NULL || uuid == NULL || b->o->napps == 0)
		return NULL;
	hit = bsearch(&kp, b->oapps, b->o->napps, sizeof(*b->oapps), cmp_oapp);
	return hit ? *hit : NULL;
}

const struct o_record *find_orec(const struct builder *b, const char *id)
{
	struct o_record key = {.id = (char *)id};
	const struct o_record *kp = &key, **hit;

	if (b->o == NULL || id == NULL || b->o->nrecords == 0)
		return NULL;
	hit = bsearch(&kp, b->orecs, b->o->nrecords, sizeof(*b->orecs), cmp_orec);
	return hit ? *hit : NULL;
}

/* mode active, accepting new projects, not offline in the recorded or the observed world */
static bool server_open(const struct builder *b, const struct m_server *s)
{
	const struct m_server *rs = world_server(b->r, s->name);

	if (s->status != SS_ACTIVE || !s->accepting_new)
		return false;
	if (rs && rs->status == SS_OFFLINE)
		return false;
	if (b->o)
		for (size_t i = 0; i < b->o->nservers; i++)
			if (pb_str_eq(b->o->servers[i].uuid, s->coolify_uuid) &&
			    !b->o->servers[i].reachable)
				return false;
	return true;
}

/*
 * Assign a server to every desired project, in slug order: the recorded
 * placement (sticky), else the spec's server, else the open server with the
 * most free slots (ties by name), counting recorded placements and the ones
 * made earlier in this plan.
 */
int plan_place(struct builder *b)
{
	const struct m_world *d = b->d, *r = b->r;
	int *load = calloc(d->nservers + 1, sizeof(*load));
	bool *open = calloc(d->nservers + 1, sizeof(*open));

	if (load == NULL || open == NULL) {
		free(load);
		free(open);
		return -1;
	}
	for (size_t j = 0; j < d->nservers; j++)
		open[j] = server_open(b, &d->servers[j]);
	for (size_t i = 0; i < r->nprojects; i++) {
		const struct m_project *rp = &r->projects[i];
		const struct m_server *s = world_server(d, rp->server);
		if (s && rp->status != PS_ARCHIVED)
			load[s - d->servers]++;
	}
	for (size_t i = 0; i < d->nprojects; i++) {
		const struct m_project *dp = &d->projects[i], *rp = world_project(r, dp->slug);
		const struct m_server *s;
		long best = -1, bestfree = 0;

		b->place_auto[i] = 0;
		if (rp && rp->server) {
			b->place[i] = rp->server;
			continue;
		}
		b->place[i] = dp->server;
		if (!wants_server(dp, rp))
			continue;
		if (dp->server) {
			s = world_server(d, dp->server);
			if (s)
				load[s - d->servers]++;
			continue;
		}
		for (size_t j = 0; j < d->nservers; j++) {
			long freeslots = (long)d->servers[j].max_projects - load[j];
			if (open[j] && freeslots > 0 && (best < 0 || freeslots > bestfree)) {
				best = (long)j;
				bestfree = freeslots;
			}
		}
		if (best < 0) {
			b->place_auto[i] = -1;
			continue;
		}
		b->place[i] = d->servers[best].name;
		b->place_auto[i] = 1;
		load[best]++;
	}
	free(load);
	free(open);
	return 0;
}
