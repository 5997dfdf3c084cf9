/*
 * memo.c — plan_build for `watch`, in proportion to the edit: the previous
 * plan plus the change set, byte-identical to plan_build of the same worlds.
 *
 * A plan is made of fragments: the global objects' actions, then one per
 * slug (plan_project of a desired project, plan_removed of a recorded one no
 * spec names), each a pure function of the global objects of both worlds,
 * that slug's desired and recorded rows and its placement (memokey.c has
 * those as bytes), plus one edge between fragments: a demo clone's record
 * requires its source's. The memo keeps the last ordered plan, which action
 * is whose, and each slug's key bytes. A build compares the keys; when only
 * project fragments changed (at most MEMO_MAX_CHANGED), no clone edge
 * touches them, there is no refresh and no --target, it builds only the
 * changed fragments and splices them into the previous order:
 *
 * plan_order takes, among the ready actions, the smallest by (resource,
 * key, op, creation sequence). When no kept action requires a removed one,
 * that greedy order of the kept actions alone is the previous order with the
 * removed ones left out (the kept actions' readiness never depended on
 * them, their relative priority is unchanged). The new fragments' actions
 * require only each other and global actions, so in the greedy order of
 * kept + new the kept ones still come in that order, and at each step the
 * smallest ready kept action is the next one of it: the merge below takes
 * the smallest ready new action when it is smaller than that next kept one,
 * else the kept one. A new action equal to a kept one on (resource, key,
 * op) would be decided by the creation sequence across fragments: then,
 * and on any surprise (a cycle), the full build runs.
 */
#include "plan/memo_int.h"
#include "util/skey.h"

#include <stdlib.h>
#include <string.h>

struct plan_memo *plan_memo_new(void)
{
	return calloc(1, sizeof(struct plan_memo));
}

void memo_clear(struct plan_memo *m)
{
	for (size_t i = 0; m->req == NULL && i < m->n; i++)
		free(m->acts[i].requires);
	free(m->req);
	free(m->spare_req);
	free(m->acts);
	free(m->ma);
	free(m->gpos);
	for (size_t i = 0; i < m->ng; i++) {
		free(m->g[i].slug);
		free(m->g[i].key);
	}
	free(m->g);
	for (size_t i = 0; i < m->narenas; i++)
		arena_free(m->arenas[i]);
	free(m->arenas);
	for (size_t i = 0; i < m->afiles; i++)
		free(m->files[i]);
	free(m->files);
	free(m->gkey);
	free(m->spare_acts);
	free(m->spare_ma);
	free(m->seq);
	free(m->npos);
	memset(m, 0, sizeof(*m));
}

void plan_memo_free(struct plan_memo *m)
{
	if (m == NULL)
		return;
	memo_clear(m);
	free(m);
}

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* the memo's copy of a file name (the worlds' go with them); NULL when out of memory */
static const char *intern(struct plan_memo *m, const char *s)
{
	size_t i;

	if (2 * (m->nfiles + 1) > m->afiles) {
		size_t na = m->afiles ? 2 * m->afiles : 1024;
		char **nf = calloc(na, sizeof(*nf));
		if (nf == NULL)
			return NULL;
		for (size_t k = 0; k < m->afiles; k++) {
			if (m->files[k] == NULL)
				continue;
			for (i = str_hash(m->files[k]) & (na - 1); nf[i]; i = (i + 1) & (na - 1))
				;
			nf[i] = m->files[k];
		}
		free(m->files);
		m->files = nf;
		m->afiles = na;
	}
	for (i = str_hash(s) & (m->afiles - 1); m->files[i]; i = (i + 1) & (m->afiles - 1))
		if (strcmp(m->files[i], s) == 0)
			return m->files[i];
	m->files[i] = strdup(s);
	if (m->files[i])
		m->nfiles++;
	return m->files[i];
}

int memo_intern_sources(struct plan_memo *m, struct m_action *a, size_t n)
{
	const char *last = NULL, *copy = NULL;

	for (size_t i = 0; i < n; i++) {
		if (a[i].source.file == NULL)
			continue;
		if (a[i].source.file != last) {
			last = a[i].source.file;
			copy = intern(m, last);
			if (copy == NULL)
				return -1;
		}
		a[i].source.file = copy;
	}
	return 0;
}

bool memo_slugs_strict(const struct m_world *w)
{
	for (size_t i = 1; i < w->nprojects; i++)
		if (strcmp(w->projects[i - 1].slug, w->projects[i].slug) >= 0)
			return false;
	return true;
}

/* the key of group rec->g[gi] into k (reset first) */
static int group_key(const struct builder *b, const struct pb_group *g, struct buf *k)
{
	bool same;

	buf_reset(k);
	if (g->removed)
		return memo_key_project(NULL, &b->r->projects[g->index], NULL, 0, NULL, 0, k,
					&same);
	return memo_key_project(&b->d->projects[g->index], world_project(b->r, g->slug),
				b->place[g->index], b->place_auto[g->index], NULL, 0, k, &same);
}

static int take_key(struct mgroup *g, const struct buf *k)
{
	g->key = malloc(k->len + 1);
	if (g->key == NULL)
		return -1;
	memcpy(g->key, k->data, k->len);
	g->keylen = k->len;
	return 0;
}

/*
 * After the full build of b (nb actions, rec its fragments, src the builder
 * index of each ordered action): the memo's groups sorted by slug and each
 * action's.
 */
static int memo_record(struct plan_memo *m, const struct builder *b, size_t nb,
		       const struct pb_rec *rec, const int *src, struct buf *k)
{
	int *of = malloc((nb + 1) * sizeof(*of)); /* builder index -> memo group */
	size_t nd = 0, i = 0, j;

	m->g = calloc(rec->ng + 1, sizeof(*m->g));
	m->ma = malloc((m->n + 1) * sizeof(*m->ma));
	m->gpos = malloc((rec->nglob + 1) * sizeof(*m->gpos));
	if (of == NULL || m->g == NULL || m->ma == NULL || m->gpos == NULL) {
		free(of);
		return -1;
	}
	while (nd < rec->ng && !rec->g[nd].removed)
		nd++;
	j = nd;
	for (size_t gi; i < nd || j < rec->ng; m->ng++) {
		if (j >= rec->ng || (i < nd && strcmp(rec->g[i].slug, rec->g[j].slug) < 0))
			gi = i++;
		else
			gi = j++;
		size_t end = gi + 1 < rec->ng ? rec->g[gi + 1].start : nb;
		struct mgroup *g = &m->g[m->ng];
		g->removed = rec->g[gi].removed;
		g->nnoop = rec->g[gi].nnoop;
		g->slug = strdup(rec->g[gi].slug);
		if (g->slug == NULL || group_key(b, &rec->g[gi], k) < 0 || take_key(g, k) < 0) {
			m->ng++;
			free(of);
			return -1;
		}
		for (size_t x = rec->g[gi].start; x < end; x++)
			of[x] = (int)m->ng;
	}
	for (size_t x = 0; x < rec->nglob; x++)
		of[x] = -1;
	for (size_t q = 0; q < m->n; q++) {
		memo_mact(&m->ma[q], &m->acts[q], of[src[q]]);
		if ((size_t)src[q] < rec->nglob)
			m->gpos[src[q]] = (int)q;
	}
	free(of);
	return 0;
}

void memo_mact(struct mact *x, const struct m_action *a, int grp)
{
	struct skey k;

	skey_init(&k, a->key ? a->key : "");
	x->hi = k.hi;
	x->lo = k.lo;
	x->grp = grp;
	x->res = (unsigned char)a->resource;
	x->op = (unsigned char)a->op;
}

/* the plan's requires into one array (m->req), in plan order; -1 out of memory */
static int memo_flatten(struct plan_memo *m)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < m->n; i++)
		total += m->acts[i].nrequires;
	m->req = malloc((total + 1) * sizeof(*m->req));
	if (m->req == NULL)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		struct m_action *a = &m->acts[i];
		if (a->nrequires)
			memcpy(m->req + o, a->requires, a->nrequires * sizeof(int));
		free(a->requires);
		a->requires = a->nrequires ? m->req + o : NULL;
		o += a->nrequires;
	}
	m->nreq = total;
	return 0;
}

void memo_borrow(const struct plan_memo *m, struct m_plan *out)
{
	out->actions = m->acts;
	out->nactions = m->n;
	out->nnoop = m->nnoop;
	out->arena = NULL;
	out->borrowed = true;
}

/* plan_build, remembering the fragments when the plan may be spliced later */
static int memo_full(struct plan_memo *m, const struct m_world *d, const struct m_world *r,
		     const struct m_observed *o, const struct plan_opts *opts, struct m_plan *out,
		     struct vrs_err *err)
{
	struct builder b;
	struct pb_rec rec = {0};
	struct m_plan p;
	struct buf k;
	int *src = NULL, rc = -1;
	size_t nb;
	bool memoable;

	/* a plan of other inputs than a splice takes: the memo stays the last one's */
	if ((o && o->present) || (opts && opts->ntargets))
		return plan_build(d, r, o, opts, out, err);
	memo_clear(m);
	plan_init(&p);
	buf_init(&k);
	if (pb_begin(&b, d, r, o, opts, err) < 0)
		goto out;
	memoable = b.o == NULL && b.opts->ntargets == 0 && memo_slugs_strict(b.d) &&
		   memo_slugs_strict(b.r);
	if (pb_all(&b, memoable ? &rec : NULL) < 0)
		goto oom;
	if (plan_filter_targets(&b, err) < 0)
		goto out;
	if (memoable) {
		src = malloc((b.n + 1) * sizeof(*src));
		if (src == NULL || memo_key_globals(b.d, b.r, &k) < 0 ||
		    (m->gkey = malloc(k.len + 1)) == NULL)
			goto oom;
		memcpy(m->gkey, k.data, k.len);
		m->gkeylen = k.len;
		b.order_src = src;
	}
	nb = b.n;
	if (plan_order(&b, &p, err) < 0)
		goto out;
	p.nnoop = b.nnoop;
	p.arena = b.arena;
	b.arena = NULL;
	if (!memoable) {
		*out = p;
		plan_init(&p);
		rc = 0;
		goto out;
	}
	m->acts = p.actions;
	m->n = p.nactions;
	m->arenas = malloc(sizeof(*m->arenas));
	if (m->arenas == NULL)
		goto oom;
	m->arenas[m->narenas++] = p.arena;
	plan_init(&p); /* the memo's now */
	m->nglob = rec.nglob;
	m->glob_nnoop = rec.glob_nnoop;
	m->nnoop = b.nnoop;
	m->verbose = b.opts->verbose;
	m->allow_delete = b.opts->allow_delete;
	if (memo_record(m, &b, nb, &rec, src, &k) < 0 ||
	    memo_intern_sources(m, m->acts, m->n) < 0 || memo_flatten(m) < 0)
		goto oom;
	m->valid = true;
	memo_borrow(m, out);
	rc = 0;
	goto out;
oom:
	err_set(err, "plan: out of memory");
out:
	if (rc < 0)
		memo_clear(m);
	plan_release(&p);
	pb_release(&b);
	free(rec.g);
	free(src);
	buf_release(&k);
	return rc;
}

int plan_build_memo(struct plan_memo *m, const struct m_world *desired,
		    const struct m_world *recorded, const struct m_observed *observed,
		    const struct plan_opts *opts, struct m_plan *out, struct plan_memo_stats *st,
		    struct vrs_err *err)
{
	struct plan_memo_stats tmp;
	int rc;

	st = st ? st : &tmp;
	memset(st, 0, sizeof(*st));
	plan_init(out);
	rc = memo_splice(m, desired, recorded, observed, opts, out, st, err);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	st->incremental = false;
	rc = memo_full(m, desired, recorded, observed, opts, out, err);
	st->actions = out->nactions;
	return rc;
}
