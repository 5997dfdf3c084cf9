/*
 * memo_inplace.c — the splice of an edit that changes values, not the
 * plan's shape (a project's image, an env value, a domain's price): each
 * rebuilt fragment has the actions its previous build had, the same
 * (resource, key, op), each once, requiring the same actions. The greedy
 * order (memo.c) is a function of those ranks and edges alone, and the
 * creation sequence across fragments is unchanged (the fragment has as many
 * actions as before), so the order and every id stay: the fragment's
 * actions are replaced where they are, instead of merging and renumbering
 * 100,000s of kept ones. Anything else falls back to the merge.
 */
#include "plan/memo_int.h"

#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

static bool same_rko(const struct m_action *a, const struct m_action *b)
{
	return a->resource == b->resource && a->op == b->op &&
	       strcmp(a->key ? a->key : "", b->key ? b->key : "") == 0;
}

/* the same groups, in the same order, the changed ones of the same slug: true */
static bool same_groups(const struct splice *s)
{
	const struct plan_memo *m = s->m;

	if (s->nng != m->ng || s->ngone != s->nchanged)
		return false;
	for (size_t x = 0; x < s->nng; x++) {
		const struct ngroup *g = &s->ng[x];
		if (g->old >= 0 ? g->old != (int)x
				: (g->removed != m->g[x].removed || strcmp(g->slug, m->g[x].slug)))
			return false;
	}
	return true;
}

/*
 * pos[t]: the kept position of new action t (of nt), paired with the old
 * action of its group of the same (resource, key, op); false when some
 * group does not pair one to one, or a pair's requires differ
 */
static bool pair_actions(const struct splice *s, int *pos, int *scratch)
{
	const struct plan_memo *m = s->m;
	const struct builder *b = &s->b;

	for (size_t t = 0; t < s->nt; t++)
		pos[t] = -1;
	/* one walk over the plan: each old action of a changed group finds its new twin */
	for (size_t q = 0; q < m->n; q++) {
		int grp = m->ma[q].grp, found = -1;
		const struct ngroup *g;
		if (grp < 0 || s->ng[grp].old >= 0)
			continue;
		g = &s->ng[grp];
		for (size_t i = g->start; i < g->end; i++)
			if (same_rko(&b->v[i].a, &m->acts[q])) {
				if (found >= 0 || pos[i - s->g0] >= 0)
					return false; /* not one to one */
				found = (int)(i - s->g0);
			}
		if (found < 0)
			return false;
		pos[found] = (int)q;
	}
	for (size_t t = 0; t < s->nt; t++) {
		const struct pact *p = &b->v[s->g0 + t];
		const struct m_action *old;
		if (pos[t] < 0)
			return false; /* a new action without an old twin */
		old = &m->acts[pos[t]];
		if (p->nreq != old->nrequires)
			return false;
		for (size_t k = 0; k < p->nreq; k++) {
			size_t r = (size_t)p->req[k];
			scratch[k] = (r >= s->g0 ? pos[r - s->g0] : m->gpos[r]) + 1;
		}
		qsort(scratch, p->nreq, sizeof(int), cmp_int);
		if (p->nreq && memcmp(scratch, old->requires, p->nreq * sizeof(int)) != 0)
			return false;
	}
	return true;
}

int memo_in_place(struct splice *s)
{
	struct plan_memo *m = s->m;
	const struct builder *b = &s->b;
	size_t maxreq = 1;
	int *pos, *scratch;
	struct arena **ar;
	bool ok;

	if (!same_groups(s))
		return 0;
	for (size_t t = 0; t < s->nt; t++)
		if (b->v[s->g0 + t].nreq > maxreq)
			maxreq = b->v[s->g0 + t].nreq;
	pos = malloc((s->nt + 1) * sizeof(*pos));
	scratch = malloc(maxreq * sizeof(*scratch));
	ar = realloc(m->arenas, (m->narenas + 1) * sizeof(*ar));
	if (ar)
		m->arenas = ar;
	if (pos == NULL || scratch == NULL || ar == NULL) {
		free(pos);
		free(scratch);
		return -1;
	}
	ok = pair_actions(s, pos, scratch);
	free(scratch);
	if (!ok) {
		free(pos);
		return 0;
	}
	/* from here nothing fails: the memo takes the new actions, keys and arena */
	for (size_t t = 0; t < s->nt; t++) {
		struct m_action *dst = &m->acts[pos[t]];
		struct m_action a = b->v[s->g0 + t].a;
		a.id = dst->id;
		a.requires = dst->requires;
		a.nrequires = dst->nrequires;
		*dst = a;
		memo_mact(&m->ma[pos[t]], dst, m->ma[pos[t]].grp);
	}
	free(pos);
	for (size_t x = 0; x < s->nng; x++) {
		struct ngroup *g = &s->ng[x];
		struct mgroup *o = &m->g[x];
		if (g->old >= 0)
			continue;
		free(o->key);
		o->key = g->key;
		o->keylen = g->keylen;
		m->nnoop = m->nnoop - o->nnoop + g->nnoop;
		o->nnoop = g->nnoop;
		g->key = NULL;
	}
	m->arenas[m->narenas++] = s->b.arena;
	s->b.arena = NULL;
	m->splices++;
	return 1;
}
