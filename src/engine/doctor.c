/*
 * doctor.c — the preflight checks of `vrsctl doctor` (see doctor.h).
 *
 * Coolify is probed in the order its middleware runs (routes/api.php in
 * coollabsio/coolify): /api/health has no auth and sits outside the API
 * switch; auth:sanctum answers 401 before ApiAllowed answers 403 "API is
 * disabled." / "You are not allowed to access the API."; the route's
 * api.ability:X answers 403 "Missing required permissions: X" before the
 * controller checks the body. The write and deploy probes send bodies the
 * controllers refuse (422 / 400), so they create and deploy nothing; see
 * coolify_probe() and docs/NOTES.md.
 */
#include "engine/doctor.h"
#include "engine/engine_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* how many applications the sensitive-value check looks into at most */
#define SENSITIVE_APPS_MAX 5

#define FIX_TOKEN                                                                                  \
	"create a new API token in Coolify (Keys & Tokens -> API tokens) and set "                 \
	"VRS_COOLIFY_TOKEN or VRS_COOLIFY_TOKEN_FILE"
#define FIX_ABILITIES                                                                              \
	"as a team admin or owner, create a token with root, or with read, write, deploy and "     \
	"read:sensitive, and set VRS_COOLIFY_TOKEN or VRS_COOLIFY_TOKEN_FILE"

struct doc {
	struct doctor_report *r;
	bool oom;
};

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK:
		return "ok";
	case DOCTOR_WARN:
		return "warn";
	case DOCTOR_FAIL:
		return "FAIL";
	case DOCTOR_SKIP:
		return "skip";
	}
	return "?";
}

void doctor_report_release(struct doctor_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].detail);
		free(r->v[i].fix);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool doctor_report_failed(const struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].status == DOCTOR_FAIL || r->v[i].status == DOCTOR_SKIP)
			return true;
	return false;
}

/* append one check; fix may be NULL. Out of memory is remembered in d->oom. */
static void add(struct doc *d, const char *name, enum doctor_status st, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add(struct doc *d, const char *name, enum doctor_status st, const char *fix,
		const char *fmt, ...)
{
	struct doctor_report *r = d->r;
	struct doctor_check *c;
	va_list ap;
	int n;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct doctor_check *v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL) {
			d->oom = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	c = &r->v[r->n];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->status = st;
	va_start(ap, fmt);
	n = vasprintf(&c->detail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		d->oom = true;
		return;
	}
	if (fix && (c->fix = strdup(fix)) == NULL) {
		free(c->detail);
		d->oom = true;
		return;
	}
	r->n++;
}

static void skip(struct doc *d, const char *name, const char *why)
{
	add(d, name, DOCTOR_SKIP, NULL, "not checked: %s", why);
}

/* ---- Coolify ---------------------------------------------------------------- */

static const char *const coolify_after_api[] = {"coolify-token", "coolify-write", "coolify-deploy",
						"coolify-sensitive"};

static void skip_coolify_from(struct doc *d, size_t first, const char *why)
{
	for (size_t i = first; i < sizeof(coolify_after_api) / sizeof(coolify_after_api[0]); i++)
		skip(d, coolify_after_api[i], why);
}

/* 1. the URL answers /api/health (no token, not behind the API switch); false = stop */
static bool check_health(struct doc *d, struct coolify *c, const char *url)
{
	struct coolify_probe *p = NULL;
	struct vrs_err e;
	bool ok = false;

	err_clear(&e);
	if (coolify_probe(c, COOLIFY_PROBE_HEALTH, &p, &e) < 0) {
		add(d, "coolify-url", DOCTOR_FAIL,
		    "check VRS_COOLIFY_URL (scheme, host, port) and that Coolify runs and is "
		    "reachable from this machine",
		    "%s does not answer: %s", url, e.msg);
	} else if (p->answer == COOLIFY_ANS_OK) {
		add(d, "coolify-url", DOCTOR_OK, NULL, "%s answers (GET /api/health: %.40s)", url,
		    p->text);
		ok = true;
	} else {
		add(d, "coolify-url", DOCTOR_FAIL,
		    "set VRS_COOLIFY_URL to Coolify's base URL, without /api/v1 (e.g. "
		    "https://coolify.example.com)",
		    "%s is not Coolify's health endpoint: GET /api/health: %s", url, p->text);
	}
	coolify_probe_free(p);
	return ok;
}

/*
 * 2. the API switch: GET /api/v1/version. Returns 1 to go on, 0 to stop
 * (API unusable), 2 when the token was refused first (auth runs before the
 * switch, so the switch is unknown: the token check says why).
 */
static int check_api(struct doc *d, struct coolify *c)
{
	struct coolify_probe *p = NULL;
	struct vrs_err e;
	int go = 0;

	err_clear(&e);
	if (coolify_probe(c, COOLIFY_PROBE_VERSION, &p, &e) < 0) {
		add(d, "coolify-api", DOCTOR_FAIL,
		    "check that Coolify runs and is reachable from this machine", "%s", e.msg);
		return 0;
	}
	switch (p->answer) {
	case COOLIFY_ANS_OK:
		add(d, "coolify-api", DOCTOR_OK, NULL, "the API is enabled, Coolify %.40s",
		    p->text);
		go = 1;
		break;
	case COOLIFY_ANS_NO_ABILITY:
		add(d, "coolify-api", DOCTOR_OK, NULL,
		    "the API is enabled (the version is not readable without read)");
		go = 1;
		break;
	case COOLIFY_ANS_API_DISABLED:
		add(d, "coolify-api", DOCTOR_FAIL,
		    "an instance admin enables it in Coolify: Settings -> Advanced -> API Access "
		    "(or POST /api/v1/enable with a root-team token that has write)",
		    "the API is disabled on this instance (%s)", p->text);
		break;
	case COOLIFY_ANS_IP_NOT_ALLOWED:
		add(d, "coolify-api", DOCTOR_FAIL,
		    "add this machine's IP address to Coolify's Settings -> Advanced -> Allowed "
		    "IPs "
		    "(0.0.0.0 allows all); a new token will not help",
		    "this machine's IP address is not in the API's allowlist - not a token "
		    "problem (%s)",
		    p->text);
		break;
	case COOLIFY_ANS_UNAUTHENTICATED:
	case COOLIFY_ANS_INVALID_TOKEN:
		add(d, "coolify-api", DOCTOR_SKIP, NULL,
		    "not known: Coolify checks the token before the API switch, and refused it "
		    "(see coolify-token)");
		go = 2;
		break;
	default:
		add(d, "coolify-api", DOCTOR_FAIL,
		    "check that VRS_COOLIFY_URL points at Coolify itself, not at a proxy or login "
		    "page",
		    "GET /api/v1/version: %s", p->text);
		break;
	}
	coolify_probe_free(p);
	return go;
}

/* 3. the token: GET /api/v1/team; false = stop */
static bool check_token(struct doc *d, struct coolify *c)
{
	struct coolify_probe *p = NULL;
	struct vrs_err e;
	bool ok = false;

	err_clear(&e);
	if (coolify_probe(c, COOLIFY_PROBE_TEAM, &p, &e) < 0) {
		add(d, "coolify-token", DOCTOR_FAIL,
		    "check that Coolify runs and is reachable from this machine", "%s", e.msg);
		return false;
	}
	switch (p->answer) {
	case COOLIFY_ANS_OK:
		add(d, "coolify-token", DOCTOR_OK, NULL, "the token is accepted (GET /team)");
		ok = true;
		break;
	case COOLIFY_ANS_UNAUTHENTICATED:
		add(d, "coolify-token", DOCTOR_FAIL, FIX_TOKEN,
		    "the token is refused: unknown, revoked or expired (%s)", p->text);
		break;
	case COOLIFY_ANS_INVALID_TOKEN:
		add(d, "coolify-token", DOCTOR_FAIL, FIX_TOKEN,
		    "the token is refused: its team is gone or you are no longer in it (%s)",
		    p->text);
		break;
	case COOLIFY_ANS_NO_ABILITY:
		add(d, "coolify-token", DOCTOR_FAIL, FIX_ABILITIES,
		    "the token is accepted but may not read (%s)", p->text);
		break;
	default:
		add(d, "coolify-token", DOCTOR_FAIL, FIX_TOKEN, "GET /api/v1/team: %s", p->text);
		break;
	}
	coolify_probe_free(p);
	return ok;
}

/* 4. write and deploy abilities, with requests the controllers refuse */
static void check_ability(struct doc *d, struct coolify *c, enum coolify_probe_kind kind,
			  const char *name, const char *what, const char *harmless)
{
	struct coolify_probe *p = NULL;
	struct vrs_err e;

	err_clear(&e);
	if (coolify_probe(c, kind, &p, &e) < 0) {
		add(d, name, DOCTOR_FAIL, "check that Coolify runs and is reachable", "%s", e.msg);
		return;
	}
	switch (p->answer) {
	case COOLIFY_ANS_REFUSED:
	case COOLIFY_ANS_OK:
		add(d, name, DOCTOR_OK, NULL,
		    "the token may %s (%s passed the ability check: HTTP %d, nothing %s)", what,
		    harmless, p->http_status,
		    kind == COOLIFY_PROBE_DEPLOY ? "deployed" : "created");
		break;
	case COOLIFY_ANS_NO_ABILITY:
		add(d, name, DOCTOR_FAIL, FIX_ABILITIES, "the token may not %s (%s)", what,
		    p->text);
		break;
	default:
		add(d, name, DOCTOR_FAIL, FIX_ABILITIES,
		    "could not tell whether the token may %s: %s", what, p->text);
		break;
	}
	coolify_probe_free(p);
}

/* 5. read:sensitive, observed on an env variable of an existing application */
static void check_sensitive(struct doc *d, struct coolify *c)
{
	struct coolify_app_list *apps = NULL;
	struct vrs_err e;
	const char *seen_app = NULL;
	int shown = -1; /* -1 not observed, 0 hidden, 1 shown */
	size_t looked = 0;

	err_clear(&e);
	if (coolify_apps_list(c, &apps, &e) < 0) {
		add(d, "coolify-sensitive", DOCTOR_FAIL, FIX_ABILITIES, "%s", e.msg);
		return;
	}
	for (size_t i = 0; i < apps->n && shown < 0 && looked < SENSITIVE_APPS_MAX; i++) {
		struct coolify_env_list *envs = NULL;
		struct http_waiter wt = {0};
		void *res = NULL;

		if (apps->v[i].uuid == NULL)
			continue;
		looked++;
		err_clear(&e);
		if (coolify_wait(
			c, coolify_envs_list_async(c, apps->v[i].uuid, http_waiter_cb, &wt, &e),
			&wt, COOLIFY_K_ENVS, &res, &e) < 0) {
			add(d, "coolify-sensitive", DOCTOR_FAIL, FIX_ABILITIES, "%s", e.msg);
			coolify_app_list_free(apps);
			return;
		}
		envs = res;
		for (size_t k = 0; k < envs->n; k++) {
			/* shown-once values are never returned, whatever the token */
			if (envs->v[k].is_shown_once)
				continue;
			shown = envs->v[k].has_value ? 1 : 0;
			seen_app = apps->v[i].name ? apps->v[i].name : apps->v[i].uuid;
			break;
		}
		if (shown >= 0) {
			add(d, "coolify-sensitive", shown ? DOCTOR_OK : DOCTOR_WARN,
			    shown ? NULL
				  : "give the token read:sensitive (or root): create a new token "
				    "and set VRS_COOLIFY_TOKEN",
			    shown
				? "the token reads sensitive values (env values of '%s' are "
				  "shown)"
				: "the token cannot read sensitive values (env values of '%s' are "
				  "hidden): refresh and drift see every secret as changed (false "
				  "diffs)",
			    seen_app);
		}
		coolify_env_list_free(envs);
	}
	if (shown < 0)
		add(d, "coolify-sensitive", DOCTOR_WARN,
		    "run vrsctl doctor again after the first apply, and make sure the token has "
		    "read:sensitive (or root)",
		    apps->n == 0 ? "not observed (no application to read)"
				 : "not observed (no environment variable to read)");
	coolify_app_list_free(apps);
}

static void check_coolify(struct doc *d, struct providers *pv, const struct provider_creds *cr)
{
	int api;

	if (pv == NULL || pv->coolify == NULL) {
		const char *missing = cr->coolify_url == NULL && cr->coolify_token == NULL
					  ? "VRS_COOLIFY_URL and VRS_COOLIFY_TOKEN are"
				      : cr->coolify_url == NULL ? "VRS_COOLIFY_URL is"
								: "VRS_COOLIFY_TOKEN is";
		add(d, "coolify-url", DOCTOR_FAIL,
		    "set VRS_COOLIFY_URL (e.g. https://coolify.example.com) and VRS_COOLIFY_TOKEN "
		    "(or VRS_COOLIFY_TOKEN_FILE)",
		    "Coolify is not configured: %s not set", missing);
		skip(d, "coolify-api", "Coolify is not configured");
		skip_coolify_from(d, 0, "Coolify is not configured");
		return;
	}
	if (!check_health(d, pv->coolify, cr->coolify_url)) {
		skip(d, "coolify-api", "Coolify does not answer (see coolify-url)");
		skip_coolify_from(d, 0, "Coolify does not answer (see coolify-url)");
		return;
	}
	api = check_api(d, pv->coolify);
	if (api == 0) {
		skip_coolify_from(d, 0, "the API is not usable (see coolify-api)");
		return;
	}
	if (!check_token(d, pv->coolify)) {
		skip_coolify_from(d, 1, "the token is refused (see coolify-token)");
		return;
	}
	check_ability(d, pv->coolify, COOLIFY_PROBE_WRITE, "coolify-write", "write",
		      "POST /projects without a name");
	check_ability(d, pv->coolify, COOLIFY_PROBE_DEPLOY, "coolify-deploy", "deploy",
		      "POST /deploy without uuid or tag");
	check_sensitive(d, pv->coolify);
}

/* ---- INWX ------------------------------------------------------------------- */

static void check_inwx(struct doc *d, struct providers *pv, const struct provider_creds *cr)
{
	struct http_waiter wt = {0};
	void *res = NULL;
	struct vrs_err e;
	const char *fix = NULL;

	if (pv == NULL || pv->inwx == NULL) {
		const char *missing = cr->inwx_user == NULL && cr->inwx_password == NULL
					  ? "VRS_INWX_USER and VRS_INWX_PASSWORD are"
				      : cr->inwx_user == NULL ? "VRS_INWX_USER is"
							      : "VRS_INWX_PASSWORD is";
		add(d, "inwx-login", DOCTOR_FAIL,
		    "set VRS_INWX_USER and VRS_INWX_PASSWORD (or VRS_INWX_PASSWORD_FILE); "
		    "VRS_INWX_URL=ote for INWX's test system",
		    "INWX is not configured: %s not set", missing);
		return;
	}
	err_clear(&e);
	if (inwx_wait(pv->inwx, inwx_login_async(pv->inwx, http_waiter_cb, &wt, &e), &wt, &res,
		      &e) == 0) {
		struct http_waiter wo = {0};

		bool tfa = inwx_login_outcome(pv->inwx) == INWX_LOGIN_OK_TFA;

		add(d, "inwx-login", DOCTOR_OK, NULL, "logged in at %s%s", cr->inwx_url,
		    tfa ? ", unlocked with the TOTP secret (2FA)" : " (no 2FA)");
		inwx_account_free(res);
		err_clear(&e);
		/* end the session; a failed logout changes nothing for the check */
		(void)inwx_wait(pv->inwx, inwx_logout_async(pv->inwx, http_waiter_cb, &wo, &e), &wo,
				NULL, &e);
		return;
	}
	switch (inwx_login_outcome(pv->inwx)) {
	case INWX_LOGIN_BAD_CREDENTIALS:
		fix = "check VRS_INWX_USER and VRS_INWX_PASSWORD (production and OTE accounts "
		      "differ: VRS_INWX_URL)";
		break;
	case INWX_LOGIN_REFUSED:
		fix = "check VRS_INWX_USER and VRS_INWX_PASSWORD (a password file must hold the "
		      "password only)";
		break;
	case INWX_LOGIN_TFA_NO_SECRET:
		fix = "set VRS_INWX_TOTP_SECRET (or _FILE) to the account's base32 TOTP secret, or "
		      "use an INWX API sub-account without 2FA";
		break;
	case INWX_LOGIN_TFA_REFUSED:
		fix =
		    "check VRS_INWX_TOTP_SECRET (the base32 secret of the account's 2FA) and this "
		    "machine's clock (TOTP needs it right within 30 s)";
		break;
	default:
		fix = "check VRS_INWX_URL and that this machine reaches it";
		break;
	}
	add(d, "inwx-login", DOCTOR_FAIL, fix, "%s", e.msg);
}

/* ---- state ------------------------------------------------------------------ */

static void check_state(struct doc *d, const char *path)
{
	char *dir = strdup(path), *slash, *fix = NULL, *what = NULL;
	struct stat sb;
	bool exists;

	if (dir == NULL) {
		d->oom = true;
		return;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		if ((dir = strdup(".")) == NULL) {
			d->oom = true;
			return;
		}
	} else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT) {
		add(d, "state", DOCTOR_FAIL,
		    "check --state / VRS_STATE and the directory's permissions", "%s: %s", path,
		    strerror(errno));
	} else if (exists && !S_ISREG(sb.st_mode)) {
		add(d, "state", DOCTOR_FAIL, "point --state / VRS_STATE at a state file",
		    "%s is not a regular file", path);
	} else if (!exists && stat(dir, &sb) != 0) {
		if (asprintf(&fix, "mkdir -p %s (or point --state / VRS_STATE elsewhere)", dir) < 0)
			fix = NULL;
		add(d, "state", DOCTOR_FAIL, fix, "the state's directory %s does not exist", dir);
	} else if (access(dir, W_OK | X_OK) != 0) {
		if (asprintf(&fix,
			     "make %s writable for this user (SQLite writes its journal "
			     "beside the state)",
			     dir) < 0)
			fix = NULL;
		add(d, "state", DOCTOR_FAIL, fix, "the state's directory %s is not writable", dir);
	} else if (exists && access(path, W_OK) != 0) {
		if (asprintf(&fix, "chmod 600 %s (as its owner)", path) < 0)
			fix = NULL;
		add(d, "state", DOCTOR_FAIL, fix, "%s is not writable", path);
	} else if (exists && (sb.st_mode & 077) != 0) {
		if (asprintf(&fix, "chmod 600 %s", path) < 0)
			fix = NULL;
		add(d, "state", DOCTOR_FAIL, fix,
		    "%s is readable by group or others (mode %04o): it holds secret "
		    "fingerprints and preview tokens",
		    path, (unsigned)(sb.st_mode & 07777));
	} else if (exists) {
		add(d, "state", DOCTOR_OK, NULL, "%s is writable and private (mode %04o)", path,
		    (unsigned)(sb.st_mode & 07777));
	} else {
		if (asprintf(&what, "%s does not exist yet; %s is writable (apply creates it)",
			     path, dir) < 0)
			what = NULL;
		add(d, "state", DOCTOR_OK, NULL, "%s", what ? what : path);
	}
	free(what);
	free(fix);
	free(dir);
}

/* ---- all -------------------------------------------------------------------- */

int engine_doctor(const struct doctor_opts *o, struct doctor_report *r, struct vrs_err *err)
{
	struct doc d = {.r = r};
	struct provider_creds cr;
	struct providers *pv = NULL;
	struct vrs_err e;

	memset(r, 0, sizeof(*r));
	err_clear(&e);
	if (provider_creds_load(&cr, &e) < 0) {
		/* a malformed setting (both VAR and VAR_FILE, a file readable by others) */
		add(&d, "coolify-url", DOCTOR_FAIL,
		    "fix the setting named in the message (see DESIGN: credentials)", "%s", e.msg);
		skip(&d, "coolify-api", "the credentials could not be read");
		skip_coolify_from(&d, 0, "the credentials could not be read");
		add(&d, "inwx-login", DOCTOR_FAIL,
		    "fix the setting named in the message (see DESIGN: credentials)", "%s", e.msg);
	} else {
		err_clear(&e);
		if (providers_open(false, false, o->http_trace, NULL, &pv, &e) < 0) {
			add(&d, "coolify-url", DOCTOR_FAIL, "check VRS_COOLIFY_URL", "%s", e.msg);
			skip(&d, "coolify-api", "the clients could not be set up");
			skip_coolify_from(&d, 0, "the clients could not be set up");
			add(&d, "inwx-login", DOCTOR_FAIL, "check VRS_INWX_URL", "%s", e.msg);
		} else {
			check_coolify(&d, pv, &cr);
			check_inwx(&d, pv, &cr);
		}
		provider_creds_release(&cr);
	}
	providers_close(pv);
	check_state(&d, o->state_path);
	/* 9. domain delegation (NS records of the base domains at INWX) goes here */
	if (d.oom)
		return err_set(err, "doctor: out of memory");
	return 0;
}
