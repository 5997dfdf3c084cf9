/*
 * health.c — the state's record of what was observed of a project's site:
 * the TLS facts of a domain's handshake (marketplace_project_domain's
 * ssl_provisioned / ssl_expires_at, and vrs_tls_check's checked_at, which
 * spaces the checks a day apart) and an active app's health beside its
 * provisioning_status (vrs_health).
 */
#include "state/state_int.h"

#include <stdio.h>

static int tls_check_row(struct state *st, long long id, const char *what, const char *seen,
			 struct vrs_err *err)
{
	return st_run(st, err, what,
		      "INSERT INTO vrs_tls_check (domain_id, checked_at, seen) VALUES (?, ?, ?) "
		      "ON CONFLICT (domain_id) DO UPDATE SET checked_at = excluded.checked_at, "
		      "seen = excluded.seen",
		      "Its", id, st_now(st), seen);
}

int state_domain_set_tls(struct state *st, const char *fqdn, bool provisioned, long long expires_at,
			 const char *seen, struct vrs_err *err)
{
	char what[320];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "domain %s", fqdn);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_domain_id(st, fqdn, &id, err);
	if (rc >= 0 && expires_at > 0)
		rc = st_run(st, err, what,
			    "UPDATE marketplace_project_domain SET ssl_provisioned = ?, "
			    "ssl_expires_at = ?, updated_at = ? WHERE id = ?",
			    "bttI", provisioned, expires_at, st_now(st), id);
	else if (rc >= 0) /* no notAfter seen: the recorded one is not overwritten by a guess */
		rc = st_run(st, err, what,
			    "UPDATE marketplace_project_domain SET ssl_provisioned = ?, "
			    "updated_at = ? WHERE id = ?",
			    "btI", provisioned, st_now(st), id);
	if (rc >= 0)
		rc = tls_check_row(st, id, what, seen, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_domain_tls_checked(struct state *st, const char *fqdn, const char *seen,
			     struct vrs_err *err)
{
	char what[320];
	long long id;

	snprintf(what, sizeof(what), "domain %s", fqdn);
	if (st_domain_id(st, fqdn, &id, err) < 0)
		return -1;
	return tls_check_row(st, id, what, seen, err) < 0 ? -1 : 0;
}

int state_health_set(struct state *st, const char *slug, bool healthy, long long since,
		     const char *seen, struct vrs_err *err)
{
	char what[160];
	long long id;

	snprintf(what, sizeof(what), "health of %s", slug);
	if (st_project_id(st, slug, &id, err) < 0)
		return -1;
	return st_run(st, err, what,
		      "INSERT INTO vrs_health (project_id, healthy, since, seen, checked_at) "
		      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET "
		      "healthy = excluded.healthy, since = excluded.since, seen = excluded.seen, "
		      "checked_at = excluded.checked_at",
		      "Ibtst", id, healthy, since, seen, st_now(st)) < 0
		   ? -1
		   : 0;
}
