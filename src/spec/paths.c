/*
 * paths.c — the tree's files without walking it (the spec cache's reload
 * for `watch`): the files of the last load, with only the paths the watch's
 * inotify events named stat'ed again (changed, added or gone). Anything that
 * a walk would treat differently from a plain file (a directory, a symlink,
 * a file that is not regular, a stat that fails but not as "gone") asks for
 * the walk instead, so the result is always the walk's.
 */
#include "spec/spec_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* a path the walk would not list at all: a hidden component, not *.yaml / *.yml */
static bool not_a_spec(const char *rel)
{
	const char *base = strrchr(rel, '/');

	if (rel[0] == '.' || strstr(rel, "/.") != NULL || rel[0] == 0)
		return true;
	return !spec_is_yaml(base ? base + 1 : rel);
}

/* append k (rel copied); -1 out of memory */
static int push(struct spec_fkey **v, size_t *n, const struct spec_fkey *k, const char *rel)
{
	struct spec_fkey *d = &(*v)[*n];

	*d = *k;
	d->rel = strdup(rel);
	if (d->rel == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* the changed path rel: its key appended, or nothing when gone; 1: walk instead */
static int restat(const char *root, const char *rel, struct spec_fkey **v, size_t *n)
{
	struct spec_fkey k = {0};
	struct stat st;
	char *full;
	int rc;

	if (not_a_spec(rel))
		return 0;
	full = spec_join(root, rel);
	if (full == NULL)
		return -1;
	rc = lstat(full, &st);
	free(full);
	if (rc < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : 1;
	if (!S_ISREG(st.st_mode))
		return 1; /* a directory, a symlink, a device: the walk says what it is */
	k.dev = st.st_dev;
	k.ino = st.st_ino;
	k.size = st.st_size;
	k.mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	return push(v, n, &k, rel) < 0 ? -1 : 0;
}

int spec_keys_from_paths(const char *dir, const struct spec_fkey *const *known, size_t nknown,
			 char **dirty, size_t ndirty, char **root_out, struct spec_fkey **keys,
			 size_t *nkeys, bool *walk)
{
	struct spec_fkey *v = malloc((nknown + ndirty + 1) * sizeof(*v));
	char *root = strdup(dir);
	size_t n = 0, i = 0, j = 0, rl;
	int rc = 0;

	*walk = false;
	*root_out = NULL;
	*keys = NULL;
	*nkeys = 0;
	if (v == NULL || root == NULL) {
		free(v);
		free(root);
		return -1;
	}
	rl = strlen(root);
	while (rl > 0 && root[rl - 1] == '/')
		root[--rl] = 0;
	if (ndirty > 1) /* qsort's base must not be NULL even for none */
		qsort(dirty, ndirty, sizeof(*dirty), cmp_str);
	while (rc == 0 && (i < nknown || j < ndirty)) {
		int c = i >= nknown ? 1 : j >= ndirty ? -1 : strcmp(known[i]->rel, dirty[j]);
		if (c < 0) {
			rc = push(&v, &n, known[i], known[i]->rel);
			i++;
			continue;
		}
		rc = restat(root, dirty[j], &v, &n);
		i += c == 0;
		/* the same path named twice */
		for (j++; j < ndirty && strcmp(dirty[j], dirty[j - 1]) == 0; j++)
			;
	}
	if (rc != 0) {
		for (size_t k = 0; k < n; k++)
			free(v[k].rel);
		free(v);
		free(root);
		*walk = rc > 0;
		return rc < 0 ? -1 : 0;
	}
	*root_out = root;
	*keys = v;
	*nkeys = n;
	return 0;
}
