#!/usr/bin/python3
"""vrsctl doctor against the simulator: everything ok (exit 0, one ok line per
check, -vv traces without secrets), --format json matching the text, a wrong
token, the API disabled and an IP allowlist, a read-only token (write and
deploy FAIL, nothing created), a token without read:sensitive (warn), nothing
to observe, a wrong INWX password, 2FA with and without the TOTP secret,
nothing configured, an unreachable Coolify, the state file's mode (0644 FAIL
with chmod, 0600 ok, missing directory, never created), --help and bad
flags; and no secret in any output. Prints TAP."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
FULL = "7|fullDoctorTokenSecret8842"
RO = "8|readOnlyDoctorTokenSecret1173"
NOSENS = "9|noSensitiveDoctorToken5521"
ROOT = "10|rootDoctorTokenSecret6604"
BAD_TOKEN = "11|notKnownDoctorTokenSecret3390"
WRONG_PW = "wrong-Inwx-Pass-5531"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SECRETS = [FULL, RO, NOSENS, ROOT, BAD_TOKEN, WRONG_PW, TOTP, "sim-password",
           FULL.split("|")[1], RO.split("|")[1], WRONG_PW[:12]]
NAMES = ["coolify-url", "coolify-api", "coolify-token", "coolify-write", "coolify-deploy",
         "coolify-sensitive", "inwx-login", "state"]
LINE = re.compile(r"^(ok|warn|FAIL|skip) +(\S+) +(.*)$")
outputs = []


def doctor(w, *args, env=None, state=None):
    """run vrsctl doctor; returns (process, {name: (status, text)}, [names in order])"""
    e = {"VRS_COOLIFY_TOKEN": FULL}
    e.update(env or {})
    st = ["--state", state] if state else []
    p = w.run(*st, "doctor", *args, env=e)
    outputs.append(p.stdout + p.stderr)
    checks, order = {}, []
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            checks[m.group(2)] = (m.group(1), m.group(3))
            order.append(m.group(2))
    return p, checks, order


def status(checks, name):
    return checks.get(name, ("missing", ""))[0]


def text(checks, name):
    return checks.get(name, ("missing", ""))[1]


def seed_app(w):
    """a project, an app and one env variable, made through the API"""
    c = w.sim.coolify(FULL)
    server = c.get("/servers").json[0]["uuid"]
    proj = c.post("/projects", {"name": "doctor-seed"}).json["uuid"]
    app = c.post("/applications/dockerimage", {
        "project_uuid": proj, "server_uuid": server, "environment_name": "production",
        "docker_registry_image_name": "nginx", "name": "doctor-app",
        "autogenerate_domain": False}).json["uuid"]
    r = c.post("/applications/%s/envs" % app, {"key": "APP_KEY", "value": "hidden-app-value-1"})
    assert r.status == 201, r


def all_ok(w):
    os.chmod(w.state, 0o600)
    p, checks, order = doctor(w)
    t.eq(p.returncode, 0, "all ok: exit 0")
    t.eq(order, NAMES, "all ok: one line per check, in order")
    t.ok(all(status(checks, n) == "ok" for n in NAMES), "all ok: every line is ok", p.stdout)
    t.ok("Coolify 4.3.11" in text(checks, "coolify-api"), "the version is reported",
         text(checks, "coolify-api"))
    t.ok("HTTP 422" in text(checks, "coolify-write") and "nothing created" in
         text(checks, "coolify-write"), "write probed through validation (422)",
         text(checks, "coolify-write"))
    t.ok("HTTP 400" in text(checks, "coolify-deploy"), "deploy probed (400, no uuid)",
         text(checks, "coolify-deploy"))
    t.ok("doctor-app" in text(checks, "coolify-sensitive"), "read:sensitive observed on an app",
         text(checks, "coolify-sensitive"))
    t.ok("no 2FA" in text(checks, "inwx-login"), "INWX login without 2FA",
         text(checks, "inwx-login"))
    t.ok("mode 0600" in text(checks, "state"), "the state's mode is reported", text(checks, "state"))
    t.ok("fix:" not in p.stdout, "no fix on ok lines", p.stdout)
    apps = len(w.sim_state()["coolify"]["applications"])
    projects = len(w.sim_state()["coolify"]["projects"])
    calls = w.calls()
    t.ok(calls["coolify"].get("POST /projects", 0) >= 2 and calls["inwx"].get("account.logout", 0) >= 1,
         "POST /projects was probed; INWX logged out", calls)
    t.eq((apps, projects), (1, 1), "the probes created nothing in Coolify")
    # root passes everything
    p, checks, _ = doctor(w, env={"VRS_COOLIFY_TOKEN": ROOT})
    t.ok(p.returncode == 0 and all(status(checks, n) == "ok" for n in NAMES), "a root token: all ok",
         p.stdout)
    # -vv traces go to stderr; the pool masks the token and the password
    p, checks, _ = doctor(w, "-vv")
    t.ok(p.returncode == 0 and "trace:" in p.stderr, "-vv: HTTP traces on stderr", p.stderr[-500:])
    for s in SECRETS:
        if s in p.stderr:
            t.ok(False, "-vv trace masks %s..." % s[:4], p.stderr[-500:])
            break
    else:
        t.ok(True, "-vv trace masks the token and the password")


def json_format(w):
    p, checks, order = doctor(w)
    pj = w.run("doctor", "--format", "json", env={"VRS_COOLIFY_TOKEN": FULL})
    outputs.append(pj.stdout + pj.stderr)
    try:
        j = json.loads(pj.stdout)
    except ValueError:
        j = None
    t.ok(j is not None and isinstance(j.get("checks"), list), "--format json parses", pj.stdout)
    j = j or {"checks": []}
    t.eq(pj.returncode, 0, "--format json: exit 0 when all ok")
    t.eq([c.get("name") for c in j["checks"]], order, "json: the same checks in the same order")
    t.eq([(c.get("status"), c.get("ok")) for c in j["checks"]],
         [(status(checks, n), True) for n in order], "json: status and ok match the text")
    t.eq([c.get("detail") for c in j["checks"]], [text(checks, n) for n in order],
         "json: details match the text")
    t.ok(j.get("ok") is True and all(set(c) >= {"name", "ok", "detail", "fix"} for c in j["checks"]),
         "json: top-level ok, every check has name, ok, detail, fix", j)
    # a failing one in json
    pj = w.run("doctor", "--format=json", env={"VRS_COOLIFY_TOKEN": BAD_TOKEN})
    outputs.append(pj.stdout + pj.stderr)
    j = json.loads(pj.stdout)
    tok = [c for c in j["checks"] if c["name"] == "coolify-token"]
    t.ok(pj.returncode == 1 and j["ok"] is False and tok and tok[0]["ok"] is False and
         tok[0]["status"] == "FAIL" and "VRS_COOLIFY_TOKEN" in (tok[0]["fix"] or ""),
         "json: a failing check has ok false and a fix", pj.stdout)


def wrong_token(w):
    p, checks, _ = doctor(w, env={"VRS_COOLIFY_TOKEN": BAD_TOKEN})
    t.eq(p.returncode, 1, "wrong token: exit 1")
    t.eq(status(checks, "coolify-token"), "FAIL", "wrong token: coolify-token FAIL")
    t.ok("Unauthenticated" in text(checks, "coolify-token") and "Keys & Tokens" in
         text(checks, "coolify-token") and "VRS_COOLIFY_TOKEN_FILE" in text(checks, "coolify-token"),
         "wrong token: says 401 Unauthenticated and how to fix it", text(checks, "coolify-token"))
    t.eq([status(checks, n) for n in ("coolify-url", "coolify-write", "coolify-deploy",
                                       "coolify-sensitive", "inwx-login")],
         ["ok", "skip", "skip", "skip", "ok"], "wrong token: health ok, dependent checks skipped")


def api_disabled(w):
    w.patch({"op": "set_api", "enabled": False})
    try:
        p, checks, _ = doctor(w)
        t.eq(p.returncode, 1, "API disabled: exit 1")
        t.eq(status(checks, "coolify-url"), "ok", "API disabled: /api/health still answers")
        t.ok(status(checks, "coolify-api") == "FAIL" and "API is disabled" in text(checks, "coolify-api")
             and "API Access" in text(checks, "coolify-api"),
             "API disabled: coolify-api FAIL naming it, fix: Settings -> Advanced -> API Access",
             text(checks, "coolify-api"))
        t.eq(status(checks, "coolify-token"), "skip", "API disabled: the token is not checked")
    finally:
        w.patch({"op": "set_api", "enabled": True})
    w.patch({"op": "set_api", "allowed_ips": "192.0.2.7"})
    try:
        p, checks, _ = doctor(w)
        t.ok(p.returncode == 1 and status(checks, "coolify-api") == "FAIL" and
             "allowlist" in text(checks, "coolify-api") and "not a token" in text(checks, "coolify-api")
             and "Allowed IPs" in text(checks, "coolify-api"),
             "IP not allowed: FAIL says it is the allowlist, not the token", text(checks, "coolify-api"))
    finally:
        w.patch({"op": "set_api", "allowed_ips": None})


def read_only(w):
    before = w.sim_state()["coolify"]
    p, checks, _ = doctor(w, env={"VRS_COOLIFY_TOKEN": RO})
    t.eq(p.returncode, 1, "read-only token: exit 1")
    t.eq(status(checks, "coolify-token"), "ok", "read-only token: accepted")
    t.ok(status(checks, "coolify-write") == "FAIL" and
         "Missing required permissions: write" in text(checks, "coolify-write") and
         "write" in text(checks, "coolify-write").split("fix:")[1],
         "read-only token: coolify-write FAIL with the fix", text(checks, "coolify-write"))
    t.ok(status(checks, "coolify-deploy") == "FAIL" and "deploy" in text(checks, "coolify-deploy"),
         "read-only token: coolify-deploy FAIL", text(checks, "coolify-deploy"))
    after = w.sim_state()["coolify"]
    t.eq((len(after["projects"]), len(after["deployments"])),
         (len(before["projects"]), len(before["deployments"])), "read-only token: nothing created")
    p, checks, _ = doctor(w, env={"VRS_COOLIFY_TOKEN": NOSENS})
    t.ok(p.returncode == 0 and status(checks, "coolify-sensitive") == "warn" and
         "read:sensitive" in text(checks, "coolify-sensitive") and
         "false diffs" in text(checks, "coolify-sensitive"),
         "no read:sensitive: a warn line explaining false diffs, exit 0", p.stdout)


def inwx_password(w):
    p, checks, _ = doctor(w, env={"VRS_INWX_PASSWORD": WRONG_PW})
    t.eq(p.returncode, 1, "wrong INWX password: exit 1")
    t.ok(status(checks, "inwx-login") == "FAIL" and "2200" in text(checks, "inwx-login") and
         "VRS_INWX_PASSWORD" in text(checks, "inwx-login"),
         "wrong INWX password: FAIL with code 2200 and the fix", text(checks, "inwx-login"))
    t.eq(status(checks, "coolify-write"), "ok", "wrong INWX password: Coolify checks unaffected")


def state_modes(w):
    os.chmod(w.state, 0o644)
    p, checks, _ = doctor(w)
    t.ok(p.returncode == 1 and status(checks, "state") == "FAIL" and
         ("chmod 600 " + w.state) in text(checks, "state") and "0644" in text(checks, "state"),
         "state mode 0644: FAIL with chmod 600 FILE", text(checks, "state"))
    os.chmod(w.state, 0o600)
    p, checks, _ = doctor(w)
    t.ok(p.returncode == 0 and status(checks, "state") == "ok", "state mode 0600: ok",
         text(checks, "state"))
    missing = os.path.join(w.dir, "new", "vrs.db")
    p, checks, _ = doctor(w, state=missing)
    t.ok(status(checks, "state") == "FAIL" and "mkdir -p " + os.path.dirname(missing) in
         text(checks, "state"), "state directory missing: FAIL with mkdir -p", text(checks, "state"))
    fresh = os.path.join(w.dir, "fresh.db")
    p, checks, _ = doctor(w, state=fresh)
    t.ok(p.returncode == 0 and status(checks, "state") == "ok" and "does not exist yet" in
         text(checks, "state") and not os.path.exists(fresh),
         "no state yet: ok, and doctor does not create it", text(checks, "state"))


def not_configured(w):
    env = {k: "" for k in ("VRS_COOLIFY_URL", "VRS_COOLIFY_TOKEN", "VRS_INWX_USER",
                           "VRS_INWX_PASSWORD")}
    p, checks, order = doctor(w, env=env)
    t.eq(p.returncode, 1, "nothing configured: exit 1")
    t.eq(order, NAMES, "nothing configured: still one line per check")
    t.ok(status(checks, "coolify-url") == "FAIL" and "VRS_COOLIFY_URL" in text(checks, "coolify-url")
         and "VRS_COOLIFY_TOKEN" in text(checks, "coolify-url"),
         "Coolify not configured: FAIL naming the variables", text(checks, "coolify-url"))
    t.ok(status(checks, "inwx-login") == "FAIL" and "VRS_INWX_USER" in text(checks, "inwx-login")
         and "VRS_INWX_PASSWORD" in text(checks, "inwx-login"),
         "INWX not configured: FAIL naming the variables", text(checks, "inwx-login"))
    p, checks, _ = doctor(w, env={"VRS_COOLIFY_URL": "http://127.0.0.1:9"})
    t.ok(p.returncode == 1 and status(checks, "coolify-url") == "FAIL" and
         "does not answer" in text(checks, "coolify-url") and status(checks, "coolify-api") == "skip",
         "Coolify unreachable: coolify-url FAIL, the rest skipped", text(checks, "coolify-url"))


def two_factor():
    w = World(os.path.join(TOP, "specs"), sim_args=("--inwx-2fa", TOTP))
    try:
        plain = {"VRS_COOLIFY_TOKEN": vrsenv.simlib.TOKEN}
        p, checks, _ = doctor(w, env=dict(plain, VRS_INWX_TOTP_SECRET=TOTP))
        t.ok(status(checks, "inwx-login") == "ok" and "2FA" in text(checks, "inwx-login"),
             "2FA with the TOTP secret: ok, unlocked", text(checks, "inwx-login"))
        t.ok(w.calls()["inwx"].get("account.unlock", 0) >= 1, "account.unlock was called",
             w.calls()["inwx"])
        t.ok(status(checks, "coolify-sensitive") == "warn" and "not observed (no application to read)"
             in text(checks, "coolify-sensitive"), "no application: sensitive not observed (warn)",
             text(checks, "coolify-sensitive"))
        t.eq(p.returncode, 0, "warn lines do not fail doctor")
        p, checks, _ = doctor(w, env=plain)
        t.ok(p.returncode == 1 and status(checks, "inwx-login") == "FAIL" and
             "VRS_INWX_TOTP_SECRET" in text(checks, "inwx-login"),
             "2FA without the secret: FAIL naming VRS_INWX_TOTP_SECRET", text(checks, "inwx-login"))
    finally:
        w.close()


def usage(w):
    p = w.run("doctor", "--help")
    t.ok(p.returncode == 0 and p.stdout.startswith("usage: vrsctl doctor") and
         all(n in p.stdout for n in NAMES), "--help answers and names every check", p.stdout)
    p = w.run("doctor", "--bogus")
    t.ok(p.returncode == 1 and "unknown flag" in p.stderr, "an unknown flag: exit 1", p.stderr)
    p = w.run("doctor", "--format", "yaml")
    t.ok(p.returncode == 1 and "text or json" in p.stderr, "--format yaml refused", p.stderr)
    p = w.run("--help")
    t.ok("doctor" in p.stdout, "doctor is in the command list", p.stdout)


def main():
    w = World(os.path.join(TOP, "specs"), sim_args=(
        "--coolify-token", FULL + ":read,write,deploy,read:sensitive",
        "--coolify-token", RO + ":read",
        "--coolify-token", NOSENS + ":read,write,deploy",
        "--coolify-token", ROOT + ":root"))
    try:
        with open(w.state, "w"):
            pass
        seed_app(w)
        all_ok(w)
        json_format(w)
        wrong_token(w)
        api_disabled(w)
        read_only(w)
        inwx_password(w)
        state_modes(w)
        not_configured(w)
        usage(w)
        outputs.extend(w.outputs)
    finally:
        w.close()
    two_factor()
    leaked = [s for s in SECRETS if any(s in o for o in outputs)]
    t.eq(leaked, [], "no token, password or TOTP secret in any stdout/stderr (%d runs)" % len(outputs))
    t.ok(all("hidden-app-value-1" not in o for o in outputs), "no env value in any output")
    t.ok(all("Sanitizer" not in o and "runtime error:" not in o for o in outputs),
         "no sanitizer report in any run", [o for o in outputs if "Sanitizer" in o][:1])
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
