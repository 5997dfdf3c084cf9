/*
 * plan.c — `vrsctl plan`: diff the specs against the recorded state and
 * show the actions apply would take, as text, JSON, markdown or DOT.
 * No remote call is made (unless --refresh) and the state is never
 * created or changed.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "engine/inputs.h"
#include "plan/plan.h"
#include "util/buf.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char plan_usage[] =
    "usage: vrsctl plan [--format text|json|markdown|dot] [--out PLANFILE]\n"
    "                   [--detailed-exitcode] [--refresh] [--target KIND/KEY]...\n"
    "\n"
    "Diff the specs against the recorded state and print the actions apply\n"
    "would take. Nothing remote is called (unless --refresh) and the state is\n"
    "neither created nor changed.\n"
    "\n";

enum plan_format { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_DOT };

typedef int (*plan_renderer)(const struct m_plan *, const struct m_world *, bool, bool,
			     struct buf *);
static const plan_renderer renderers[] = {
    [FMT_TEXT] = plan_render_text,
    [FMT_JSON] = plan_render_json,
    [FMT_MARKDOWN] = plan_render_markdown,
    [FMT_DOT] = plan_render_dot,
};

struct plan_args {
	const char *format_s;
	enum plan_format format;
	const char *out;
	bool detailed;
	bool refresh;
	struct opt_list targets;
};

static struct plan_args A = {.format_s = "text"};

static const struct opt opts[] = {
    {OPT_STRING, "--format", NULL, &A.format_s, .arg = "FMT",
     .help = "text (default), json, markdown (for a change-request\ncomment) or dot (the "
	     "dependency graph)"},
    {OPT_STRING, "--out", NULL, &A.out, .arg = "PLANFILE",
     .help = "also save the plan as JSON, for 'vrsctl apply PLANFILE'"},
    {OPT_BOOL, "--detailed-exitcode", NULL, &A.detailed,
     .help = "exit 0 when there is nothing to do, 2 when changes are pending"},
    {OPT_BOOL, "--refresh", NULL, &A.refresh, .help = "read the remote world first (drift)"},
    {OPT_LIST, "--target", NULL, &A.targets, .arg = "KIND/KEY",
     .help = "only this object and what it needs, e.g. project/pizzeria-roma\n(repeatable)"},
    {OPT_HELP, "-v", .help = "also list objects already converged"},
    {.type = OPT_END},
};

static int check(struct cmd_ctx *c)
{
	static const char *const names[] = {[FMT_TEXT] = "text",
					    [FMT_JSON] = "json",
					    [FMT_MARKDOWN] = "markdown",
					    [FMT_DOT] = "dot"};
	bool known = strcmp(A.format_s, "md") == 0;

	if (c->nargs > 0)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[0]);
	if (known)
		A.format = FMT_MARKDOWN;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !known; i++)
		if (strcmp(A.format_s, names[i]) == 0) {
			A.format = (enum plan_format)i;
			known = true;
		}
	if (!known)
		return cmd_usage_error(
		    c->name, "--format must be text, json, markdown or dot, not '%s'", A.format_s);
	return cmd_check_targets(c->name, &A.targets);
}

/* --out: the plan as JSON, written atomically */
static int save(const struct m_plan *plan, const struct m_world *desired, const char *path)
{
	struct buf json;
	struct vrs_err err;
	int rc = 0;

	err_clear(&err);
	buf_init(&json);
	if (plan_render_json(plan, desired, false, false, &json) < 0 ||
	    file_write_private(path, json.data, json.len, &err) < 0) {
		if (!err.msg[0])
			err_set(&err, "rendering the plan failed");
		cmd_print_err(&err);
		rc = -1;
	}
	buf_release(&json);
	return rc;
}

/* the rendering's sink: stdout, 1 MiB at a time (a 10,000-project JSON plan is 100 MB) */
static int to_stdout(void *ud, const char *p, size_t n)
{
	bool *failed = ud;

	if (fwrite(p, 1, n, stdout) == n)
		return 0;
	*failed = true;
	return -1;
}

/* plan against the observed world, then save and print it */
static int show(struct cmd_ctx *c, const struct plan_args *a, const struct m_observed *observed)
{
	size_t unhealthy = engine_unhealthy(&c->in.recorded, observed);
	struct plan_opts po = {0};
	struct m_plan plan;
	struct vrs_err err;
	struct buf out;
	bool write_failed = false;
	int rc = EXIT_ERR;

	err_clear(&err);
	plan_init(&plan);
	buf_init(&out);
	po.targets = a->targets.v;
	po.ntargets = a->targets.n;
	po.now = 0; /* the plan shows no clock-dependent value: byte-identical reruns */
	po.verbose = c->g->verbose > 0;
	if (plan_build(&c->in.desired, &c->in.recorded, observed, &po, &plan, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	plan.lineage = c->in.lineage ? strdup(c->in.lineage) : NULL;
	plan.serial = c->in.serial;
	plan.specs_digest = strdup(c->in.specs_digest);
	if (a->out && save(&plan, &c->in.desired, a->out) < 0)
		goto out;
	if (buf_set_sink(&out, to_stdout, &write_failed, (size_t)1 << 20) < 0 ||
	    renderers[a->format](&plan, &c->in.desired, c->g->color, c->g->verbose > 0, &out) < 0 ||
	    buf_flush(&out) < 0) {
		/* a failed write is reported once, at exit ("writing to stdout failed") */
		if (!write_failed)
			cmd_error("rendering the plan failed (out of memory?)");
		goto out;
	}
	if (a->out && !c->g->quiet && a->format == FMT_TEXT)
		printf("\nSaved the plan to %s; apply exactly it with: vrsctl apply %s\n", a->out,
		       a->out);
	if (unhealthy && !c->g->quiet && a->format == FMT_TEXT)
		printf("\n%zu active app%s unhealthy in Coolify (see vrsctl status).\n", unhealthy,
		       unhealthy == 1 ? "" : "s");
	/* an unhealthy app is drift to alert on, though nothing in the plan repairs it */
	rc = (a->detailed && (plan_has_changes(&plan) || unhealthy)) ? EXIT_CHANGES : EXIT_OK;
out:
	buf_release(&out);
	plan_release(&plan);
	return rc;
}

static int plan_run(struct cmd_ctx *c, const struct plan_args *a)
{
	struct providers *pv = NULL;
	struct m_observed observed = {0};
	struct vrs_err err;
	int rc = EXIT_ERR;

	err_clear(&err);
	if (a->refresh) {
		/* list calls only; credentials of a service that is not configured: left out */
		if (providers_open(false, false, c->g->verbose >= 2 ? cmd_http_trace : NULL, NULL,
				   &pv, &err) < 0 ||
		    engine_observe(pv, &c->in.desired, &c->in.recorded, &observed, NULL, &err) <
			0) {
			err_prefix(&err, "refresh");
			cmd_print_err(&err);
			goto out;
		}
	}
	rc = show(c, a, &observed);
out:
	observed_release(&observed);
	providers_close(pv);
	return rc;
}

static int run(struct cmd_ctx *c)
{
	return plan_run(c, &A);
}

int cmd_plan_dot(struct cmd_ctx *c, const struct opt_list *targets, bool refresh)
{
	struct plan_args a = {.format = FMT_DOT, .refresh = refresh, .targets = *targets};

	return plan_run(c, &a);
}

const struct cmd_spec cmd_plan = {
    .opts = opts,
    .usage = plan_usage,
    .usage_end = "\n"
		 "Exit status: 0 ok (no changes with --detailed-exitcode), 1 error, 2 changes "
		 "pending.\n",
    .help_width = 21,
    .diag_what = "nothing planned",
    .check = check,
    .run = run,
};
