/*
 * fuzz_plan.c — libFuzzer target: any bytes as a saved plan file (`vrsctl
 * apply PLANFILE`, plan_parse_json). A plan that parses is rendered back to
 * JSON, as apply does to compare it with the plan it makes now; that JSON
 * must parse again and render the same (a plan file survives a round trip),
 * else the target aborts. The text renderer and the summary run on it too.
 * Built by tests/fuzz/run.sh; tests/unit/test_fuzz_regress.c replays it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m_plan p, q;
	struct plan_summary s;
	struct vrs_err err;
	struct buf a, b, t;

	err_clear(&err);
	buf_init(&a);
	buf_init(&b);
	buf_init(&t);
	if (plan_parse_json((const char *)data, size, &p, &err) == 0) {
		plan_summarize(&p, &s);
		(void)plan_has_changes(&p);
		if (plan_render_json(&p, NULL, false, false, &a) == 0 &&
		    plan_render_text(&p, NULL, false, true, &t) == 0) {
			if (plan_parse_json(a.data, a.len, &q, &err) < 0)
				abort(); /* a rendered plan that does not parse back */
			if (plan_render_json(&q, NULL, false, false, &b) == 0 &&
			    (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
				abort(); /* ... or parses into another plan */
			plan_release(&q);
		}
		plan_release(&p);
	}
	buf_release(&a);
	buf_release(&b);
	buf_release(&t);
	return 0;
}
