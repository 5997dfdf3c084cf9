/*
 * test_plan_memo.c — plan_build_memo (src/plan/memo.c) gives plan_build's
 * plan byte for byte (the JSON rendering: ids, requires, changes, reasons,
 * positions) after each edit of a sequence: a project's image, a new
 * project, a deleted one, a renamed file, a global document, a `server:
 * auto` project added, a recorded row changed between two re-plans, a
 * recorded project no spec names, a clone's source, the options; then a
 * seeded random walk of such edits. Each world is released before the next
 * build (the memo must hold nothing of it; ASan checks), and the splice must
 * have been used for the project-only edits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "spec/spec.h"

#define MAXP 48

/* one project file of the tree */
struct pfile {
	bool present;
	char name[64];	   /* its file name (renames change it) */
	int image, server; /* server: 0 auto, 1 s1, 2 s2 */
	int lifecycle;	   /* 0 active, 1 suspended, 2 archived */
	bool stripe, clone, second_domain;
};

/* a recorded row of a slug (the state's side) */
struct prow {
	bool present, managed, app;
	int status; /* enum m_prov_status */
	int server; /* 1 s1, 2 s2 */
	int retries;
};

struct tree {
	int s1_max, s2_max;
	struct pfile p[MAXP];
	struct prow r[MAXP];
	bool verbose, allow_delete;
};

static void slug_of(char *out, size_t n, int i)
{
	snprintf(out, n, "kunde-%02d", i);
}

static void globals_yaml(const struct tree *t, char *out, size_t n)
{
	snprintf(out, n,
		 "kind: Server\nname: s1\ncoolify_uuid: u1\nip_address: 198.51.100.1\n"
		 "max_projects: %d\n---\n"
		 "kind: Server\nname: s2\ncoolify_uuid: u2\nip_address: 198.51.100.2\n"
		 "ipv6_address: \"2001:db8::2\"\nmax_projects: %d\n---\n"
		 "kind: BaseDomain\ndomain: ex.de\ndefault: true\n---\n"
		 "kind: ProjectType\ncode: t\nname: T\ntrial_days: 14\n---\n"
		 "kind: Plugin\nname: menu\nprices:\n"
		 "  - {project_type: t, billing_cycle: monthly, price_cents: 990}\n---\n"
		 "kind: Bundle\ncode: b\nname: B\nproject_type: t\nplugins: [menu]\n",
		 t->s1_max, t->s2_max);
}

static void project_yaml(const struct pfile *f, int i, char *out, size_t n)
{
	static const char *const lc[] = {"active", "suspended", "archived"};
	static const char *const sv[] = {"auto", "s1", "s2"};
	char slug[32], src[32];

	slug_of(slug, sizeof(slug), i);
	slug_of(src, sizeof(src), (i + 1) % MAXP);
	snprintf(out, n,
		 "kind: Project\nslug: %s\nname: Kunde %d\nowner_email: k%d@ex.org\n"
		 "project_type: t\nbundle: b\nserver: %s\nlifecycle: %s\n%s%s"
		 "app: {image: \"ghcr.io/vrs/core:1.%d\", env: {LOCALE: de_DE}}\n"
		 "domains: [{subdomain: %s}%s%s%s]\n",
		 slug, i, i, sv[f->server], lc[f->lifecycle],
		 f->stripe ? "payment: {method: stripe_prepaid, confirmed: false}\n" : "", "",
		 f->image, slug, f->second_domain ? ", {subdomain: " : "",
		 f->second_domain ? slug : "", f->second_domain ? "-zwei}" : "");
	if (f->clone) { /* cloned_from goes after demo: rebuild with the source's slug */
		snprintf(out, n,
			 "kind: Project\nslug: %s\nname: Kunde %d\nowner_email: k%d@ex.org\n"
			 "project_type: t\nbundle: b\nserver: %s\nlifecycle: %s\n%s"
			 "demo: true\ncloned_from: %s\n"
			 "app: {image: \"ghcr.io/vrs/core:1.%d\", env: {LOCALE: de_DE}}\n"
			 "domains: [{subdomain: %s}%s%s%s]\n",
			 slug, i, i, sv[f->server], lc[f->lifecycle],
			 f->stripe ? "payment: {method: stripe_prepaid, confirmed: false}\n" : "",
			 src, f->image, slug, f->second_domain ? ", {subdomain: " : "",
			 f->second_domain ? slug : "", f->second_domain ? "-zwei}" : "");
	}
}

static int cmp_name(const void *x, const void *y)
{
	const struct pfile *a = *(const struct pfile *const *)x,
			   *b = *(const struct pfile *const *)y;

	return strcmp(a->name, b->name);
}

/* the desired world of the tree: the globals' file, then the project files by name */
static void load_desired(const struct tree *t, struct m_world *w)
{
	static char text[4096];
	const struct pfile *order[MAXP];
	struct diag_list d;
	struct spec_loader *l;
	size_t n = 0;

	world_init(w);
	diag_init(&d);
	l = spec_loader_new(w, &d);
	assert_non_null(l);
	globals_yaml(t, text, sizeof(text));
	spec_loader_add(l, "specs/base.yaml", text, strlen(text));
	for (int i = 0; i < MAXP; i++)
		if (t->p[i].present)
			order[n++] = &t->p[i];
	qsort(order, n, sizeof(*order), cmp_name);
	for (size_t k = 0; k < n; k++) {
		project_yaml(order[k], (int)(order[k] - t->p), text, sizeof(text));
		spec_loader_add(l, order[k]->name, text, strlen(text));
	}
	if (spec_loader_finish(l) < 0) {
		diag_print(&d, stderr);
		fail_msg("the generated specs are invalid");
	}
	diag_release(&d);
}

static char *S(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

/* the recorded world: the globals as applied, and the rows the tree says */
static void load_recorded(const struct tree *t, struct m_world *w)
{
	struct tree g = *t;
	char id[64];

	for (int i = 0; i < MAXP; i++) {
		g.p[i].present = t->r[i].present;
		g.p[i].clone = false;
		g.p[i].lifecycle = 0;
		snprintf(g.p[i].name, sizeof(g.p[i].name), "state/%02d", i);
	}
	load_desired(&g, w);
	for (size_t k = 0; k < w->nprojects; k++) {
		struct m_project *p = &w->projects[k];
		const struct prow *r = &t->r[atoi(p->slug + 6)];
		p->managed = r->managed;
		p->status = (enum m_prov_status)r->status;
		p->provisioning_retry_count = r->retries;
		free(p->server);
		p->server = S(r->server == 1 ? "s1" : "s2");
		if (r->app) {
			snprintf(id, sizeof(id), "app-%s", p->slug);
			p->coolify_app_uuid = S(id);
			p->coolify_project_uuid = S("cp");
			p->coolify_environment_uuid = S("env");
		}
		for (size_t j = 0; j < p->ndomains && r->app; j++) {
			snprintf(id, sizeof(id), "rec-%s", p->domains[j].fqdn);
			p->domains[j].record_a = S(id);
			p->domains[j].status = DS_ACTIVE;
			p->domains[j].zone = S("ex.de");
		}
	}
}

static char *render(const struct m_plan *p, const struct m_world *d, bool verbose)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(plan_render_json(p, d, false, verbose, &b), 0);
	return buf_detach(&b);
}

/*
 * the memo's plan of the tree against a fresh plan_build, byte for byte:
 * 0 the full build ran, 1 spliced (merged), 2 spliced in place
 */
static int check_at(struct plan_memo *m, const struct tree *t, int line)
{
	struct m_world d, r;
	struct m_plan a, b;
	struct plan_opts o = {.verbose = t->verbose, .allow_delete = t->allow_delete};
	struct plan_memo_stats st;
	struct vrs_err err;
	char *x, *y;

	load_desired(t, &d);
	load_recorded(t, &r);
	plan_init(&a);
	plan_init(&b);
	err_clear(&err);
	assert_int_equal(plan_build_memo(m, &d, &r, NULL, &o, &a, &st, &err), 0);
	assert_int_equal(plan_build(&d, &r, NULL, &o, &b, &err), 0);
	x = render(&a, &d, t->verbose);
	y = render(&b, &d, t->verbose);
	if (strcmp(x, y) != 0) { /* the two plans, to compare by eye */
		char fa[64], fb[64];
		FILE *f, *g;
		snprintf(fa, sizeof(fa), "memo-%d-spliced.json", line);
		snprintf(fb, sizeof(fb), "memo-%d-full.json", line);
		f = fopen(fa, "w");
		g = fopen(fb, "w");
		if (f && g) {
			fputs(x, f);
			fputs(y, g);
		}
		if (f)
			fclose(f);
		if (g)
			fclose(g);
		fail_msg("line %d: the memo's plan differs (incremental %d, why %s): memo-*.json",
			 line, st.incremental, st.why ? st.why : "-");
	}
	assert_int_equal(a.nnoop, b.nnoop);
	free(x);
	free(y);
	plan_release(&a);
	plan_release(&b);
	world_release(&d);
	world_release(&r);
	return st.incremental ? 1 + st.in_place : 0;
}

#define check(m, t) check_at(m, t, __LINE__)

static void tree_init(struct tree *t, int n)
{
	memset(t, 0, sizeof(*t));
	t->s1_max = 30;
	t->s2_max = 30;
	for (int i = 0; i < n; i++) {
		struct pfile *f = &t->p[i];
		f->present = true;
		snprintf(f->name, sizeof(f->name), "specs/projects/%02d.yaml", i);
		f->server = i % 5 == 0 ? 1 : 0;
		f->lifecycle = i % 11 == 3 ? 1 : i % 13 == 4 ? 2 : 0;
		f->stripe = i % 9 == 2;
		f->second_domain = i % 4 == 1;
		if (i % 3 == 0) {
			t->r[i] = (struct prow){true, true, i % 6 == 0, PS_ACTIVE, 1 + i % 2, 0};
			if (i % 12 == 9)
				t->r[i].status = PS_ERROR;
		}
	}
	t->r[MAXP - 1] = (struct prow){true, true, true, PS_ACTIVE, 2, 0};  /* no spec: archived */
	t->r[MAXP - 2] = (struct prow){true, false, false, PS_DRAFT, 1, 0}; /* the application's */
}

/* the named edits of the issue, each compared, in one sequence */
static void test_sequence(void **state)
{
	struct plan_memo *m = plan_memo_new();
	struct tree t;
	(void)state;

	assert_non_null(m);
	tree_init(&t, 24);
	assert_false(check(m, &t));	   /* the first build is a full one */
	assert_int_equal(check(m, &t), 2); /* nothing changed: spliced, nothing rebuilt */
	t.p[5].image++;			   /* a project's image: the same actions, in place */
	assert_int_equal(check(m, &t), 2);
	t.p[30] = t.p[6]; /* a new project */
	snprintf(t.p[30].name, sizeof(t.p[30].name), "specs/projects/30.yaml");
	t.p[30].server = 2;
	assert_int_equal(check(m, &t), 1); /* a new fragment: merged */
	t.p[7].present = false;		   /* a deleted project (no recorded row) */
	assert_true(check(m, &t));
	t.p[9].present = false; /* a deleted project with a recorded row: archived */
	assert_true(check(m, &t));
	snprintf(t.p[8].name, sizeof(t.p[8].name), "specs/zz/renamed.yaml"); /* a renamed file */
	assert_true(check(m, &t));
	t.s2_max = 29; /* a global document: the full build */
	assert_false(check(m, &t));
	assert_true(check(m, &t));
	t.p[31] = t.p[2]; /* a `server: auto` project added: other placements may move */
	snprintf(t.p[31].name, sizeof(t.p[31].name), "specs/projects/31.yaml");
	t.p[31].server = 0;
	t.p[31].stripe = false;
	check(m, &t);
	t.r[12].status = PS_PROVISIONING; /* a recorded row changed between two re-plans */
	assert_true(check(m, &t));
	t.r[15].app = !t.r[15].app;
	t.r[18].retries = 5; /* retries exhausted: a noop */
	t.r[18].status = PS_ERROR;
	assert_true(check(m, &t));
	t.r[13] = (struct prow){true, true, true, PS_ACTIVE, 2, 0}; /* a new recorded row */
	assert_true(check(m, &t));
	t.p[10].clone = true; /* a clone of kunde-11 */
	check(m, &t);
	t.p[11].image++; /* its source: the full build */
	assert_false(check(m, &t));
	t.verbose = true; /* other options: full, then spliced with them */
	assert_false(check(m, &t));
	t.p[14].image++;
	assert_int_equal(check(m, &t), 2);
	t.allow_delete = true;
	check(m, &t);
	t.p[16].lifecycle = 2;
	assert_true(check(m, &t));
	plan_memo_free(m);
}

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* a seeded random walk of edits: every plan equals a fresh one */
static void test_random_walk(void **state)
{
	struct plan_memo *m = plan_memo_new();
	struct tree t;
	unsigned seed = 20261207;
	int spliced = 0, kinds[3] = {0, 0, 0};
	(void)state;

	tree_init(&t, 36);
	check(m, &t);
	for (int step = 0; step < 400; step++) {
		int i = (int)(rnd(&seed) % MAXP), k = (int)(rnd(&seed) % 16);
		struct pfile *f = &t.p[i];
		switch (k) {
		case 0:
			f->present = !f->present;
			snprintf(f->name, sizeof(f->name), "specs/projects/%02d.yaml", i);
			f->clone = false;
			break;
		case 1:
			snprintf(f->name, sizeof(f->name), "specs/r%u/%02d.yaml", rnd(&seed) % 7,
				 i);
			break;
		case 2:
			f->server = (int)(rnd(&seed) % 3);
			break;
		case 3:
			f->lifecycle = (int)(rnd(&seed) % 3);
			break;
		case 4:
			f->stripe = !f->stripe;
			break;
		case 5:
			f->second_domain = !f->second_domain;
			break;
		case 6:
			t.r[i].present = !t.r[i].present;
			t.r[i].managed = rnd(&seed) % 4 != 0;
			t.r[i].server = 1 + (int)(rnd(&seed) % 2);
			break;
		case 7:
			t.r[i].status = (int)(rnd(&seed) % PS__MAX);
			break;
		case 8:
			t.r[i].app = !t.r[i].app;
			break;
		case 9:
			t.r[i].retries = (int)(rnd(&seed) % 6);
			break;
		case 10:
			if (rnd(&seed) % 8 == 0)
				t.s1_max = 20 + (int)(rnd(&seed) % 20);
			break;
		case 11:
			if (rnd(&seed) % 10 == 0)
				t.verbose = !t.verbose;
			if (rnd(&seed) % 10 == 0)
				t.allow_delete = !t.allow_delete;
			break;
		case 12:
			if (f->present && t.p[(i + 1) % MAXP].present && rnd(&seed) % 4 == 0)
				f->clone = !f->clone;
			break;
		default:
			f->image++;
			break;
		}
		/* a clone needs its source in the specs */
		for (int j = 0; j < MAXP; j++)
			if (t.p[j].clone && !t.p[(j + 1) % MAXP].present)
				t.p[j].clone = false;
		{
			int c = check(m, &t);
			kinds[c]++;
			spliced += c > 0;
		}
	}
	assert_true(spliced > 200);		     /* the walk did test the splice */
	assert_true(kinds[1] > 50 && kinds[2] > 50); /* both ways of it */
	plan_memo_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sequence),
	    cmocka_unit_test(test_random_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
