/* rowmap.c — reads driven by row maps (see rowmap.h). */
#include "state/rowmap.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* append s at *p */
static void put(char **p, const char *s)
{
	size_t n = strlen(s);

	memcpy(*p, s, n + 1);
	*p += n;
}

int st_map_select(struct state *st, const struct st_rowmap *m, struct db_stmt **s,
		  struct vrs_err *err)
{
	size_t len = strlen("SELECT ") + strlen(m->from) + 2;
	char *sql, *p;
	int rc;

	for (size_t i = 0; i < m->ncols; i++)
		len += strlen(m->cols[i].expr) + 2;
	if ((sql = malloc(len)) == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	p = sql;
	put(&p, "SELECT ");
	for (size_t i = 0; i < m->ncols; i++) {
		if (i)
			put(&p, ", ");
		put(&p, m->cols[i].expr);
	}
	put(&p, " ");
	put(&p, m->from);
	rc = st_prepare(st, s, sql, err);
	free(sql);
	return rc;
}

int st_map_col(const struct st_rowmap *m, const char *expr)
{
	for (size_t i = 0; i < m->ncols; i++)
		if (strcmp(m->cols[i].expr, expr) == 0)
			return (int)i;
	return -1;
}

int st_map_fill(const struct st_rowmap *m, struct db_stmt *s, void *base, struct vrs_err *err)
{
	for (size_t i = 0; i < m->ncols; i++) {
		const struct st_col *c = &m->cols[i];
		void *f = (char *)base + c->off;
		int ci = (int)i;
		bool null = db_col_isnull(s, ci);

		switch (c->type) {
		case SC_ID:
		case SC_I64:
			*(long long *)f = db_col_int(s, ci);
			break;
		case SC_STR:
			*(char **)f = st_col_strdup(s, ci);
			if (*(char **)f == NULL && !null)
				return err_setc(err, VRS_E_NOMEM, "out of memory");
			break;
		case SC_INT:
			*(int *)f = null ? c->dflt : db_col_int(s, ci);
			break;
		case SC_BOOL:
			*(bool *)f = null ? c->dflt != 0 : db_col_bool(s, ci);
			break;
		case SC_TIME:
			*(long long *)f = st_col_time(s, ci);
			break;
		case SC_ENUM:
			c->set(db_col_text(s, ci), f);
			break;
		case SC_SKIP:
			break;
		}
	}
	return 0;
}

/* the table column of a map expression: "s.name" -> "name" */
static const char *column(const char *expr)
{
	const char *dot = strchr(expr, '.');

	return dot ? dot + 1 : expr;
}

/* the upsert statement for map m's written columns */
static int upsert_sql(const struct st_rowmap *m, const char *table, struct buf *b)
{
	const char *key = NULL;
	int n = 0, bad = 0;

	bad |= buf_printf(b, "INSERT INTO %s (", table) < 0;
	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].flags & (ST_W | ST_KEY)) {
			bad |= buf_printf(b, "%s, ", column(m->cols[i].expr)) < 0;
			n++;
		}
	bad |= buf_puts(b, "created_at, updated_at) VALUES (") < 0;
	for (int i = 1; i <= n; i++)
		bad |= buf_printf(b, "?%d, ", i) < 0;
	bad |= buf_printf(b, "?%d, ?%d) ON CONFLICT (", n + 1, n + 1) < 0;
	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].flags & ST_KEY)
			key = column(m->cols[i].expr);
	bad |= buf_printf(b, "%s) DO UPDATE SET ", key ? key : "id") < 0;
	for (size_t i = 0; i < m->ncols; i++) {
		const struct st_col *c = &m->cols[i];
		const char *col = column(c->expr);
		if (!(c->flags & ST_W) || (c->flags & ST_KEY))
			continue;
		if (c->flags & ST_KEEP)
			bad |= buf_printf(b, "%s = coalesce(excluded.%s, %s.%s), ", col, col, table,
					  col) < 0;
		else
			bad |= buf_printf(b, "%s = excluded.%s, ", col, col) < 0;
	}
	bad |= buf_puts(b, "updated_at = excluded.updated_at") < 0;
	return bad ? -1 : 0;
}

/* bind the field of column c at base to parameter i */
static void bind_col(struct db_stmt *s, int i, const struct st_col *c, const void *base)
{
	const void *f = (const char *)base + c->off;

	switch (c->type) {
	case SC_STR:
		st_bind_text(s, i, *(char *const *)f);
		break;
	case SC_INT:
		db_bind_int(s, i, *(const int *)f);
		break;
	case SC_BOOL:
		db_bind_bool(s, i, *(const bool *)f);
		break;
	case SC_ID:
	case SC_I64:
		if ((c->flags & ST_NULL0) && *(const long long *)f == 0)
			db_bind_null(s, i);
		else
			db_bind_int(s, i, *(const long long *)f);
		break;
	case SC_TIME:
		st_bind_time(s, i, *(const long long *)f);
		break;
	case SC_ENUM:
		st_bind_text(s, i, c->name(f));
		break;
	case SC_SKIP:
		break;
	}
}

int st_map_upsert(struct state *st, const struct st_rowmap *m, const char *table, const void *base,
		  const char *what, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	struct buf sql;
	int n = 0, rc;

	buf_init(&sql);
	if (upsert_sql(m, table, &sql) < 0) {
		buf_release(&sql);
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	}
	rc = st_prepare(st, &s, sql.data, err);
	buf_release(&sql);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].flags & (ST_W | ST_KEY))
			bind_col(s, ++n, &m->cols[i], base);
	st_bind_time(s, n + 1, st_now(st));
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "%s", what);
	return 0;
}
