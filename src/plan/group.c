/*
 * group.c — the renderers' grouping of a plan's actions: global ones
 * (project NULL) first, then one group per project in slug order (strcmp),
 * plan order inside each group. Instead of sorting 100,000s of actions by
 * string, each action's project is looked up in a hash table of the
 * distinct projects (consecutive actions of one project often share its
 * pointer: a one-entry cache skips the lookup), the few groups are sorted
 * by name, and the actions are dealt into them in plan order.
 */
#include "plan/plan_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct group {
	const char *name;
	size_t count;
};

struct gtab {
	struct group *g; /* g[0]: the global actions */
	size_t ng, ag;
	int *slot; /* open addressing: group index + 1, 0 empty */
	uint32_t *hash;
	size_t nslot; /* a power of two, at least twice ng */
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int gtab_grow(struct gtab *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 1024;
	int *slot = calloc(n, sizeof(*slot));
	uint32_t *hash = malloc(n * sizeof(*hash));

	if (slot == NULL || hash == NULL) {
		free(slot);
		free(hash);
		return -1;
	}
	for (size_t i = 0; i < t->nslot; i++) {
		size_t j;
		if (t->slot[i] == 0)
			continue;
		for (j = t->hash[i] & (n - 1); slot[j]; j = (j + 1) & (n - 1))
			;
		slot[j] = t->slot[i];
		hash[j] = t->hash[i];
	}
	free(t->slot);
	free(t->hash);
	t->slot = slot;
	t->hash = hash;
	t->nslot = n;
	return 0;
}

/* the group of project name (added when new); -1 when out of memory */
static int gtab_find(struct gtab *t, const char *name)
{
	uint32_t h = str_hash(name);
	size_t j;

	if (2 * (t->ng + 1) > t->nslot && gtab_grow(t) < 0)
		return -1;
	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1))
		if (t->hash[j] == h && (t->g[t->slot[j] - 1].name == name ||
					strcmp(t->g[t->slot[j] - 1].name, name) == 0))
			return t->slot[j] - 1;
	if (t->ng == t->ag) {
		size_t n = t->ag * 2;
		struct group *g = realloc(t->g, n * sizeof(*g));
		if (g == NULL)
			return -1;
		t->g = g;
		t->ag = n;
	}
	t->g[t->ng].name = name;
	t->g[t->ng].count = 0;
	t->slot[j] = (int)t->ng + 1;
	t->hash[j] = h;
	return (int)t->ng++;
}

static int cmp_name(const void *x, const void *y)
{
	const struct group *a = *(const struct group *const *)x,
			   *c = *(const struct group *const *)y;

	return strcmp(a->name, c->name);
}

/* each action's group in gid (-1: not shown); 0, or -1 when out of memory */
static int assign(const struct m_plan *p, bool verbose, struct gtab *t, int *gid)
{
	const char *last = NULL;
	int lastg = -1;

	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		int g = 0;
		gid[i] = -1;
		if (!verbose && a->op == OP_NOOP)
			continue;
		if (a->project && a->project == last)
			g = lastg;
		else if (a->project && (g = gtab_find(t, a->project)) < 0)
			return -1;
		if (a->project) {
			last = a->project;
			lastg = g;
		}
		gid[i] = g;
		t->g[g].count++;
	}
	return 0;
}

/* the actions to show (noops only when verbose), grouped; NULL when out of memory */
const struct m_action **plan_grouped(const struct m_plan *p, bool verbose, size_t *n)
{
	struct gtab t = {0};
	const struct m_action **v = malloc((p->nactions + 1) * sizeof(*v));
	int *gid = malloc((p->nactions + 1) * sizeof(*gid));
	struct group **byname = NULL;
	size_t *start = NULL, m = 0;

	*n = 0;
	t.ag = 64;
	t.g = malloc(t.ag * sizeof(*t.g));
	if (v == NULL || gid == NULL || t.g == NULL)
		goto oom;
	t.g[0].name = NULL;
	t.g[0].count = 0;
	t.ng = 1;
	if (assign(p, verbose, &t, gid) < 0)
		goto oom;
	byname = malloc(t.ng * sizeof(*byname));
	start = malloc(t.ng * sizeof(*start));
	if (byname == NULL || start == NULL)
		goto oom;
	for (size_t g = 1; g < t.ng; g++)
		byname[g - 1] = &t.g[g];
	qsort(byname, t.ng - 1, sizeof(*byname), cmp_name);
	start[0] = 0;
	m = t.g[0].count;
	for (size_t k = 0; k + 1 < t.ng; k++) {
		start[byname[k] - t.g] = m;
		m += byname[k]->count;
	}
	for (size_t i = 0; i < p->nactions; i++)
		if (gid[i] >= 0)
			v[start[gid[i]]++] = &p->actions[i];
	*n = m;
	goto out;
oom:
	free(v);
	v = NULL;
out:
	free(gid);
	free(byname);
	free(start);
	free(t.g);
	free(t.slot);
	free(t.hash);
	return v;
}
