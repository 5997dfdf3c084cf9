/*
 * spec_int.h — internals shared by the spec loader's files: the loader
 * state (world, diagnostics, side tables of positions the model has no room
 * for), the decoder entry point (decode.c) and the cross-checks (check.c).
 * Not for use outside src/spec/.
 */
#ifndef VRS_SPEC_INT_H
#define VRS_SPEC_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "model/model.h"
#include "spec/node.h"
#include "spec/spec.h"
#include "util/diag.h"

/* what a reference points at */
enum ref_target { R_SERVER, R_BASE_DOMAIN, R_PROJECT_TYPE, R_PLUGIN, R_BUNDLE, R_PROJECT };

/* a name used somewhere that must exist; name points into a world string */
struct ref {
	enum ref_target target;
	const char *name;
	struct m_pos pos;
};

/* per-project facts the model has no field for, indexed like w->projects */
struct proj_aux {
	bool trial_from_type; /* `trial: true` */
	struct m_pos bundle_pos, cloned_pos;
};

struct spec_loader {
	struct m_world *w;
	struct diag_list *d;
	size_t diag_start;
	const char *file; /* current file (a string in w->files) */
	size_t file_diag_start;
	struct ref *refs;
	size_t nrefs, arefs;
	struct proj_aux *paux; /* capacity follows w->projects */
	size_t apaux;
	bool oom; /* out of memory: reported once, the rest of the input is skipped */
};

/*
 * start a file (name owned, freed on failure: it becomes one of w->files and
 * the loader's current file); 0, or -1 when out of memory or after it
 */
int spec_loader_begin_file(struct spec_loader *l, char *name);
/* decode one document's root (decode.c); returns non-zero to stop the file */
int spec_decode_doc(struct spec_loader *l, const struct sp_node *root);
/* cross-checks and defaults across documents (check.c) */
void spec_check(struct spec_loader *l);
/* record a reference to check later; 0 / -1 on out of memory */
int spec_add_ref(struct spec_loader *l, enum ref_target t, const char *name,
		 const struct sp_node *at);

/* a spec file found by the walk: its path below the root and what stat said */
struct spec_fkey {
	char *rel; /* owned */
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns;
};

/*
 * spec_load's files, read, digested (into md: per file its relative path,
 * NUL, its bytes, NUL) and decoded in order into l, parsed ahead on worker
 * threads (pload.c)
 */
struct evp_md_ctx_st; /* OpenSSL's EVP_MD_CTX */
void spec_load_files(struct spec_loader *l, struct evp_md_ctx_st *md, const char *root,
		     const struct spec_fkey *keys, size_t n);

/*
 * Walk the tree under dir (spec.c): *root_out the dir without trailing
 * slashes (NULL only when out of memory), *keys the files found sorted by
 * rel bytewise (the caller frees each rel and the array). Problems go to
 * diags; *unsure (may be NULL) is set when an entry was a symlink or of an
 * unknown type (an inotify watch may not see its changes). The keys' stat
 * fields are filled only with stat_files (the spec cache's: spec_load needs
 * the paths alone, and a regular file's directory entry says what it is,
 * without a stat call). Returns -1 when out of memory, else 0.
 */
int spec_walk(const char *dir, char **root_out, struct spec_fkey **keys, size_t *nkeys,
	      struct diag_list *diags, bool *unsure, bool stat_files);
/*
 * The tree digest of spec_load (digest.c), remembering the hash state every
 * few hundred files so that the next digest of mostly the same files starts
 * after the part that did not change. Per file: its relative path, its
 * bytes (NULL: unreadable, the path alone) and a generation (equal non-zero
 * generations: the same path and bytes; 0: unknown). d may be NULL.
 */
struct spec_digest;
struct spec_dfile {
	const char *rel, *data;
	size_t len;
	unsigned long long gen;
};
struct spec_digest *spec_digest_new(void);
void spec_digest_free(struct spec_digest *d);
void spec_digest_tree(struct spec_digest *d, const struct spec_dfile *f, size_t n,
		      char digest_hex[65]);
/* a spec file's name: *.yaml or *.yml */
int spec_is_yaml(const char *name);
/*
 * spec_walk's result without the walk (paths.c): the files known (sorted
 * by rel) with the dirty paths (relative; sorted here) stat'ed again: gone,
 * changed or new. *walk is set (and nothing returned) when only the walk
 * can tell (a directory, a symlink, an odd file). -1 out of memory.
 */
int spec_keys_from_paths(const char *dir, const struct spec_fkey *const *known, size_t nknown,
			 char **dirty, size_t ndirty, char **root_out, struct spec_fkey **keys,
			 size_t *nkeys, bool *walk);
/* a whole regular file (NUL-terminated), or NULL after adding a diagnostic */
char *spec_read_file(struct diag_list *d, const char *path, size_t *len);
/* the same into *buf of *size bytes, grown as needed (reused across files): 0 / -1 */
int spec_read_into(struct diag_list *d, const char *path, char **buf, size_t *size, size_t *len);
/* "a/b" (malloc'd) or NULL */
char *spec_join(const char *a, const char *b);
/* world_sort, with empty arrays allowed (spec.c) */
void spec_sort_world(struct m_world *w);
/* lower-case hex of the SHA-256 digest */
void spec_digest_hex(const unsigned char *dg, unsigned int dlen, char hex[65]);

/* grow a world array so that one more element fits (capacity is implied by
 * the count: 0, 4, 8, 16, ...); 0 / -1 (out of memory, *arr unchanged) */
int spec_grow(void **arr, size_t n, size_t elem);
/* out of memory: set l->oom and add one "out of memory" diagnostic; returns -1 */
int spec_oom(struct spec_loader *l);

#endif
