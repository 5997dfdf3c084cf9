/* test_inwx_jar.c — the INWX session's cookie jar (providers/inwx_jar.c):
 * the first answer fills it, a later Set-Cookie replaces the same-named
 * cookie and keeps the others, empty pairs are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "providers/inwx_int.h"

static void test_fill_replace_keep(void **state)
{
	char *hdr = NULL;

	(void)state;
	assert_int_equal(inwx_jar_take(&hdr, "domrobot=abc"), 0);
	assert_string_equal(hdr, "Cookie: domrobot=abc");
	assert_int_equal(inwx_jar_take(&hdr, "lb=7; other=x"), 0);
	assert_string_equal(hdr, "Cookie: domrobot=abc; lb=7; other=x");
	/* the server moved the session: the new domrobot replaces the old, the rest stays */
	assert_int_equal(inwx_jar_take(&hdr, "domrobot=def"), 0);
	assert_string_equal(hdr, "Cookie: lb=7; other=x; domrobot=def");
	/* a name that is a prefix of another is a different cookie */
	assert_int_equal(inwx_jar_take(&hdr, "lb2=1; other=y"), 0);
	assert_string_equal(hdr, "Cookie: lb=7; domrobot=def; lb2=1; other=y");
	free(hdr);
}

static void test_empty_pairs(void **state)
{
	char *hdr = NULL;

	(void)state;
	assert_int_equal(inwx_jar_take(&hdr, "a=1; ; b=2;"), 0);
	assert_string_equal(hdr, "Cookie: a=1; b=2");
	free(hdr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fill_replace_keep),
	    cmocka_unit_test(test_empty_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
