/*
 * graph.c — `vrsctl graph`: the plan's dependency graph in Graphviz DOT;
 * the same as `vrsctl plan --format dot`, which it runs.
 */
#include "cmd/cmd.h"

#include <stdlib.h>
#include <string.h>

static const char graph_usage[] =
    "usage: vrsctl graph [--target KIND/KEY]... [--refresh]\n"
    "\n"
    "Print the plan's actions and their dependencies as a Graphviz DOT digraph\n"
    "(the same as 'vrsctl plan --format dot'), e.g.\n"
    "  vrsctl graph | dot -Tsvg > plan.svg\n"
    "\n"
    "Exit status: 0 ok, 1 error.\n";

int cmd_graph(int argc, char **argv, const struct global_opts *g)
{
	static char plan_word[] = "plan", format_flag[] = "--format", dot_word[] = "dot";
	char **args;
	int rc;

	if (cmd_wants_help(argc, argv, graph_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--format") == 0 || strncmp(argv[i], "--format=", 9) == 0)
			return cmd_usage_error("graph",
					       "graph always prints DOT; use plan --format");
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (args == NULL)
		return EXIT_ERR;
	args[0] = plan_word;
	args[1] = format_flag;
	args[2] = dot_word;
	for (int i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	rc = cmd_plan(argc + 2, args, g);
	free(args);
	return rc;
}
