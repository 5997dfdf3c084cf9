/* test_backoff.c — the full-jitter backoff (util/backoff.h) shared by the HTTP
 * layer's retries and the engine's resends (engine/resend.c): bounds, growth,
 * the cap, determinism per seed, and the resend delay sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/engine_int.h"
#include "providers/http.h"
#include "util/backoff.h"

static void test_jitter_bounds_and_growth(void **state)
{
	(void)state;
	for (int n = 1; n <= 8; n++) {
		double ceil_s = 0.5 * (double)(1 << (n - 1)), hi = 0, lo = 1e9;
		uint64_t rng = 42;

		if (ceil_s > 30)
			ceil_s = 30;
		for (int i = 0; i < 2000; i++) {
			double d = backoff_jitter_s(0.5, 30, n, &rng);
			assert_true(d >= 0 && d <= ceil_s);
			hi = d > hi ? d : hi;
			lo = d < lo ? d : lo;
		}
		/* full jitter: the whole range is used */
		assert_true(hi > ceil_s * 0.95);
		assert_true(lo < ceil_s * 0.05);
	}
	{
		uint64_t rng = 7;
		assert_true(backoff_jitter_s(0.5, 30, 200, &rng) <= 30);
		assert_true(backoff_jitter_s(0.5, 30, 0, &rng) <= 0.5); /* n < 1 is the first */
	}
}

static void test_same_as_http_layer(void **state)
{
	struct http_retry_cfg c = {0};
	uint64_t a = 99, b = 99;

	(void)state;
	for (int n = 1; n <= 6; n++)
		assert_true(http_backoff_s(&c, n, &a) == backoff_jitter_s(0.5, 30, n, &b));
	assert_true(a == b);
}

static void test_resend_delay_sequence(void **state)
{
	uint64_t rng = 1234, rng2 = 1234;
	int first[5];

	(void)state;
	for (int n = 1; n <= 5; n++) {
		int d = resend_delay_ms(n, &rng);
		int ceil_ms = 500 << (n - 1);

		first[n - 1] = d;
		assert_true(d >= RESEND_FLOOR_MS);	     /* never back to back */
		assert_true(d <= RESEND_FLOOR_MS + ceil_ms); /* within the backoff's ceiling */
	}
	for (int n = 1; n <= 5; n++) /* the same seed, the same sequence */
		assert_int_equal(resend_delay_ms(n, &rng2), first[n - 1]);
	for (int i = 0; i < 1000; i++) {
		int d = resend_delay_ms(30, &rng);
		assert_true(d >= RESEND_FLOOR_MS && d <= RESEND_FLOOR_MS + 30000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jitter_bounds_and_growth),
	    cmocka_unit_test(test_same_as_http_layer),
	    cmocka_unit_test(test_resend_delay_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
