/*
 * journal.c — the journal of remote calls (vrs_journal) and the
 * provisioning log (marketplace_provisioning_log).
 *
 * The journal makes remote calls crash-safe: a row is committed (with
 * synchronous=FULL) before the call is made and completed in the same
 * transaction that records the call's result. A row still open when the
 * next run starts means "this call may or may not have happened"; the
 * engine looks the object up by remote_name and adopts it.
 */
#include "state/state_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const result_names[] = {
    [SJ_OPEN] = NULL, [SJ_OK] = "ok", [SJ_FAILED] = "failed", [SJ_ADOPTED] = "adopted"};

const char *state_journal_result_name(enum state_journal_result r)
{
	if ((int)r < 0 || r > SJ_ADOPTED || result_names[r] == NULL)
		return "open";
	return result_names[r];
}

int state_journal_open(struct state *st, const struct state_journal_entry *e, long long *id,
		       struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	*id = 0;
	if (st_need_write(st, err) < 0)
		return -1;
	if (db_in_tx(st->db))
		return err_setc(err, VRS_E_INVALID, "state %s: journal_open inside a transaction",
				st->path);
	if (e->key == NULL)
		return err_setc(err, VRS_E_INVALID, "state %s: journal entry without a key",
				st->path);
	if (db_sqlite_sync_full(st->db, true) < 0)
		return st_dberr(st, err, "journal %s: synchronous", e->key);
	rc = db_begin(st->db) < 0 ? st_dberr(st, err, "journal %s: BEGIN", e->key) : 0;
	if (rc == 0)
		rc = st_prepare(
		    st, &s,
		    "INSERT INTO vrs_journal (started_at, op, resource, key, project_slug, "
		    "service, remote_name, request_summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
		    "RETURNING id",
		    err);
	if (rc == 0) {
		st_bind_time(s, 1, st_now(st));
		st_bind_text(s, 2, m_op_name(e->op));
		st_bind_text(s, 3, m_resource_name(e->resource));
		st_bind_text(s, 4, e->key);
		st_bind_text(s, 5, e->project_slug);
		st_bind_text(s, 6, m_service_name(e->service));
		st_bind_text(s, 7, e->remote_name);
		st_bind_text(s, 8, e->request_summary);
		if (db_step(s) != DB_ROW)
			rc = st_dberr(st, err, "journal %s", e->key);
		else
			*id = db_col_int(s, 0);
		db_finalize(s);
	}
	if (rc == 0 && db_commit(st->db) < 0)
		rc = st_dberr(st, err, "journal %s: COMMIT", e->key);
	if (rc < 0)
		db_rollback(st->db);
	db_sqlite_sync_full(st->db, false);
	if (rc < 0)
		*id = 0;
	return rc;
}

int state_journal_close(struct state *st, long long id, enum state_journal_result result,
			const char *external_id, const char *error, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st_need_write(st, err) < 0)
		return -1;
	if (result == SJ_OPEN || result_names[result] == NULL)
		return err_setc(err, VRS_E_INVALID,
				"state %s: journal %lld: closing needs a result", st->path, id);
	if (st_prepare(st, &s,
		       "UPDATE vrs_journal SET completed_at = ?, result = ?, external_id = ?, "
		       "error = ? WHERE id = ? AND completed_at IS NULL",
		       err) < 0)
		return -1;
	st_bind_time(s, 1, st_now(st));
	st_bind_text(s, 2, result_names[result]);
	st_bind_text(s, 3, external_id);
	st_bind_text(s, 4, error);
	db_bind_int(s, 5, id);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "journal %lld", id);
	if (db_changes(st->db) != 1)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: journal %lld is not open",
				st->path, id);
	return 0;
}

void state_journal_free(struct state_journal_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free((char *)v[i].project_slug);
		free(v[i].remote_name);
		free(v[i].request_summary);
		free((char *)v[i].external_id);
		free(v[i].error);
	}
	free(v);
}

int state_journal_list_open(struct state *st, struct state_journal_entry **out, size_t *n,
			    struct vrs_err *err)
{
	struct state_journal_entry *v = NULL;
	struct db_stmt *s = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st_prepare(
		st, &s,
		"SELECT id, started_at, op, resource, key, project_slug, service, remote_name, "
		"request_summary FROM vrs_journal WHERE completed_at IS NULL ORDER BY id",
		err) < 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW) {
		struct state_journal_entry *p = realloc(v, (cnt + 1) * sizeof(*v)), *e;
		if (p == NULL) {
			rc = DB_NOMEM;
			break;
		}
		v = p;
		e = &v[cnt++];
		memset(e, 0, sizeof(*e));
		e->id = db_col_int(s, 0);
		e->started_at = st_col_time(s, 1);
		m_op_parse(db_col_text(s, 2), &e->op);
		m_resource_parse(db_col_text(s, 3), &e->resource);
		e->key = st_col_strdup(s, 4);
		e->project_slug = st_col_strdup(s, 5);
		m_service_parse(db_col_text(s, 6), &e->service);
		e->remote_name = st_col_strdup(s, 7);
		e->request_summary = st_col_strdup(s, 8);
		e->result = SJ_OPEN;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		state_journal_free(v, cnt);
		if (rc == DB_NOMEM)
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		return st_dberr(st, err, "reading the journal");
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- provisioning log --------------------------------------------------- */

int state_log_add(struct state *st, const struct state_log_entry *e, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	long long pid;
	int rc;

	if (st_need_write(st, err) < 0)
		return -1;
	if (e->project_slug == NULL || e->action == NULL)
		return err_setc(err, VRS_E_INVALID,
				"state %s: a log entry needs a project and an action", st->path);
	if (st_id_of(st, "marketplace_project", "slug", e->project_slug, "project", &pid, err) < 0)
		return err_prefix(err, "log %s", e->action);
	if (st_prepare(
		st, &s,
		"INSERT INTO marketplace_provisioning_log (project_id, action, old_status, "
		"new_status, message, error_details, external_id, external_service, "
		"metadata_json, triggered_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?)",
		err) < 0)
		return -1;
	db_bind_int(s, 1, pid);
	st_bind_text(s, 2, e->action);
	st_bind_text(s, 3, e->old_status);
	st_bind_text(s, 4, e->new_status);
	st_bind_text(s, 5, e->message);
	st_bind_text(s, 6, e->error_details);
	st_bind_text(s, 7, e->external_id);
	st_bind_text(s, 8, e->external_service);
	st_bind_text(s, 9, e->metadata_json);
	st_bind_text(s, 10, e->triggered_by ? e->triggered_by : "system");
	st_bind_time(s, 11, e->created_at ? e->created_at : st_now(st));
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "log %s of %s", e->action, e->project_slug);
	return 0;
}

/* the rows of state_log_list own their strings (const for callers that fill
   an entry from literals) */
void state_log_free(struct state_log_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free((char *)v[i].project_slug);
		free((char *)v[i].action);
		free((char *)v[i].old_status);
		free((char *)v[i].new_status);
		free((char *)v[i].message);
		free((char *)v[i].error_details);
		free((char *)v[i].external_id);
		free((char *)v[i].external_service);
		free((char *)v[i].triggered_by);
		free((char *)v[i].metadata_json);
	}
	free(v);
}

int state_log_list(struct state *st, const char *slug_or_NULL, int limit,
		   struct state_log_entry **out, size_t *n, struct vrs_err *err)
{
	struct state_log_entry *v = NULL;
	struct db_stmt *s = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st_prepare(
		st, &s,
		"SELECT l.id, l.created_at, p.slug, l.action, l.old_status, l.new_status, "
		"l.message, l.error_details, l.external_id, l.external_service, "
		"l.triggered_by, l.metadata_json FROM marketplace_provisioning_log l "
		"JOIN marketplace_project p ON p.id = l.project_id "
		"WHERE CAST(?1 AS TEXT) IS NULL OR p.slug = ?1 "
		/* newest first by the instant: the application may write ISO "T..Z"
		 * and vrsctl SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" */
		"ORDER BY replace(CAST(l.created_at AS TEXT), 'T', ' ') DESC, l.id DESC LIMIT ?2",
		err) < 0)
		return -1;
	st_bind_text(s, 1, slug_or_NULL);
	db_bind_int(s, 2, limit > 0 ? limit : 9223372036854775807LL); /* no limit */
	while ((rc = db_step(s)) == DB_ROW) {
		struct state_log_entry *p = realloc(v, (cnt + 1) * sizeof(*v)), *e;
		if (p == NULL) {
			rc = DB_NOMEM;
			break;
		}
		v = p;
		e = &v[cnt++];
		memset(e, 0, sizeof(*e));
		e->id = db_col_int(s, 0);
		e->created_at = st_col_time(s, 1);
		e->project_slug = st_col_strdup(s, 2);
		e->action = st_col_strdup(s, 3);
		e->old_status = st_col_strdup(s, 4);
		e->new_status = st_col_strdup(s, 5);
		e->message = st_col_strdup(s, 6);
		e->error_details = st_col_strdup(s, 7);
		e->external_id = st_col_strdup(s, 8);
		e->external_service = st_col_strdup(s, 9);
		e->triggered_by = st_col_strdup(s, 10);
		e->metadata_json = st_col_strdup(s, 11);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		state_log_free(v, cnt);
		if (rc == DB_NOMEM)
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		return st_dberr(st, err, "reading the provisioning log");
	}
	*out = v;
	*n = cnt;
	return 0;
}
