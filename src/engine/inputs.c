/*
 * inputs.c — load the desired world (specs) and the recorded world (state)
 * the same way for every command, and run the checks that need both.
 */
#include "engine/inputs.h"

#include "plan/plan.h"
#include "spec/spec.h"
#include "state/state.h"
#include "util/hash.h"
#include "util/secret.h"

#include <stdlib.h>
#include <string.h>

void inputs_release(struct inputs *in)
{
	if (in->view)
		spec_view_release(in->view, &in->desired);
	else
		world_release(&in->desired);
	world_release(&in->recorded);
	diag_release(&in->diags);
	free(in->lineage);
	memset(in, 0, sizeof(*in));
}

int inputs_load_specs(const char *specs_dir, struct inputs *in, struct vrs_err *err)
{
	memset(in, 0, sizeof(*in));
	world_init(&in->desired);
	world_init(&in->recorded);
	diag_init(&in->diags);
	if (spec_load(specs_dir, &in->desired, &in->diags, in->specs_digest) < 0) {
		if (in->diags.n == 0)
			return err_set(err, "%s: could not load specs", specs_dir);
		return -1;
	}
	return 0;
}

struct spec_cache *inputs_cache_new(void)
{
	return spec_cache_new();
}

void inputs_cache_free(struct spec_cache *c)
{
	spec_cache_free(c);
}

int inputs_load_specs_cached(struct spec_cache *c, const char *specs_dir, struct inputs *in,
			     struct inputs_reload *stats, struct vrs_err *err)
{
	struct spec_cache_stats st = {0};
	int rc;

	memset(in, 0, sizeof(*in));
	world_init(&in->desired);
	world_init(&in->recorded);
	diag_init(&in->diags);
	rc = spec_cache_load(c, specs_dir, &in->desired, &in->view, &in->diags, in->specs_digest,
			     &st);
	stats->files = st.files;
	stats->read = st.read;
	stats->parsed = st.parsed;
	stats->walked = st.walked;
	if (rc < 0) {
		if (in->diags.n == 0)
			return err_set(err, "%s: could not load specs", specs_dir);
		return -1;
	}
	return 0;
}

void inputs_cache_watch(struct spec_cache *c)
{
	spec_cache_watch(c);
}

void inputs_cache_dirty(struct spec_cache *c, const char *rel)
{
	spec_cache_dirty(c, rel);
}

int inputs_load(const char *specs_dir, const char *state_path, struct inputs *in,
		struct vrs_err *err)
{
	struct state *st = NULL;
	struct state_meta meta = {0};
	unsigned char key[32];
	int rc;

	memset(in, 0, sizeof(*in));
	world_init(&in->desired);
	world_init(&in->recorded);
	diag_init(&in->diags);
	rc = spec_load(specs_dir, &in->desired, &in->diags, in->specs_digest);
	if (rc < 0 && in->diags.n == 0)
		return err_set(err, "%s: could not load specs", specs_dir);
	if (state_open(state_path, STATE_READ, &st, err) < 0)
		return -1;
	in->state_exists = !state_is_new(st);
	if (state_load(st, &in->recorded, err) < 0 || state_meta_get(st, &meta, err) < 0) {
		state_close(st);
		return -1;
	}
	in->lineage = meta.lineage;
	meta.lineage = NULL;
	in->serial = meta.serial;
	state_meta_release(&meta);
	/* fingerprints of secrets need the state's key; a new state has none yet */
	if (in->state_exists && state_fingerprint_key(st, key, err) == 0)
		inputs_fingerprint_secrets(&in->desired, key, false, err);
	err_clear(err);
	state_close(st);
	if (rc == 0)
		plan_check(&in->desired, &in->recorded, &in->diags);
	return in->diags.n ? -1 : 0;
}

int inputs_fingerprint_secrets(struct m_world *desired, const unsigned char key[32], bool strict,
			       struct vrs_err *err)
{
	for (size_t i = 0; i < desired->nprojects; i++) {
		struct m_project *p = &desired->projects[i];
		for (size_t j = 0; j < p->app.nenv; j++) {
			struct m_env *e = &p->app.env[j];
			char *value = NULL, fp[65];

			if (e->kind == VK_LITERAL)
				continue;
			free(e->fingerprint);
			e->fingerprint = NULL;
			if ((e->kind == VK_FROM_FILE ? secret_read_file(e->ref, &value, err)
						     : secret_get_env(e->ref, &value, err)) < 0 ||
			    value == NULL) {
				if (!strict)
					continue;
				if (value == NULL)
					err_set(err, "%s: %s '%s' is not set", e->key,
						e->kind == VK_FROM_FILE ? "from_file" : "from_env",
						e->ref);
				return err_at(err, e->pos.file, e->pos.line, e->pos.col,
					      "project '%s': %s", p->slug, err->msg);
			}
			if (hmac_sha256_hex(key, 32, value, strlen(value), fp) == 0)
				e->fingerprint = strdup(fp);
			/* the plaintext lives only as long as this loop iteration */
			secret_free(value);
		}
	}
	return 0;
}
