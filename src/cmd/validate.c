/*
 * validate.c — `vrsctl validate`: load and validate the specs, print every
 * error sorted by position, and nothing else. Reads the state (when there
 * is one) only for the checks that need it, never creating or changing it.
 */
#include "cmd/cmd.h"

#include <stdio.h>

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 0)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[0]);
	return EXIT_OK;
}

static int run(struct cmd_ctx *c)
{
	const struct m_world *d = &c->in.desired;

	if (!c->g->quiet)
		printf("%s: valid: %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s\n", c->g->specs,
		       d->nprojects, plural(d->nprojects, "project", "projects"), d->nservers,
		       plural(d->nservers, "server", "servers"), d->nbase_domains,
		       plural(d->nbase_domains, "base domain", "base domains"), d->nproject_types,
		       plural(d->nproject_types, "project type", "project types"), d->nplugins,
		       plural(d->nplugins, "plugin", "plugins"), d->nbundles,
		       plural(d->nbundles, "bundle", "bundles"));
	return EXIT_OK;
}

const struct cmd_spec cmd_validate = {
    .usage = "usage: vrsctl validate [--specs DIR] [--state FILE]\n"
	     "\n"
	     "Load every *.yaml/*.yml under the specs directory and check it: YAML\n"
	     "syntax, kinds, keys, types, ranges, references, uniqueness, secrets given\n"
	     "as references. Every error is printed, sorted, as FILE:LINE:COL: error: MSG.\n"
	     "If a state exists, checks that need it (a placed project's server) run too.\n"
	     "\n"
	     "Exit status: 0 valid, 1 invalid.\n",
    .check = check,
    .run = run,
};
