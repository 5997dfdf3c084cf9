/*
 * retry.c — the retry rule: a project that failed VRS_MAX_RETRIES times
 * (model/limits.h) waits in status 'error' for an operator; a retry
 * request resets its retry count, so that the next apply tries again, and
 * logs who asked, in one transaction. Only a project in error can be
 * retried.
 */
#include "state/state_int.h"

#include <stdlib.h>

int state_project_retry(struct state *st, const char *slug, const char *who, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	enum m_prov_status status = PS_ERROR;
	char *error = NULL;
	int rc;

	if (st_prepare(st, &s,
		       "SELECT provisioning_status, provisioning_error FROM marketplace_project "
		       "WHERE slug = ?",
		       err) < 0)
		return -1;
	st_bind_text(s, 1, slug);
	rc = db_step(s);
	if (rc == DB_ROW) {
		if (m_prov_status_parse(db_col_text(s, 0), &status) < 0)
			status = PS_ERROR;
		error = st_col_strdup(s, 1);
	}
	db_finalize(s);
	if (rc == DB_DONE)
		return err_setc(err, VRS_E_NOT_FOUND, "no project '%s' in state %s", slug,
				st->path);
	if (rc != DB_ROW)
		return st_dberr(st, err, "reading project %s", slug);
	if (status != PS_ERROR) {
		free(error);
		return err_setc(err, VRS_E_INVALID,
				"project '%s' is %s, not in error; nothing to retry", slug,
				m_prov_status_name(status));
	}
	{
		struct state_log_entry e = {.project_slug = slug,
					    .action = "retry",
					    .old_status = "error",
					    .new_status = "error",
					    .message =
						"retry requested; the next apply tries again",
					    .error_details = error,
					    .triggered_by = who};
		rc = 0;
		if (state_begin(st, err) < 0 || state_project_retry_reset(st, slug, err) < 0 ||
		    state_log_add(st, &e, err) < 0 || state_commit(st, err) < 0) {
			state_rollback(st, NULL);
			rc = -1;
		}
	}
	free(error);
	return rc;
}
