/*
 * memo_splice.c — plan_memo's incremental build (the why of it is at the
 * top of memo.c): compare each slug's key with the memo's, build only the
 * changed fragments, merge their actions into the previous order, renumber.
 * Everything that can fail is allocated before the memo is touched: a
 * fallback (0) leaves it as it was.
 */
#include "plan/memo_int.h"

#include <stdlib.h>
#include <string.h>

/* room for n elements in *p (its capacity *cap), grown by half again; -1 out of memory */
static int room(void **p, size_t *cap, size_t n, size_t elem)
{
	void *np;
	size_t nc = n + n / 2 + 16;

	if (n <= *cap)
		return 0;
	np = realloc(*p, nc * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static int key_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* (resource, key, op) of a new action against a kept one; 0 is a tie */
static int cmp_ta(const struct m_action *t, const struct m_action *a)
{
	int c;

	if (t->resource != a->resource)
		return (int)t->resource - (int)a->resource;
	c = key_cmp(t->key, a->key);
	if (c)
		return c;
	return (int)t->op - (int)a->op;
}

/* new action t against kept action k by (resource, key, op) through their sort keys; 0 a tie */
static int cmp_tk(const struct splice *s, int t, size_t k)
{
	const struct mact *x = &s->tma[t], *y = &s->m->ma[k];
	int c;

	if (x->res != y->res)
		return x->res < y->res ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	c = key_cmp(s->b.v[s->g0 + (size_t)t].a.key, s->m->acts[k].key);
	if (c)
		return c;
	return (int)x->op - (int)y->op;
}

/* two new actions: (resource, key, op, creation sequence), as plan_order */
static bool t_less(const struct splice *s, int x, int y)
{
	const struct pact *p = &s->b.v[s->g0 + (size_t)x], *q = &s->b.v[s->g0 + (size_t)y];
	int c = cmp_ta(&p->a, &q->a);

	return c ? c < 0 : p->seq < q->seq;
}

static void t_push(struct splice *s, int x)
{
	size_t i = s->hn++;

	s->heap[i] = x;
	while (i > 0 && t_less(s, s->heap[i], s->heap[(i - 1) / 2])) {
		int t = s->heap[i];
		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int t_pop(struct splice *s)
{
	int top = s->heap[0];
	size_t i = 0;

	s->heap[0] = s->heap[--s->hn];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, mi = i;
		if (l < s->hn && t_less(s, s->heap[l], s->heap[mi]))
			mi = l;
		if (r < s->hn && t_less(s, s->heap[r], s->heap[mi]))
			mi = r;
		if (mi == i)
			break;
		int t = s->heap[mi];
		s->heap[mi] = s->heap[i];
		s->heap[i] = t;
		i = mi;
	}
	return top;
}

/* each slug's key against the memo's; 0 with s->why when the full build is better */
static int diff_groups(struct splice *s, struct buf *k)
{
	const struct m_world *d = s->b.d, *r = s->b.r;
	const struct plan_memo *m = s->m;
	size_t i = 0, j = 0, og = 0;

	s->ng = calloc(d->nprojects + r->nprojects + 1, sizeof(*s->ng));
	s->old_to_new = malloc((m->ng + 1) * sizeof(*s->old_to_new));
	if (s->ng == NULL || s->old_to_new == NULL)
		return -1;
	for (size_t x = 0; x < m->ng; x++)
		s->old_to_new[x] = -1;
	while (i < d->nprojects || j < r->nprojects) {
		struct ngroup *g = &s->ng[s->nng];
		int c = i >= d->nprojects   ? 1
			: j >= r->nprojects ? -1
					    : strcmp(d->projects[i].slug, r->projects[j].slug);
		const struct mgroup *o = NULL;
		bool same = false;
		buf_reset(k);
		g->old = -1;
		g->removed = c > 0;
		g->index = c <= 0 ? i : j;
		g->slug = c <= 0 ? d->projects[i].slug : r->projects[j].slug;
		while (og < m->ng && strcmp(m->g[og].slug, g->slug) < 0)
			og++;
		if (og < m->ng && strcmp(m->g[og].slug, g->slug) == 0 &&
		    m->g[og].removed == g->removed)
			o = &m->g[og]; /* compared as the key is made */
		if (memo_key_project(c <= 0 ? &d->projects[i] : NULL,
				     c >= 0 ? &r->projects[j] : NULL, c <= 0 ? s->b.place[i] : NULL,
				     c <= 0 ? s->b.place_auto[i] : 0, o ? o->key : NULL,
				     o ? o->keylen : 0, k, &same) < 0)
			return -1;
		i += c <= 0;
		j += c >= 0;
		if (same) {
			g->old = (int)og;
			s->old_to_new[og] = (int)s->nng;
		}
		s->nng++;
		if (g->old >= 0)
			continue;
		if (++s->nchanged > MEMO_MAX_CHANGED) {
			s->why = "many objects changed";
			return 0;
		}
		g->key = malloc(k->len + 1);
		g->slug_copy = strdup(g->slug);
		if (g->key == NULL || g->slug_copy == NULL)
			return -1;
		memcpy(g->key, k->data, k->len);
		g->keylen = k->len;
	}
	for (size_t x = 0; x < m->ng; x++)
		s->ngone += s->old_to_new[x] < 0;
	return 1;
}

static int cmp_ngroup(const void *x, const void *y)
{
	return strcmp(((const struct ngroup *)x)->slug, ((const struct ngroup *)y)->slug);
}

static int cmp_mgroup(const void *x, const void *y)
{
	return strcmp(((const struct mgroup *)x)->slug, ((const struct mgroup *)y)->slug);
}

/* does a clone edge (plan.c: a clone's record requires its source's) touch a changed slug? */
static bool clones_touched(const struct splice *s)
{
	const struct m_world *d = s->b.d;

	for (size_t x = 0; x < s->nng; x++)
		if (s->ng[x].old < 0 && !s->ng[x].removed &&
		    d->projects[s->ng[x].index].cloned_from)
			return true;
	for (size_t x = 0; x < d->nprojects; x++) {
		struct ngroup nk = {.slug = d->projects[x].cloned_from};
		struct mgroup mk = {.slug = (char *)d->projects[x].cloned_from};
		const struct ngroup *n;
		const struct mgroup *o;
		if (nk.slug == NULL)
			continue;
		n = bsearch(&nk, s->ng, s->nng, sizeof(*s->ng), cmp_ngroup);
		o = bsearch(&mk, s->m->g, s->m->ng, sizeof(*s->m->g), cmp_mgroup);
		if ((n && n->old < 0) || (o && s->old_to_new[o - s->m->g] < 0))
			return true;
	}
	return false;
}

/* the changed fragments, in the order pb_all makes them; -1 out of memory */
static int build_changed(struct splice *s)
{
	struct builder *b = &s->b;

	for (int pass = 0; pass < 2; pass++)
		for (size_t x = 0; x < s->nng && !b->oom; x++) {
			struct ngroup *g = &s->ng[x];
			size_t nn = b->nnoop;
			if (g->old >= 0 || g->removed != (pass == 1))
				continue;
			g->start = b->n;
			if (g->removed)
				plan_removed(b, &b->r->projects[g->index]);
			else
				plan_project(b, g->index);
			g->end = b->n;
			g->nnoop = b->nnoop - nn;
		}
	return b->oom ? -1 : 0;
}

/* the new actions' groups, internal edges (CSR), and the kept global each waits for */
static int prepare_new(struct splice *s)
{
	const struct builder *b = &s->b;
	size_t nt = s->nt, nedges = 0;

	s->tgrp = malloc((nt + 1) * sizeof(int));
	s->indeg = calloc(nt + 1, sizeof(int));
	s->ext = malloc((nt + 1) * sizeof(int));
	s->ev = malloc((nt + 1) * sizeof(int));
	s->off = calloc(nt + 2, sizeof(int));
	s->heap = malloc((nt + 1) * sizeof(int));
	s->npos_t = malloc((nt + 1) * sizeof(int));
	s->extok = calloc(nt + 1, sizeof(bool));
	s->tma = malloc((nt + 1) * sizeof(*s->tma));
	if (!s->tgrp || !s->indeg || !s->ext || !s->ev || !s->off || !s->heap || !s->npos_t ||
	    !s->extok || !s->tma)
		return -1;
	for (size_t x = 0; x < s->nng; x++)
		for (size_t i = s->ng[x].start; s->ng[x].old < 0 && i < s->ng[x].end; i++)
			s->tgrp[i - s->g0] = (int)x;
	for (size_t t = 0; t < nt; t++)
		memo_mact(&s->tma[t], &b->v[s->g0 + t].a, s->tgrp[t]);
	for (size_t t = 0; t < nt; t++) {
		const struct pact *p = &b->v[s->g0 + t];
		s->nreq += p->nreq;
		s->ext[t] = -1;
		for (size_t k = 0; k < p->nreq; k++) {
			size_t r = (size_t)p->req[k];
			if (r >= s->g0) {
				s->indeg[t]++;
				s->off[r - s->g0 + 1]++;
				nedges++;
			} else if (s->m->gpos[r] > s->ext[t]) {
				s->ext[t] = s->m->gpos[r];
			}
		}
	}
	for (size_t t = 0; t < nt; t++)
		s->off[t + 1] += s->off[t];
	s->dep = malloc((nedges + 1) * sizeof(int));
	if (s->dep == NULL)
		return -1;
	for (size_t t = 0; t < nt; t++) {
		const struct pact *p = &b->v[s->g0 + t];
		for (size_t k = 0; k < p->nreq; k++)
			if ((size_t)p->req[k] >= s->g0)
				s->dep[s->off[(size_t)p->req[k] - s->g0]++] = (int)t;
	}
	for (size_t t = nt; t > 0; t--) /* the fill moved each start to the next one's */
		s->off[t] = s->off[t - 1];
	s->off[0] = 0;
	/* by the kept action each waits for (insertion: a changed project has ~20 actions) */
	for (size_t t = 0; t < nt; t++) {
		size_t i = t;
		for (; i > 0 && s->ext[s->ev[i - 1]] > s->ext[t]; i--)
			s->ev[i] = s->ev[i - 1];
		s->ev[i] = (int)t;
	}
	return 0;
}

static void emit_new(struct splice *s, int t)
{
	s->npos_t[t] = (int)s->nseq;
	s->seq[s->nseq++] = -(t + 1);
	for (int k = s->off[t]; k < s->off[t + 1]; k++)
		if (--s->indeg[s->dep[k]] == 0 && s->extok[s->dep[k]])
			t_push(s, s->dep[k]);
}

/* the new actions waiting for kept actions up to `upto` are ready as far as those go */
static void release_upto(struct splice *s, size_t *e, long upto)
{
	while (*e < s->nt && s->ext[s->ev[*e]] <= upto) {
		int t = s->ev[(*e)++];
		s->extok[t] = true;
		if (s->indeg[t] == 0)
			t_push(s, t);
	}
}

/* the greedy order of kept + new (see memo.c); 0 with s->why on a tie or a cycle */
static int merge(struct splice *s, size_t nkept)
{
	const struct plan_memo *m = s->m;
	size_t e = 0;

	if (room((void **)&s->m->seq, &s->m->a_seq, nkept + s->nt + 1, sizeof(int)) < 0 ||
	    room((void **)&s->m->npos, &s->m->a_npos, m->n + 1, sizeof(int)) < 0)
		return -1;
	s->seq = m->seq;
	s->npos_old = m->npos;
	release_upto(s, &e, -1);
	for (size_t k = 0; k < m->n; k++) {
		const struct m_action *a = &m->acts[k];
		s->npos_old[k] = -1;
		if (m->ma[k].grp >= 0 && s->old_to_new[m->ma[k].grp] < 0)
			continue; /* a changed or gone slug's */
		while (s->hn > 0) {
			int c = cmp_tk(s, s->heap[0], k);
			if (c == 0) {
				s->why = "a new action ties with a kept one";
				return 0;
			}
			if (c > 0)
				break;
			emit_new(s, t_pop(s));
		}
		s->nreq += a->nrequires;
		s->npos_old[k] = (int)s->nseq;
		s->seq[s->nseq++] = (int)k;
		release_upto(s, &e, (long)k);
	}
	while (s->hn > 0)
		emit_new(s, t_pop(s));
	if (s->nseq != nkept + s->nt) {
		s->why = "a cycle among the new actions";
		return 0;
	}
	return 1;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

/*
 * The merged plan into the spare arrays (acts, ma, req: allocated by the
 * caller), checking that no kept action requires a replaced one; 0 with
 * s->why when one does (the memo untouched), else it becomes the memo's.
 */
static int commit(struct splice *s, struct m_action *acts, struct mact *ma, int *req,
		  struct mgroup *groups)
{
	struct plan_memo *m = s->m;
	size_t o = 0;

	for (size_t q = 0; q < s->nseq; q++) {
		int e = s->seq[q];
		struct m_action *a = &acts[q];
		int *dst = req + o;
		if (e >= 0) {
			*a = m->acts[e];
			ma[q] = m->ma[e];
			if (ma[q].grp >= 0)
				ma[q].grp = s->old_to_new[ma[q].grp];
			for (size_t x = 0; x < a->nrequires; x++) {
				int np = s->npos_old[a->requires[x] - 1];
				if (np < 0) {
					s->why = "a kept action requires a replaced one";
					return 0;
				}
				dst[x] = np + 1; /* the order is kept: still ascending */
			}
		} else {
			const struct pact *p = &s->b.v[s->g0 + (size_t)(-e - 1)];
			*a = p->a;
			memo_mact(&ma[q], a, s->tgrp[-e - 1]);
			a->nrequires = p->nreq;
			for (size_t x = 0; x < p->nreq; x++) {
				size_t r = (size_t)p->req[x];
				dst[x] =
				    (r >= s->g0 ? s->npos_t[r - s->g0] : s->npos_old[m->gpos[r]]) +
				    1;
			}
			if (p->nreq > 1)
				qsort(dst, p->nreq, sizeof(int), cmp_int);
		}
		a->requires = a->nrequires ? dst : NULL;
		o += a->nrequires;
		a->id = (int)q + 1;
	}
	for (size_t x = 0; x < m->nglob; x++)
		m->gpos[x] = s->npos_old[m->gpos[x]];
	m->nnoop = m->glob_nnoop;
	for (size_t x = 0; x < s->nng; x++) {
		struct ngroup *g = &s->ng[x];
		struct mgroup *n = &groups[x];
		if (g->old >= 0) {
			*n = m->g[g->old];
			m->g[g->old].slug = m->g[g->old].key = NULL;
		} else {
			n->slug = g->slug_copy;
			n->key = g->key;
			n->keylen = g->keylen;
			n->nnoop = g->nnoop;
			n->removed = g->removed;
			g->slug_copy = g->key = NULL;
		}
		m->nnoop += n->nnoop;
	}
	for (size_t x = 0; x < m->ng; x++) {
		free(m->g[x].slug);
		free(m->g[x].key);
	}
	free(m->g);
	/* the arrays replaced are the next splice's spares */
	m->spare_acts = m->acts;
	m->a_acts = m->n;
	m->spare_ma = m->ma;
	m->a_ma = m->n;
	m->spare_req = m->req;
	m->a_req = m->nreq;
	m->g = groups;
	m->ng = s->nng;
	m->acts = acts;
	m->ma = ma;
	m->req = req;
	m->nreq = o;
	m->n = s->nseq;
	m->arenas[m->narenas++] = s->b.arena;
	s->b.arena = NULL;
	m->splices++;
	return 1;
}

static void splice_release(struct splice *s)
{
	for (size_t x = 0; s->ng && x < s->nng; x++) {
		free(s->ng[x].slug_copy);
		free(s->ng[x].key);
	}
	free(s->ng);
	free(s->old_to_new);
	free(s->tgrp);
	free(s->indeg);
	free(s->ext);
	free(s->ev);
	free(s->off);
	free(s->dep);
	free(s->heap);
	free(s->npos_t);
	free(s->extok);
	free(s->tma);
	pb_release(&s->b);
}

/* can the memo's plan be spliced for these inputs at all? NULL: yes */
static const char *splice_refused(const struct plan_memo *m, const struct m_world *d,
				  const struct m_world *r, const struct m_observed *o,
				  const struct plan_opts *opts)
{
	if (!m->valid)
		return "no previous plan";
	if (o && o->present)
		return "a refresh";
	if (opts && opts->ntargets)
		return "targets";
	if ((opts && opts->verbose) != m->verbose ||
	    (opts && opts->allow_delete) != m->allow_delete)
		return "other options";
	if (m->splices >= MEMO_MAX_SPLICES)
		return "the memo is renewed";
	if (!memo_slugs_strict(d) || (r && !memo_slugs_strict(r)))
		return "duplicate slugs";
	return NULL;
}

/* the steps up to the merged order: 1 merged, 2 replaced in place (done), 0 s->why, -1 oom/err */
static int splice_steps(struct splice *s, const struct m_world *d, const struct m_world *r,
			const struct plan_opts *opts, struct buf *k, struct vrs_err *err)
{
	struct plan_memo *m = s->m;
	size_t nkept = 0;
	int rc;

	if (pb_begin(&s->b, d, r, NULL, opts, err) < 0) {
		s->why = "the worlds are not sorted"; /* the full build says so */
		return 0;
	}
	if (memo_key_globals(s->b.d, s->b.r, k) < 0)
		return -1;
	if (k->len != m->gkeylen || memcmp(k->data, m->gkey, k->len) != 0) {
		s->why = "a global object changed";
		return 0;
	}
	plan_globals(&s->b);
	if (s->b.oom || plan_place(&s->b) < 0)
		return -1;
	if (s->b.n != m->nglob || s->b.nnoop != m->glob_nnoop) {
		s->why = "the global actions differ";
		return 0;
	}
	s->g0 = s->b.n;
	rc = diff_groups(s, k);
	if (rc <= 0)
		return rc;
	if (s->nchanged + s->ngone > MEMO_MAX_CHANGED) {
		s->why = "many objects changed";
		return 0;
	}
	if (clones_touched(s)) {
		s->why = "a clone's source changed";
		return 0;
	}
	if (build_changed(s) < 0)
		return -1;
	s->nt = s->b.n - s->g0;
	for (size_t i = s->g0; i < s->b.n; i++)
		if (memo_intern_sources(m, &s->b.v[i].a, 1) < 0)
			return -1;
	rc = memo_in_place(s);
	if (rc != 0)
		return rc < 0 ? -1 : 2;
	if (prepare_new(s) < 0)
		return -1;
	for (size_t x = 0; x < m->n; x++)
		nkept += m->ma[x].grp < 0 || s->old_to_new[m->ma[x].grp] >= 0;
	return merge(s, nkept);
}

int memo_splice(struct plan_memo *m, const struct m_world *d, const struct m_world *r,
		const struct m_observed *o, const struct plan_opts *opts, struct m_plan *out,
		struct plan_memo_stats *st, struct vrs_err *err)
{
	struct splice s;
	struct buf k;
	struct m_action *acts = NULL;
	struct arena **ar = NULL;
	struct mgroup *groups = NULL;
	struct mact *ma = NULL;
	int *req = NULL, rc;

	memset(&s, 0, sizeof(s));
	s.m = m;
	st->why = splice_refused(m, d, r, o, opts);
	if (st->why)
		return 0;
	buf_init(&k);
	rc = splice_steps(&s, d, r, opts, &k, err);
	if (rc == 2) {
		st->in_place = true;
		rc = 1;
	} else if (rc > 0) {
		if (room((void **)&m->spare_acts, &m->a_acts, s.nseq + 1, sizeof(*acts)) == 0)
			acts = m->spare_acts;
		if (room((void **)&m->spare_ma, &m->a_ma, s.nseq + 1, sizeof(*ma)) == 0)
			ma = m->spare_ma;
		if (room((void **)&m->spare_req, &m->a_req, s.nreq + 1, sizeof(*req)) == 0)
			req = m->spare_req;
		groups = calloc(s.nng + 1, sizeof(*groups));
		ar = realloc(m->arenas, (m->narenas + 1) * sizeof(*ar));
		if (ar)
			m->arenas = ar;
		if (acts == NULL || ma == NULL || req == NULL || groups == NULL || ar == NULL)
			rc = -1;
	}
	if (rc > 0 && !st->in_place)
		rc = commit(&s, acts, ma, req, groups);
	if (rc > 0) {
		memo_borrow(m, out);
		st->incremental = true;
		st->rebuilt = s.nchanged;
		st->gone = s.ngone;
		st->actions = m->n;
	} else {
		free(groups);
		st->why = s.why;
	}
	if (rc < 0) {
		memo_clear(m);
		err_set(err, "plan: out of memory");
	}
	splice_release(&s);
	buf_release(&k);
	return rc;
}
