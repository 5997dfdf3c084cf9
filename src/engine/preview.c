/*
 * preview.c — preview-access rules (see preview.h): validity is the
 * model's PreviewAccess.is_valid (not past expires_at, and not a used
 * single-use access); only demos and preview-protected projects get
 * accesses; revoking deletes the row, so a revoked token verifies as
 * unknown. Tokens and codes never go into the log: the prefix only.
 */
#include "engine/preview.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

long long preview_now(void)
{
	return (long long)time(NULL);
}

const char *preview_invalid_reason(const struct state_preview *a, long long now)
{
	if (now > a->expires_at)
		return "expired";
	if (!a->is_reusable && a->is_used)
		return "used up";
	return NULL;
}

const char *preview_primary_domain(const struct m_project *p)
{
	for (size_t i = 0; i < p->ndomains; i++)
		if (p->domains[i].primary)
			return p->domains[i].fqdn;
	return p->ndomains ? p->domains[0].fqdn : NULL;
}

char *preview_token_prefix(const char *token, char *out)
{
	snprintf(out, PREVIEW_PREFIX_LEN + 1, "%s", token ? token : "");
	return out;
}

size_t preview_prefix_normalize(const char *given, char *out, size_t outlen)
{
	size_t len;

	snprintf(out, outlen, "%s", given);
	len = strlen(out);
	if (len >= 3 && (strcmp(out + len - 3, "…") == 0 || strcmp(out + len - 3, "...") == 0))
		out[len -= 3] = 0;
	return len;
}

int preview_project(struct state *st, const struct m_world *w, const char *slug,
		    const struct m_project **p, struct vrs_err *err)
{
	*p = world_project(w, slug);
	if (*p == NULL)
		return err_setc(err, VRS_E_NOT_FOUND, "no project '%s' in state %s", slug,
				state_path(st));
	return 0;
}

int preview_grant(struct state *st, const struct m_project *p, const struct preview_grant_req *rq,
		  struct state_preview *out, struct vrs_err *err)
{
	struct state_preview in;
	char t[32], pre[PREVIEW_PREFIX_LEN + 1], msg[256];
	struct state_log_entry e = {.project_slug = p->slug,
				    .action = "preview_granted",
				    .message = msg,
				    .triggered_by = rq->who};

	memset(out, 0, sizeof(*out));
	if (!p->demo && !p->preview_protection)
		return err_setc(err, VRS_E_INVALID,
				"project '%s' is neither a demo nor preview-protected; set "
				"'demo: true' or 'preview_protection: true' in its spec and apply",
				p->slug);
	memset(&in, 0, sizeof(in));
	in.project_slug = p->slug;
	in.email = (char *)rq->email;
	in.name = (char *)rq->name;
	in.expires_at = preview_now() + rq->hours * 3600LL;
	in.is_reusable = !rq->single_use;
	in.created_by = (char *)rq->who;
	if (state_begin(st, err) < 0 || state_preview_grant(st, &in, out, err) < 0)
		goto fail;
	snprintf(msg, sizeof(msg), "preview access %s… for %s, %s, valid until %s",
		 preview_token_prefix(out->token, pre),
		 rq->email  ? rq->email
		 : rq->name ? rq->name
			    : "anyone with the link",
		 rq->single_use ? "single use" : "reusable",
		 state_time_fmt(out->expires_at, t, sizeof(t)));
	if (state_log_add(st, &e, err) < 0 || state_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	state_rollback(st, NULL);
	return -1;
}

int preview_revoke(struct state *st, const struct m_project *p, const char *pfx, size_t len,
		   const char *given, const char *who, char *shown, struct vrs_err *err)
{
	struct state_preview *rows = NULL;
	const struct state_preview *hit = NULL;
	size_t n = 0, nhits = 0;
	char msg[128];
	int rc = -1;

	if (state_preview_list(st, p->slug, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].token && strncmp(rows[i].token, pfx, len) == 0) {
			hit = &rows[i];
			nhits++;
		}
	}
	if (nhits == 0) {
		err_setc(err, VRS_E_NOT_FOUND, "project '%s' has no preview access with token %s",
			 p->slug, given);
	} else if (nhits > 1) {
		err_setc(err, VRS_E_INVALID,
			 "token prefix '%s' matches %zu preview accesses of '%s'; give more "
			 "characters",
			 pfx, nhits, p->slug);
	} else {
		struct state_log_entry e = {.project_slug = p->slug,
					    .action = "preview_revoked",
					    .message = msg,
					    .triggered_by = who};
		preview_token_prefix(hit->token, shown);
		snprintf(msg, sizeof(msg), "preview access %s… revoked", shown);
		if (state_begin(st, err) < 0 || state_preview_revoke(st, hit->token, err) < 0 ||
		    state_log_add(st, &e, err) < 0 || state_commit(st, err) < 0)
			state_rollback(st, NULL);
		else
			rc = 0;
	}
	state_preview_free(rows, n);
	return rc;
}

int preview_verify(struct state *st, const struct m_project *p, const char *token, const char *code,
		   const char *ip, struct preview_check *out, struct vrs_err *err)
{
	int found;

	memset(out, 0, sizeof(*out));
	found = state_preview_find(st, token, p->slug, code, &out->a, err);
	if (found < 0)
		return -1;
	/* a token of another project is unknown here */
	if (found == 0 || strcmp(out->a.project_slug, p->slug) != 0)
		return 0;
	out->found = true;
	out->why = preview_invalid_reason(&out->a, preview_now());
	if (out->why)
		return 0;
	return state_preview_mark_used(st, out->a.token, ip, err);
}
