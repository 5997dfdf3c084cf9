/*
 * cache.c — the spec cache behind `watch`'s incremental reload.
 *
 * Each spec file's decoded documents (its own unchecked world, the
 * references and per-project facts the cross-checks need, its parse and
 * decode diagnostics, its bytes for the tree digest) are kept, keyed by the
 * relative path and what stat says (device, inode, size, mtime in ns); a
 * file whose stat key moved is read and hashed (SHA-256), and decoded again
 * only when its bytes changed. A load then assembles a *view*: a world
 * whose arrays and per-project domain and env arrays are its own (the
 * checks and the fingerprints write there) while every decoded string is
 * shared with the cache entries, which the view holds by reference count, so
 * the last good view stays intact while a later load replaces files. The
 * cross-checks (check.c) run over the view in file order, as spec_load runs
 * them: the view's world equals spec_load's world of the same tree, and so
 * does the digest.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"
#include "spec/spec_int.h"

struct centry {
	struct spec_fkey key; /* key.rel owned */
	unsigned char hash[32];
	char *data; /* the file's bytes (for the tree digest) */
	size_t len;
	struct m_world w; /* decoded, unchecked; its strings are shared with views */
	struct ref *refs;
	size_t nrefs;
	struct proj_aux *paux; /* like w.projects */
	struct diag_list diags;
	bool oom;
	/*
	 * Decoding depends on one thing outside the file: a Registrar in an
	 * earlier file makes this file's one an error (decode_kinds.c). The
	 * earlier one's position as it was when this file was decoded; a file
	 * is decoded again when that changed.
	 */
	bool reg_before;
	char *reg_file;
	int reg_line, reg_col;
	unsigned holders;	/* the cache and every view that shares it */
	unsigned long long gen; /* the cache's number of these bytes (for the digest) */
};

struct spec_cache {
	struct centry **v; /* sorted by key.rel */
	size_t n;
	/*
	 * The next load may skip the walk and stat only the paths the caller
	 * said changed (spec_cache_dirty) when the last load saw the whole tree
	 * without a doubt (walk_ok: no diagnostic of the walk, every file read,
	 * no symlink) in the same dir and nothing asked for a walk since (all).
	 */
	bool watched; /* spec_cache_watch: the caller reports every change */
	bool walk_ok, all;
	char *dir;
	char **dirty;
	size_t ndirty, adirty;
	struct spec_digest *dg; /* the last tree digest's states (digest.c) */
	unsigned long long gen; /* the last entry generation given */
};

struct spec_view {
	struct centry **ents;
	size_t n;
	char **owned; /* strings the checks allocated in the view (defaulted fqdn, base) */
	size_t nowned;
	/* the projects' domain and env arrays: one block each, sliced per project */
	struct m_domain *dom;
	struct m_env *env;
};

static void centry_drop(struct centry *e)
{
	if (e == NULL || --e->holders > 0)
		return;
	world_release(&e->w);
	free(e->refs);
	free(e->paux);
	diag_release(&e->diags);
	free(e->data);
	free(e->key.rel);
	free(e->reg_file);
	free(e);
}

/* the first Registrar in file order so far (its position), or none */
struct regctx {
	bool present;
	struct m_pos pos;
};

static bool same_ctx(const struct centry *e, const struct regctx *r)
{
	if (e->reg_before != r->present)
		return false;
	return !r->present || (strcmp(e->reg_file, r->pos.file) == 0 &&
			       e->reg_line == r->pos.line && e->reg_col == r->pos.col);
}

/* after entry e, the context of the next file */
static void ctx_after(struct regctx *r, const struct centry *e)
{
	if (!r->present && e && e->w.registrar.present) {
		r->present = true;
		r->pos = e->w.registrar.pos;
	}
}

struct spec_cache *spec_cache_new(void)
{
	struct spec_cache *c = calloc(1, sizeof(struct spec_cache));

	if (c && (c->dg = spec_digest_new()) == NULL) {
		free(c);
		c = NULL;
	}
	return c;
}

static void free_dirty(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void spec_cache_free(struct spec_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		centry_drop(c->v[i]);
	free(c->v);
	free(c->dir);
	free_dirty(c->dirty, c->ndirty);
	spec_digest_free(c->dg);
	free(c);
}

void spec_cache_watch(struct spec_cache *c)
{
	c->watched = true;
	c->all = true; /* what happened before is not known */
}

void spec_cache_dirty(struct spec_cache *c, const char *rel)
{
	char *r;

	if (rel == NULL || c->all) {
		c->all = true;
		return;
	}
	if (c->ndirty == c->adirty) {
		size_t n = c->adirty ? c->adirty * 2 : 16;
		char **v = realloc(c->dirty, n * sizeof(*v));
		if (v == NULL) {
			c->all = true; /* a walk is always right */
			return;
		}
		c->dirty = v;
		c->adirty = n;
	}
	r = strdup(rel);
	if (r == NULL)
		c->all = true;
	else
		c->dirty[c->ndirty++] = r;
}

static int sha256(const char *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) && n == 32 ? 0 : -1;
}

/* decode one file's bytes into a new entry (data owned by it); NULL when out of memory */
static struct centry *centry_decode(const struct spec_fkey *k, const char *full, char *data,
				    size_t len, const unsigned char hash[32],
				    const struct regctx *rc)
{
	struct centry *e = calloc(1, sizeof(*e));
	struct spec_loader *l;

	if (e == NULL)
		return NULL;
	world_init(&e->w);
	diag_init(&e->diags);
	l = spec_loader_new(&e->w, &e->diags);
	e->key = *k;
	e->key.rel = strdup(k->rel);
	if (l == NULL || e->key.rel == NULL) {
		free(l);
		e->holders = 1;
		centry_drop(e);
		return NULL;
	}
	e->holders = 1;
	memcpy(e->hash, hash, 32);
	if (rc->present) {
		e->reg_before = true;
		e->reg_file = strdup(rc->pos.file);
		e->reg_line = rc->pos.line;
		e->reg_col = rc->pos.col;
		if (e->reg_file == NULL) {
			free(l);
			centry_drop(e);
			return NULL;
		}
		/* as if the earlier file's Registrar were in this world: a second one is refused */
		e->w.registrar.present = true;
		e->w.registrar.pos = rc->pos;
	}
	spec_loader_add(l, full, data, len);
	if (rc->present)
		memset(&e->w.registrar, 0, sizeof(e->w.registrar)); /* the decoder left it alone */
	e->data = data;
	e->len = len;
	e->refs = l->refs;
	e->nrefs = l->nrefs;
	e->paux = l->paux;
	e->oom = l->oom;
	free(l);
	return e;
}

/*
 * The entry for file k (read when its stat key moved), reusing old when
 * its bytes are the same; NULL when the file cannot be read (a diagnostic
 * was added) or out of memory (*oom set).
 */
static struct centry *refresh_entry(const char *root, const struct spec_fkey *k, struct centry *old,
				    const struct regctx *rc, struct diag_list *diags,
				    struct spec_cache_stats *stats, bool *oom)
{
	unsigned char hash[32];
	struct centry *e;
	size_t len = 0;
	char *full, *data;

	if (old && !same_ctx(old, rc))
		old = NULL; /* decoded in another context: again */
	if (old && old->key.dev == k->dev && old->key.ino == k->ino && old->key.size == k->size &&
	    old->key.mtime_ns == k->mtime_ns) {
		old->holders++;
		stats->unchanged++;
		return old;
	}
	full = spec_join(root, k->rel);
	data = full ? spec_read_file(diags, full, &len) : NULL;
	if (data == NULL) {
		*oom = *oom || full == NULL;
		free(full);
		return NULL;
	}
	stats->read++;
	if (sha256(data, len, hash) < 0) {
		*oom = true;
		free(data);
		free(full);
		return NULL;
	}
	if (old && old->len == len && memcmp(old->hash, hash, 32) == 0) {
		old->key.dev = k->dev; /* touched, same bytes: keep the decoded documents */
		old->key.ino = k->ino;
		old->key.size = k->size;
		old->key.mtime_ns = k->mtime_ns;
		old->holders++;
		free(data);
		free(full);
		return old;
	}
	e = centry_decode(k, full, data, len, hash, rc);
	if (e == NULL) {
		free(data);
		*oom = true;
	} else {
		stats->parsed++;
	}
	free(full);
	return e;
}

#define APPEND(dst, dn, src, sn)                                                                   \
	do {                                                                                       \
		if ((sn) > 0)                                                                      \
			memcpy((dst) + (dn), (src), (sn) * sizeof(*(src)));                        \
		(dn) += (sn);                                                                      \
	} while (0)

/* the totals of every kind over the entries, and their arrays in out */
static int view_alloc(struct m_world *out, struct centry **ents, size_t n, size_t *nrefs)
{
	size_t ns = 0, nb = 0, nt = 0, npl = 0, nbu = 0, np = 0;

	*nrefs = 0;
	for (size_t i = 0; i < n; i++) {
		ns += ents[i]->w.nservers;
		nb += ents[i]->w.nbase_domains;
		nt += ents[i]->w.nproject_types;
		npl += ents[i]->w.nplugins;
		nbu += ents[i]->w.nbundles;
		np += ents[i]->w.nprojects;
		*nrefs += ents[i]->nrefs;
	}
	out->servers = ns ? calloc(ns, sizeof(*out->servers)) : NULL;
	out->base_domains = nb ? calloc(nb, sizeof(*out->base_domains)) : NULL;
	out->project_types = nt ? calloc(nt, sizeof(*out->project_types)) : NULL;
	out->plugins = npl ? calloc(npl, sizeof(*out->plugins)) : NULL;
	out->bundles = nbu ? calloc(nbu, sizeof(*out->bundles)) : NULL;
	out->projects = np ? calloc(np, sizeof(*out->projects)) : NULL;
	out->files = n ? calloc(n, sizeof(*out->files)) : NULL;
	if ((ns && !out->servers) || (nb && !out->base_domains) || (nt && !out->project_types) ||
	    (npl && !out->plugins) || (nbu && !out->bundles) || (np && !out->projects) ||
	    (n && !out->files))
		return -1;
	return 0;
}

/* the projects' domain and env arrays: the checks write defaults and fingerprints there */
static int view_copy_parts(struct spec_view *v, struct m_world *out)
{
	size_t nd = 0, ne = 0, kd = 0, ke = 0;

	for (size_t j = 0; j < out->nprojects; j++) {
		nd += out->projects[j].ndomains;
		ne += out->projects[j].app.nenv;
	}
	v->dom = malloc((nd + 1) * sizeof(*v->dom));
	v->env = malloc((ne + 1) * sizeof(*v->env));
	for (size_t j = 0; j < out->nprojects; j++) {
		struct m_project *p = &out->projects[j];
		const struct m_domain *d = p->domains;
		const struct m_env *e = p->app.env;
		p->domains = NULL;
		p->app.env = NULL;
		if (v->dom == NULL || v->env == NULL)
			continue; /* nothing of the entries' is left in the view */
		if (p->ndomains) {
			p->domains = v->dom + kd;
			APPEND(v->dom, kd, d, p->ndomains);
		}
		if (p->app.nenv) {
			p->app.env = v->env + ke;
			APPEND(v->env, ke, e, p->app.nenv);
		}
	}
	return v->dom && v->env ? 0 : -1;
}

/* the world of the entries in file order, before the checks; refs and paux beside it */
static int view_fill(struct spec_view *v, struct m_world *out, struct spec_loader *l)
{
	struct centry **ents = v->ents;
	size_t nrefs, n = v->n;

	if (view_alloc(out, ents, n, &nrefs) < 0)
		return -1;
	l->refs = nrefs ? malloc(nrefs * sizeof(*l->refs)) : NULL;
	if (nrefs && l->refs == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct m_world *w = &ents[i]->w;
		APPEND(out->servers, out->nservers, w->servers, w->nservers);
		APPEND(out->base_domains, out->nbase_domains, w->base_domains, w->nbase_domains);
		APPEND(out->project_types, out->nproject_types, w->project_types,
		       w->nproject_types);
		APPEND(out->plugins, out->nplugins, w->plugins, w->nplugins);
		APPEND(out->bundles, out->nbundles, w->bundles, w->nbundles);
		APPEND(out->projects, out->nprojects, w->projects, w->nprojects);
		APPEND(l->refs, l->nrefs, ents[i]->refs, ents[i]->nrefs);
		for (size_t f = 0; f < w->nfiles; f++)
			out->files[out->nfiles++] = w->files[f];
	}
	if (view_copy_parts(v, out) < 0)
		return -1;
	if (out->nprojects) {
		size_t k = 0;
		l->paux = calloc(out->nprojects, sizeof(*l->paux));
		if (l->paux == NULL)
			return -1;
		for (size_t i = 0; i < n; i++)
			APPEND(l->paux, k, ents[i]->paux, ents[i]->w.nprojects);
	}
	return 0;
}

/* the Registrar: the first file's (a later one was refused when it was decoded) */
static void view_registrar(struct m_world *out, struct centry **ents, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ents[i]->w.registrar.present) {
			out->registrar = ents[i]->w.registrar;
			return;
		}
	}
}

static void copy_diags(struct diag_list *to, const struct diag_list *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag *d = &from->v[i];
		diag_add(to, d->file, d->line, d->col, "%s", d->msg);
		if (d->note)
			diag_note(to, d->note_file, d->note_line, d->note_col, "%s", d->note);
	}
}

void spec_view_release(struct spec_view *v, struct m_world *w)
{
	for (size_t i = 0; i < w->nprojects; i++) {
		struct m_project *p = &w->projects[i];
		for (size_t j = 0; p->app.env && j < p->app.nenv; j++)
			free(p->app.env[j].fingerprint);
	}
	free(w->servers);
	free(w->base_domains);
	free(w->project_types);
	free(w->plugins);
	free(w->bundles);
	free(w->projects);
	free(w->files);
	world_init(w);
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nowned; i++)
		free(v->owned[i]);
	free(v->owned);
	free(v->dom);
	free(v->env);
	for (size_t i = 0; i < v->n; i++)
		centry_drop(v->ents[i]);
	free(v->ents);
	free(v);
}

/* the domains the checks filled from the default base domain: theirs, not the cache's */
static int view_take_defaults(struct spec_view *v, struct m_world *w, struct centry **ents,
			      size_t n)
{
	size_t k = 0, cap = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ents[i]->w.nprojects; j++, k++) {
			const struct m_project *src = &ents[i]->w.projects[j];
			struct m_project *p = &w->projects[k];
			for (size_t d = 0; d < p->ndomains; d++) {
				if (p->domains[d].fqdn == src->domains[d].fqdn)
					continue;
				if (v->nowned + 2 > cap) {
					size_t nc = cap ? cap * 2 : 16;
					char **o = realloc(v->owned, nc * sizeof(*o));
					if (o == NULL)
						return -1;
					v->owned = o;
					cap = nc;
				}
				v->owned[v->nowned++] = p->domains[d].fqdn;
				v->owned[v->nowned++] = p->domains[d].base_domain;
			}
		}
	return 0;
}

/* the view of the entries: filled, checked, its own strings taken, sorted */
static int view_build(struct spec_view *v, struct m_world *out, struct diag_list *diags)
{
	struct spec_loader l;
	bool oom = false;
	int rc = 0;

	memset(&l, 0, sizeof(l));
	l.w = out;
	l.d = diags;
	l.diag_start = diags->n;
	for (size_t i = 0; i < v->n; i++) {
		copy_diags(diags, &v->ents[i]->diags);
		oom = oom || v->ents[i]->oom;
	}
	if (view_fill(v, out, &l) < 0) {
		rc = -1;
	} else {
		view_registrar(out, v->ents, v->n);
		l.oom = oom;
		if (!oom)
			spec_check(&l);
		if (view_take_defaults(v, out, v->ents, v->n) < 0)
			rc = -1;
		spec_sort_world(out);
	}
	free(l.refs);
	free(l.paux);
	return rc;
}

/* the tree digest as spec_load computes it, from the entries' bytes (digest.c) */
static int tree_digest(struct spec_cache *c, struct spec_fkey *keys, size_t nkeys,
		       struct centry **at, char digest_hex[65])
{
	struct spec_dfile *f = malloc((nkeys + 1) * sizeof(*f));

	digest_hex[0] = 0;
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < nkeys; i++) {
		f[i].rel = keys[i].rel;
		f[i].data = at[i] ? at[i]->data : NULL;
		f[i].len = at[i] ? at[i]->len : 0;
		f[i].gen = at[i] ? at[i]->gen : 0;
	}
	spec_digest_tree(c->dg, f, nkeys, digest_hex);
	free(f);
	return 0;
}

/*
 * The files of the tree: the walk, or without it the files of the last load
 * with the dirty paths stat'ed again (spec_cache_dirty); sets c->walk_ok
 * for the next load from what the walk saw. -1 out of memory.
 */
static int list_keys(struct spec_cache *c, const char *dir, char **root, struct spec_fkey **keys,
		     size_t *nkeys, struct diag_list *diags, struct spec_cache_stats *st)
{
	char **dirty = c->dirty;
	size_t ndirty = c->ndirty, d0 = diags->n;
	bool walk = true, unsure = false;
	bool partial = c->watched && c->walk_ok && !c->all && c->dir && strcmp(c->dir, dir) == 0;
	int rc = 0;

	/* events read during this load are for the next one */
	c->dirty = NULL;
	c->ndirty = c->adirty = 0;
	c->all = false;
	if (partial) {
		const struct spec_fkey **known = malloc((c->n + 1) * sizeof(*known));
		if (known == NULL) {
			rc = -1;
		} else {
			for (size_t i = 0; i < c->n; i++)
				known[i] = &c->v[i]->key;
			rc = spec_keys_from_paths(dir, known, c->n, dirty, ndirty, root, keys,
						  nkeys, &walk);
			free(known);
		}
	}
	free_dirty(dirty, ndirty);
	if (rc == 0 && walk) {
		free(c->dir);
		c->dir = strdup(dir);
		rc = spec_walk(dir, root, keys, nkeys, diags, &unsure, true) < 0 || *root == NULL ||
			     c->dir == NULL
			 ? -1
			 : 0;
		c->walk_ok = rc == 0 && !unsure && diags->n == d0;
	}
	st->walked = walk;
	st->dirty = walk ? 0 : ndirty;
	return rc;
}

int spec_cache_load(struct spec_cache *c, const char *dir, struct m_world *out,
		    struct spec_view **view, struct diag_list *diags, char digest_hex[65],
		    struct spec_cache_stats *stats)
{
	struct spec_cache_stats st = {0};
	struct regctx reg = {0};
	struct spec_fkey *keys = NULL;
	struct centry **at = NULL, **cv = NULL;
	struct spec_view *v = calloc(1, sizeof(*v));
	size_t nkeys = 0, before = diags->n, j = 0;
	char *root = NULL;
	bool oom = v == NULL;

	*view = NULL;
	digest_hex[0] = 0;
	if (!oom && list_keys(c, dir, &root, &keys, &nkeys, diags, &st) < 0)
		oom = true;
	at = calloc(nkeys + 1, sizeof(*at));
	oom = oom || at == NULL;
	for (size_t i = 0; i < nkeys && !oom; i++) {
		struct centry *old = NULL;
		int cmp = 1;
		while (j < c->n && (cmp = strcmp(c->v[j]->key.rel, keys[i].rel)) < 0)
			j++;
		if (j < c->n && cmp == 0)
			old = c->v[j];
		at[i] = refresh_entry(root, &keys[i], old, &reg, diags, &st, &oom);
		if (at[i] && at[i]->gen == 0)
			at[i]->gen = ++c->gen; /* new bytes (or decoded again): a new generation */
		ctx_after(&reg, at[i]);
	}
	st.files = nkeys;
	if (!oom) {
		v->ents = calloc(nkeys + 1, sizeof(*v->ents));
		cv = calloc(nkeys + 1, sizeof(*cv));
		oom = v->ents == NULL || cv == NULL;
	}
	if (!oom) {
		/* the cache now holds what this tree has: the old holds go, files gone with them */
		for (size_t i = 0; i < c->n; i++)
			centry_drop(c->v[i]);
		free(c->v);
		c->v = cv;
		c->n = 0;
		cv = NULL;
		for (size_t i = 0; i < nkeys; i++) {
			if (at[i] == NULL)
				continue;
			c->v[c->n++] = at[i]; /* the hold refresh_entry took */
			v->ents[v->n++] = at[i];
			at[i]->holders++; /* the view's */
		}
		/* the next load may skip the walk when every file was read */
		for (size_t i = 0; i < nkeys; i++)
			c->walk_ok = c->walk_ok && at[i] != NULL;
		if (tree_digest(c, keys, nkeys, at, digest_hex) < 0 ||
		    view_build(v, out, diags) < 0)
			oom = true;
	} else {
		c->walk_ok = false;
		for (size_t i = 0; at && i < nkeys; i++)
			centry_drop(at[i]);
	}
	free(cv);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i].rel);
	free(keys);
	free(at);
	free(root);
	if (oom && diags->n == before)
		diag_add(diags, NULL, 0, 0, "out of memory");
	*view = v;
	if (stats)
		*stats = st;
	return diags->n == before && !oom ? 0 : -1;
}
