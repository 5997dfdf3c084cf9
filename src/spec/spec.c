/*
 * spec.c — the spec loader's entry points: walking the spec directory,
 * reading files (bounded, regular files only, never blocking on a FIFO),
 * the SHA-256 digest of the tree, and the loader that feeds every document
 * to the decoder and finishes with the cross-checks and world_sort.
 *
 * Walk: every entry whose name does not start with '.'; directories
 * (including symlinks to directories, and directories named *.yaml) are
 * descended into, unless the directory is already on the current path
 * (a symlink loop, an error); *.yaml / *.yml entries must be readable regular
 * files; entries that cannot be stat'ed (dangling symlinks) and
 * directories that cannot be opened are errors. Files are read in bytewise
 * order of their relative paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/spec.h"
#include "spec/spec_int.h"

#define MAX_DIR_DEPTH 64

/* ---- loader -------------------------------------------------------------------- */

struct spec_loader *spec_loader_new(struct m_world *out, struct diag_list *diags)
{
	struct spec_loader *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->w = out;
	l->d = diags;
	l->diag_start = diags->n;
	return l;
}

int spec_oom(struct spec_loader *l)
{
	if (!l->oom) {
		l->oom = true;
		diag_add(l->d, NULL, 0, 0, "out of memory");
	}
	return -1;
}

static int on_doc(void *ud, const struct sp_node *root)
{
	struct spec_loader *l = ud;

	if (l->oom)
		return 1;
	return spec_decode_doc(l, root);
}

/* add a name (owned: freed on failure) to w->files; 0, or -1 when out of memory */
static int add_file(struct m_world *w, char *name)
{
	if (name == NULL || spec_grow((void **)&w->files, w->nfiles, sizeof(*w->files)) < 0) {
		free(name);
		return -1;
	}
	w->files[w->nfiles++] = name;
	return 0;
}

int spec_loader_begin_file(struct spec_loader *l, char *name)
{
	if (l->oom) {
		free(name);
		return -1;
	}
	if (add_file(l->w, name) < 0)
		return spec_oom(l);
	l->file = name;
	l->file_diag_start = l->d->n;
	return 0;
}

int spec_loader_add(struct spec_loader *l, const char *name, const char *data, size_t len)
{
	size_t before = l->d->n;

	if (spec_loader_begin_file(l, l->oom ? NULL : strdup(name)) < 0)
		return -1;
	sp_parse(l->file, data, len, l->d, on_doc, l);
	return l->d->n == before ? 0 : -1;
}

/*
 * world_sort on a shallow copy whose empty arrays point at a dummy: glibc
 * declares qsort's base nonnull, and UBSan flags qsort(NULL, 0, ...). The
 * copy shares every non-empty array with w, so w ends up sorted.
 */
void spec_sort_world(struct m_world *w)
{
	static max_align_t dummy;
	struct m_world t = *w;

	if (t.servers == NULL)
		t.servers = (void *)&dummy;
	if (t.base_domains == NULL)
		t.base_domains = (void *)&dummy;
	if (t.project_types == NULL)
		t.project_types = (void *)&dummy;
	if (t.plugins == NULL)
		t.plugins = (void *)&dummy;
	if (t.bundles == NULL)
		t.bundles = (void *)&dummy;
	if (t.projects == NULL)
		t.projects = (void *)&dummy;
	world_sort(&t);
}

int spec_loader_finish(struct spec_loader *l)
{
	int rc;

	if (!l->oom)
		spec_check(l);
	spec_sort_world(l->w);
	rc = l->d->n == l->diag_start && !l->oom ? 0 : -1;
	free(l->refs);
	free(l->paux);
	free(l);
	return rc;
}

int spec_parse_buffer(const char *name, const char *data, size_t len, struct m_world *out,
		      struct diag_list *diags)
{
	struct spec_loader *l = spec_loader_new(out, diags);

	if (l == NULL) {
		diag_add(diags, NULL, 0, 0, "out of memory");
		return -1;
	}
	spec_loader_add(l, name, data, len);
	return spec_loader_finish(l);
}

/* ---- walking the tree ----------------------------------------------------------------- */

struct walk {
	struct diag_list *d;
	const char *root;	/* dir without trailing slashes ("" for "/") */
	char **rel;		/* relative paths of the files found */
	struct spec_fkey *keys; /* their stat keys (for the spec cache), like rel */
	size_t nrel, arel;
	dev_t dev[MAX_DIR_DEPTH + 1];
	ino_t ino[MAX_DIR_DEPTH + 1];
	int depth;
	bool oom;	 /* out of memory: reported once, the walk stops */
	bool unsure;	 /* a symlink (or an entry of unknown type) was seen */
	bool stat_files; /* the files' stat keys are wanted (the spec cache's) */
};

static void walk_oom(struct walk *wk)
{
	if (!wk->oom)
		diag_add(wk->d, NULL, 0, 0, "out of memory");
	wk->oom = true;
}

int spec_is_yaml(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* append a file found (rel owned by the walk on success); 0 / -1 out of memory */
static int walk_push(struct walk *wk, char *rel, const struct stat *st)
{
	if (wk->nrel == wk->arel) {
		size_t na = wk->arel ? wk->arel * 2 : 64;
		char **v = realloc(wk->rel, na * sizeof(*v));
		struct spec_fkey *k;
		if (v == NULL)
			return -1;
		wk->rel = v;
		k = realloc(wk->keys, na * sizeof(*k));
		if (k == NULL)
			return -1;
		wk->keys = k;
		wk->arel = na;
	}
	wk->keys[wk->nrel].rel = rel;
	wk->keys[wk->nrel].dev = st->st_dev;
	wk->keys[wk->nrel].ino = st->st_ino;
	wk->keys[wk->nrel].size = st->st_size;
	wk->keys[wk->nrel].mtime_ns =
	    (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
	wk->rel[wk->nrel++] = rel;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct spec_fkey *)a)->rel, ((const struct spec_fkey *)b)->rel);
}

/* walk directory root/rel (rel "" for the root itself), whose stat is st */
static void walk_dir(struct walk *wk, const char *rel, const struct stat *st)
{
	char *full = rel[0] ? join(wk->root, rel) : strdup(wk->root[0] ? wk->root : "/");
	struct dirent *de;
	DIR *dir;

	if (full == NULL) {
		walk_oom(wk);
		return;
	}
	for (int i = 0; i < wk->depth; i++) {
		if (wk->dev[i] == st->st_dev && wk->ino[i] == st->st_ino) {
			diag_add(wk->d, NULL, 0, 0,
				 "%s: symlink loop (the directory contains itself); not followed",
				 full);
			free(full);
			return;
		}
	}
	if (wk->depth >= MAX_DIR_DEPTH) {
		diag_add(wk->d, NULL, 0, 0, "%s: directories nested too deep (the limit is %d)",
			 full, MAX_DIR_DEPTH);
		free(full);
		return;
	}
	dir = opendir(full);
	if (dir == NULL) {
		diag_add(wk->d, NULL, 0, 0, "%s: cannot open directory: %s", full, strerror(errno));
		free(full);
		return;
	}
	wk->dev[wk->depth] = st->st_dev;
	wk->ino[wk->depth] = st->st_ino;
	wk->depth++;
	while (!wk->oom && (errno = 0, de = readdir(dir)) != NULL) {
		struct stat cst;
		char *crel, *cfull;

		if (de->d_name[0] == '.')
			continue; /* ., .., hidden files, editor lock files */
		if (de->d_type == DT_LNK || de->d_type == DT_UNKNOWN)
			wk->unsure = true;
		crel = rel[0] ? join(rel, de->d_name) : strdup(de->d_name);
		cfull = crel ? join(wk->root, crel) : NULL;
		if (cfull == NULL) {
			free(crel);
			walk_oom(wk);
			break;
		}
		/* a regular file, as its directory entry says, needs no stat without keys */
		memset(&cst, 0, sizeof(cst));
		cst.st_mode = S_IFREG;
		if ((wk->stat_files || de->d_type != DT_REG) && stat(cfull, &cst) < 0) {
			diag_add(wk->d, NULL, 0, 0, "%s: cannot read: %s", cfull, strerror(errno));
		} else if (S_ISDIR(cst.st_mode)) {
			walk_dir(wk, crel, &cst);
		} else if (spec_is_yaml(de->d_name)) {
			if (!S_ISREG(cst.st_mode)) {
				diag_add(wk->d, NULL, 0, 0, "%s: not a regular file", cfull);
			} else {
				if (walk_push(wk, crel, &cst) == 0)
					crel = NULL;
				else
					walk_oom(wk);
			}
		}
		free(cfull);
		free(crel);
	}
	if (errno && !wk->oom)
		diag_add(wk->d, NULL, 0, 0, "%s: cannot read directory: %s", full, strerror(errno));
	closedir(dir);
	wk->depth--;
	free(full);
}

/*
 * Read a whole regular file, at most SPEC_MAX_FILE bytes, into *buf (of
 * *size bytes, grown as needed: a caller reading many files reuses it).
 * Returns 0 with the bytes NUL-terminated and *len set, or -1 after adding
 * a diagnostic (*buf stays the caller's either way).
 */
int spec_read_into(struct diag_list *d, const char *path, char **buf, size_t *size, size_t *len)
{
	struct stat st;
	size_t n = 0, cap;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		diag_add(d, NULL, 0, 0, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_add(d, NULL, 0, 0, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)SPEC_MAX_FILE) {
		diag_add(d, NULL, 0, 0, "%s: file too large (%lld bytes; the limit is %u)", path,
			 (long long)st.st_size, SPEC_MAX_FILE);
		close(fd);
		return -1;
	}
	/* room for one byte more than stat said (to see it grew) and the NUL */
	cap = (size_t)st.st_size + 1;
	for (;;) {
		if (*size < cap + 1) {
			char *q = realloc(*buf, cap + 1);
			if (q == NULL) {
				diag_add(d, NULL, 0, 0, "%s: out of memory", path);
				close(fd);
				return -1;
			}
			*buf = q;
			*size = cap + 1;
		}
		r = read(fd, *buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_add(d, NULL, 0, 0, "%s: cannot read: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) { /* it grew while we read */
			if (cap > SPEC_MAX_FILE) {
				diag_add(d, NULL, 0, 0,
					 "%s: file too large (the limit is %u bytes)", path,
					 SPEC_MAX_FILE);
				close(fd);
				return -1;
			}
			cap = cap * 2 > SPEC_MAX_FILE + 1 ? SPEC_MAX_FILE + 1 : cap * 2;
		}
	}
	close(fd);
	(*buf)[n] = 0;
	*len = n;
	return 0;
}

char *spec_read_file(struct diag_list *d, const char *path, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;

	if (spec_read_into(d, path, &buf, &size, len) == 0)
		return buf;
	free(buf);
	return NULL;
}

int spec_walk(const char *dir, char **root_out, struct spec_fkey **keys, size_t *nkeys,
	      struct diag_list *diags, bool *unsure, bool stat_files)
{
	struct walk wk;
	struct stat st;
	char *root = strdup(dir);
	size_t rl;

	*root_out = NULL;
	*keys = NULL;
	*nkeys = 0;
	if (root == NULL) {
		diag_add(diags, NULL, 0, 0, "out of memory");
		return -1;
	}
	rl = strlen(root);
	while (rl > 0 && root[rl - 1] == '/')
		root[--rl] = 0;
	memset(&wk, 0, sizeof(wk));
	wk.d = diags;
	wk.root = root;
	wk.stat_files = stat_files;
	if (stat(dir, &st) < 0) {
		diag_add(diags, NULL, 0, 0, "%s: cannot open specs directory: %s", dir,
			 strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		diag_add(diags, NULL, 0, 0, "%s: not a directory", dir);
	} else {
		walk_dir(&wk, "", &st);
	}
	free(wk.rel); /* the same strings are in keys */
	if (wk.nrel > 1)
		qsort(wk.keys, wk.nrel, sizeof(*wk.keys), key_cmp);
	*root_out = root;
	*keys = wk.keys;
	*nkeys = wk.nrel;
	if (unsure)
		*unsure = wk.unsure;
	return wk.oom ? -1 : 0;
}

int spec_load(const char *dir, struct m_world *out, struct diag_list *diags, char digest_hex[65])
{
	struct spec_fkey *keys;
	struct spec_loader *l;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t before = diags->n, nkeys;
	char *root;
	bool oom;
	int rc;

	if (digest_hex)
		digest_hex[0] = 0;
	if (md == NULL || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		diag_add(diags, NULL, 0, 0, "cannot initialise SHA-256");
		return -1;
	}
	oom = spec_walk(dir, &root, &keys, &nkeys, diags, NULL, false) < 0;
	if (root == NULL) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	l = spec_loader_new(out, diags);
	if (l == NULL && !oom) {
		diag_add(diags, NULL, 0, 0, "out of memory");
		oom = true;
	}
	if (l)
		spec_load_files(l, md, root, keys, nkeys);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].rel);
	free(keys);
	if (l && spec_loader_finish(l) < 0)
		oom = oom || diags->n == before; /* an error even if its diagnostic was lost */
	EVP_DigestFinal_ex(md, dg, &dlen);
	EVP_MD_CTX_free(md);
	if (digest_hex)
		spec_digest_hex(dg, dlen, digest_hex);
	free(root);
	rc = diags->n == before && !oom ? 0 : -1;
	return rc;
}

void spec_digest_hex(const unsigned char *dg, unsigned int dlen, char hex[65])
{
	for (unsigned int i = 0; i < dlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	hex[64] = 0;
}

char *spec_join(const char *a, const char *b)
{
	return join(a, b);
}
