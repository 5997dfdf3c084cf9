/*
 * common.c — small helpers shared by the subcommands: printing errors and
 * diagnostics, the exit status of an error, usage errors, and the checks
 * of values several commands take (durations, --format, --target).
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
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

int cmd_fail(const struct vrs_err *e)
{
	cmd_print_err(e);
	return cmd_exit_status(e);
}

void cmd_print_diags(struct diag_list *d, const char *specs, const char *what)
{
	diag_sort(d);
	diag_print(d, stderr);
	fprintf(stderr, "vrsctl: %zu %s in %s%s%s\n", d->n, d->n == 1 ? "error" : "errors", specs,
		what ? "; " : "", what ? what : "");
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

void cmd_http_trace(void *ud, const char *service, const char *line)
{
	(void)ud;
	fprintf(stderr, "trace: %s: %s\n", service ? service : "http", line);
}

int cmd_env_int(const char *name, int lo, int hi, int dflt, int *out)
{
	const char *v = getenv(name);
	long long n;

	*out = dflt;
	if (v == NULL || *v == 0)
		return 0;
	if (opt_number(v, lo, hi, &n) < 0) {
		fprintf(stderr, "vrsctl: error: %s wants a number from %d to %d, not '%s'\n", name,
			lo, hi, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int cmd_text_or_json(const char *cmd, const char *format, bool *json)
{
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cmd_usage_error(cmd, "--format must be text or json, not '%s'", format);
	*json = strcmp(format, "json") == 0;
	return EXIT_OK;
}

int cmd_check_targets(const char *cmd, const struct opt_list *targets)
{
	for (size_t i = 0; i < targets->n; i++)
		if (strchr(targets->v[i], '/') == NULL)
			return cmd_usage_error(cmd, "--target wants KIND/KEY, got '%s'",
					       targets->v[i]);
	return EXIT_OK;
}
