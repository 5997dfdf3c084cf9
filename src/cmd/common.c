/*
 * common.c — small helpers shared by the subcommands: printing errors and
 * diagnostics, the exit status of an error, usage errors, and the checks
 * of values several commands take (durations, --format, --target).
 */
#include "cmd/cmd.h"
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --log-format json: a parsed global flag, set once by main.c */
static bool log_json;

void cmd_set_log_json(bool json)
{
	log_json = json;
}

bool cmd_log_json(void)
{
	return log_json;
}

void cmd_iso_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void cmd_message(const char *level, const char *file, int line, int col, const char *msg)
{
	struct buf b;

	buf_init(&b);
	if (log_json) {
		char t[40];

		cmd_iso_now(t, sizeof(t));
		buf_puts(&b, "{\"time\": ");
		buf_json_str(&b, t);
		buf_puts(&b, ", \"level\": ");
		buf_json_str(&b, level);
		if (file) {
			buf_puts(&b, ", \"file\": ");
			buf_json_str(&b, file);
			buf_printf(&b, ", \"line\": %d, \"col\": %d", line, col);
		}
		buf_puts(&b, ", \"message\": ");
		buf_json_str(&b, msg);
		buf_puts(&b, "}\n");
	} else if (file) {
		buf_printf(&b, "%s:%d:%d: %s: %s\n", file, line, col, level, msg);
	} else if (strcmp(level, "info") == 0) {
		buf_printf(&b, "vrsctl: %s\n", msg);
	} else {
		buf_printf(&b, "vrsctl: %s: %s\n", level, msg);
	}
	/* one write per message: lines of concurrent writers never interleave */
	fwrite(b.data, 1, b.len, stderr);
	buf_release(&b);
}

static void vmessage(const char *level, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	cmd_message(level, NULL, 0, 0, msg);
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
}

void cmd_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

void cmd_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("info", fmt, ap);
	va_end(ap);
}

void cmd_print_err(const struct vrs_err *e)
{
	cmd_message("error", e->file, e->line, e->col, e->msg);
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
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *x = &d->v[i];
		cmd_message("error", x->file, x->line, x->col, x->msg);
		if (x->note)
			cmd_message("note", x->note_file, x->note_line, x->note_col, x->note);
	}
	cmd_info("%zu %s in %s%s%s", d->n, d->n == 1 ? "error" : "errors", specs, what ? "; " : "",
		 what ? what : "");
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
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmd_error("%s: %s", cmd, msg);
	if (!log_json)
		fprintf(stderr, "Run 'vrsctl %s --help' for usage.\n", cmd);
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
		cmd_error("%s wants a number from %d to %d, not '%s'", name, lo, hi, v);
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

/* the length of a terminal control at s (0: none): C0 but \n and \t, DEL,
 * C1 (U+0080..U+009F), the bidi embeddings, overrides and isolates */
static size_t control_len(const unsigned char *s, size_t n)
{
	if ((s[0] < 0x20 && s[0] != '\n' && s[0] != '\t') || s[0] == 0x7f)
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (n >= 3 && s[0] == 0xe2 &&
	    ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
	     (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
		return 3;
	return 0;
}

void cmd_write_out(const char *s, size_t n, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, from = 0, k;

	if (json) {
		fwrite(s, 1, n, stdout);
		return;
	}
	while (i < n) {
		if ((k = control_len(p + i, n - i)) == 0) {
			i++;
			continue;
		}
		fwrite(s + from, 1, i - from, stdout);
		fputc('?', stdout);
		i += k;
		from = i;
	}
	fwrite(s + from, 1, n - from, stdout);
}
