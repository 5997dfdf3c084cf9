/*
 * targets.c — `--target KIND/KEY`: keep the targeted actions and,
 * transitively, the actions they require.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

/* does w hold an object of a keyed kind with that key? -1: not a keyed kind */
static int world_has(const struct m_world *w, enum m_resource res, const char *key)
{
	switch (res) {
	case RES_PROJECT:
		return world_project(w, key) != NULL;
	case RES_SERVER:
		return world_server(w, key) != NULL;
	case RES_BASE_DOMAIN:
		return world_base_domain(w, key) != NULL;
	case RES_PROJECT_TYPE:
		return world_project_type(w, key) != NULL;
	case RES_PLUGIN:
		return world_plugin(w, key) != NULL;
	case RES_BUNDLE:
		return world_bundle(w, key) != NULL;
	default:
		return -1;
	}
}

static bool target_exists(const struct builder *b, enum m_resource res, const char *key)
{
	int in_d = world_has(b->d, res, key);

	if (in_d != 0)
		return true; /* found, or keys of derived objects: matched against the actions */
	return world_has(b->r, res, key) == 1;
}

/* keep the targeted actions and, transitively, what they require */
int plan_filter_targets(struct builder *b, struct vrs_err *err)
{
	const struct plan_opts *o = b->opts;
	int *stack, *map;
	size_t sp = 0, m = 0;

	if (o->ntargets == 0)
		return 0;
	for (size_t t = 0; t < o->ntargets; t++) {
		const char *s = o->targets[t], *slash = s ? strchr(s, '/') : NULL;
		char kind[64];
		enum m_resource res;
		size_t kl = slash ? (size_t)(slash - s) : 0;
		if (slash == NULL || kl == 0 || kl >= sizeof(kind) || slash[1] == 0)
			return err_set(
			    err, "invalid target '%s': want KIND/KEY, e.g. project/pizzeria-roma",
			    s ? s : "");
		memcpy(kind, s, kl);
		kind[kl] = 0;
		if (m_resource_parse(kind, &res) < 0)
			return err_set(err, "invalid target '%s': unknown kind '%s'", s, kind);
		if (!target_exists(b, res, slash + 1))
			return err_set(err, "target '%s' names nothing in the specs or the state",
				       s);
		for (size_t i = 0; i < b->n; i++) {
			const struct m_action *a = &b->v[i].a;
			if ((res == RES_PROJECT && pb_str_eq(a->project, slash + 1)) ||
			    (a->resource == res && pb_str_eq(a->key, slash + 1)))
				b->v[i].keep = true;
		}
	}
	stack = malloc((b->n + 1) * sizeof(*stack));
	map = malloc((b->n + 1) * sizeof(*map));
	if (stack == NULL || map == NULL) {
		free(stack);
		free(map);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].keep)
			stack[sp++] = (int)i;
	while (sp > 0) {
		struct pact *p = &b->v[stack[--sp]];
		for (size_t k = 0; k < p->nreq; k++)
			if (!b->v[p->req[k]].keep) {
				b->v[p->req[k]].keep = true;
				stack[sp++] = p->req[k];
			}
	}
	for (size_t i = 0; i < b->n; i++)
		map[i] = b->v[i].keep ? (int)m++ : -1;
	for (size_t i = 0, j = 0; i < b->n; i++) {
		if (!b->v[i].keep) {
			pact_release(&b->v[i]);
			continue;
		}
		b->v[j] = b->v[i];
		for (size_t k = 0; k < b->v[j].nreq; k++)
			b->v[j].req[k] = map[b->v[j].req[k]];
		j++;
	}
	b->n = m;
	free(stack);
	free(map);
	return 0;
}
