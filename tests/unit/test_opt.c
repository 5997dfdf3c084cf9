/*
 * test_opt.c — the option-table parser of src/cmd/opt.c: flag forms,
 * range-checked numbers, durations, repeatable and word flags, positional
 * arguments, "--", and the help lines written from the same table.
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

#include "cmd/opt.h"

static struct {
	bool flag;
	const char *str;
	int num;
	long long dur;
	struct opt_list list;
	int word;
} A;

static const struct opt_word words[] = {{NULL, 1}, {"report", 2}};

static const struct opt opts[] = {
    {OPT_BOOL, "--flag", "-f", &A.flag, .help = "a flag"},
    {OPT_STRING, "--str", NULL, &A.str, .arg = "S", .help = "a string\nover two lines"},
    {OPT_INT, "--num", NULL, &A.num, 1, 100, .arg = "N", .help = "a number"},
    {OPT_DURATION, "--dur", NULL, &A.dur, 0, 3600000, .arg = "DUR", .help = "a duration"},
    {OPT_LIST, "--item", NULL, &A.list, .arg = "X", .help = "repeatable"},
    {OPT_WORD, "--refresh", NULL, &A.word, .words = words, .nwords = 2, .arg = "[=report]",
     .help = "a word"},
    {OPT_HELP, "-v", .help = "help only"},
    {.type = OPT_END},
};

/* parse a NULL-ended argument list; 0 or -1 */
static int parse(char **pos, int *npos, ...)
{
	char *argv[16] = {"cmd"};
	int argc = 1, rc;
	va_list ap;
	char *a;

	va_start(ap, npos);
	while ((a = va_arg(ap, char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	memset(&A, 0, sizeof(A));
	rc = opt_parse("cmd", opts, argc, argv, pos, npos);
	return rc;
}

static void test_forms(void **state)
{
	char *pos[16];
	int n;

	(void)state;
	assert_int_equal(parse(pos, &n, "-f", "--str=x", "--num", "42", "a", "--dur=4s", NULL), 0);
	assert_true(A.flag);
	assert_string_equal(A.str, "x");
	assert_int_equal(A.num, 42);
	assert_int_equal(A.dur, 4000);
	assert_int_equal(n, 1);
	assert_string_equal(pos[0], "a");
	assert_int_equal(parse(pos, &n, "--item", "a/b", "--item=c/d", "--refresh", NULL), 0);
	assert_int_equal(A.list.n, 2);
	assert_string_equal(A.list.v[1], "c/d");
	assert_int_equal(A.word, 1);
	opt_release(opts);
	assert_null(A.list.v);
	assert_int_equal(parse(pos, &n, "--refresh=report", "--", "--flag", NULL), 0);
	assert_int_equal(A.word, 2);
	assert_false(A.flag);
	assert_int_equal(n, 1);
	assert_string_equal(pos[0], "--flag");
}

static void test_errors(void **state)
{
	char *pos[16];
	int n;

	(void)state;
	assert_int_equal(parse(pos, &n, "--num", "0", NULL), -1);
	assert_int_equal(parse(pos, &n, "--num", "101", NULL), -1);
	assert_int_equal(parse(pos, &n, "--num", "+5", NULL), -1);
	assert_int_equal(parse(pos, &n, "--num", "5x", NULL), -1);
	assert_int_equal(parse(pos, &n, "--num", NULL), -1);
	assert_int_equal(parse(pos, &n, "--str=", NULL), -1);
	assert_int_equal(parse(pos, &n, "--dur", "5q", NULL), -1);
	assert_int_equal(parse(pos, &n, "--dur", "2h", NULL), -1); /* above the range */
	assert_int_equal(parse(pos, &n, "--flag=yes", NULL), -1);
	assert_int_equal(parse(pos, &n, "--refresh=heal", NULL), -1);
	assert_int_equal(parse(pos, &n, "--bogus", NULL), -1);
	assert_int_equal(parse(pos, &n, "-v", NULL), -1); /* a help line, not a flag */
	opt_release(opts);
}

static void test_number(void **state)
{
	long long v = 0;

	(void)state;
	assert_int_equal(opt_number("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(opt_number("2147483647", 0, INT_MAX, &v), 0);
	assert_int_equal(v, INT_MAX);
	assert_int_equal(opt_number("99999999999999999999", 0, LLONG_MAX, &v), -1);
	assert_int_equal(opt_number("", 0, 10, &v), -1);
	assert_int_equal(opt_number("-1", -5, 10, &v), -1);
}

static void test_help(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	opt_help(f, opts, 14);
	fclose(f);
	assert_string_equal(text, "  -f, --flag     a flag\n"
				  "  --str S        a string\n"
				  "                 over two lines\n"
				  "  --num N        a number\n"
				  "  --dur DUR      a duration\n"
				  "  --item X       repeatable\n"
				  "  --refresh[=report]\n"
				  "                 a word\n"
				  "  -v             help only\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_number),
	    cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
