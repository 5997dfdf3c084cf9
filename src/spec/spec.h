/*
 * spec.h — load and validate the spec tree into the desired world.
 *
 * Every *.yaml / *.yml under a directory (recursively, sorted by path
 * bytewise, hidden entries skipped, symlinks followed with loop detection),
 * every document of every file, is decoded by kind into a struct m_world
 * and cross-checked (uniqueness, references, defaults that depend on other
 * documents). Every problem is collected in a diag_list with its
 * file:line:col; loading never stops at the first error. Messages never
 * repeat a secret value.
 *
 * The contract of the format is DESIGN.md §4; the limits on hostile input
 * are SPEC_MAX_FILE per file plus those of node.h (depth, scalar length,
 * no aliases).
 */
#ifndef VRS_SPEC_H
#define VRS_SPEC_H

#include <stddef.h>

#include "model/model.h"
#include "util/diag.h"

#define SPEC_MAX_FILE (16u << 20)

/*
 * Load the spec tree under `dir` into `out` (world_init'ed by the caller;
 * freed by the caller with world_release whatever the result). Positions name
 * files as `dir` joined with the relative path ("specs/projects/roma.yaml");
 * the names are owned by out->files. The result is sorted (world_sort).
 * digest_hex (may be NULL) receives the lower-case hex SHA-256 over, for each
 * file in order, its relative path, a NUL, its bytes and a NUL.
 * Returns 0 when no diagnostic was added, else -1 with every error in diags.
 */
int spec_load(const char *dir, struct m_world *out, struct diag_list *diags, char digest_hex[65]);

/*
 * Parse, decode and cross-check one buffer as if it were the whole spec set
 * (all its documents); `name` is the file name used in positions. For unit
 * tests and the fuzzer. Same result convention as spec_load.
 */
int spec_parse_buffer(const char *name, const char *data, size_t len, struct m_world *out,
		      struct diag_list *diags);

/*
 * The incremental form behind both: spec_loader_new, one spec_loader_add
 * per file (in order), then spec_loader_finish, which runs the
 * cross-checks, sorts the world and frees the loader. Each returns 0 when
 * it added no diagnostic, else -1 (spec_loader_new: NULL on out of memory).
 */
struct spec_loader;
struct spec_loader *spec_loader_new(struct m_world *out, struct diag_list *diags);
int spec_loader_add(struct spec_loader *l, const char *name, const char *data, size_t len);
int spec_loader_finish(struct spec_loader *l);

/*
 * The spec cache (cache.c) for `watch`: spec_cache_load reads the tree as
 * spec_load does and gives the same world, diagnostics and digest, but
 * decodes again only the files whose bytes changed since the last load
 * (stat key first, then a SHA-256 of the bytes). out (world_init'ed) is a
 * view sharing the cache's strings: release it with spec_view_release(*view,
 * out), never world_release; a view stays valid across later loads and
 * spec_cache_free. *view is set whatever the result.
 */
struct spec_cache;
struct spec_view;
struct spec_cache_stats {
	size_t files;	  /* spec files in the tree */
	size_t unchanged; /* same stat key: not read */
	size_t read;	  /* read and hashed */
	size_t parsed;	  /* decoded again (new or changed bytes) */
	bool walked;	  /* the tree was walked; else only the dirty paths were stat'ed */
	size_t dirty;	  /* not walked: the paths stat'ed again */
};
struct spec_cache *spec_cache_new(void);
void spec_cache_free(struct spec_cache *c);
int spec_cache_load(struct spec_cache *c, const char *dir, struct m_world *out,
		    struct spec_view **view, struct diag_list *diags, char digest_hex[65],
		    struct spec_cache_stats *stats);
void spec_view_release(struct spec_view *v, struct m_world *w);
/*
 * After spec_cache_watch the caller reports every change of the tree (watch:
 * its inotify events) with spec_cache_dirty: rel (relative to the dir) is a
 * file that may have changed, been added or removed; NULL: anything may
 * have (a directory event, a queue overflow, SIGHUP). When the last load
 * saw the whole tree plainly (no symlink, no diagnostic of the walk, every
 * file read) and only files were named since, the next load stats just
 * those paths instead of walking the tree. Out of memory makes it walk.
 */
void spec_cache_watch(struct spec_cache *c);
void spec_cache_dirty(struct spec_cache *c, const char *rel);

/* validators shared with other layers (0 valid, -1 not); why: a static reason */
int spec_valid_slug(const char *s, const char **why);
int spec_valid_domain(const char *s, const char **why);
int spec_valid_email(const char *s);
int spec_valid_env_key(const char *s);
/* does an environment variable name look secret (PASSWORD, TOKEN, KEY, ...)? */
int spec_secret_name(const char *s);

#endif
