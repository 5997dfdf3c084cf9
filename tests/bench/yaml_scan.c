/*
 * yaml_scan.c — the benchmark's floor: read every *.yaml / *.yml file under
 * a directory and run libyaml's event parser over it, doing nothing with the
 * events. Prints the number of files and events.
 * With --spec, run the whole spec loader (spec_load: parse, decode,
 * cross-check, sort) instead, to compare it with the floor without the rest
 * of vrsctl.
 *   build/bench/yaml_scan [--spec] DIR
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "spec/spec.h"

static size_t nfiles, nevents;

static int scan(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(path);
	yaml_parser_t p;
	yaml_event_t ev;
	FILE *f;
	char *buf;
	size_t len;

	(void)ftw;
	if (flag != FTW_F || !((n > 5 && !strcmp(path + n - 5, ".yaml")) ||
			       (n > 4 && !strcmp(path + n - 4, ".yml"))))
		return 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	buf = malloc((size_t)st->st_size + 1);
	len = buf ? fread(buf, 1, (size_t)st->st_size, f) : 0;
	fclose(f);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		nevents++;
		int end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	free(buf);
	nfiles++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--spec")) {
		struct m_world w;
		struct diag_list d;
		char dg[65];
		int rc;

		world_init(&w);
		diag_init(&d);
		rc = spec_load(argv[2], &w, &d, dg);
		diag_print(&d, stderr);
		printf("%zu files, %zu projects, %zu errors\n", w.nfiles, w.nprojects, d.n);
		world_release(&w);
		diag_release(&d);
		return rc ? 1 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: yaml_scan [--spec] DIR\n");
		return 2;
	}
	if (nftw(argv[1], scan, 32, FTW_PHYS) != 0)
		return 1;
	printf("%zu files, %zu events\n", nfiles, nevents);
	return 0;
}
