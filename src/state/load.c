/*
 * load.c — state_load: the recorded world, read from the database into the
 * model's structs (model/model.h).
 *
 * One query per object kind, declared as a row map (rowmap.h: column,
 * type, field) and ordered by its key (BINARY collation, which orders like
 * strcmp), so the arrays come out sorted as world_sort leaves them.
 * Children (prices, bundle plugins, domains, env) are attached by looking
 * up the parent's id (their first column) in the already loaded arrays.
 */
#include "state/rowmap.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* grow *v (element size sz) to hold n+1 elements; returns the new slot, zeroed */
static void *grow(void **v, size_t *n, size_t sz)
{
	char *p = realloc(*v, (*n + 1) * sz);

	if (p == NULL)
		return NULL;
	*v = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

#define GROW(arr, n) grow((void **)&(arr), &(n), sizeof(*(arr)))

static int oom(struct vrs_err *err)
{
	return err_setc(err, VRS_E_NOMEM, "out of memory");
}

/* step helper: DB_ROW -> 1, DB_DONE -> 0, error -> -1 (err set) */
static int step(struct state *st, struct db_stmt *s, const char *what, struct vrs_err *err)
{
	int rc = db_step(s);

	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return st_dberr(st, err, "reading %s", what);
}

/* every row of map m appended to the array *v (element size sz, count *n) */
static int load_rows(struct state *st, const struct st_rowmap *m, void **v, size_t *n, size_t sz,
		     struct vrs_err *err)
{
	struct db_stmt *s;
	int r;

	if (st_map_select(st, m, &s, err) < 0)
		return -1;
	while ((r = step(st, s, m->what, err)) == 1) {
		void *row = grow(v, n, sz);
		if (row == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(m, s, row, err) < 0) {
			r = -1;
			break;
		}
	}
	db_finalize(s);
	return r < 0 ? -1 : 0;
}

#define LOAD(st, m, arr, n, err) load_rows(st, m, (void **)&(arr), &(n), sizeof(*(arr)), err)

static struct m_plugin *plugin_by_id(struct m_world *w, long long id)
{
	for (size_t i = 0; i < w->nplugins; i++)
		if (w->plugins[i].id == id)
			return &w->plugins[i];
	return NULL;
}

static struct m_bundle *bundle_by_id(struct m_world *w, long long id)
{
	for (size_t i = 0; i < w->nbundles; i++)
		if (w->bundles[i].id == id)
			return &w->bundles[i];
	return NULL;
}

static int load_prices(struct state *st, struct m_world *w, struct vrs_err *err)
{
	struct db_stmt *s;
	int r;

	if (st_map_select(st, &st_price_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, st_price_map.what, err)) == 1) {
		struct m_plugin *pl = plugin_by_id(w, db_col_int(s, 0));
		struct m_plugin_price *v;
		if (pl == NULL)
			continue;
		if ((v = GROW(pl->prices, pl->nprices)) == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(&st_price_map, s, v, err) < 0) {
			r = -1;
			break;
		}
	}
	db_finalize(s);
	return r < 0 ? -1 : 0;
}

static int load_bundle_plugins(struct state *st, struct m_world *w, struct vrs_err *err)
{
	struct db_stmt *s;
	int r;

	if (st_prepare(st, &s,
		       "SELECT bp.bundle_id, p.name FROM marketplace_bundle_plugins bp "
		       "JOIN marketplace_plugin_meta p ON p.id = bp.plugin_id "
		       "ORDER BY bp.bundle_id, p.name",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "bundle plugins", err)) == 1) {
		struct m_bundle *b = bundle_by_id(w, db_col_int(s, 0));
		char **slot;
		if (b == NULL)
			continue;
		if ((slot = GROW(b->plugins, b->nplugins)) == NULL ||
		    (*slot = st_col_strdup(s, 1)) == NULL) {
			r = oom(err);
			break;
		}
	}
	db_finalize(s);
	return r < 0 ? -1 : 0;
}

/*
 * Projects by database id, for the env and domain rows that refer to them:
 * an id-sorted index built once, so loading N projects with their domains
 * costs N log N, not N x rows.
 */
struct project_ids {
	struct project_id_ref {
		long long id;
		struct m_project *p;
	} * v;
	size_t n;
};

static int cmp_project_id(const void *a, const void *b)
{
	long long x = ((const struct project_id_ref *)a)->id,
		  y = ((const struct project_id_ref *)b)->id;

	return (x > y) - (x < y);
}

static int project_ids_build(struct m_world *w, struct project_ids *ix)
{
	ix->n = 0;
	ix->v = malloc((w->nprojects + 1) * sizeof(*ix->v));
	if (ix->v == NULL)
		return -1;
	for (size_t i = 0; i < w->nprojects; i++) {
		ix->v[ix->n].id = w->projects[i].id;
		ix->v[ix->n++].p = &w->projects[i];
	}
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_project_id);
	return 0;
}

static struct m_project *project_by_id(const struct project_ids *ix, long long id)
{
	struct project_id_ref key = {id, NULL}, *hit;

	if (ix->n == 0)
		return NULL;
	hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), cmp_project_id);
	return hit ? hit->p : NULL;
}

static int load_env(struct state *st, const struct project_ids *ix, struct vrs_err *err)
{
	struct db_stmt *s;
	int r;

	if (st_map_select(st, &st_env_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, st_env_map.what, err)) == 1) {
		struct m_project *p = project_by_id(ix, db_col_int(s, 0));
		struct m_env *e;
		if (p == NULL)
			continue;
		if ((e = GROW(p->app.env, p->app.nenv)) == NULL ||
		    st_map_fill(&st_env_map, s, e, err) < 0) {
			r = e ? -1 : oom(err);
			break;
		}
		if (db_col_bool(s, 2)) {
			e->kind = VK_FROM_ENV; /* a secret; its reference is not recorded */
			e->fingerprint = st_col_strdup(s, 4);
		} else {
			e->kind = VK_LITERAL;
			e->value = st_col_strdup(s, 3);
		}
	}
	db_finalize(s);
	return r < 0 ? -1 : 0;
}

/* {"a": "123", "aaaa": "456", "www": "789"}; numbers are accepted too */
static char *record_id(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char buf[32];

	if (cJSON_IsString(v) && v->valuestring)
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
		return strdup(buf);
	}
	return NULL;
}

/* d.inwx_record_ids: {"a": .., "aaaa": .., "www": ..} into the domain */
static int record_ids(struct state *st, const char *json, struct m_domain *d, struct vrs_err *err)
{
	cJSON *o = cJSON_Parse(json);

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return err_setc(err, VRS_E_INVALID, "state %s: domain %s: bad inwx_record_ids JSON",
				st->path, d->fqdn);
	}
	d->record_a = record_id(o, "a");
	d->record_aaaa = record_id(o, "aaaa");
	d->record_www = record_id(o, "www");
	cJSON_Delete(o);
	return 0;
}

static int load_domains(struct state *st, const struct project_ids *ix, struct vrs_err *err)
{
	int ids = st_map_col(&st_domain_map, "d.inwx_record_ids");
	struct db_stmt *s;
	int r;

	if (st_map_select(st, &st_domain_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, st_domain_map.what, err)) == 1) {
		struct m_project *p = project_by_id(ix, db_col_int(s, 0));
		const char *json;
		struct m_domain *d;
		if (p == NULL)
			continue;
		if ((d = GROW(p->domains, p->ndomains)) == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(&st_domain_map, s, d, err) < 0) {
			r = -1;
			break;
		}
		json = db_col_text(s, ids);
		if (json && record_ids(st, json, d, err) < 0) {
			r = -1;
			break;
		}
	}
	db_finalize(s);
	return r < 0 ? -1 : 0;
}

int state_load(struct state *st, struct m_world *recorded, struct vrs_err *err)
{
	struct m_world *w = recorded;
	struct project_ids ix = {NULL, 0};
	int rc = 0;

	if (LOAD(st, &st_server_map, w->servers, w->nservers, err) < 0 ||
	    LOAD(st, &st_base_domain_map, w->base_domains, w->nbase_domains, err) < 0 ||
	    LOAD(st, &st_project_type_map, w->project_types, w->nproject_types, err) < 0 ||
	    LOAD(st, &st_plugin_map, w->plugins, w->nplugins, err) < 0 ||
	    load_prices(st, w, err) < 0 ||
	    LOAD(st, &st_bundle_map, w->bundles, w->nbundles, err) < 0 ||
	    load_bundle_plugins(st, w, err) < 0 ||
	    LOAD(st, &st_project_map, w->projects, w->nprojects, err) < 0)
		rc = -1;
	else if (project_ids_build(w, &ix) < 0)
		rc = oom(err);
	else if (load_env(st, &ix, err) < 0 || load_domains(st, &ix, err) < 0)
		rc = -1;
	free(ix.v);
	return rc;
}

int state_project_known(struct state *st, const char *slug, struct vrs_err *err)
{
	long long id;

	return st_find_id(st, "marketplace_project", "slug", slug, &id, err);
}
