/*
 * order.c — ordering: Kahn's algorithm over `requires`, the ready actions
 * taken smallest first by (resource, key, op, creation sequence); numbers
 * the actions 1..n and rewrites requires as ids.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

static int pact_cmp(const struct pact *x, const struct pact *y)
{
	int r;

	if (x->a.resource != y->a.resource)
		return (int)x->a.resource - (int)y->a.resource;
	r = strcmp(x->a.key ? x->a.key : "", y->a.key ? y->a.key : "");
	if (r)
		return r;
	if (x->a.op != y->a.op)
		return (int)x->a.op - (int)y->a.op;
	return x->seq - y->seq;
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

static int cmp_pact_index(const void *x, const void *y, void *v)
{
	const struct pact *p = v;

	return pact_cmp(&p[*(const int *)x], &p[*(const int *)y]);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

/* Kahn's algorithm; moves the actions into out in order, ids 1..n, requires as ids */
int plan_order(struct builder *b, struct m_plan *out, struct vrs_err *err)
{
	size_t n = b->n, done = 0, hn = 0;
	int *indeg = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *dep = NULL, *heap = malloc((n + 1) * sizeof(int)),
	    *pos = malloc((n + 1) * sizeof(int));
	int *order = malloc((n + 1) * sizeof(int)), *fill = calloc(n + 1, sizeof(int));
	struct m_action *acts = calloc(n + 1, sizeof(*acts));
	size_t nedges = 0;
	int rc = -1;

	if (!indeg || !off || !heap || !pos || !order || !fill || !acts)
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
	/* rank: position in the total order (order[] serves as scratch here) */
	for (size_t i = 0; i < n; i++)
		order[i] = (int)i;
	if (n > 1)
		qsort_r(order, n, sizeof(int), cmp_pact_index, b->v);
	for (size_t i = 0; i < n; i++)
		fill[order[i]] = (int)i;
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
	for (size_t k = 0; k < n; k++) {
		struct pact *p = &b->v[order[k]];
		acts[k] = p->a;
		acts[k].id = (int)k + 1;
		acts[k].requires = p->req;
		acts[k].nrequires = p->nreq;
		for (size_t j = 0; j < p->nreq; j++)
		acts[k].requires[j] = pos[p->req[j]] + 1;
		if (p->nreq > 1)
			qsort(acts[k].requires, p->nreq, sizeof(int), cmp_int);
		if (p->nreq == 0) {
			free(p->req);
			acts[k].requires = NULL;
		}
		p->req = NULL;
	}
	out->actions = acts;
	out->nactions = n;
	acts = NULL;
	b->n = 0;
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
	free(acts);
	return rc;
}
