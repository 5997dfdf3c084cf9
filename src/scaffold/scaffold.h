/*
 * scaffold.h — the starting tree 'vrsctl init' writes: a small valid spec
 * set, a .gitignore for the state and a CI pipeline. The files' bytes come
 * from examples/ at build time (tools/embed.sh); this module writes them
 * without ever replacing a file that is there.
 */
#ifndef VRS_SCAFFOLD_H
#define VRS_SCAFFOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct scaffold_file {
	const char *path; /* relative to the target directory */
	const unsigned char *data;
	size_t len;
};

/* the embedded tree (build/gen/scaffold_files.c) */
extern const struct scaffold_file scaffold_files[];
extern const size_t scaffold_nfiles;

enum scaffold_outcome { SCAFFOLD_WROTE, SCAFFOLD_KEPT };

struct scaffold_result {
	enum scaffold_outcome outcome[32]; /* per scaffold_files[] entry */
	size_t nwrote, nkept;
};

/*
 * Write the tree into DIR (created if missing). A DIR that holds anything
 * is refused unless force; with force, files already there are kept as they
 * are (never overwritten, never followed if they are symlinks).
 */
int scaffold_write(const char *dir, bool force, struct scaffold_result *res, struct vrs_err *err);

#endif
