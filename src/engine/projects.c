/*
 * projects.c — what apply knows of each project while it runs: desired
 * and recorded, its status and the remote ids as this run changes them.
 * Built once by the scheduler, sorted by slug.
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

static int cmp_proj(const void *k, const void *x)
{
	return strcmp((const char *)k, ((const struct proj_rt *)x)->slug);
}

struct proj_rt *projs_find(struct proj_rt *v, size_t n, const char *slug)
{
	return bsearch(slug, v, n, sizeof(*v), cmp_proj);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void proj_init(struct proj_rt *p, const char *slug, const struct m_world *desired,
		      const struct m_world *recorded)
{
	const struct m_project *rec = world_project(recorded, slug);

	memset(p, 0, sizeof(*p));
	p->slug = slug;
	p->want = world_project(desired, slug);
	p->rec = rec;
	p->status = rec ? rec->status : PS_DRAFT;
	p->in_state = rec != NULL;
	if (rec) {
		p->server = dup_or_null(rec->server);
		p->coolify_project_uuid = dup_or_null(rec->coolify_project_uuid);
		p->coolify_env_uuid = dup_or_null(rec->coolify_environment_uuid);
		p->coolify_app_uuid = dup_or_null(rec->coolify_app_uuid);
	}
}

size_t projs_init(struct proj_rt *v, const struct m_world *d, const struct m_world *r)
{
	size_t i = 0, k = 0, n = 0;

	/* every project of either world, in slug order (both worlds are sorted) */
	while (i < d->nprojects || k < r->nprojects) {
		int c = i >= d->nprojects   ? 1
			: k >= r->nprojects ? -1
					    : strcmp(d->projects[i].slug, r->projects[k].slug);
		const char *slug = c <= 0 ? d->projects[i].slug : r->projects[k].slug;
		proj_init(&v[n++], slug, d, r);
		i += c <= 0;
		k += c >= 0;
	}
	return n;
}

void projs_release(struct proj_rt *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].server);
		free(v[i].coolify_project_uuid);
		free(v[i].coolify_env_uuid);
		free(v[i].coolify_app_uuid);
	}
}
