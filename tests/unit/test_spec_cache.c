/*
 * test_spec_cache.c — the spec cache (src/spec/cache.c) gives the world,
 * digest and diagnostics spec_load gives for the same tree, after edits,
 * touches, additions, renames and deletions, decoding only what changed;
 * an older view stays intact while later loads replace its files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plan/plan.h"
#include "spec/spec.h"

static char dir[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void path_of(char *p, size_t n, const char *rel)
{
	snprintf(p, n, "%s/%s", dir, rel);
}

/* a fresh tree: dir made, and its subdirectory sub */
static void tree_begin(const char *sub)
{
	char a[256];

	strcpy(dir, "/tmp/vrs-cache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	path_of(a, sizeof(a), sub);
	assert_int_equal(mkdir(a, 0700), 0);
}

static void tree_end(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* the JSON plan of a world against an empty state: a byte-exact picture of it */
static char *plan_of(const struct m_world *w)
{
	struct m_plan plan;
	struct vrs_err err;
	struct buf b;

	plan_init(&plan);
	err_clear(&err);
	assert_int_equal(plan_build(w, NULL, NULL, NULL, &plan, &err), 0);
	buf_init(&b);
	assert_int_equal(plan_render_json(&plan, w, false, true, &b), 0);
	plan_release(&plan);
	return buf_detach(&b);
}

struct full {
	char *plan; /* NULL when invalid */
	char digest[65];
	size_t ndiags;
	int rc;
};

static void full_load(struct full *f)
{
	struct m_world w;
	struct diag_list d;

	world_init(&w);
	diag_init(&d);
	f->rc = spec_load(dir, &w, &d, f->digest);
	f->ndiags = d.n;
	f->plan = f->rc == 0 ? plan_of(&w) : NULL;
	world_release(&w);
	diag_release(&d);
}

struct cached {
	struct m_world w;
	struct spec_view *v;
	struct spec_cache_stats st;
	char digest[65];
	int rc;
	size_t ndiags;
};

/* a cached load compared with a full load of the same tree */
static void check_same(struct spec_cache *c, struct cached *out)
{
	struct diag_list d;
	struct full f;

	world_init(&out->w);
	diag_init(&d);
	out->rc = spec_cache_load(c, dir, &out->w, &out->v, &d, out->digest, &out->st);
	out->ndiags = d.n;
	if (d.n)
		diag_print(&d, stderr);
	diag_release(&d);
	full_load(&f);
	assert_int_equal(out->rc, f.rc);
	assert_int_equal(out->ndiags, f.ndiags);
	assert_string_equal(out->digest, f.digest);
	if (f.plan) {
		char *p = plan_of(&out->w);
		assert_string_equal(p, f.plan);
		free(p);
	}
	free(f.plan);
}

static void drop(struct cached *x)
{
	spec_view_release(x->v, &x->w);
}

static const char globals[] = "kind: Server\nname: s1\ncoolify_uuid: u1\nip_address: 198.51.100.1\n"
			      "---\nkind: BaseDomain\ndomain: ex.de\ndefault: true\n"
			      "---\nkind: ProjectType\ncode: t\nname: T\ntrial_days: 14\n";

static const char proj_a[] = "kind: Project\nslug: alpha\nname: Alpha\nowner_email: a@ex.org\n"
			     "project_type: t\ntrial: true\napp:\n  image: img:1\n  env:\n"
			     "    K: v\n    API_KEY: {from_env: A_KEY}\n"
			     "domains:\n  - subdomain: alpha\n  - domain: alpha.org\n"
			     "    type: owned\n";

static const char proj_b[] =
    "kind: Project\nslug: beta\nname: Beta\nowner_email: b@ex.org\n"
    "project_type: t\napp:\n  image: img:1\ndomains:\n  - subdomain: beta\n";

static void test_cache_follows_the_tree(void **state)
{
	struct spec_cache *c = spec_cache_new();
	struct cached x, y, z;
	char a[256], b[256];
	char *before;

	(void)state;
	tree_begin("projects");
	put("base.yaml", globals);
	put("projects/alpha.yaml", proj_a);
	put("projects/beta.yaml", proj_b);

	check_same(c, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.st.files, 3);
	assert_int_equal(x.st.parsed, 3);
	before = plan_of(&x.w);

	/* nothing changed: nothing read */
	check_same(c, &y);
	assert_int_equal(y.st.read, 0);
	assert_int_equal(y.st.parsed, 0);
	drop(&y);

	/* one file edited: only it is parsed; the older view x is untouched */
	put("projects/beta.yaml", "kind: Project\nslug: beta\nname: Beta Two\nowner_email: "
				  "b@ex.org\nproject_type: t\napp:\n  image: img:2\ndomains:\n"
				  "  - subdomain: beta\n");
	check_same(c, &y);
	assert_int_equal(y.st.parsed, 1);
	{
		char *again = plan_of(&x.w);
		assert_string_equal(again, before);
		free(again);
	}
	drop(&x);

	/* the same bytes written again: read, not parsed */
	{
		struct timespec ts[2] = {{0, UTIME_NOW}, {1, 0}};
		path_of(a, sizeof(a), "projects/alpha.yaml");
		assert_int_equal(utimensat(AT_FDCWD, a, ts, 0), 0);
	}
	check_same(c, &z);
	assert_int_equal(z.st.read, 1);
	assert_int_equal(z.st.parsed, 0);
	drop(&z);
	drop(&y);

	/* added, renamed, deleted */
	put("projects/gamma.yaml", "kind: Project\nslug: gamma\nname: G\nowner_email: g@ex.org\n"
				   "project_type: t\napp:\n  image: img:1\n");
	path_of(a, sizeof(a), "projects/alpha.yaml");
	path_of(b, sizeof(b), "projects/zz-alpha.yaml");
	assert_int_equal(rename(a, b), 0);
	path_of(a, sizeof(a), "projects/beta.yaml");
	assert_int_equal(unlink(a), 0);
	check_same(c, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.st.files, 3);
	assert_int_equal(x.st.parsed, 2); /* gamma, and alpha under its new name */
	drop(&x);

	/* invalid across files: a duplicate slug, a second Registrar (refused unread) */
	put("projects/dup.yaml", "kind: Project\nslug: gamma\nname: G\nowner_email: g@ex.org\n"
				 "project_type: t\napp:\n  image: img:1\n");
	put("r1.yaml", "kind: Registrar\nregistrant: h1\nadmin: h1\ntech: h1\nbilling: h1\n");
	put("r2.yaml", "kind: Registrar\nregistrant: h2\nadmin: h2\ntech: h2\nbilling: h2\n");
	check_same(c, &x);
	assert_int_equal(x.rc, -1);
	assert_true(x.ndiags >= 2); /* and as many as spec_load gives (check_same) */
	drop(&x);

	/* the first Registrar gone: the second, unchanged, is decoded again and read in full */
	path_of(a, sizeof(a), "projects/dup.yaml");
	unlink(a);
	path_of(a, sizeof(a), "r1.yaml");
	unlink(a);
	check_same(c, &x);
	assert_int_equal(x.st.parsed, 1);
	drop(&x);

	/* valid again */
	path_of(a, sizeof(a), "r2.yaml"); /* its contacts are wrong too */
	unlink(a);
	check_same(c, &x);
	assert_int_equal(x.rc, 0);
	spec_cache_free(c);
	drop(&x); /* a view outlives its cache */
	free(before);
	tree_end();
}

/* a load after the paths were named (the watch's events): without the walk, the same world */
static void told(struct spec_cache *c, bool walked, size_t files)
{
	struct cached x;

	check_same(c, &x);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.st.walked, walked);
	assert_int_equal(x.st.files, files);
	drop(&x);
}

static void test_cache_told_paths(void **state)
{
	struct spec_cache *c = spec_cache_new();
	char a[256], b[256];

	(void)state;
	tree_begin("projects");
	put("base.yaml", globals);
	put("projects/alpha.yaml", proj_a);
	put("projects/beta.yaml", proj_b);
	told(c, true, 3); /* not watched: the walk */
	spec_cache_watch(c);
	told(c, true, 3);  /* what happened before the watch: the walk */
	told(c, false, 3); /* nothing named: nothing stat'ed */
	put("projects/beta.yaml", "kind: Project\nslug: beta\nname: Beta Two\nowner_email: "
				  "b@ex.org\nproject_type: t\napp:\n  image: img:2\n");
	spec_cache_dirty(c, "projects/beta.yaml");
	told(c, false, 3);
	put("projects/gamma.yaml", "kind: Project\nslug: gamma\nname: G\nowner_email: g@ex.org\n"
				   "project_type: t\napp:\n  image: img:1\n");
	spec_cache_dirty(c, "projects/gamma.yaml");
	spec_cache_dirty(c, "projects/gamma.yaml"); /* named twice */
	spec_cache_dirty(c, "projects/notes.txt");  /* not a spec file */
	spec_cache_dirty(c, "projects/.beta.yaml.swp");
	told(c, false, 4);
	path_of(a, sizeof(a), "projects/alpha.yaml");
	path_of(b, sizeof(b), "projects/zz-alpha.yaml");
	assert_int_equal(rename(a, b), 0);
	spec_cache_dirty(c, "projects/zz-alpha.yaml");
	spec_cache_dirty(c, "projects/alpha.yaml");
	told(c, false, 4);
	path_of(a, sizeof(a), "projects/beta.yaml");
	assert_int_equal(unlink(a), 0);
	spec_cache_dirty(c, "projects/beta.yaml");
	put("r1.yaml", "kind: Registrar\nregistrant: h1\nadmin: h1\ntech: h1\nbilling: h1\n"
		       "nameservers: [ns1.example.org, ns2.example.org]\n");
	spec_cache_dirty(c, "r1.yaml");
	{
		struct cached x; /* the Registrar's contacts may be refused: as spec_load does */
		check_same(c, &x);
		assert_false(x.st.walked);
		drop(&x);
	}
	path_of(a, sizeof(a), "r1.yaml");
	assert_int_equal(unlink(a), 0);
	spec_cache_dirty(c, "r1.yaml");
	told(c, false, 3);
	/* a symlink: the walk says what it is, and later loads walk while one is there */
	path_of(a, sizeof(a), "projects/link.yaml");
	path_of(b, sizeof(b), "projects/gamma.yaml");
	assert_int_equal(symlink(b, a), 0);
	put("projects/gamma.yaml", "kind: Project\nslug: gamma\nname: G\nowner_email: g@ex.org\n"
				   "project_type: t\napp:\n  image: img:3\n");
	spec_cache_dirty(c, "projects/link.yaml");
	{
		struct cached
		    x; /* the same slug twice, through the link: invalid, as spec_load says */
		check_same(c, &x);
		assert_true(x.st.walked);
		drop(&x);
	}
	assert_int_equal(unlink(a), 0);
	spec_cache_dirty(c, "projects/link.yaml");
	told(c, true, 3); /* the last walk saw a symlink: walk again */
	put("projects/gamma.yaml", "kind: Project\nslug: gamma\nname: G\nowner_email: g@ex.org\n"
				   "project_type: t\napp:\n  image: img:4\n");
	spec_cache_dirty(c, "projects/gamma.yaml");
	told(c, false, 3);
	/* a new directory with a file named (its directory event asks for the walk too) */
	path_of(a, sizeof(a), "projects/sub");
	assert_int_equal(mkdir(a, 0700), 0);
	put("projects/sub/delta.yaml", "kind: Project\nslug: delta\nname: D\nowner_email: "
				       "d@ex.org\nproject_type: t\napp:\n  image: img:1\n");
	spec_cache_dirty(c, "projects/sub/delta.yaml");
	told(c, false, 4);
	spec_cache_dirty(c, NULL);
	told(c, true, 4);
	spec_cache_free(c);
	tree_end();
}

/* a tree larger than the digest's state interval (digest.c keeps one every 256 files) */
static void test_cache_digest_many_files(void **state)
{
	struct spec_cache *c = spec_cache_new();
	char a[256], name[64], text[256];
	static const int edits[] = {0, 300, 599, 256, 255, 511, 512};
	(void)state;

	tree_begin("p");
	put("base.yaml", globals);
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "p/%04d.yaml", i);
		snprintf(text, sizeof(text),
			 "kind: Project\nslug: p%04d\nname: P\nowner_email: p@ex.org\n"
			 "project_type: t\napp:\n  image: img:1\n",
			 i);
		put(name, text);
	}
	spec_cache_watch(c);
	told(c, true, 601);
	for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
		snprintf(name, sizeof(name), "p/%04d.yaml", edits[e]);
		snprintf(text, sizeof(text),
			 "kind: Project\nslug: p%04d\nname: P %zu\nowner_email: p@ex.org\n"
			 "project_type: t\napp:\n  image: img:1\n",
			 edits[e], e);
		put(name, text);
		spec_cache_dirty(c, name);
		told(c, false, 601); /* the digest is spec_load's (check_same) */
	}
	told(c, false, 601); /* nothing changed */
	put("p/0000a.yaml", "kind: Project\nslug: zz\nname: Z\nowner_email: z@ex.org\n"
			    "project_type: t\napp:\n  image: img:1\n");
	spec_cache_dirty(c, "p/0000a.yaml"); /* every later file moves by one */
	told(c, false, 602);
	path_of(a, sizeof(a), "p/0000a.yaml");
	assert_int_equal(unlink(a), 0);
	spec_cache_dirty(c, "p/0000a.yaml");
	told(c, false, 601);
	path_of(a, sizeof(a), "p/0599.yaml");
	assert_int_equal(unlink(a), 0);
	spec_cache_dirty(c, "p/0599.yaml");
	told(c, false, 600);
	spec_cache_free(c);
	tree_end();
}

/*
 * spec_load parses a large tree on worker threads (pload.c) and decodes it
 * in file order: its world, digest and diagnostics (each one, in order,
 * with its note) are those of a loader fed one file at a time. The tree
 * holds what interleaves parse and decode diagnostics: a decode error in
 * a document before a syntax error, an alias, unknown keys, a slug defined
 * twice across files, and an empty file.
 */
static const char *bad_file(int i, char *text, size_t n)
{
	switch (i % 7) {
	case 0:
		snprintf(text, n,
			 "kind: Project\nslug: q%04d\nname: Q\nowner_email: q@ex.org\n"
			 "project_type: t\nbogus: 1\napp:\n  image: img:1\n---\nkind: [\n",
			 i);
		break;
	case 1:
		snprintf(text, n,
			 "kind: Project\nslug: &a q%04d\nname: *a\nowner_email: q@ex.org\n"
			 "project_type: nope\napp:\n  image: img:1\n",
			 i);
		break;
	case 2: /* the slug of the file before it */
		snprintf(text, n,
			 "kind: Project\nslug: q%04d\nname: Q\nowner_email: q@ex.org\n"
			 "project_type: t\napp:\n  image: img:1\n",
			 i - 1);
		break;
	case 3:
		text[0] = 0;
		break;
	default:
		snprintf(text, n,
			 "kind: Project\nslug: q%04d\nname: Q\nowner_email: q@ex.org\n"
			 "project_type: t\napp:\n  image: img:1\n  extra: %d\n---\n"
			 "kind: Project\nslug: r%04d\nname: R\nowner_email: r@ex.org\n"
			 "project_type: t\napp:\n  image: img:1\n",
			 i, i, i);
	}
	return text;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = malloc(4096);

	assert_non_null(f);
	assert_non_null(s);
	*len = fread(s, 1, 4095, f);
	s[*len] = 0;
	fclose(f);
	return s;
}

static void test_parallel_load_is_sequential(void **state)
{
	enum { NFILES = 300 };
	struct m_world w1, w2;
	struct diag_list d1, d2;
	struct spec_loader *l;
	char name[64], text[512], a[256], digest[65];
	(void)state;

	tree_begin("p");
	put("base.yaml", globals);
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "p/%04d.yaml", i);
		put(name, bad_file(i, text, sizeof(text)));
	}
	world_init(&w1);
	diag_init(&d1);
	assert_int_equal(spec_load(dir, &w1, &d1, digest), -1);
	/* the same files, in the walk's order (base.yaml, then p/ by name), one at a time */
	world_init(&w2);
	diag_init(&d2);
	l = spec_loader_new(&w2, &d2);
	assert_non_null(l);
	for (int i = -1; i < NFILES; i++) {
		size_t len;
		char *data;
		if (i < 0)
			path_of(a, sizeof(a), "base.yaml");
		else {
			snprintf(name, sizeof(name), "p/%04d.yaml", i);
			path_of(a, sizeof(a), name);
		}
		data = slurp(a, &len);
		spec_loader_add(l, a, data, len);
		free(data);
	}
	assert_int_equal(spec_loader_finish(l), -1);
	assert_true(d1.n > NFILES);
	assert_int_equal(d1.n, d2.n);
	for (size_t i = 0; i < d1.n; i++) {
		const struct diag *x = &d1.v[i], *y = &d2.v[i];
		assert_string_equal(x->msg, y->msg);
		assert_string_equal(x->file ? x->file : "-", y->file ? y->file : "-");
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->col, y->col);
		assert_string_equal(x->note ? x->note : "-", y->note ? y->note : "-");
		assert_string_equal(x->note_file ? x->note_file : "-",
				    y->note_file ? y->note_file : "-");
	}
	assert_int_equal(w1.nfiles, w2.nfiles);
	for (size_t i = 0; i < w1.nfiles; i++)
		assert_string_equal(w1.files[i], w2.files[i]);
	assert_int_equal(w1.nprojects, w2.nprojects);
	for (size_t i = 0; i < w1.nprojects; i++) {
		assert_string_equal(w1.projects[i].slug, w2.projects[i].slug);
		assert_string_equal(w1.projects[i].pos.file, w2.projects[i].pos.file);
		assert_int_equal(w1.projects[i].pos.line, w2.projects[i].pos.line);
	}
	world_release(&w1);
	world_release(&w2);
	diag_release(&d1);
	diag_release(&d2);
	tree_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_follows_the_tree),
	    cmocka_unit_test(test_cache_told_paths),
	    cmocka_unit_test(test_cache_digest_many_files),
	    cmocka_unit_test(test_parallel_load_is_sequential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
