/*
 * graph.c — `vrsctl graph`: the plan's dependency graph in Graphviz DOT;
 * the same as `vrsctl plan --format dot`, whose printing it runs.
 */
#include "cmd/cmd.h"

static struct {
	const char *format;
	bool refresh;
	struct opt_list targets;
} A;

static const struct opt opts[] = {
    {OPT_LIST, "--target", NULL, &A.targets, .arg = "KIND/KEY",
     .help = "only this object and what it needs (repeatable)"},
    {OPT_BOOL, "--refresh", NULL, &A.refresh, .help = "read the remote world first (drift)"},
    {OPT_STRING, "--format", NULL, &A.format, .help = NULL}, /* refused: always DOT */
    {.type = OPT_END},
};

static int check(struct cmd_ctx *c)
{
	if (A.format)
		return cmd_usage_error(c->name, "graph always prints DOT; use plan --format");
	if (c->nargs > 0)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[0]);
	return cmd_check_targets(c->name, &A.targets);
}

static int run(struct cmd_ctx *c)
{
	return cmd_plan_dot(c, &A.targets, A.refresh);
}

const struct cmd_spec cmd_graph = {
    .opts = opts,
    .usage = "usage: vrsctl graph [--target KIND/KEY]... [--refresh]\n"
	     "\n"
	     "Print the plan's actions and their dependencies as a Graphviz DOT digraph\n"
	     "(the same as 'vrsctl plan --format dot'), e.g.\n"
	     "  vrsctl graph | dot -Tsvg > plan.svg\n"
	     "\n",
    .usage_end = "\n"
		 "Exit status: 0 ok, 1 error.\n",
    .help_width = 19,
    .diag_what = "nothing planned",
    .check = check,
    .run = run,
};
