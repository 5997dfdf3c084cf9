/*
 * test_buf.c — the buffer's fast paths (JSON strings copied whole, integers
 * without printf, printf into the free room), its streaming sink, and the
 * precomputed sort keys of util/skey.h against strcmp, and the arena
 * (util/arena.h: alignment, large requests, everything freed at once: the
 * ASan pass checks nothing leaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/skey.h"

static void test_json_str_paths(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_json_str(&b, "plain text/with:colons"), 0);
	assert_int_equal(buf_json_str(&b, NULL), 0);
	assert_int_equal(buf_json_str(&b, "q\"b\\n\nt\t\x01"), 0);
	assert_int_equal(buf_json_str(&b, ""), 0);
	assert_string_equal(b.data,
			    "\"plain text/with:colons\"null\"q\\\"b\\\\n\\nt\\t\\u0001\"\"\"");
	assert_int_equal(b.len, strlen(b.data));
	buf_release(&b);
}

static void test_put_ll_and_printf(void **state)
{
	struct buf b;
	char want[256];

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_put_ll(&b, 0), 0);
	assert_int_equal(buf_putc(&b, ' '), 0);
	assert_int_equal(buf_put_ll(&b, -42), 0);
	assert_int_equal(buf_putc(&b, ' '), 0);
	assert_int_equal(buf_put_ll(&b, LLONG_MIN), 0);
	assert_int_equal(buf_putc(&b, ' '), 0);
	assert_int_equal(buf_put_ll(&b, LLONG_MAX), 0);
	snprintf(want, sizeof(want), "0 -42 %lld %lld", LLONG_MIN, LLONG_MAX);
	assert_string_equal(b.data, want);
	/* longer than the room reserved ahead: formatted twice, whole */
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%s-%0200d", "x", 7), 0);
	assert_int_equal(b.len, 202);
	assert_int_equal(b.data[201], '7');
	buf_release(&b);
	/* a capped buffer still refuses what does not fit, and keeps what it had */
	buf_init(&b);
	b.cap = 8;
	assert_int_equal(buf_printf(&b, "%d", 1234), 0);
	assert_int_equal(buf_printf(&b, "%d", 12345), -1);
	assert_string_equal(b.data, "1234");
	assert_int_equal(buf_putc(&b, 'x'), 0);
	assert_int_equal(buf_append(&b, "abcd", 4), -1);
	assert_string_equal(b.data, "1234x");
	buf_release(&b);
}

struct sink {
	struct buf got;
	int calls, fail_at;
};

static int to_buf(void *ud, const char *p, size_t n)
{
	struct sink *s = ud;

	if (++s->calls == s->fail_at)
		return -1;
	return buf_append(&s->got, p, n);
}

static void test_sink_streams(void **state)
{
	struct buf b, whole;
	struct sink s = {.calls = 0, .fail_at = 0};

	(void)state;
	buf_init(&b);
	buf_init(&whole);
	buf_init(&s.got);
	assert_int_equal(buf_set_sink(&b, to_buf, &s, 256), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(buf_printf(&b, "line %d ", i), 0);
		assert_int_equal(buf_json_str(&b, "a \"string\""), 0);
		assert_int_equal(buf_printf(&whole, "line %d ", i), 0);
		assert_int_equal(buf_json_str(&whole, "a \"string\""), 0);
		assert_true(b.len < 256); /* never more than the preallocated buffer */
	}
	/* an append larger than the buffer still goes through whole */
	{
		char big[1000];
		memset(big, 'z', sizeof(big));
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
		assert_int_equal(buf_append(&whole, big, sizeof(big)), 0);
	}
	assert_int_equal(buf_flush(&b), 0);
	assert_int_equal(b.len, 0);
	assert_true(s.calls > 10);
	assert_int_equal(s.got.len, whole.len);
	assert_memory_equal(s.got.data, whole.data, whole.len);
	buf_release(&b);
	/* a sink's failure fails the append */
	s.calls = 0;
	s.fail_at = 1;
	assert_int_equal(buf_set_sink(&b, to_buf, &s, 64), 0);
	int rc = 0;
	for (int i = 0; i < 100 && rc == 0; i++)
		rc = buf_puts(&b, "0123456789");
	assert_int_equal(rc, -1);
	buf_release(&b);
	buf_release(&whole);
	buf_release(&s.got);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_skey_order_is_strcmp(void **state)
{
	static const char *const v[] = {
	    "",
	    "a",
	    "ab",
	    "project-",
	    "project-0",
	    "project-00001",
	    "project-00001.vrs.gmbh/A",
	    "project-00001.vrs.gmbh/AAAA",
	    "project-00001.vrs.gmbh/",
	    "project-00001.vrs.gmb",
	    "project-00002",
	    "project-0000",
	    "project-000011",
	    "0123456789abcdef",
	    "0123456789abcdefg",
	    "0123456789abcdef\x01",
	    "0123456789abcdeg",
	    "\xff\xfe",
	    "www.project-00001.de/CNAME",
	    "www.project-00001.de/CNAME2",
	};
	size_t n = sizeof(v) / sizeof(v[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct skey a, c;
			skey_init(&a, v[i]);
			skey_init(&c, v[j]);
			assert_int_equal(sign(skey_cmp(&a, &c)), sign(strcmp(v[i], v[j])));
		}
}

static void test_arena(void **state)
{
	struct arena *a = arena_new();
	char *s[3000];
	double *d;
	char *big;

	(void)state;
	assert_non_null(a);
	assert_null(arena_strdup(a, NULL));
	for (int i = 0; i < 3000; i++) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "string-%d", i);
		s[i] = arena_strdup(a, tmp);
		assert_non_null(s[i]);
		/* an aligned request after an odd-sized string */
		d = arena_alloc(a, sizeof(*d));
		assert_non_null(d);
		assert_int_equal((uintptr_t)d % _Alignof(max_align_t), 0);
		*d = i;
	}
	/* larger than a quarter chunk: its own chunk, the current one still used after */
	big = arena_alloc(a, 3 << 20);
	assert_non_null(big);
	memset(big, 'x', 3 << 20);
	for (int i = 0; i < 3000; i += 7) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "string-%d", i);
		assert_string_equal(s[i], tmp);
	}
	assert_string_equal(arena_strdup(a, "after"), "after");
	arena_free(a);
	arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_str_paths), cmocka_unit_test(test_put_ll_and_printf),
	    cmocka_unit_test(test_sink_streams),   cmocka_unit_test(test_skey_order_is_strcmp),
	    cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
