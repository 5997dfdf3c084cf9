/* test_fuzz_regress.c — replays the fuzz targets' inputs (tests/fuzz/): every
 * file of tests/fuzz/regress/<target>/ (inputs that once crashed, kept after
 * the fix) and of the committed corpus tests/fuzz/corpus/<target>/ goes
 * through the same entry point libFuzzer calls, so `make test` (plain and
 * under ASan+UBSan) catches a parser that breaks on them again. A target
 * aborts on a broken invariant; ASan reports a leak or overflow. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define LLVMFuzzerTestOneInput fuzz_spec_one
#include "../fuzz/fuzz_spec.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_coolify_one
#include "../fuzz/fuzz_coolify.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_inwx_one
#include "../fuzz/fuzz_inwx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_plan_one
#include "../fuzz/fuzz_plan.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_headers_one
#include "../fuzz/fuzz_headers.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_dns_one
#include "../fuzz/fuzz_dns.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *, size_t);

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n + 1);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return d;
}

/* every regular file of <top>/tests/fuzz/<kind>/<target>/; the number replayed */
static size_t replay_dir(const char *kind, const char *target, fuzz_fn fn)
{
	const char *top = getenv("TOP");
	char dir[4096], path[8192];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top && *top ? top : ".", kind, target);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		unsigned char *data;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((data = slurp(path, &len)) == NULL)
			continue;
		fn(data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

static const struct {
	const char *name;
	fuzz_fn fn;
} targets[] = {
    {"fuzz_spec", fuzz_spec_one}, {"fuzz_coolify", fuzz_coolify_one}, {"fuzz_inwx", fuzz_inwx_one},
    {"fuzz_plan", fuzz_plan_one}, {"fuzz_headers", fuzz_headers_one}, {"fuzz_dns", fuzz_dns_one},
};

static void test_regressions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		replay_dir("regress", targets[i].name, targets[i].fn);
}

/* the committed corpora: the answers recorded from the simulator and what the
 * fuzzers found; each new-service target has one */
static void test_corpora(void **state)
{
	(void)state;
	for (size_t i = 1; i < sizeof(targets) / sizeof(targets[0]); i++)
		assert_true(replay_dir("corpus", targets[i].name, targets[i].fn) > 0);
	replay_dir("corpus", "fuzz_spec", fuzz_spec_one);
}

/* the readers keep their promises on inputs made by hand */
static void test_header_reader(void **state)
{
	const char *v;
	size_t n;
	const char *l1 = "Retry-After:  120 \r\n", *l2 = "set-cookie: domrobot=x; path=/\r\n";

	(void)state;
	assert_int_equal(http_header_read(l1, strlen(l1), &v, &n), HTTP_HDR_RETRY_AFTER);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "120", 3);
	assert_int_equal(http_header_read(l2, strlen(l2), &v, &n), HTTP_HDR_COOKIE);
	assert_int_equal(n, 10);
	assert_memory_equal(v, "domrobot=x", 10);
	assert_int_equal(http_header_read("Set-Cookie: x\r\n", 15, &v, &n), HTTP_HDR_OTHER);
	assert_int_equal(http_header_read("HTTP/1.1 100 Continue\r\n", 23, &v, &n),
			 HTTP_HDR_STATUS);
	assert_int_equal(http_header_read("Content-Type:\r\n", 15, &v, &n), HTTP_HDR_CTYPE);
	assert_int_equal(n, 0);
	/* a Retry-After the callers can turn into milliseconds: finite, at most a day */
	assert_true(http_retry_after_parse("1e999", 0) == 86400);
	assert_true(http_retry_after_parse("inf", 0) == 86400);
	assert_true(http_retry_after_parse("nan", 0) == -1);
	assert_true(http_retry_after_parse("-3", 0) == -1);
	assert_true(http_retry_after_parse("Fri, 31 Dec 9999 23:59:59 GMT", 1700000000) == 86400);
	assert_true(http_retry_after_parse("0.5", 0) == 0.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_regressions),
	    cmocka_unit_test(test_corpora),
	    cmocka_unit_test(test_header_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
