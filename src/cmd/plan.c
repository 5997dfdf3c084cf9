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
#include <unistd.h>

static const char plan_usage[] =
    "usage: vrsctl plan [--format text|json|markdown|dot] [--out PLANFILE]\n"
    "                   [--detailed-exitcode] [--refresh] [--target KIND/KEY]...\n"
    "\n"
    "Diff the specs against the recorded state and print the actions apply\n"
    "would take. Nothing remote is called (unless --refresh) and the state is\n"
    "neither created nor changed.\n"
    "\n"
    "  --format FMT          text (default), json, markdown (for a change-request\n"
    "                        comment) or dot (the dependency graph)\n"
    "  --out PLANFILE        also save the plan as JSON, for 'vrsctl apply PLANFILE'\n"
    "  --detailed-exitcode   exit 0 when there is nothing to do, 2 when changes are pending\n"
    "  --refresh             read the remote world first (drift)\n"
    "  --target KIND/KEY     only this object and what it needs, e.g. project/pizzeria-roma\n"
    "                        (repeatable)\n"
    "  -v                    also list objects already converged\n"
    "\n"
    "Exit status: 0 ok (no changes with --detailed-exitcode), 1 error, 2 changes pending.\n";

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
	enum plan_format format;
	const char *out;
	bool detailed;
	bool refresh;
	const char **targets;
	size_t ntargets;
};

static int parse_args(int argc, char **argv, struct plan_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *v = NULL;
		const char *eq = strchr(s, '=');
		size_t n = eq ? (size_t)(eq - s) : strlen(s);

		if (strcmp(s, "--detailed-exitcode") == 0) {
			a->detailed = true;
			continue;
		}
		if (strcmp(s, "--refresh") == 0) {
			a->refresh = true;
			continue;
		}
		if (strncmp(s, "--format", n) == 0 && n == 8) {
		} else if (strncmp(s, "--out", n) == 0 && n == 5) {
		} else if (strncmp(s, "--target", n) == 0 && n == 8) {
		} else if (s[0] == '-') {
			return cmd_usage_error("plan", "unknown flag '%s'", s);
		} else {
			return cmd_usage_error("plan", "unexpected argument '%s'", s);
		}
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		if (v == NULL || *v == 0)
			return cmd_usage_error("plan", "%.*s needs a value", (int)n, s);
		if (n == 8 && strncmp(s, "--format", 8) == 0) {
			if (strcmp(v, "text") == 0)
				a->format = FMT_TEXT;
			else if (strcmp(v, "json") == 0)
				a->format = FMT_JSON;
			else if (strcmp(v, "markdown") == 0 || strcmp(v, "md") == 0)
				a->format = FMT_MARKDOWN;
			else if (strcmp(v, "dot") == 0)
				a->format = FMT_DOT;
			else
				return cmd_usage_error(
				    "plan",
				    "--format must be text, json, markdown or dot, not '%s'", v);
		} else if (n == 5) {
			a->out = v;
		} else {
			if (strchr(v, '/') == NULL)
				return cmd_usage_error("plan", "--target wants KIND/KEY, got '%s'",
						       v);
			a->targets[a->ntargets++] = v;
		}
	}
	return 0;
}

int cmd_plan(int argc, char **argv, const struct global_opts *g)
{
	struct plan_args a = {0};
	struct plan_opts po = {0};
	struct inputs in;
	struct m_plan plan;
	struct vrs_err err;
	struct buf out;
	struct providers *pv = NULL;
	struct m_observed observed = {0};
	int rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, plan_usage))
		return EXIT_OK;
	a.targets = calloc((size_t)argc + 1, sizeof(*a.targets));
	if (a.targets == NULL)
		return EXIT_ERR;
	if (parse_args(argc, argv, &a) != 0) {
		free(a.targets);
		return EXIT_ERR;
	}
	err_clear(&err);
	plan_init(&plan);
	buf_init(&out);
	if (inputs_load(g->specs, g->state, &in, &err) < 0) {
		if (in.diags.n) {
			diag_sort(&in.diags);
			diag_print(&in.diags, stderr);
			fprintf(stderr, "vrsctl: %zu %s in %s; nothing planned\n", in.diags.n,
				in.diags.n == 1 ? "error" : "errors", g->specs);
		} else {
			cmd_print_err(&err);
		}
		goto out;
	}
	if (a.refresh) {
		/* list calls only; credentials of a service that is not configured: left out */
		if (providers_open(false, false, g->verbose, &pv, &err) < 0 ||
		    engine_observe(pv, &in.desired, &in.recorded, &observed, NULL, &err) < 0) {
			err_prefix(&err, "refresh");
			cmd_print_err(&err);
			goto out;
		}
	}
	po.targets = a.targets;
	po.ntargets = a.ntargets;
	po.now = 0; /* the plan shows no clock-dependent value: byte-identical reruns */
	po.verbose = g->verbose > 0;
	if (plan_build(&in.desired, &in.recorded, &observed, &po, &plan, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	plan.lineage = in.lineage ? strdup(in.lineage) : NULL;
	plan.serial = in.serial;
	plan.specs_digest = strdup(in.specs_digest);
	if (a.out) {
		struct buf json;
		buf_init(&json);
		if (plan_render_json(&plan, &in.desired, false, false, &json) < 0 ||
		    file_write_atomic(a.out, json.data, json.len, &err) < 0) {
			if (!err.msg[0])
				err_set(&err, "rendering the plan failed");
			cmd_print_err(&err);
			buf_free(&json);
			goto out;
		}
		buf_free(&json);
	}
	rc = renderers[a.format](&plan, &in.desired, g->color, g->verbose > 0, &out);
	if (rc < 0) {
		fprintf(stderr, "vrsctl: error: rendering the plan failed (out of memory?)\n");
		rc = EXIT_ERR;
		goto out;
	}
	fwrite(out.data, 1, out.len, stdout);
	if (a.out && !g->quiet && a.format == FMT_TEXT)
		printf("\nSaved the plan to %s; apply exactly it with: vrsctl apply %s\n", a.out,
		       a.out);
	rc = (a.detailed && plan_has_changes(&plan)) ? EXIT_CHANGES : EXIT_OK;
out:
	observed_free(&observed);
	providers_close(pv);
	buf_free(&out);
	plan_free(&plan);
	inputs_free(&in);
	free(a.targets);
	return rc;
}
