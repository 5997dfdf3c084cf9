/*
 * test_plan_order.c — plan_order (src/plan/order.c) and plan_grouped
 * (src/plan/group.c) against plain reference implementations on seeded
 * random inputs: the order must be Kahn's with the smallest ready action
 * by (resource, key, op, creation sequence) taken first (keys that share
 * their first 16 bytes and differ after, both the fast path where every
 * edge follows that order and the general one, sizes past one and two
 * levels of the ready set), ids 1..n and requires as ascending ids; a
 * cycle is refused. The grouping must be global first, then projects by
 * strcmp, plan order inside, with projects given as distinct copies of the
 * same string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"

static const struct m_world empty;

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* the reference order: O(n^2) Kahn, comparing strings */
static bool ref_less(const struct m_action *a, int ia, const struct m_action *c, int ic)
{
	int r;

	if (a->resource != c->resource)
		return a->resource < c->resource;
	r = strcmp(a->key, c->key);
	if (r)
		return r < 0;
	if (a->op != c->op)
		return a->op < c->op;
	return ia < ic;
}

/* the key of action i: long shared prefixes so that the first 16 bytes often tie */
static void make_key(char *out, size_t n, unsigned *s)
{
	static const char *const pre[] = {"", "project-", "project-00000000", "www.project-000"};
	snprintf(out, n, "%s%u/%s", pre[rnd(s) % 4], rnd(s) % 50, rnd(s) % 2 ? "A" : "AAAA");
}

/* n actions, edges only forward in the creation order (a DAG); back: also
 * edges against the total order. Returns the reference order in ref. */
static void build(struct builder *b, size_t n, unsigned seed, bool against, int *ref)
{
	unsigned s = seed;
	struct m_pos nopos = {0};
	char key[64];
	int *indeg = calloc(n + 1, sizeof(int));
	bool *taken = calloc(n + 1, sizeof(bool));

	struct vrs_err err;

	assert_int_equal(pb_begin(b, &empty, NULL, NULL, NULL, &err), 0);
	for (size_t i = 0; i < n; i++) {
		make_key(key, sizeof(key), &s);
		assert_true(pb_act(b, (enum m_op)(rnd(&s) % 3), (enum m_resource)(rnd(&s) % 4), key,
				   NULL, SVC_LOCAL, nopos) == (int)i);
	}
	for (size_t i = 1; i < n; i++)
		for (int k = rnd(&s) % 3; k > 0; k--) {
			size_t d = rnd(&s) % i;
			/* without `against`, only what the total order already puts first */
			if (against || ref_less(&b->v[d].a, (int)d, &b->v[i].a, (int)i))
				pb_req(b, (int)i, (int)d);
		}
	for (size_t i = 0; i < n; i++)
		indeg[i] = (int)b->v[i].nreq;
	for (size_t k = 0; k < n; k++) {
		int best = -1;
		for (size_t i = 0; i < n; i++)
			if (!taken[i] && indeg[i] == 0 &&
			    (best < 0 || ref_less(&b->v[i].a, (int)i, &b->v[best].a, best)))
				best = (int)i;
		assert_true(best >= 0);
		taken[best] = true;
		ref[k] = best;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < b->v[i].nreq; j++)
				indeg[i] -= b->v[i].req[j] == best;
	}
	free(indeg);
	free(taken);
}

static void check_order(size_t n, unsigned seed, bool against)
{
	struct builder b;
	struct m_plan p;
	struct vrs_err err;
	int *ref = calloc(n + 1, sizeof(int)), *pos = calloc(n + 1, sizeof(int));
	char **keys = calloc(n + 1, sizeof(char *));
	int **reqs = calloc(n + 1, sizeof(int *));
	size_t *nreqs = calloc(n + 1, sizeof(size_t));

	build(&b, n, seed, against, ref);
	/* what each builder action was, to compare after the move */
	for (size_t k = 0; k < n; k++)
		pos[ref[k]] = (int)k;
	for (size_t i = 0; i < n; i++) {
		keys[i] = b.v[i].a.key;
		nreqs[i] = b.v[i].nreq;
		reqs[i] = malloc((nreqs[i] + 1) * sizeof(int));
		for (size_t j = 0; j < nreqs[i]; j++)
			reqs[i][j] = pos[b.v[i].req[j]] + 1;
	}
	plan_init(&p);
	err_clear(&err);
	assert_int_equal(plan_order(&b, &p, &err), 0);
	assert_int_equal(p.nactions, n);
	for (size_t k = 0; k < n; k++) {
		const struct m_action *a = &p.actions[k];
		int i = ref[k];
		assert_int_equal(a->id, (int)k + 1);
		assert_ptr_equal(a->key, keys[i]);
		assert_int_equal(a->nrequires, nreqs[i]);
		for (size_t j = 0; j < a->nrequires; j++) {
			bool found = false;
			for (size_t m = 0; m < nreqs[i]; m++)
			found = found || reqs[i][m] == a->requires[j];
			assert_true(found);
			assert_true(a->requires[j] <= (int)k);
			if (j)
				assert_true(a->requires[j - 1] < a -> requires[j]);
		}
	}
	p.arena = b.arena;
	b.arena = NULL;
	plan_release(&p);
	pb_release(&b);
	for (size_t i = 0; i < n; i++)
		free(reqs[i]);
	free(reqs);
	free(nreqs);
	free(keys);
	free(ref);
	free(pos);
}

static void test_order_forward(void **state)
{
	(void)state;
	check_order(1, 1, false);
	check_order(64, 2, false);
	check_order(300, 3, false);
	check_order(4200, 4, false); /* past 64 * 64: three levels of the ready set */
}

static void test_order_general(void **state)
{
	(void)state;
	check_order(2, 5, true);
	check_order(65, 6, true);
	check_order(700, 7, true);
	check_order(4200, 8, true);
}

static void test_order_cycle(void **state)
{
	struct builder b;
	struct m_plan p;
	struct vrs_err err;
	struct m_pos nopos = {0};

	(void)state;
	assert_int_equal(pb_begin(&b, &empty, NULL, NULL, NULL, &err), 0);
	pb_act(&b, OP_CREATE, RES_SERVER, "a", NULL, SVC_LOCAL, nopos);
	pb_act(&b, OP_CREATE, RES_SERVER, "b", NULL, SVC_LOCAL, nopos);
	pb_act(&b, OP_CREATE, RES_SERVER, "c", NULL, SVC_LOCAL, nopos);
	pb_req(&b, 0, 1);
	pb_req(&b, 1, 0);
	plan_init(&p);
	err_clear(&err);
	assert_int_equal(plan_order(&b, &p, &err), -1);
	assert_non_null(strstr(err.msg, "cycle among 2 actions"));
	plan_release(&p);
	pb_release(&b);
}

static int cmp_ref_group(const void *x, const void *y)
{
	const struct m_action *a = *(const struct m_action *const *)x,
			      *c = *(const struct m_action *const *)y;
	int r;

	if ((a->project == NULL) != (c->project == NULL))
		return a->project == NULL ? -1 : 1;
	if (a->project && (r = strcmp(a->project, c->project)) != 0)
		return r;
	return a->id - c->id;
}

static void test_grouped(void **state)
{
	static const char *const names[] = {
	    NULL, "b", "a", "", "ab", "project-00000000000x", "project-00000000000y"};
	struct m_plan p;
	const struct m_action **v, **ref;
	size_t n = 3000, m, shown = 0;
	unsigned s = 9;

	(void)state;
	plan_init(&p);
	p.actions = calloc(n, sizeof(*p.actions));
	ref = calloc(n, sizeof(*ref));
	p.nactions = n;
	for (size_t i = 0; i < n; i++) {
		const char *nm = names[rnd(&s) % 7];
		p.actions[i].id = (int)i + 1;
		p.actions[i].op = rnd(&s) % 5 ? OP_CREATE : OP_NOOP;
		p.actions[i].project = nm ? strdup(nm) : NULL; /* a copy each: no shared pointers */
		if (p.actions[i].op != OP_NOOP)
			ref[shown++] = &p.actions[i];
	}
	qsort(ref, shown, sizeof(*ref), cmp_ref_group);
	v = plan_grouped(&p, false, &m);
	assert_non_null(v);
	assert_int_equal(m, shown);
	for (size_t i = 0; i < m; i++)
		assert_ptr_equal(v[i], ref[i]);
	free(v);
	v = plan_grouped(&p, true, &m); /* verbose: the noops too */
	assert_non_null(v);
	assert_int_equal(m, n);
	for (size_t i = 1; i < m; i++)
		assert_true(cmp_ref_group(&v[i - 1], &v[i]) < 0);
	free(v);
	free(ref);
	plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_forward),
	    cmocka_unit_test(test_order_general),
	    cmocka_unit_test(test_order_cycle),
	    cmocka_unit_test(test_grouped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
