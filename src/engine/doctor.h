/*
 * doctor.h — the preflight checks of `vrsctl doctor`: can this machine talk
 * to Coolify and INWX with the configured credentials, may the token do what
 * apply needs, and is the state file safe. The checks observe; they create,
 * deploy and change nothing (remotely or in the state).
 *
 * engine_doctor() runs every check in a fixed order and fills a report that
 * cmd/doctor.c prints. A check that depends on one that failed is reported
 * as DOCTOR_SKIP. No secret (token, password, TOTP secret) is ever put in a
 * detail or a fix.
 */
#ifndef VRS_DOCTOR_H
#define VRS_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "util/err.h"

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_WARN, /* apply works, but something will go wrong quietly (false diffs) */
	DOCTOR_FAIL,
	DOCTOR_SKIP, /* not checked: a check it depends on failed */
};

struct doctor_check {
	const char *name; /* static: "coolify-url", "coolify-api", ... */
	enum doctor_status status;
	char *detail; /* what was found; never NULL */
	char *fix;    /* what to do, or NULL */
};

struct doctor_report {
	struct doctor_check *v;
	size_t n, cap;
};

struct doctor_opts {
	const char *state_path;	       /* --state */
	providers_trace_fn http_trace; /* -vv: HTTP trace (masked); NULL: none */
};

/*
 * Run the checks: coolify-url, coolify-api, coolify-token, coolify-write,
 * coolify-deploy, coolify-sensitive, inwx-login, state. Credentials come
 * from the environment (DESIGN §3); missing ones are FAIL lines, not errors.
 * Returns 0 with *r filled (free with doctor_report_release, also after -1),
 * -1 with err only when the checks could not run at all (out of memory).
 */
int engine_doctor(const struct doctor_opts *o, struct doctor_report *r, struct vrs_err *err);
void doctor_report_release(struct doctor_report *r);
/* true when any check is DOCTOR_FAIL or DOCTOR_SKIP */
bool doctor_report_failed(const struct doctor_report *r);
/* "ok", "warn", "FAIL", "skip" */
const char *doctor_status_name(enum doctor_status s);

#endif
