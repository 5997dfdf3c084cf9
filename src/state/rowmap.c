/* rowmap.c — reads driven by row maps (see rowmap.h). */
#include "state/rowmap.h"

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

int st_map_select(struct state *st, const struct st_rowmap *m, sqlite3_stmt **s,
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

int st_map_fill(const struct st_rowmap *m, sqlite3_stmt *s, void *base, struct vrs_err *err)
{
	for (size_t i = 0; i < m->ncols; i++) {
		const struct st_col *c = &m->cols[i];
		void *f = (char *)base + c->off;
		int ci = (int)i;
		bool null = sqlite3_column_type(s, ci) == SQLITE_NULL;

		switch (c->type) {
		case SC_ID:
		case SC_I64:
			*(long long *)f = sqlite3_column_int64(s, ci);
			break;
		case SC_STR:
			*(char **)f = st_col_strdup(s, ci);
			if (*(char **)f == NULL && !null)
				return err_setc(err, VRS_E_NOMEM, "out of memory");
			break;
		case SC_INT:
			*(int *)f = null ? c->dflt : sqlite3_column_int(s, ci);
			break;
		case SC_BOOL:
			*(bool *)f = (null ? c->dflt : sqlite3_column_int(s, ci)) != 0;
			break;
		case SC_TIME:
			*(long long *)f = st_col_time(s, ci);
			break;
		case SC_ENUM:
			c->set((const char *)sqlite3_column_text(s, ci), f);
			break;
		case SC_SKIP:
			break;
		}
	}
	return 0;
}
