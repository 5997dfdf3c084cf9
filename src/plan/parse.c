/*
 * parse.c — read a saved plan (the JSON of plan_render_json) back into a
 * struct m_plan, for `vrsctl apply PLANFILE`.
 *
 * Strict: format_version must be 1; every action field must be present with
 * its type; ids run 1..n in order; requires name earlier actions (the plan
 * is topologically ordered). The caller checks lineage and serial against
 * the state (a stale plan is refused there, not here). Each action's
 * source.file lives in the same allocation as its key, after the key's NUL,
 * so plan_release releases it with the key.
 */
#include "plan/plan.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const cJSON *v, bool *oom)
{
	char *s;

	if (cJSON_IsNull(v))
		return NULL;
	s = strdup(v->valuestring);
	if (s == NULL)
		*oom = true;
	return s;
}

/* a string or null member; -1 when missing or of another type */
static int opt_str(const cJSON *o, const char *name, const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (v == NULL || !(cJSON_IsString(v) || cJSON_IsNull(v)))
		return -1;
	*out = v;
	return 0;
}

/* an integral number member in [lo, hi] */
static int get_int(const cJSON *o, const char *name, long long lo, long long hi, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	double d;

	if (v == NULL || !cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	/* the range first: converting 1e24 to long long is undefined (fuzz_plan) */
	if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long long)d)
		return -1;
	*out = (long long)d;
	return 0;
}

/* "file:line:col" -> key\0file in one allocation; pos.file points after the key */
static int set_key_source(struct m_action *a, const char *key, const char *src, bool *oom)
{
	size_t kl = strlen(key), fl = 0;
	long line = 0, col = 0;
	const char *c1 = NULL, *c2 = NULL;
	char *mem, *end;

	if (src) {
		c2 = strrchr(src, ':');
		if (c2 == NULL || c2 == src)
			return -1;
		for (c1 = c2 - 1; c1 > src && *c1 != ':'; c1--)
			;
		if (*c1 != ':' || c1 == src)
			return -1;
		errno = 0;
		line = strtol(c1 + 1, &end, 10);
		if (errno || end != c2 || line < 0 || line > INT_MAX)
			return -1;
		col = strtol(c2 + 1, &end, 10);
		if (errno || *end || end == c2 + 1 || col < 0 || col > INT_MAX)
			return -1;
		fl = (size_t)(c1 - src);
	}
	mem = malloc(kl + 1 + fl + 1);
	if (mem == NULL) {
		*oom = true;
		return -1;
	}
	memcpy(mem, key, kl + 1);
	a->key = mem;
	if (src) {
		memcpy(mem + kl + 1, src, fl);
		mem[kl + 1 + fl] = 0;
		a->source.file = mem + kl + 1;
		a->source.line = (int)line;
		a->source.col = (int)col;
	}
	return 0;
}

static int parse_action(const cJSON *o, size_t idx, struct m_action *a, struct vrs_err *err,
			bool *oom)
{
	const cJSON *op, *res, *key, *proj, *svc, *changes, *reqs, *reason, *destr, *src, *c;
	long long id, cost;
	size_t k;

	if (!cJSON_IsObject(o))
		return err_set(err, "action %zu: not an object", idx + 1);
	if (get_int(o, "id", 1, INT_MAX, &id) < 0 || id != (long long)idx + 1)
		return err_set(err, "action %zu: \"id\" must be %zu", idx + 1, idx + 1);
	a->id = (int)id;
	op = cJSON_GetObjectItemCaseSensitive(o, "op");
	res = cJSON_GetObjectItemCaseSensitive(o, "resource");
	key = cJSON_GetObjectItemCaseSensitive(o, "key");
	svc = cJSON_GetObjectItemCaseSensitive(o, "service");
	if (!cJSON_IsString(op) || m_op_parse(op->valuestring, &a->op) < 0)
		return err_set(err, "action %lld: bad \"op\"", id);
	if (!cJSON_IsString(res) || m_resource_parse(res->valuestring, &a->resource) < 0)
		return err_set(err, "action %lld: bad \"resource\"", id);
	if (!cJSON_IsString(svc) || m_service_parse(svc->valuestring, &a->service) < 0)
		return err_set(err, "action %lld: bad \"service\"", id);
	if (!cJSON_IsString(key))
		return err_set(err, "action %lld: \"key\" must be a string", id);
	if (opt_str(o, "project", &proj) < 0 || opt_str(o, "reason", &reason) < 0 ||
	    opt_str(o, "source", &src) < 0)
		return err_set(err,
			       "action %lld: \"project\", \"reason\" and \"source\" must be "
			       "strings or null",
			       id);
	destr = cJSON_GetObjectItemCaseSensitive(o, "destructive");
	if (!cJSON_IsBool(destr))
		return err_set(err, "action %lld: \"destructive\" must be true or false", id);
	a->destructive = cJSON_IsTrue(destr);
	if (get_int(o, "cost_cents", 0, LLONG_MAX / 2, &cost) < 0)
		return err_set(err, "action %lld: bad \"cost_cents\"", id);
	a->cost_cents = cost;
	if (set_key_source(a, key->valuestring, cJSON_IsString(src) ? src->valuestring : NULL,
			   oom) < 0)
		return err_set(err, *oom ? "out of memory" : "action %lld: bad \"source\"", id);
	a->project = dup_or_null(proj, oom);
	a->reason = dup_or_null(reason, oom);

	changes = cJSON_GetObjectItemCaseSensitive(o, "changes");
	if (!cJSON_IsArray(changes))
		return err_set(err, "action %lld: \"changes\" must be an array", id);
	a->nchanges = (size_t)cJSON_GetArraySize(changes);
	a->changes = calloc(a->nchanges + 1, sizeof(*a->changes));
	if (a->changes == NULL) {
		a->nchanges = 0;
		*oom = true;
		return err_set(err, "out of memory");
	}
	k = 0;
	cJSON_ArrayForEach(c, changes)
	{
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "field"), *ov, *nv;
		if (!cJSON_IsObject(c) || !cJSON_IsString(f) || opt_str(c, "old", &ov) < 0 ||
		    opt_str(c, "new", &nv) < 0) {
			a->nchanges = k;
			return err_set(err,
				       "action %lld: change %zu needs \"field\", \"old\", \"new\"",
				       id, k + 1);
		}
		a->changes[k].field = strdup(f->valuestring);
		if (a->changes[k].field == NULL)
			*oom = true;
		a->changes[k].old = dup_or_null(ov, oom);
		a->changes[k].new = dup_or_null(nv, oom);
		k++;
	}

	reqs = cJSON_GetObjectItemCaseSensitive(o, "requires");
	if (!cJSON_IsArray(reqs))
		return err_set(err, "action %lld: \"requires\" must be an array", id);
	a->nrequires = (size_t)cJSON_GetArraySize(reqs);
	if (a->nrequires) {
		a->requires = calloc(a->nrequires, sizeof(*a->requires));
		if (a->requires == NULL) {
			a->nrequires = 0;
			*oom = true;
			return err_set(err, "out of memory");
		}
	}
	k = 0;
	cJSON_ArrayForEach(c, reqs)
	{
		double d = cJSON_IsNumber(c) ? c->valuedouble : 0;
		if (!cJSON_IsNumber(c) || !(d >= 1 && d < (double)id) || d != (double)(int)d)
			return err_set(
			    err, "action %lld: \"requires\" must list earlier action ids", id);
		a->requires[k++] = (int)d;
	}
	if (*oom)
		return err_set(err, "out of memory");
	return 0;
}

int plan_parse_json(const char *json, size_t len, struct m_plan *out, struct vrs_err *err)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *actions, *lineage, *digest, *summary, *a;
	long long fv, serial;
	bool oom = false;
	size_t i = 0;
	int rc = -1;

	plan_init(out);
	if (root == NULL)
		return err_set(err, "plan file: not valid JSON");
	if (!cJSON_IsObject(root)) {
		err_set(err, "plan file: not a JSON object");
		goto out;
	}
	if (get_int(root, "format_version", LLONG_MIN / 2, LLONG_MAX / 2, &fv) < 0) {
		err_set(err, "plan file: \"format_version\" is missing");
		goto out;
	}
	if (fv != 1) {
		err_set(err, "plan file: format_version %lld is not supported (want 1)", fv);
		goto out;
	}
	actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
	summary = cJSON_GetObjectItemCaseSensitive(root, "summary");
	if (opt_str(root, "lineage", &lineage) < 0 || opt_str(root, "specs_digest", &digest) < 0 ||
	    get_int(root, "serial", 0, LLONG_MAX / 2, &serial) < 0 || !cJSON_IsObject(summary) ||
	    !cJSON_IsArray(actions)) {
		err_set(err, "plan file: needs \"lineage\", \"serial\", \"specs_digest\", "
			     "\"summary\" and \"actions\"");
		goto out;
	}
	{
		long long noop;
		if (get_int(summary, "noop", 0, LLONG_MAX / 2, &noop) < 0) {
			err_set(err, "plan file: \"summary\" needs \"noop\"");
			goto out;
		}
		out->nnoop = (size_t)noop;
	}
	out->serial = serial;
	out->lineage = dup_or_null(lineage, &oom);
	out->specs_digest = dup_or_null(digest, &oom);
	out->actions = calloc((size_t)cJSON_GetArraySize(actions) + 1, sizeof(*out->actions));
	if (out->actions == NULL || oom) {
		err_set(err, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(a, actions)
	{
		out->nactions = i + 1;
		if (parse_action(a, i, &out->actions[i], err, &oom) < 0) {
			err_prefix(err, "plan file");
			goto out;
		}
		i++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	if (rc < 0)
		plan_release(out);
	return rc;
}
