/*
 * origin.c — who triggered a run and from which commit of the specs, for
 * the log rows: VRS_TRIGGERED_BY or the git author, and the HEAD commit.
 */
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *run_git(const char *dir, const char *args)
{
	char cmd[4096], line[512];
	FILE *f;
	char *out = NULL;

	/* the directory is passed quoted; refuse quotes in it rather than escaping */
	if (strchr(dir, '\'') || strlen(dir) > 2048)
		return NULL;
	snprintf(cmd, sizeof(cmd), "git -C '%s' %s 2>/dev/null", dir, args);
	f = popen(cmd, "r");
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			out = strdup(line);
	}
	if (pclose(f) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

char *engine_triggered_by(const char *specs_dir)
{
	const char *env = getenv("VRS_TRIGGERED_BY");
	char *who;

	if (env && *env)
		return strdup(env);
	who = run_git(specs_dir, "log -1 --format=%ae");
	return who ? who : strdup("system");
}

char *engine_spec_commit(const char *specs_dir)
{
	return run_git(specs_dir, "rev-parse HEAD");
}
