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

/* st_col.flags: what an upsert (st_map_upsert) does with the column */
enum {
	ST_W = 1 << 0,	  /* written: the column (expr without its "x." prefix) of the table */
	ST_KEY = 1 << 1,  /* written, and the conflict key */
	ST_KEEP = 1 << 2, /* an update keeps the recorded value when the new one is NULL */
	ST_NULL0 = 1 << 3 /* SC_I64: 0 is written as NULL */
};

struct st_col {
	const char *expr; /* the SELECT expression: "s.name", "p.api_key <> ''" */
	enum st_col_type type;
	size_t off;				    /* offset of the field in the struct */
	int dflt;				    /* SC_INT, SC_BOOL: the value for NULL */
	void (*set)(const char *text, void *field); /* SC_ENUM, reading */
	const char *(*name)(const void *field);	    /* SC_ENUM, writing */
	unsigned flags;
};

struct st_rowmap {
	const char *what; /* "servers": for error messages */
	const struct st_col *cols;
	size_t ncols;
	const char *from; /* everything after the column list: FROM ... ORDER BY ... */
};

#define ST_COLS(a) (a), sizeof(a) / sizeof((a)[0])

/* prepare "SELECT <exprs> <from>" */
int st_map_select(struct state *st, const struct st_rowmap *m, struct db_stmt **s,
		  struct vrs_err *err);
/* fill the struct at base from the current row; -1 out of memory (err set) */
int st_map_fill(const struct st_rowmap *m, struct db_stmt *s, void *base, struct vrs_err *err);
/* the column index of the map's expression expr (for SC_SKIP columns), or -1 */
int st_map_col(const struct st_rowmap *m, const char *expr);
/*
 * Insert or update (by the ST_KEY column) into table the ST_W columns of
 * the struct at base, with created_at/updated_at = now. Returns -1 with
 * "state PATH: WHAT: ..." on failure.
 */
int st_map_upsert(struct state *st, const struct st_rowmap *m, const char *table, const void *base,
		  const char *what, struct vrs_err *err);

/* maps.c: the recorded world's row maps */
extern const struct st_rowmap st_server_map, st_base_domain_map, st_project_type_map, st_plugin_map,
    st_price_map, st_bundle_map, st_project_map, st_env_map, st_domain_map;

#endif
