/* test_render_chunks.c — the text and JSON plans rendered in chunks on worker
 * threads (plan/render.c through util/opipe.h) are byte for byte the ones
 * rendered on the caller's thread alone, for a plan of several chunks
 * (colour and verbose text included), and so is what the public renderers
 * choose by size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"
#include "spec/spec.h"

#define NPROJECTS 1000 /* 11 actions each: 11,000 actions, 6 chunks */

static char *specs(size_t *len)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "kind: Server\nname: s1\ncoolify_uuid: u1\nip_address: 198.51.100.1\n"
		     "---\nkind: BaseDomain\ndomain: ex.de\ndefault: true\n"
		     "---\nkind: ProjectType\ncode: t\nname: T\ntrial_days: 14\n");
	for (int i = 0; i < NPROJECTS; i++)
		buf_printf(
		    &b,
		    "---\nkind: Project\nslug: p%04d\nname: \"P \\\"%d\\\"\"\n"
		    "owner_email: p%d@ex.org\nproject_type: t\nserver: s1\napp:\n"
		    "  image: img:%d\n  env:\n    A: \"x\\ty\"\n    B: b%d\n"
		    "domains:\n  - subdomain: p%04d\n  - domain: p%04d.org\n    type: owned\n",
		    i, i, i, i % 7, i, i, i);
	*len = b.len;
	return buf_detach(&b);
}

typedef int (*render_with)(const struct m_plan *, const struct m_world *, bool, bool, struct buf *,
			   size_t);

static char *render(render_with fn, const struct m_plan *p, const struct m_world *w, bool color,
		    bool verbose, size_t workers)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(fn(p, w, color, verbose, &b, workers), 0);
	return buf_detach(&b);
}

static void test_chunks_render_the_same_bytes(void **state)
{
	struct m_world w;
	struct diag_list d;
	struct m_plan plan;
	struct vrs_err err;
	struct plan_opts po = {0};
	size_t len;
	char *src = specs(&len);
	(void)state;

	world_init(&w);
	diag_init(&d);
	assert_int_equal(spec_parse_buffer("big.yaml", src, len, &w, &d), 0);
	plan_init(&plan);
	err_clear(&err);
	po.verbose = true;
	assert_int_equal(plan_build(&w, NULL, NULL, &po, &plan, &err), 0);
	assert_true(plan.nactions > 5 * 2048); /* RCHUNK */
	for (int color = 0; color <= 1; color++)
		for (int verbose = 0; verbose <= 1; verbose++) {
			char *one = render(plan_render_text_with, &plan, &w, color, verbose, 0);
			size_t heads = 0;
			/* one block per project, whatever chunk its actions fell in */
			for (const char *q = one; (q = strstr(q, "# project ")); q++)
				heads++;
			assert_int_equal(heads, NPROJECTS);
			for (size_t k = 1; k <= 3; k++) {
				char *many =
				    render(plan_render_text_with, &plan, &w, color, verbose, k);
				assert_string_equal(one, many);
				free(many);
			}
			free(one);
		}
	{
		char *one = render(plan_render_json_with, &plan, &w, false, false, 0);
		char *many = render(plan_render_json_with, &plan, &w, false, false, 2);
		struct buf pub;
		assert_string_equal(one, many);
		buf_init(&pub);
		assert_int_equal(plan_render_json(&plan, &w, false, false, &pub), 0);
		assert_string_equal(one, pub.data);
		{
			/* read back: every action, ids 1..n in order (the parser is strict) */
			struct m_plan back;
			plan_init(&back);
			assert_int_equal(plan_parse_json(one, strlen(one), &back, &err), 0);
			assert_int_equal(back.nactions, plan.nactions);
			plan_release(&back);
		}
		buf_release(&pub);
		free(one);
		free(many);
	}
	plan_release(&plan);
	world_release(&w);
	diag_release(&d);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chunks_render_the_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
