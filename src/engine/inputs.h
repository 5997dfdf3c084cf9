/*
 * inputs.h — everything a plan is made from: the desired world (specs), the
 * recorded world (state), the state's identity, and the diagnostics of both
 * spec validation and the checks that need the recorded state.
 *
 * Shared by validate, plan, apply and watch so that they all see the specs
 * the same way. Opens the state read-only: a missing state is an empty one
 * and is not created.
 */
#ifndef VRS_INPUTS_H
#define VRS_INPUTS_H

#include "model/model.h"
#include "util/diag.h"
#include "util/err.h"

#include <stdbool.h>

struct inputs {
	struct m_world desired;
	struct m_world recorded;
	struct diag_list diags; /* spec errors; non-empty means nothing may be applied */
	char specs_digest[65];
	char *lineage; /* NULL for a state that does not exist yet */
	long long serial;
	bool state_exists;
	struct spec_view *view; /* desired is a view of a spec cache (watch); NULL: owned */
};

/*
 * Loads specs and state. Returns 0 when everything is valid; -1 with
 * diags filled for invalid specs, or with err filled (diags empty) for a
 * state or I/O failure.
 */
int inputs_load(const char *specs_dir, const char *state_path, struct inputs *in,
		struct vrs_err *err);
/* only the specs (apply and watch read the state themselves, under the lock) */
int inputs_load_specs(const char *specs_dir, struct inputs *in, struct vrs_err *err);
void inputs_release(struct inputs *in);
/*
 * inputs_load_specs through a spec cache (watch): only the files that
 * changed since the cache's last load are decoded again; the same world,
 * diagnostics and digest as inputs_load_specs.
 */
struct spec_cache;
struct inputs_reload {
	size_t files, read, parsed; /* in the tree; read and hashed; decoded again */
	bool walked;		    /* the tree was walked, else only the paths named stat'ed */
};
struct spec_cache *inputs_cache_new(void);
void inputs_cache_free(struct spec_cache *c);
int inputs_load_specs_cached(struct spec_cache *c, const char *specs_dir, struct inputs *in,
			     struct inputs_reload *stats, struct vrs_err *err);
/* spec_cache_watch / spec_cache_dirty (spec.h): the watch names what changed */
void inputs_cache_watch(struct spec_cache *c);
void inputs_cache_dirty(struct spec_cache *c, const char *rel);

/*
 * Fills the fingerprints of secret env values (HMAC-SHA256 under key) by
 * resolving their references (from_env / from_file). A reference that
 * cannot be resolved leaves the fingerprint NULL; with `strict` it is an
 * error naming the reference (never a value).
 */
int inputs_fingerprint_secrets(struct m_world *desired, const unsigned char key[32], bool strict,
			       struct vrs_err *err);

#endif
