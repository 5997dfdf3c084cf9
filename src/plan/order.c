/*
 * order.c — ordering: Kahn's algorithm over `requires`, the ready actions
 * taken smallest first by (resource, key, op, creation sequence); numbers
 * the actions 1..n and rewrites requires as ids.
 */
#include "plan/plan_int.h"
#include "util/skey.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * The total order (resource, key, op, creation sequence) sorted on
 * precomputed integers (util/skey.h: the key's first 16 bytes), so most
 * comparisons are integer compares ("project-" alone is 8 bytes).
 */
struct okey {
	struct skey key;
	int res, op, seq, idx;
};

static int okey_cmp(const void *x, const void *y)
{
	const struct okey *a = x, *c = y;
	int r;

	if (a->res != c->res)
		return a->res - c->res;
	r = skey_cmp(&a->key, &c->key);
	if (r)
		return r;
	if (a->op != c->op)
		return a->op - c->op;
	return a->seq - c->seq;
}

/*
 * The heap orders ready actions by their rank in the total order of
 * pact_cmp, computed once with one sort: the heap then compares integers,
 * not strings (10,000 projects are over 100,000 actions).
 */
static void heap_push(const int *rank, int *h, size_t *n, int x)
{
	size_t i = (*n)++;

	h[i] = x;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (rank[h[p]] <= rank[h[i]])
			break;
		int t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static int heap_pop(const int *rank, int *h, size_t *n)
{
	int top = h[0];
	size_t i = 0;

	h[0] = h[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && rank[h[l]] < rank[h[m]])
			m = l;
		if (r < *n && rank[h[r]] < rank[h[m]])
			m = r;
		if (m == i)
			break;
		int t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
	return top;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

/*
 * Moves the actions into out in the order given (order[k] = the builder's
 * index of the k-th action; pos is its inverse), ids 1..n, requires as ids.
 * In place: the builder's array is permuted by following its cycles (done
 * marks an index placed), then compacted from struct pact to the smaller
 * struct m_action, its first member, front to back (a destination never
 * reaches a source not yet read), and shrunk: no second array of 100,000s
 * of actions at the peak.
 */
_Static_assert(offsetof(struct pact, a) == 0 && sizeof(struct pact) >= sizeof(struct m_action),
	       "move_out compacts struct pact into struct m_action in place");

static void move_out(struct builder *b, const int *order, const int *pos, int *done,
		     struct m_plan *out)
{
	size_t n = b->n;
	struct m_action *acts;

	for (size_t i = 0; i < n; i++)
		done[i] = 0;
	for (size_t s = 0; s < n; s++) {
		struct pact tmp;
		size_t j = s;
		if (done[s])
			continue;
		tmp = b->v[s];
		for (;;) {
			size_t src = (size_t)order[j];
			done[j] = 1;
			if (src == s) {
				b->v[j] = tmp;
				break;
			}
			b->v[j] = b->v[src];
			j = src;
		}
	}
	acts = (struct m_action *)(void *)b->v;
	for (size_t k = 0; k < n; k++) {
		struct pact p = b->v[k];
		struct m_action a = p.a;
		a.id = (int)k + 1;
		a.requires = p.req;
		a.nrequires = p.nreq;
		for (size_t j = 0; j < p.nreq; j++)
		a.requires[j] = pos[p.req[j]] + 1;
		if (p.nreq > 1)
			qsort(a.requires, p.nreq, sizeof(int), cmp_int);
		if (p.nreq == 0) {
			free(p.req);
			a.requires = NULL;
		}
		acts[k] = a;
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
	size_t n = b->n, done = 0, hn = 0;
	int *indeg = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *dep = NULL, *heap = malloc((n + 1) * sizeof(int)),
	    *pos = malloc((n + 1) * sizeof(int));
	int *order = malloc((n + 1) * sizeof(int)), *fill = calloc(n + 1, sizeof(int));
	struct okey *keys = NULL;
	size_t nedges = 0;
	int rc = -1;

	if (!indeg || !off || !heap || !pos || !order || !fill)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		indeg[i] = (int)b->v[i].nreq;
		nedges += b->v[i].nreq;
		for (size_t k = 0; k < b->v[i].nreq; k++)
			off[b->v[i].req[k] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	dep = malloc((nedges + 1) * sizeof(int));
	if (dep == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < b->v[i].nreq; k++) {
			int d = b->v[i].req[k];
			dep[off[d] + fill[d]++] = (int)i;
		}
	/* rank: position in the total order */
	keys = malloc((n + 1) * sizeof(*keys));
	if (keys == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const struct m_action *a = &b->v[i].a;
		skey_init(&keys[i].key, a->key ? a->key : "");
		keys[i].res = (int)a->resource;
		keys[i].op = (int)a->op;
		keys[i].seq = b->v[i].seq;
		keys[i].idx = (int)i;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), okey_cmp);
	for (size_t i = 0; i < n; i++)
		fill[keys[i].idx] = (int)i;
	for (size_t i = 0; i < n; i++)
		if (indeg[i] == 0)
			heap_push(fill, heap, &hn, (int)i);
	while (hn > 0) {
		int x = heap_pop(fill, heap, &hn);
		pos[x] = (int)done;
		order[done++] = x;
		for (int k = off[x]; k < off[x + 1]; k++)
			if (--indeg[dep[k]] == 0)
				heap_push(fill, heap, &hn, dep[k]);
	}
	if (done != n) {
		err_set(err, "plan: dependency cycle among %zu actions", n - done);
		goto out;
	}
	if (b->order_src)
		memcpy(b->order_src, order, n * sizeof(*order));
	/* the scratch arrays go before the actions are moved: the peak is lower */
	free(keys);
	free(dep);
	free(heap);
	free(indeg);
	keys = NULL;
	dep = heap = indeg = NULL;
	move_out(b, order, pos, fill, out);
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	free(indeg);
	free(off);
	free(dep);
	free(heap);
	free(pos);
	free(order);
	free(fill);
	free(keys);
	return rc;
}
