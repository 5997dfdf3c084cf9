/* test_zonepick.c — which zones a watch tick reads (engine/zonepick.c, pure):
 * the share, oldest read first (never read before any), the due zones beyond
 * the share, the share raised so the full period holds, zones just written
 * skipped, and a resumed tick reading only what its refresh had left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/engine_int.h"

#include <stdio.h>
#include <string.h>

#define NOW 1000000

static const char *zones[] = {"a.de", "b.de", "c.de", "d.de", "e.de", "f.de"};

/* read_at/written_at per zone of zones[] (0: no row) */
static struct state_zone_reads rows(struct state_zone_read *v, const long long *read,
				    const long long *written)
{
	struct state_zone_reads r = {v, 0, 6};

	for (size_t i = 0; i < 6; i++) {
		size_t j = 5 - i; /* not in name order: the pick sorts */
		if (read[j] == 0 && written[j] == 0)
			continue;
		v[r.n].zone = (char *)zones[j];
		v[r.n].read_at = read[j];
		v[r.n].written_at = written[j];
		r.n++;
	}
	return r;
}

static size_t pick(const struct state_zone_reads *r, const struct refresh_share *sh,
		   const char **out, size_t *skipped)
{
	return engine_pick_zones(zones, 6, r, sh, NOW, out, skipped);
}

static void test_share_oldest_first(void **state)
{
	struct state_zone_read v[6];
	const long long read[6] = {NOW - 50, NOW - 10, 0, NOW - 40, NOW - 30, NOW - 20};
	const long long none[6] = {0};
	struct state_zone_reads r = rows(v, read, none);
	struct refresh_share sh = {.zones = 3, .full_s = 3600, .interval_s = 10};
	const char *out[6];
	size_t skipped = 9, n;

	(void)state;
	n = pick(&r, &sh, out, &skipped);
	assert_int_equal(n, 3);
	/* never read (c) is due and first, then the oldest reads */
	assert_string_equal(out[0], "c.de");
	assert_string_equal(out[1], "a.de");
	assert_string_equal(out[2], "d.de");
	assert_int_equal(skipped, 0);
	sh.zones = 0;
	sh.percent = 50;
	assert_int_equal(pick(&r, &sh, out, &skipped), 3);
}

static void test_due_and_period(void **state)
{
	struct state_zone_read v[6];
	/* a, b read longer ago than the period allows by the next tick */
	const long long read[6] = {NOW - 3595, NOW - 3700, NOW - 5, NOW - 4, NOW - 3, NOW - 2};
	const long long none[6] = {0};
	struct state_zone_reads r = rows(v, read, none);
	struct refresh_share sh = {.zones = 1, .full_s = 3600, .interval_s = 10};
	const char *out[6];
	size_t skipped, n;

	(void)state;
	n = pick(&r, &sh, out, &skipped);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "b.de");
	assert_string_equal(out[1], "a.de");
	/* the share is raised so that 6 zones are read in a 60 s period of 20 s ticks */
	sh.full_s = 60;
	sh.interval_s = 20;
	for (size_t i = 0; i < r.n; i++)
		v[i].read_at = NOW - 1;
	assert_int_equal(pick(&r, &sh, out, &skipped), 2);
}

static void test_just_written_skipped(void **state)
{
	struct state_zone_read v[6];
	const long long read[6] = {NOW - 100, NOW - 90, NOW - 80, NOW - 70, NOW - 60, NOW - 50};
	const long long written[6] = {NOW - 5, 0, 0, 0, 0, NOW - 500};
	struct state_zone_reads r = rows(v, read, written);
	struct refresh_share sh = {.zones = 2, .full_s = 3600, .interval_s = 10};
	const char *out[6];
	size_t skipped, n;

	(void)state;
	n = pick(&r, &sh, out, &skipped);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "b.de"); /* a was written since the last tick */
	assert_string_equal(out[1], "c.de");
	assert_int_equal(skipped, 1);
	/* due anyway: the period wins over the skip */
	sh.full_s = 95;
	n = pick(&r, &sh, out, &skipped);
	assert_string_equal(out[0], "a.de");
	assert_int_equal(skipped, 0);
	assert_true(n >= 2);
}

static void test_resume(void **state)
{
	struct state_zone_read v[6];
	/* a refresh began at NOW - 3 and read a, b before it yielded; the edit wrote f */
	const long long read[6] = {NOW - 3, NOW - 3, NOW - 90, NOW - 80, NOW - 70, NOW - 60};
	const long long written[6] = {0, 0, 0, 0, 0, NOW - 1};
	struct state_zone_reads r = rows(v, read, written);
	struct refresh_share sh = {.zones = 2,
				   .full_s = 10, /* everything due: ignored when resuming */
				   .interval_s = 10,
				   .resume = 3,
				   .resume_since = NOW - 3};
	const char *out[6];
	size_t skipped, n;

	(void)state;
	n = pick(&r, &sh, out, &skipped);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "c.de");
	assert_string_equal(out[1], "d.de");
	assert_string_equal(out[2], "e.de");
	assert_int_equal(skipped, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_share_oldest_first),
	    cmocka_unit_test(test_due_and_period),
	    cmocka_unit_test(test_just_written_skipped),
	    cmocka_unit_test(test_resume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
