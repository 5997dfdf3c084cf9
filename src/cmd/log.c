/*
 * log.c — `vrsctl log [SLUG]`: the provisioning log, newest first, as text
 * or JSON. Reads the state only.
 */
#include "cmd/cmd.h"
#include "state/state.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

static const char log_usage[] = "usage: vrsctl log [SLUG] [--limit N] [--format text|json]\n"
				"\n"
				"Show the provisioning log (every step apply took), newest first.\n"
				"  --limit N    at most N rows (default 50; 0 = all)\n"
				"  --format F   text (default) or json\n"
				"\n"
				"Exit status: 0 ok, 1 error.\n";

static void json_field(struct buf *b, const char *name, const char *v, bool last)
{
	buf_printf(b, "\"%s\": ", name);
	buf_json_str(b, v);
	buf_puts(b, last ? "" : ", ");
}

int cmd_log(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *format = "text";
	long limit = 50;
	struct state *st = NULL;
	struct state_log_entry *rows = NULL;
	size_t n = 0;
	struct vrs_err err;
	struct buf b;
	int rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, log_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if ((strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--limit") == 0) &&
		    i + 1 < argc)
			v = argv[i + 1];
		if (strcmp(argv[i], "--format") == 0 && v) {
			format = v;
			i++;
		} else if (strncmp(argv[i], "--format=", 9) == 0) {
			format = argv[i] + 9;
		} else if ((strcmp(argv[i], "--limit") == 0 && v) ||
			   strncmp(argv[i], "--limit=", 8) == 0) {
			char *end;
			const char *s = v && strcmp(argv[i], "--limit") == 0 ? v : argv[i] + 8;
			if (v && strcmp(argv[i], "--limit") == 0)
				i++;
			limit = strtol(s, &end, 10);
			if (*s == 0 || *end || limit < 0)
				return cmd_usage_error("log",
						       "--limit wants a number >= 0, not '%s'", s);
		} else if (argv[i][0] == '-') {
			return cmd_usage_error("log", "unknown flag '%s'", argv[i]);
		} else if (slug == NULL) {
			slug = argv[i];
		} else {
			return cmd_usage_error("log", "unexpected argument '%s'", argv[i]);
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cmd_usage_error("log", "--format must be text or json, not '%s'", format);
	err_clear(&err);
	buf_init(&b);
	if (state_open(g->state, STATE_READ, &st, &err) < 0 ||
	    state_log_list(st, slug, (int)limit, &rows, &n, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (strcmp(format, "json") == 0)
		buf_puts(&b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct state_log_entry *e = &rows[i];
		char t[32];
		state_time_fmt(e->created_at, t, sizeof(t));
		if (strcmp(format, "json") == 0) {
			buf_puts(&b, i ? ",\n  {" : "\n  {");
			buf_printf(&b, "\"id\": %lld, ", e->id);
			json_field(&b, "created_at", t, false);
			json_field(&b, "project", e->project_slug, false);
			json_field(&b, "action", e->action, false);
			json_field(&b, "old_status", e->old_status, false);
			json_field(&b, "new_status", e->new_status, false);
			json_field(&b, "message", e->message, false);
			json_field(&b, "error_details", e->error_details, false);
			json_field(&b, "external_id", e->external_id, false);
			json_field(&b, "external_service", e->external_service, false);
			json_field(&b, "triggered_by", e->triggered_by, false);
			buf_puts(&b, "\"metadata\": ");
			buf_puts(&b, e->metadata_json ? e->metadata_json : "null");
			buf_puts(&b, "}");
		} else {
			buf_printf(&b, "%s  %-20s %-26s", t, e->project_slug, e->action);
			if (e->old_status || e->new_status)
				buf_printf(&b, " %s -> %s", e->old_status ? e->old_status : "-",
					   e->new_status ? e->new_status : "-");
			if (e->message)
				buf_printf(&b, " %s", e->message);
			if (e->external_id)
				buf_printf(&b, " [%s %s]",
					   e->external_service ? e->external_service : "",
					   e->external_id);
			if (e->error_details)
				buf_printf(&b, ": %s", e->error_details);
			buf_puts(&b, "\n");
		}
	}
	if (strcmp(format, "json") == 0)
		buf_puts(&b, n ? "\n]\n" : "]\n");
	else if (n == 0)
		buf_puts(&b, slug ? "No log rows for this project.\n" : "The log is empty.\n");
	fwrite(b.data, 1, b.len, stdout);
	rc = EXIT_OK;
out:
	state_log_free(rows, n);
	buf_free(&b);
	state_close(st);
	return rc;
}
