/*
 * test_spec.c — unit tests of the spec loader (src/spec/): node positions,
 * every validation rule with its exact message and position, defaults,
 * normalisation, secrets never echoed, cross-checks, and hostile input
 * (deep nesting, big scalars, billion laughs, garbage bytes, symlink loops,
 * unreadable entries, FIFOs, directories named *.yaml).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/trim.h"
#include "spec/node.h"
#include "spec/spec.h"

/* ---- helpers ------------------------------------------------------------------ */

struct res {
	struct m_world w;
	struct diag_list d;
	int rc;
};

static void load_str(struct res *r, const char *yaml)
{
	world_init(&r->w);
	diag_init(&r->d);
	r->rc = spec_parse_buffer("t.yaml", yaml, strlen(yaml), &r->w, &r->d);
}

static void res_free(struct res *r)
{
	world_release(&r->w);
	diag_release(&r->d);
}

/* dump diagnostics (for failing assertions) */
static void dump(const struct res *r)
{
	diag_print(&r->d, stderr);
}

/* is there an error "LINE:COL: MSG" (file t.yaml)? */
static int has_at(const struct res *r, int line, int col, const char *msg)
{
	for (size_t i = 0; i < r->d.n; i++)
		if (r->d.v[i].line == line && r->d.v[i].col == col && !strcmp(r->d.v[i].msg, msg))
			return 1;
	dump(r);
	fprintf(stderr, "wanted %d:%d: %s\n", line, col, msg);
	return 0;
}

static int has_note(const struct res *r, const char *msg, int nline, int ncol)
{
	for (size_t i = 0; i < r->d.n; i++)
		if (!strcmp(r->d.v[i].msg, msg) && r->d.v[i].note &&
		    !strcmp(r->d.v[i].note, "first defined here") && r->d.v[i].note_line == nline &&
		    r->d.v[i].note_col == ncol)
			return 1;
	dump(r);
	fprintf(stderr, "wanted note for: %s at %d:%d\n", msg, nline, ncol);
	return 0;
}

/* a valid world to which tests append one document */
#define BASE                                                                                       \
	"kind: Server\nname: fsn1-01\ncoolify_uuid: u1\nip_address: 203.0.113.10\n"                \
	"---\nkind: BaseDomain\ndomain: vrs.gmbh\ndefault: true\n"                                 \
	"---\nkind: BaseDomain\ndomain: vrs-preview.de\n"                                          \
	"---\nkind: ProjectType\ncode: gastro\nname: Gastro\ntrial_days: 14\n"                     \
	"---\nkind: ProjectType\ncode: retail\nname: Retail\n"                                     \
	"---\nkind: Plugin\nname: menu\n"                                                          \
	"---\nkind: Bundle\ncode: gb\nname: GB\nproject_type: gastro\nplugins: [menu]\n"           \
	"---\n"
/* BASE has 30 lines; the appended document starts on line 31 */
#define L0 30

#define PROJ                                                                                       \
	"kind: Project\nslug: roma\nname: Roma\nowner_email: a@b.de\nproject_type: gastro\napp: "  \
	"{image: img}\n"

static void test_valid_base(void **state)
{
	struct res r;
	(void)state;
	load_str(&r, BASE PROJ);
	if (r.rc != 0)
		dump(&r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.w.nprojects, 1);
	assert_int_equal(r.w.nservers, 1);
	assert_int_equal(r.w.nbase_domains, 2);
	res_free(&r);
}

/* app.delete_volumes: a boolean, read into the model */
static void test_delete_volumes(void **state)
{
	struct res r;
	(void)state;
	load_str(&r, BASE "kind: Project\nslug: roma\nname: Roma\nowner_email: a@b.de\n"
			  "project_type: gastro\napp: {image: img, delete_volumes: true}\n");
	assert_int_equal(r.rc, 0);
	assert_true(r.w.projects[0].app.delete_volumes);
	res_free(&r);
	load_str(&r, BASE "kind: Project\nslug: roma\nname: Roma\nowner_email: a@b.de\n"
			  "project_type: gastro\napp: {image: img, delete_volumes: sometimes}\n");
	assert_int_not_equal(r.rc, 0);
	res_free(&r);
}

static void test_defaults(void **state)
{
	struct res r;
	const struct m_project *p;
	const struct m_server *s;
	(void)state;
	load_str(&r, BASE PROJ "domains: [{subdomain: Roma}]\ntrial: true\n");
	assert_int_equal(r.rc, 0);
	p = &r.w.projects[0];
	assert_int_equal(p->lifecycle, LC_ACTIVE);
	assert_null(p->server);
	assert_int_equal(p->payment_method, PM_INVOICE);
	assert_true(p->payment_confirmed);
	assert_int_equal(p->trial_days, 14);
	assert_false(p->demo);
	assert_false(p->preview_protection);
	assert_int_equal(p->app.port, 8000);
	assert_string_equal(p->app.health_path, "/health");
	assert_false(p->app.delete_volumes); /* an archive keeps the volumes */
	assert_int_equal(p->ndomains, 1);
	assert_string_equal(p->domains[0].fqdn, "roma.vrs.gmbh");
	assert_string_equal(p->domains[0].base_domain, "vrs.gmbh");
	assert_int_equal(p->domains[0].type, DT_SUBDOMAIN);
	assert_true(p->domains[0].primary);
	s = &r.w.servers[0];
	assert_int_equal(s->ssh_port, 22);
	assert_int_equal(s->max_projects, 20);
	assert_true(s->accepting_new);
	assert_int_equal(s->status, SS_ACTIVE);
	assert_int_equal(r.w.bundles[0].billing_cycle, BC_MONTHLY);
	assert_int_equal(r.w.bundles[0].discount_percent, 0);
	res_free(&r);
}

static void test_dup_key(void **state)
{
	struct res r;
	(void)state;
	load_str(&r, BASE PROJ "slug: x\n");
	assert_int_equal(r.rc, -1);
	assert_true(has_at(&r, L0 + 7, 1, "duplicate key 'slug'"));
	assert_true(has_note(&r, "duplicate key 'slug'", L0 + 2, 1));
	res_free(&r);
}

/* positions of scalars, mappings and sequences across documents */
static int pos_cb(void *ud, const struct sp_node *root)
{
	const struct sp_node **out = ud;
	int i = 0;
	while (out[i])
		i++;
	out[i] = root;
	return 0;
}

static void test_positions(void **state)
{
	const char *y = "# c\nkind: A\nlist:\n  - x\n  - {k: v}\n---\n  seq: [1, 'two']\n";
	const struct sp_node *roots[4] = {0};
	struct diag_list d;
	(void)state;
	diag_init(&d);
	/* the tree lives only inside the callback: check through a copy of the numbers */
	assert_int_equal(sp_parse("f.yaml", y, strlen(y), &d, pos_cb, roots), 0);
	assert_int_equal(d.n, 0);
	diag_release(&d);
}

struct posrec {
	int n;
	int v[16][2];
};

static int rec_cb(void *ud, const struct sp_node *root)
{
	struct posrec *r = ud;
	const struct sp_node *list, *item, *map, *seq;
#define REC(node) (r->v[r->n][0] = (node)->line, r->v[r->n][1] = (node)->col, r->n++)
	REC(root);
	if (root->len == 4) {	      /* document 1: kind, list */
		REC(root->u.kids[1]); /* scalar "A" */
		list = root->u.kids[3];
		REC(list);
		item = list->u.kids[0];
		REC(item);
		map = list->u.kids[1];
		REC(map);
		REC(map->u.kids[1]);
		assert_int_equal(sp_scalar_kind(item), SK_STR);
	} else {
		seq = root->u.kids[1];
		REC(seq);
		REC(seq->u.kids[1]);
		assert_int_equal(sp_scalar_kind(seq->u.kids[0]), SK_INT);
		assert_int_equal(sp_scalar_kind(seq->u.kids[1]), SK_STR); /* quoted */
	}
	return 0;
}

static void test_positions_exact(void **state)
{
	const char *y = "# c\nkind: A\nlist:\n  - x\n  - {k: v}\n---\n  seq: [1, 'two']\n";
	struct posrec r = {0};
	struct diag_list d;
	static const int want[][2] = {{2, 1}, {2, 7}, {4, 3}, {4, 5}, {5, 5},
				      {5, 9}, {7, 3}, {7, 8}, {7, 12}};
	(void)state;
	diag_init(&d);
	assert_int_equal(sp_parse("f.yaml", y, strlen(y), &d, rec_cb, &r), 0);
	assert_int_equal(r.n, 9);
	for (int i = 0; i < 9; i++) {
		assert_int_equal(r.v[i][0], want[i][0]);
		assert_int_equal(r.v[i][1], want[i][1]);
	}
	diag_release(&d);
}

static void test_model_positions(void **state)
{
	struct res r;
	(void)state;
	load_str(&r, BASE PROJ "server: fsn1-01\ndomains:\n  - domain: Roma.DE\n    type: owned\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.w.projects[0].pos.file, "t.yaml");
	assert_int_equal(r.w.projects[0].pos.line, L0 + 1);
	assert_int_equal(r.w.projects[0].server_pos.line, L0 + 7);
	assert_int_equal(r.w.projects[0].server_pos.col, 9);
	assert_int_equal(r.w.projects[0].domains[0].pos.line, L0 + 9);
	assert_int_equal(r.w.projects[0].domains[0].pos.col, 5);
	assert_string_equal(r.w.projects[0].domains[0].fqdn, "roma.de"); /* lower-cased */
	assert_string_equal(r.w.projects[0].server, "fsn1-01");
	assert_int_equal(r.w.servers[0].pos.line, 1);
	res_free(&r);
}

/* one error, exactly: message at line/col of the appended document */
static void one(const char *doc, int line, int col, const char *msg)
{
	struct res r;
	char *y = malloc(strlen(BASE) + strlen(doc) + 1);
	strcpy(y, BASE);
	strcat(y, doc);
	load_str(&r, y);
	assert_int_equal(r.rc, -1);
	assert_true(has_at(&r, L0 + line, col, msg));
	res_free(&r);
	free(y);
}

static void test_rules(void **state)
{
	(void)state;
	one(PROJ "owner_mail: x\n", 7, 1,
	    "unknown key 'owner_mail' in Project (did you mean 'owner_email'?)");
	one("kind: Projekt\n", 1, 7, "unknown kind 'Projekt' (did you mean 'Project'?)");
	one("slug: x\n", 1, 1,
	    "missing required key 'kind' (one of: Server, BaseDomain, ProjectType, Plugin, Bundle, "
	    "Project, Registrar)");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: 1.2.3.4\nmax_projects: \"5\"\n",
	    5, 15, "max_projects: expected an integer, got a string");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: 1.2.3.4\nssh_port: 0\n", 5, 11,
	    "ssh_port: 0 is out of range (1..65535)");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: 1.2.3.4\nmax_projects: 0\n", 5,
	    15, "max_projects: 0 is out of range (1..1000000)");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: 1.2.3\n", 4, 13,
	    "ip_address: '1.2.3' is not a valid IPv4 or IPv6 address");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: ::1\nipv6_address: 10.0.0.1\n", 5,
	    15, "ipv6_address: '10.0.0.1' is not a valid IPv6 address");
	one("kind: Server\nname: a\ncoolify_uuid: u9\nip_address: ::1\nmode: offline\n", 5, 7,
	    "mode: invalid value 'offline' (expected one of: active, maintenance)");
	one("kind: Bundle\ncode: b\nname: B\nproject_type: gastro\ndiscount_percent: 101\n", 5, 19,
	    "discount_percent: 101 is out of range (0..100)");
	one("kind: ProjectType\ncode: t\nname: T\ntrial_days: 3651\n", 4, 13,
	    "trial_days: 3651 is out of range (0..3650)");
	one("kind: Plugin\nname: p\nprices: [{project_type: gastro, price_cents: -1}]\n", 3, 46,
	    "prices[0].price_cents: -1 is out of range (at least 0)");
	one(PROJ "demo: 1\n", 7, 7, "demo: expected a boolean (true or false), got an integer");
	one(PROJ "payment: {method: paypal}\n", 7, 19,
	    "payment.method: invalid value 'paypal' (expected one of: stripe_prepaid, "
	    "stripe_subscription, invoice, free)");
	one(PROJ "cloned_from: -x\n", 7, 14,
	    "cloned_from: '-x' is not a valid name: it must not start or end with '-' (a DNS "
	    "label: 1-63 lower-case letters, digits and '-', not starting or ending with '-')");
	one(PROJ "domains: [{domain: a..b, type: owned}]\n", 7, 20,
	    "domains[0].domain: 'a..b' is not a valid domain name: empty label");
	one(PROJ "domains: [{domain: x.de, type: registered, auth_code: {from_env: A}}]\n", 7, 55,
	    "domains[0].auth_code: only allowed for type 'transferred'");
	one(PROJ "domains: [{domain: x.de, type: transferred}]\n", 7, 11,
	    "domains[0]: missing required key 'auth_code' (type 'transferred')");
	one(PROJ "domains: [{subdomain: x, base: nope.de}]\n", 7, 32,
	    "unknown base domain 'nope.de'");
	one(PROJ "bundle: gold\n", 7, 9, "unknown bundle 'gold'");
}

static void test_rules2(void **state)
{
	struct res r;
	(void)state;
	/* bundle of another project type */
	load_str(&r, BASE "kind: Project\nslug: r\nname: R\nowner_email: a@b.de\nproject_type: "
			  "retail\napp: {image: i}\nbundle: gb\n");
	assert_true(
	    has_at(&r, L0 + 7, 9, "bundle 'gb' is for project type 'gastro', not 'retail'"));
	res_free(&r);
	/* cloned_from cycle */
	load_str(&r,
		 BASE PROJ "cloned_from: b\n---\nkind: Project\nslug: b\nname: B\nowner_email: "
			   "a@b.de\nproject_type: gastro\napp: {image: i}\ncloned_from: roma\n");
	assert_true(has_at(&r, L0 + 7, 14, "cloned_from forms a cycle: roma -> b -> roma"));
	res_free(&r);
	/* two primaries; duplicate domain across projects */
	load_str(&r, BASE PROJ "domains: [{domain: a.de, type: owned, primary: true}, {domain: "
			       "b.de, type: owned, primary: true}]\n---\nkind: Project\nslug: "
			       "b\nname: B\nowner_email: a@b.de\nproject_type: gastro\napp: "
			       "{image: i}\ndomains: [{domain: A.de, type: owned}]\n");
	assert_true(has_note(&r, "more than one primary domain in project 'roma'", L0 + 7, 11));
	assert_true(has_at(&r, L0 + 7, 55, "more than one primary domain in project 'roma'"));
	assert_true(has_note(&r, "duplicate domain 'a.de'", L0 + 7, 11));
	res_free(&r);
	/* several domains, none marked: the first is primary */
	load_str(&r,
		 BASE PROJ "domains: [{domain: b.de, type: owned}, {domain: a.de, type: owned}]\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.w.projects[0].domains[1].fqdn, "b.de");
	assert_true(r.w.projects[0].domains[1].primary);
	assert_false(r.w.projects[0].domains[0].primary);
	res_free(&r);
}

/* no diagnostic repeats a secret literal */
static void test_secrets_not_echoed(void **state)
{
	struct res r;
	(void)state;
	load_str(&r, BASE PROJ
		 "domains: [{domain: x.de, type: transferred, auth_code: S3cr3tAuth}]\n"
		 "---\nkind: Project\nslug: b\nname: B\nowner_email: a@b.de\nproject_type: gastro\n"
		 "app: {image: i, env: {DB_PASSWORD: hunter2xyz, api_token: tok3n, Private_Key: "
		 "pk9, OK: {from_env: X}}}\n");
	assert_int_equal(r.rc, -1);
	assert_true(
	    has_at(&r, L0 + 7, 56,
		   "domains[0].auth_code: secret values must be references (from_env/from_file)"));
	assert_true(
	    has_at(&r, L0 + 14, 36,
		   "app.env.DB_PASSWORD: secret values must be references (from_env/from_file)"));
	assert_int_equal(r.d.n, 4);
	for (size_t i = 0; i < r.d.n; i++) {
		assert_null(strstr(r.d.v[i].msg, "S3cr3tAuth"));
		assert_null(strstr(r.d.v[i].msg, "hunter2xyz"));
		assert_null(strstr(r.d.v[i].msg, "tok3n"));
		assert_null(strstr(r.d.v[i].msg, "pk9"));
	}
	res_free(&r);
	/* references are kept, literal non-secrets too */
	load_str(&r,
		 BASE "kind: Project\nslug: r\nname: R\nowner_email: a@b.de\nproject_type: gastro\n"
		      "app: {image: i, env: {A: 1, B: {from_file: /run/b}}}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.w.projects[0].app.nenv, 2);
	assert_int_equal(r.w.projects[0].app.env[0].kind, VK_LITERAL);
	assert_string_equal(r.w.projects[0].app.env[0].value, "1");
	assert_int_equal(r.w.projects[0].app.env[1].kind, VK_FROM_FILE);
	assert_string_equal(r.w.projects[0].app.env[1].ref, "/run/b");
	assert_null(r.w.projects[0].app.env[1].value);
	res_free(&r);
}

static void test_hostile(void **state)
{
	struct res r;
	size_t n = 4u << 20;
	char *y = malloc(n + 64);
	(void)state;
	/* deep nesting */
	strcpy(y, "kind: Project\nx: ");
	for (int i = 0; i < 100000; i++)
		strcat(y + 17 + i, "["); /* cheap: appends at the end */
	load_str(&r, y);
	assert_true(has_at(&r, 2, 67, "nesting too deep (the limit is 64 levels)"));
	res_free(&r);
	/* a big scalar */
	memcpy(y, "kind: Project\nslug: ", 20);
	memset(y + 20, 'a', n);
	y[20 + n] = 0;
	load_str(&r, y);
	assert_true(has_at(&r, 2, 7, "scalar too long (4194304 bytes; the limit is 1048576)"));
	res_free(&r);
	/* billion laughs */
	load_str(&r,
		 "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		 "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n");
	assert_true(has_at(&r, 2, 8, "aliases are not supported"));
	res_free(&r);
	/* garbage bytes */
	for (size_t i = 0; i < 4096; i++)
		y[i] = (char)((i * 7919u + 13u) % 251u + 1);
	y[4096] = 0;
	load_str(&r, y);
	assert_int_equal(r.rc, -1);
	assert_true(r.d.n >= 1);
	res_free(&r);
	/* a scalar document, an empty buffer, an empty document */
	load_str(&r, "just text\n");
	assert_true(has_at(&r, 1, 1, "a document must be a mapping with 'kind:', got a string"));
	res_free(&r);
	load_str(&r, "");
	assert_int_equal(r.rc, 0);
	res_free(&r);
	load_str(&r, "---\n...\n---\n# only a comment\n");
	assert_int_equal(r.rc, 0);
	res_free(&r);
	free(y);
}

/* ---- directories ---- */

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int has_msg(const struct diag_list *d, const char *msg)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].msg, msg))
			return 1;
	diag_print(d, stderr);
	fprintf(stderr, "wanted: %s\n", msg);
	return 0;
}

static void test_load_dir(void **state)
{
	char tmpl[] = "/tmp/test_spec_XXXXXX", p[512], q[512], dg1[65], dg2[65];
	char *dir = mkdtemp(tmpl);
	struct m_world w;
	struct diag_list d;
	(void)state;
	assert_non_null(dir);
	snprintf(p, sizeof(p), "%s/specs", dir);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/specs/projects", dir);
	mkdir(q, 0755);
	put(p, "base.yaml", BASE "kind: Plugin\nname: shop\n");
	put(p, "projects/roma.yml", PROJ);
	put(p, "projects/empty.yaml", "");
	put(p, "notes.txt", "kind: Nonsense\n");
	put(p, ".hidden.yaml", "kind: Nonsense\n");
	world_init(&w);
	diag_init(&d);
	assert_int_equal(spec_load(p, &w, &d, dg1), 0);
	assert_int_equal(w.nprojects, 1);
	assert_int_equal(w.nfiles, 3);
	assert_string_equal(w.projects[0].pos.file + strlen(p), "/projects/roma.yml");
	world_release(&w);
	/* the digest follows the bytes */
	world_init(&w);
	assert_int_equal(spec_load(p, &w, &d, dg2), 0);
	assert_string_equal(dg1, dg2);
	assert_int_equal(strlen(dg1), 64);
	world_release(&w);
	put(p, "projects/empty.yaml", "\n");
	world_init(&w);
	assert_int_equal(spec_load(p, &w, &d, dg2), 0);
	assert_string_not_equal(dg1, dg2);
	world_release(&w);

	/* hostile tree: symlink loop, dangling symlink, FIFO, directory named *.yaml */
	snprintf(q, sizeof(q), "%s/specs/projects/loop", dir);
	assert_int_equal(symlink("..", q), 0);
	snprintf(q, sizeof(q), "%s/specs/projects/gone.yaml", dir);
	assert_int_equal(symlink("/nonexistent/x.yaml", q), 0);
	snprintf(q, sizeof(q), "%s/specs/fifo.yaml", dir);
	assert_int_equal(mkfifo(q, 0644), 0);
	snprintf(q, sizeof(q), "%s/specs/dir.yaml", dir);
	assert_int_equal(mkdir(q, 0755), 0);
	put(q, "x.yaml", "kind: Plugin\nname: dirplug\n");
	world_init(&w);
	assert_int_equal(spec_load(p, &w, &d, dg2), -1);
	snprintf(
	    q, sizeof(q),
	    "%s/specs/projects/loop: symlink loop (the directory contains itself); not followed",
	    dir);
	assert_true(has_msg(&d, q));
	snprintf(q, sizeof(q),
		 "%s/specs/projects/gone.yaml: cannot read: No such file or directory", dir);
	assert_true(has_msg(&d, q));
	snprintf(q, sizeof(q), "%s/specs/fifo.yaml: not a regular file", dir);
	assert_true(has_msg(&d, q));
	assert_int_equal(w.nplugins, 3); /* menu, shop, dirplug */
	assert_int_equal(d.n, 3);
	world_release(&w);
	diag_release(&d);
	/* unreadable file (only meaningful when not root) */
	if (geteuid() != 0) {
		snprintf(q, sizeof(q), "%s/specs/base.yaml", dir);
		chmod(q, 0);
		world_init(&w);
		diag_init(&d);
		assert_int_equal(spec_load(p, &w, &d, NULL), -1);
		world_release(&w);
		diag_release(&d);
	}
	/* a missing directory */
	world_init(&w);
	diag_init(&d);
	assert_int_equal(spec_load("/nonexistent/specs", &w, &d, NULL), -1);
	assert_true(has_msg(
	    &d, "/nonexistent/specs: cannot open specs directory: No such file or directory"));
	world_release(&w);
	diag_release(&d);
	snprintf(q, sizeof(q), "rm -rf '%s'", dir);
	assert_int_equal(system(q), 0);
}

/* what Coolify's TrimStrings would change: ASCII and Unicode spaces at either end */
static void test_coolify_trims(void **state)
{
	(void)state;
	assert_false(m_coolify_trims(""));
	assert_false(m_coolify_trims(NULL));
	assert_false(m_coolify_trims("a"));
	assert_false(m_coolify_trims("a b\nc"));
	assert_false(m_coolify_trims("caf\xc3\xa9")); /* é: not a space */
	assert_true(m_coolify_trims(" a"));
	assert_true(m_coolify_trims("a\n"));
	assert_true(m_coolify_trims("\ta"));
	assert_true(m_coolify_trims("a\r"));
	assert_true(m_coolify_trims(" "));
	assert_true(m_coolify_trims("\xef\xbb\xbf"
				    "a"));	       /* BOM */
	assert_true(m_coolify_trims("a\xc2\xa0"));     /* NBSP */
	assert_true(m_coolify_trims("a\xe2\x80\x8b")); /* zero-width space */
	assert_true(m_coolify_trims("\xe3\x80\x80"
				    "a")); /* ideographic space */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_base),	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_delete_volumes),  cmocka_unit_test(test_dup_key),
	    cmocka_unit_test(test_positions),	    cmocka_unit_test(test_positions_exact),
	    cmocka_unit_test(test_model_positions), cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_rules2),	    cmocka_unit_test(test_secrets_not_echoed),
	    cmocka_unit_test(test_hostile),	    cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_coolify_trims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
