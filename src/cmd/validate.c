/*
 * validate.c — `vrsctl validate`: load and validate the specs, print every
 * error sorted by position, and nothing else. Reads the state (when there
 * is one) only for the checks that need it, never creating or changing it.
 */
#include "cmd/cmd.h"
#include "engine/inputs.h"
#include "model/model.h"
#include "util/diag.h"

#include <stdio.h>
#include <string.h>

static const char validate_usage[] =
    "usage: vrsctl validate [--specs DIR] [--state FILE]\n"
    "\n"
    "Load every *.yaml/*.yml under the specs directory and check it: YAML\n"
    "syntax, kinds, keys, types, ranges, references, uniqueness, secrets given\n"
    "as references. Every error is printed, sorted, as FILE:LINE:COL: error: MSG.\n"
    "If a state exists, checks that need it (a placed project's server) run too.\n"
    "\n"
    "Exit status: 0 valid, 1 invalid.\n";

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cmd_validate(int argc, char **argv, const struct global_opts *g)
{
	struct inputs d;
	struct vrs_err err;
	int rc;

	if (cmd_wants_help(argc, argv, validate_usage))
		return EXIT_OK;
	if (argc > 1)
		return cmd_usage_error("validate", "unexpected argument '%s'", argv[1]);
	err_clear(&err);
	rc = inputs_load(g->specs, g->state, &d, &err);
	if (rc < 0 && d.diags.n == 0) {
		cmd_print_err(&err);
		inputs_free(&d);
		return EXIT_ERR;
	}
	if (d.diags.n > 0) {
		diag_sort(&d.diags);
		diag_print(&d.diags, stderr);
		fprintf(stderr, "vrsctl: %zu %s in %s\n", d.diags.n,
			plural(d.diags.n, "error", "errors"), g->specs);
		inputs_free(&d);
		return EXIT_ERR;
	}
	if (!g->quiet)
		printf("%s: valid: %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s\n", g->specs,
		       d.desired.nprojects, plural(d.desired.nprojects, "project", "projects"),
		       d.desired.nservers, plural(d.desired.nservers, "server", "servers"),
		       d.desired.nbase_domains,
		       plural(d.desired.nbase_domains, "base domain", "base domains"),
		       d.desired.nproject_types,
		       plural(d.desired.nproject_types, "project type", "project types"),
		       d.desired.nplugins, plural(d.desired.nplugins, "plugin", "plugins"),
		       d.desired.nbundles, plural(d.desired.nbundles, "bundle", "bundles"));
	inputs_free(&d);
	return EXIT_OK;
}
