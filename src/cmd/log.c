/*
 * log.c — `vrsctl log [SLUG]`: the provisioning log, newest first, as text
 * or JSON. Reads the state only.
 */
#include "cmd/cmd.h"
#include "state/state.h"
#include "util/buf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *format;
	int limit;
	bool json;
} A = {"text", 50, false};

static const struct opt opts[] = {
    {OPT_INT, "--limit", NULL, &A.limit, 0, INT_MAX, .arg = "N",
     .help = "at most N rows (default 50; 0 = all)"},
    {OPT_STRING, "--format", NULL, &A.format, .arg = "F", .help = "text (default) or json"},
    {.type = OPT_END},
};

static void json_field(struct buf *b, const char *name, const char *v, bool last)
{
	buf_printf(b, "\"%s\": ", name);
	buf_json_str(b, v);
	buf_puts(b, last ? "" : ", ");
}

static void json_row(struct buf *b, const struct state_log_entry *e, const char *t, bool first)
{
	buf_puts(b, first ? "\n  {" : ",\n  {");
	buf_printf(b, "\"id\": %lld, ", e->id);
	json_field(b, "created_at", t, false);
	json_field(b, "project", e->project_slug, false);
	json_field(b, "action", e->action, false);
	json_field(b, "old_status", e->old_status, false);
	json_field(b, "new_status", e->new_status, false);
	json_field(b, "message", e->message, false);
	json_field(b, "error_details", e->error_details, false);
	json_field(b, "external_id", e->external_id, false);
	json_field(b, "external_service", e->external_service, false);
	json_field(b, "triggered_by", e->triggered_by, false);
	buf_puts(b, "\"metadata\": ");
	buf_puts(b, e->metadata_json ? e->metadata_json : "null");
	buf_puts(b, "}");
}

static void text_row(struct buf *b, const struct state_log_entry *e, const char *t)
{
	buf_printf(b, "%s  %-20s %-26s", t, e->project_slug, e->action);
	if (e->old_status || e->new_status)
		buf_printf(b, " %s -> %s", e->old_status ? e->old_status : "-",
			   e->new_status ? e->new_status : "-");
	if (e->message)
		buf_printf(b, " %s", e->message);
	if (e->external_id)
		buf_printf(b, " [%s %s]", e->external_service ? e->external_service : "",
			   e->external_id);
	if (e->error_details)
		buf_printf(b, ": %s", e->error_details);
	buf_puts(b, "\n");
}

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	return cmd_text_or_json(c->name, A.format, &A.json);
}

static int run(struct cmd_ctx *c)
{
	const char *slug = c->nargs ? c->args[0] : NULL;
	struct state_log_entry *rows = NULL;
	size_t n = 0;
	struct vrs_err err;
	struct buf b;

	err_clear(&err);
	if (state_log_list(c->st, slug, A.limit, &rows, &n, &err) < 0)
		return cmd_fail(&err);
	buf_init(&b);
	if (A.json)
		buf_puts(&b, "[");
	for (size_t i = 0; i < n; i++) {
		char t[32];
		state_time_fmt(rows[i].created_at, t, sizeof(t));
		if (A.json)
			json_row(&b, &rows[i], t, i == 0);
		else
			text_row(&b, &rows[i], t);
	}
	if (A.json)
		buf_puts(&b, n ? "\n]\n" : "]\n");
	else if (n == 0)
		buf_puts(&b, slug ? "No log rows for this project.\n" : "The log is empty.\n");
	cmd_write_out(b.data, b.len, A.json);
	state_log_free(rows, n);
	buf_release(&b);
	return EXIT_OK;
}

const struct cmd_spec cmd_log = {
    .opts = opts,
    .usage = "usage: vrsctl log [SLUG] [--limit N] [--format text|json]\n"
	     "\n"
	     "Show the provisioning log (every step apply took), newest first.\n",
    .usage_end = "\n"
		 "Exit status: 0 ok, 1 error.\n",
    .help_width = 12,
    .check = check,
    .run = run,
};
