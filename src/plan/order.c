/*
 * order.c — ordering: Kahn's algorithm over `requires`, the ready actions
 * taken smallest first by (resource, key, op, creation sequence); numbers
 * the actions 1..n and rewrites requires as ids.
 */
#include "plan/plan_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The total order (resource, key, op, creation sequence) sorted on a
 * precomputed integers: the resource in the top byte and the key's first 7
 * bytes big-endian below it, then its next 8 bytes ("project-" is 8), so
 * most comparisons are integer compares; only keys sharing those 15 bytes
 * fall back to strcmp (byte order, as the packing: a shorter key's zero
 * padding sorts first, like its NUL).
 */
struct okey {
	uint64_t k, k2;
	const char *key;
	int op, seq, idx;
};

static void key_prefix(struct okey *o, enum m_resource res, const char *key)
{
	int i;

	o->k = (uint64_t)(unsigned)res << 56;
	o->k2 = 0;
	for (i = 0; i < 7 && key[i]; i++)
		o->k |= (uint64_t)(unsigned char)key[i] << (8 * (6 - i));
	if (i < 7)
		return;
	for (key += 7, i = 0; i < 8 && key[i]; i++)
		o->k2 |= (uint64_t)(unsigned char)key[i] << (8 * (7 - i));
}

static int okey_cmp(const void *x, const void *y)
{
	const struct okey *a = x, *c = y;
	int r;

	if (a->k != c->k)
		return a->k < c->k ? -1 : 1;
	if (a->k2 != c->k2)
		return a->k2 < c->k2 ? -1 : 1;
	r = strcmp(a->key, c->key);
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

/* Kahn's algorithm; moves the actions into out in order, ids 1..n, requires as ids */
int plan_order(struct builder *b, struct m_plan *out, struct vrs_err *err)
{
	size_t n = b->n, done = 0, hn = 0;
	int *indeg = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *dep = NULL, *heap = malloc((n + 1) * sizeof(int)),
	    *pos = malloc((n + 1) * sizeof(int));
	int *order = malloc((n + 1) * sizeof(int)), *fill = calloc(n + 1, sizeof(int));
	struct m_action *acts = calloc(n + 1, sizeof(*acts));
	struct okey *keys = NULL;
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
	/* rank: position in the total order */
	keys = malloc((n + 1) * sizeof(*keys));
	if (keys == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const struct m_action *a = &b->v[i].a;
		keys[i].key = a->key ? a->key : "";
		key_prefix(&keys[i], a->resource, keys[i].key);
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
	free(keys);
	free(acts);
	return rc;
}
