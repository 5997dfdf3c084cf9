/*
 * preview.c — preview-access tokens of demo projects
 * (marketplace_preview_access), as the model's PreviewAccess: a URL-safe
 * token of 48 random bytes for magic links, a 6-digit code for manual
 * entry, an expiry and use tracking. The token is a credential of the
 * marketplace (like api_key) and is stored as the model requires.
 */
#include "state/state_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREVIEW_COLS                                                                               \
	"a.id, p.slug, a.token, a.code, a.email, a.name, a.expires_at, a.is_used, a.used_at, "     \
	"a.used_ip, a.is_reusable, a.use_count, a.notes, a.created_at, a.created_by "              \
	"FROM marketplace_preview_access a JOIN marketplace_project p ON p.id = a.project_id "

/* secrets.token_urlsafe(48): base64url without padding, 64 characters */
static int make_token(char out[65], struct vrs_err *err)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[48];
	size_t o = 0;

	if (st_random_bytes(raw, sizeof(raw), err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(raw); i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	out[o] = 0;
	return 0;
}

/* six uniformly random digits */
static int make_code(char out[7], struct vrs_err *err)
{
	uint32_t v;

	do {
		if (st_random_bytes((unsigned char *)&v, sizeof(v), err) < 0)
			return -1;
	} while (v >= 4294000000u); /* a multiple of 10^6: no modulo bias */
	snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
	return 0;
}

static void fill(struct db_stmt *s, struct state_preview *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_col_int(s, 0);
	p->project_slug = st_col_strdup(s, 1);
	p->token = st_col_strdup(s, 2);
	p->code = st_col_strdup(s, 3);
	p->email = st_col_strdup(s, 4);
	p->name = st_col_strdup(s, 5);
	p->expires_at = st_col_time(s, 6);
	p->is_used = db_col_bool(s, 7);
	p->used_at = st_col_time(s, 8);
	p->used_ip = st_col_strdup(s, 9);
	p->is_reusable = db_col_bool(s, 10);
	p->use_count = db_col_int(s, 11);
	p->notes = st_col_strdup(s, 12);
	p->created_at = st_col_time(s, 13);
	p->created_by = st_col_strdup(s, 14);
}

void state_preview_release(struct state_preview *p)
{
	if (p == NULL)
		return;
	free(p->project_slug);
	free(p->token);
	free(p->code);
	free(p->email);
	free(p->name);
	free(p->used_ip);
	free(p->notes);
	free(p->created_by);
	memset(p, 0, sizeof(*p));
}

void state_preview_free(struct state_preview *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		state_preview_release(&v[i]);
	free(v);
}

int state_preview_find(struct state *st, const char *token, const char *slug, const char *code,
		       struct state_preview *out, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (token == NULL && (slug == NULL || code == NULL))
		return err_setc(err, VRS_E_INVALID,
				"state: preview lookup needs a token or a project and code");
	if (st_prepare(st, &s,
		       token ? "SELECT " PREVIEW_COLS "WHERE a.token = ?1"
			     : "SELECT " PREVIEW_COLS "WHERE p.slug = ?1 AND a.code = ?2 "
			       "ORDER BY a.id DESC LIMIT 1",
		       err) < 0)
		return -1;
	st_bind_text(s, 1, token ? token : slug);
	if (token == NULL)
		st_bind_text(s, 2, code);
	rc = db_step(s);
	if (rc == DB_ROW)
		fill(s, out);
	db_finalize(s);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return st_dberr(st, err, "reading preview access");
}

int state_preview_grant(struct state *st, const struct state_preview *in, struct state_preview *out,
			struct vrs_err *err)
{
	char token[65], code[7];
	struct db_stmt *s = NULL;
	long long pid;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st_need_write(st, err) < 0)
		return -1;
	if (in->expires_at == 0)
		return err_setc(err, VRS_E_INVALID, "state: a preview access needs an expiry");
	if (st_id_of(st, "marketplace_project", "slug", in->project_slug, "project", &pid, err) <
		0 ||
	    make_token(token, err) < 0 || make_code(code, err) < 0)
		return -1;
	if (st_prepare(
		st, &s,
		"INSERT INTO marketplace_preview_access (project_id, token, code, email, name, "
		"expires_at, is_reusable, notes, created_at, created_by, is_used, use_count) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 0)",
		err) < 0)
		return -1;
	db_bind_int(s, 1, pid);
	st_bind_text(s, 2, token);
	st_bind_text(s, 3, code);
	st_bind_text(s, 4, in->email);
	st_bind_text(s, 5, in->name);
	st_bind_time(s, 6, in->expires_at);
	db_bind_bool(s, 7, in->is_reusable);
	st_bind_text(s, 8, in->notes);
	st_bind_time(s, 9, st_now(st));
	st_bind_text(s, 10, in->created_by);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "preview access for %s", in->project_slug);
	rc = state_preview_find(st, token, NULL, NULL, out, err);
	return rc == 1 ? 0 : err_setc(err, VRS_E_NOT_FOUND, "state: preview access vanished");
}

int state_preview_list(struct state *st, const char *slug_or_NULL, struct state_preview **out,
		       size_t *n, struct vrs_err *err)
{
	struct state_preview *v = NULL;
	struct db_stmt *s = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st_prepare(st, &s,
		       "SELECT " PREVIEW_COLS "WHERE CAST(?1 AS TEXT) IS NULL OR p.slug = ?1 "
		       /* newest first by the instant: the application may write ISO "T..Z"
			* and vrsctl SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" */
		       "ORDER BY replace(CAST(a.created_at AS TEXT), 'T', ' ') DESC, a.id DESC",
		       err) < 0)
		return -1;
	st_bind_text(s, 1, slug_or_NULL);
	while ((rc = db_step(s)) == DB_ROW) {
		struct state_preview *p = realloc(v, (cnt + 1) * sizeof(*v));
		if (p == NULL) {
			rc = DB_NOMEM;
			break;
		}
		v = p;
		fill(s, &v[cnt++]);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		state_preview_free(v, cnt);
		if (rc == DB_NOMEM)
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		return st_dberr(st, err, "reading preview accesses");
	}
	*out = v;
	*n = cnt;
	return 0;
}

int state_preview_mark_used(struct state *st, const char *token, const char *ip,
			    struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st_need_write(st, err) < 0 ||
	    st_prepare(st, &s,
		       "UPDATE marketplace_preview_access SET is_used = TRUE, "
		       "use_count = use_count + 1, used_at = ?, used_ip = ? WHERE token = ?",
		       err) < 0)
		return -1;
	st_bind_time(s, 1, st_now(st));
	st_bind_text(s, 2, ip);
	st_bind_text(s, 3, token);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "marking preview access used");
	if (db_changes(st->db) == 0)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: no preview access with this token",
				st->path);
	return 0;
}

int state_preview_revoke(struct state *st, const char *token, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st_need_write(st, err) < 0 ||
	    st_prepare(st, &s, "DELETE FROM marketplace_preview_access WHERE token = ?", err) < 0)
		return -1;
	st_bind_text(s, 1, token);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "revoking preview access");
	return 0;
}
