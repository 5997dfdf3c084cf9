/*
 * order.c — ordering: Kahn's algorithm over `requires`, the ready actions
 * taken smallest first by (resource, key, op, creation sequence); numbers
 * the actions 1..n and rewrites requires as ids.
 */
#include "plan/plan_int.h"
#include "util/skey.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The total order (resource, key, op, creation sequence) sorted on
 * precomputed integers (util/skey.h: the key's first 16 bytes), so most
 * comparisons are integer compares ("project-" alone is 8 bytes). The
 * creation sequence is the builder index: plan_filter_targets compacts the
 * actions keeping their order, so comparing indices compares sequences.
 * 32 bytes, compared inline by the merge sort below (qsort's indirect
 * calls and its sorting of pointers to elements this large cost more).
 */
struct okey {
	uint64_t hi, lo;
	const char *s; /* the key */
	uint8_t res, op, whole;
	int idx;
};

static inline int okey_cmp(const struct okey *a, const struct okey *c)
{
	if (a->res != c->res)
		return a->res < c->res ? -1 : 1;
	if (a->hi != c->hi)
		return a->hi < c->hi ? -1 : 1;
	if (a->lo != c->lo)
		return a->lo < c->lo ? -1 : 1;
	if (!a->whole && !c->whole) {
		int r = strcmp(a->s + 16, c->s + 16);
		if (r)
			return r;
	}
	if (a->op != c->op)
		return a->op < c->op ? -1 : 1;
	return (a->idx > c->idx) - (a->idx < c->idx);
}

/* runs of RUN sorted by insertion, then merged bottom-up between v and tmp */
#define RUN 16

static void okey_sort(struct okey *v, struct okey *tmp, size_t n)
{
	struct okey *src = v, *dst = tmp;

	for (size_t s = 0; s < n; s += RUN) {
		size_t e = s + RUN < n ? s + RUN : n;
		for (size_t i = s + 1; i < e; i++) {
			struct okey x = v[i];
			size_t j = i;
			for (; j > s && okey_cmp(&x, &v[j - 1]) < 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	for (size_t w = RUN; w < n; w *= 2) {
		for (size_t s = 0; s < n; s += 2 * w) {
			size_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;
			size_t i = s, j = m, k = s;
			/* already in order (the creation order often is): one copy */
			if (m == e || okey_cmp(&src[m - 1], &src[m]) < 0) {
				memcpy(dst + s, src + s, (e - s) * sizeof(*src));
				continue;
			}
			while (i < m && j < e)
				dst[k++] = okey_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			memcpy(dst + k, src + i, (m - i) * sizeof(*src));
			k += m - i;
			memcpy(dst + k, src + j, (e - j) * sizeof(*src));
		}
		struct okey *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

static bool okey_sorted(const struct okey *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (okey_cmp(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

/*
 * v (one resource's keys) sorted: dealt by the key's first byte (stable),
 * then each part merge-sorted unless it already is in order (DNS records
 * come per project as "<fqdn>/A" ... "www.<fqdn>/CNAME": each first byte's
 * part is in order). scratch has room for n.
 */
static void by_first_byte(struct okey *v, struct okey *scratch, size_t n)
{
	size_t start[256 + 1] = {0}, fill[256];

	for (size_t i = 0; i < n; i++)
		start[(v[i].hi >> 56) + 1]++;
	for (int c = 0; c < 256; c++) {
		start[c + 1] += start[c];
		fill[c] = start[c];
	}
	for (size_t i = 0; i < n; i++)
		scratch[fill[v[i].hi >> 56]++] = v[i];
	for (int c = 0; c < 256; c++) {
		size_t s = start[c], m = start[c + 1] - s;
		if (!okey_sorted(scratch + s, m))
			okey_sort(scratch + s, v + s, m);
	}
	memcpy(v, scratch, n * sizeof(*v));
}

/*
 * keys sorted into out: dealt by resource first (stable), then each
 * resource's run sorted unless it already is (the builder makes most of
 * them in order: projects, apps, environments, deployments by slug)
 */
static void by_resource(struct okey *keys, struct okey *out, size_t n)
{
	size_t start[256 + 1] = {0}, fill[256];

	for (size_t i = 0; i < n; i++)
		start[keys[i].res + 1]++;
	for (int r = 0; r < 256; r++) {
		start[r + 1] += start[r];
		fill[r] = start[r];
	}
	for (size_t i = 0; i < n; i++)
		out[fill[keys[i].res]++] = keys[i];
	for (int r = 0; r < 256; r++) {
		size_t s = start[r], m = start[r + 1] - s;
		if (!okey_sorted(out + s, m))
			by_first_byte(out + s, keys + s, m);
	}
}

/*
 * The ready actions by rank (their position in the total order): a bit
 * set over the ranks in levels of 64-bit words, each bit of a level saying
 * its word below is not empty. Push and pop-min are a few word operations
 * per level (4 levels cover 16M actions) on arrays that stay in cache, not
 * a heap's log n cache-missing swaps.
 */
#define PQ_LEVELS 6

struct pq {
	uint64_t *w[PQ_LEVELS];
	int nl;
};

static int pq_init(struct pq *q, size_t n)
{
	size_t m = n ? n : 1;

	memset(q, 0, sizeof(*q));
	do {
		m = (m + 63) / 64;
		if (q->nl == PQ_LEVELS || (q->w[q->nl] = calloc(m, sizeof(uint64_t))) == NULL)
			return -1;
		q->nl++;
	} while (m > 1);
	return 0;
}

static void pq_free(struct pq *q)
{
	for (int l = 0; l < q->nl; l++)
		free(q->w[l]);
}

static void pq_push(struct pq *q, size_t r)
{
	for (int l = 0; l < q->nl; l++) {
		uint64_t *w = &q->w[l][r >> 6], old = *w;
		*w = old | (uint64_t)1 << (r & 63);
		if (old)
			return; /* the levels above already say this word is not empty */
		r >>= 6;
	}
}

/* the smallest rank held, removed; false when empty */
static bool pq_pop(struct pq *q, size_t *out)
{
	size_t r = 0;

	if (q->w[q->nl - 1][0] == 0)
		return false;
	for (int l = q->nl - 1; l >= 0; l--)
		r = r * 64 + (size_t)__builtin_ctzll(q->w[l][r]);
	*out = r;
	for (int l = 0; l < q->nl; l++) {
		uint64_t *w = &q->w[l][r >> 6];
		*w &= ~((uint64_t)1 << (r & 63));
		if (*w)
			break;
		r >>= 6;
	}
	return true;
}

/* an edge of `requires`: action from requires action to */
struct edge {
	int from, to;
};

struct edges {
	struct edge *v;
	size_t n, alloc;
};

/* the builder's requires as one flat list, read once with the keys */
static int edges_add(struct edges *e, const struct pact *p, int i)
{
	if (e->n + p->nreq > e->alloc) {
		size_t m = e->alloc * 2 > e->n + p->nreq ? e->alloc * 2 : e->n + p->nreq + 64;
		struct edge *v = realloc(e->v, m * sizeof(*v));
		if (v == NULL)
			return -1;
		e->v = v;
		e->alloc = m;
	}
	for (size_t k = 0; k < p->nreq; k++) {
		e->v[e->n].from = i;
		e->v[e->n++].to = p->req[k];
	}
	return 0;
}

/*
 * rank[i]: action i's position in the total order; byr[r]: the action at
 * rank r; e: the requires edges. One pass over the builder's actions (they
 * are large, the memory traffic is the cost), then on compact arrays only.
 */
static int rank_actions(const struct builder *b, int *rank, int *byr, struct edges *e)
{
	size_t n = b->n;
	struct okey *keys = malloc((n + 1) * sizeof(*keys)), *tmp = malloc((n + 1) * sizeof(*tmp));
	int rc = -1;

	if (keys == NULL || tmp == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct m_action *a = &b->v[i].a;
		struct skey k;
		skey_init(&k, a->key ? a->key : "");
		keys[i].hi = k.hi;
		keys[i].lo = k.lo;
		keys[i].s = k.s;
		keys[i].whole = k.whole;
		keys[i].res = (uint8_t)a->resource;
		keys[i].op = (uint8_t)a->op;
		keys[i].idx = (int)i;
		if (b->v[i].nreq && edges_add(e, &b->v[i], (int)i) < 0)
			goto out;
	}
	by_resource(keys, tmp, n);
	for (size_t r = 0; r < n; r++) {
		byr[r] = tmp[r].idx;
		rank[tmp[r].idx] = (int)r;
	}
	rc = 0;
out:
	free(keys);
	free(tmp);
	return rc;
}

/*
 * true when every action comes after what it requires in the total order:
 * Kahn's order is then the total order itself (the smallest rank not yet
 * taken has all it requires taken, and it is the smallest ready one)
 */
static bool ranks_ordered(const struct edges *e, const int *rank)
{
	for (size_t k = 0; k < e->n; k++)
		if (rank[e->v[k].to] > rank[e->v[k].from])
			return false;
	return true;
}

/*
 * Kahn's algorithm, the ready actions taken by smallest rank: order[k] the
 * k-th action; rank[x] becomes x's position (a taken action's rank is not
 * read again). *ndone < n: a cycle. -1: out of memory.
 */
static int kahn(size_t n, const struct edges *e, int *rank, const int *byr, int *order,
		size_t *ndone)
{
	size_t done = 0, r;
	int *indeg = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *dep = malloc((e->n + 1) * sizeof(int));
	struct pq q;
	int rc = -1;

	memset(&q, 0, sizeof(q));
	if (indeg == NULL || off == NULL || dep == NULL || pq_init(&q, n) < 0)
		goto out;
	for (size_t k = 0; k < e->n; k++) {
		indeg[e->v[k].from]++;
		off[e->v[k].to + 2]++;
	}
	/* off[d + 1] ends as the start of d's dependents: filled by moving it forward */
	for (size_t i = 0; i < n; i++)
		off[i + 2] += off[i + 1];
	for (size_t k = 0; k < e->n; k++)
		dep[off[e->v[k].to + 1]++] = e->v[k].from;
	for (size_t i = 0; i < n; i++)
		if (indeg[i] == 0)
			pq_push(&q, (size_t)rank[i]);
	while (pq_pop(&q, &r)) {
		int x = byr[r];
		rank[x] = (int)done;
		order[done++] = x;
		for (int k = off[x]; k < off[x + 1]; k++)
			if (--indeg[dep[k]] == 0)
				pq_push(&q, (size_t)rank[dep[k]]);
	}
	*ndone = done;
	rc = 0;
out:
	pq_free(&q);
	free(indeg);
	free(off);
	free(dep);
	return rc;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

/*
 * Moves the actions into out in the order given (order[k] = the builder's
 * index of the k-th action; pos is its inverse), ids 1..n, requires as ids.
 * In place: the builder's array is compacted from struct pact to the
 * smaller struct m_action, its first member, front to back (a destination
 * never reaches a source not yet read), then permuted by following its
 * cycles (done marks an index placed), and shrunk: no second array of
 * 100,000s of actions at the peak.
 */
_Static_assert(offsetof(struct pact, a) == 0 && sizeof(struct pact) >= sizeof(struct m_action),
	       "move_out compacts struct pact into struct m_action in place");

#define PREFETCH 8

static void move_out(struct builder *b, const int *order, const int *pos, unsigned char *done,
		     struct m_plan *out)
{
	size_t n = b->n;
	struct m_action *acts;

	/* compacted first, front to back in the builder's order (sequential; its
	 * requires arrays are read where they were allocated), ids from pos */
	acts = (struct m_action *)(void *)b->v;
	for (size_t i = 0; i < n; i++) {
		struct pact p = b->v[i];
		struct m_action a = p.a;
		for (size_t j = 0; j < p.nreq; j++)
			p.req[j] = pos[p.req[j]] + 1;
		if (p.nreq > 1)
			qsort(p.req, p.nreq, sizeof(int), cmp_int);
		a.id = pos[i] + 1;
		a.requires = p.req;
		a.nrequires = p.nreq;
		if (p.nreq == 0) {
			free(p.req);
			a.requires = NULL;
		}
		acts[i] = a;
		done[i] = 0;
	}
	/* then permuted, the smaller struct, by following the cycles */
	for (size_t s = 0; s < n; s++) {
		struct m_action tmp;
		size_t j = s, ahead = s;
		if (done[s])
			continue;
		tmp = acts[s];
		/* the sources come in the cycle's order, one cache miss each: read
		 * PREFETCH steps ahead, the loads then overlap */
		for (int k = 0; k < PREFETCH; k++)
			ahead = (size_t)order[ahead];
		for (;;) {
			size_t src = (size_t)order[j];
			const char *pf = (const char *)&acts[ahead];
			__builtin_prefetch(pf);
			__builtin_prefetch(pf + sizeof(struct m_action) - 1);
			ahead = (size_t)order[ahead];
			done[j] = 1;
			if (src == s) {
				acts[j] = tmp;
				break;
			}
			acts[j] = acts[src];
			j = src;
		}
	}
	if (n) {
		struct m_action *r = realloc(acts, n * sizeof(*acts));
		out->actions = r ? r : acts;
	} else {
		free(b->v);
		out->actions = NULL;
	}
	out->nactions = n;
	b->v = NULL;
	b->n = b->alloc = 0;
}

/* Kahn's algorithm; moves the actions into out in order, ids 1..n, requires as ids */
int plan_order(struct builder *b, struct m_plan *out, struct vrs_err *err)
{
	size_t n = b->n, done = n;
	int *rank = malloc((n + 1) * sizeof(int)), *byr = malloc((n + 1) * sizeof(int));
	int *order = byr;
	unsigned char *placed = NULL;
	struct edges e = {0};
	int rc = -1;

	if (rank == NULL || byr == NULL || rank_actions(b, rank, byr, &e) < 0)
		goto oom;
	if (!ranks_ordered(&e, rank)) {
		if ((order = malloc((n + 1) * sizeof(int))) == NULL ||
		    kahn(n, &e, rank, byr, order, &done) < 0)
			goto oom;
		free(byr);
		byr = NULL;
	}
	free(e.v);
	e.v = NULL;
	if (done != n) {
		err_set(err, "plan: dependency cycle among %zu actions", n - done);
		goto out;
	}
	if (b->order_src)
		memcpy(b->order_src, order, n * sizeof(*order));
	if ((placed = malloc(n + 1)) == NULL)
		goto oom;
	move_out(b, order, rank, placed, out); /* rank is now each action's position */
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	if (order != byr)
		free(order);
	free(byr);
	free(rank);
	free(placed);
	free(e.v);
	return rc;
}
