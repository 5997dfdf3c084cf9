/*
 * zoneread.c — vrs_zone_read: when vrsctl last read each INWX zone in a
 * refresh (nameserver.info) and last wrote a record in it. A watch's
 * bounded refresh reads the oldest-read zones first and skips the ones it
 * has just written (engine/zonepick.c); status shows when each was read.
 * Times are unix seconds, 0 for never.
 */
#include "state/state_int.h"

#include <stdlib.h>
#include <string.h>

int state_zone_reads_load(struct state *st, struct state_zone_reads *out, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st_has_table(st, "vrs_zone_read") == 0)
		return 0; /* a read-only view of a state before migration 4 */
	if (st_prepare(st, &s, "SELECT zone, read_at, written_at FROM vrs_zone_read ORDER BY zone",
		       err) < 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW) {
		struct state_zone_read *v;
		if (out->n == out->cap) {
			size_t n = out->cap ? out->cap * 2 : 64;
			v = realloc(out->v, n * sizeof(*v));
			if (v == NULL) {
				rc = DB_NOMEM;
				break;
			}
			out->v = v;
			out->cap = n;
		}
		v = &out->v[out->n];
		v->zone = st_col_strdup(s, 0);
		if (v->zone == NULL) {
			rc = DB_NOMEM;
			break;
		}
		v->read_at = db_col_int(s, 1);
		v->written_at = db_col_int(s, 2);
		out->n++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		state_zone_reads_release(out);
		if (rc == DB_NOMEM)
			return err_set(err, "out of memory");
		return st_dberr(st, err, "reading vrs_zone_read");
	}
	return 0;
}

void state_zone_reads_release(struct state_zone_reads *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->v[i].zone);
	free(z->v);
	memset(z, 0, sizeof(*z));
}

int state_zone_mark_read(struct state *st, const char *const *zones, size_t n, long long t,
			 struct vrs_err *err)
{
	if (n == 0)
		return 0;
	if (st_sp_begin(st, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (st_run(st, err, "zone read",
			   "INSERT INTO vrs_zone_read (zone, read_at, written_at) VALUES (?, ?, 0) "
			   "ON CONFLICT (zone) DO UPDATE SET read_at = excluded.read_at",
			   "sI", zones[i], t) < 0)
			return st_sp_end(st, -1);
	return st_sp_end(st, 0);
}

int state_zone_mark_written(struct state *st, const char *zone, struct vrs_err *err)
{
	if (zone == NULL)
		return 0;
	return st_run(st, err, "zone written",
		      "INSERT INTO vrs_zone_read (zone, read_at, written_at) VALUES (?, 0, ?) "
		      "ON CONFLICT (zone) DO UPDATE SET written_at = excluded.written_at",
		      "sI", zone, st_now(st)) < 0
		   ? -1
		   : 0;
}
