/* common.c — small helpers shared by the subcommands: errors, usage, durations. */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cmd_print_err(const struct vrs_err *e)
{
	if (e->file)
		fprintf(stderr, "%s:%d:%d: error: %s\n", e->file, e->line, e->col, e->msg);
	else
		fprintf(stderr, "vrsctl: error: %s\n", e->msg);
}

int cmd_exit_status(const struct vrs_err *e)
{
	switch (e->code) {
	case VRS_E_LOCKED:
		return EXIT_LOCKED;
	default:
		return EXIT_ERR;
	}
}

bool cmd_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vrsctl: error: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'vrsctl %s --help' for usage.\n", cmd);
	return EXIT_ERR;
}

long long cmd_parse_duration(const char *s)
{
	char *end;
	long long n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	n = strtoll(s, &end, 10);
	if (n < 0 || n > 1000000000LL)
		return -1;
	if (strcmp(end, "ms") == 0)
		return n;
	if (strcmp(end, "s") == 0)
		return n * 1000;
	if (strcmp(end, "m") == 0)
		return n * 60 * 1000;
	if (strcmp(end, "h") == 0)
		return n * 3600 * 1000;
	return -1;
}
