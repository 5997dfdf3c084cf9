/*
 * rowmap.h — private to src/state/: a row map declares, once, how a query's
 * columns fill a model struct (SQL expression, type, offset in the struct),
 * and st_map_select / st_map_fill drive the reads from it (load.c).
 */
#ifndef VRS_STATE_ROWMAP_H
#define VRS_STATE_ROWMAP_H

#include <stddef.h>

#include "state/state_int.h"

enum st_col_type {
	SC_ID,	 /* long long from an integer column */
	SC_I64,	 /* long long; NULL gives 0 */
	SC_STR,	 /* char *, strdup'ed; NULL stays NULL */
	SC_INT,	 /* int; NULL gives dflt */
	SC_BOOL, /* bool from an integer; NULL gives dflt */
	SC_TIME, /* long long unix seconds from ISO text; NULL gives 0 */
	SC_ENUM, /* an enum parsed from text by set (which applies the default) */
	SC_SKIP, /* selected for the caller (a parent id, a JSON column): not stored */
};

struct st_col {
	const char *expr; /* the SELECT expression: "s.name", "p.api_key <> ''" */
	enum st_col_type type;
	size_t off;				    /* offset of the field in the struct */
	int dflt;				    /* SC_INT, SC_BOOL: the value for NULL */
	void (*set)(const char *text, void *field); /* SC_ENUM */
};

struct st_rowmap {
	const char *what; /* "servers": for error messages */
	const struct st_col *cols;
	size_t ncols;
	const char *from; /* everything after the column list: FROM ... ORDER BY ... */
};

#define ST_COLS(a) (a), sizeof(a) / sizeof((a)[0])

/* prepare "SELECT <exprs> <from>" */
int st_map_select(struct state *st, const struct st_rowmap *m, sqlite3_stmt **s,
		  struct vrs_err *err);
/* fill the struct at base from the current row; -1 out of memory (err set) */
int st_map_fill(const struct st_rowmap *m, sqlite3_stmt *s, void *base, struct vrs_err *err);
/* the column index of the map's expression expr (for SC_SKIP columns), or -1 */
int st_map_col(const struct st_rowmap *m, const char *expr);

#endif
