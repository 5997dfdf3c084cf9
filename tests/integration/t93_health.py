#!/usr/bin/python3
"""Observed health and TLS (issue 12, items 2-4): after the deployment finished a
project is bootstrapping until Coolify reports the app running:healthy (in the
batched GET /applications) and GET https://<primary domain><health_path> answers
2xx over verified TLS (the simulator's HTTPS side, VRS_CONNECT_TO/VRS_CA_FILE);
a check failing past --health-timeout is an error with what was seen; the
certificate's notAfter is recorded and shown (status, JSON, metrics); later, watch
heals an exited app and reports an unhealthy one without restarting it. TAP."""

import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import PLATFORM_DNS, Tap, World, write_specs  # noqa: E402

t = Tap()


def eq(got, want, what, detail=""):
    return t.ok(got == want, what, "got:  %r\nwant: %r\n%s" % (got, want, detail))


def project(slug):
    return """kind: Project
slug: %s
name: %s
owner_email: info@%s.de
project_type: gastro
app:
  image: "ghcr.io/vrs/core:1.0"
  health_path: /healthz
domains:
  - subdomain: %s
""" % (slug, slug.title(), slug, slug)


SLUGS = ["flaky", "broken", "sick", "expired", "soon", "fine"]


def host(slug):
    return "%s.vrs.gmbh" % slug


def log_rows(w, slug):
    return w.db("SELECT l.action, l.message, l.error_details, l.new_status "
                "FROM marketplace_provisioning_log l JOIN marketplace_project p ON p.id = l.project_id "
                "WHERE p.slug = ? ORDER BY l.id", slug)


def actions(rows):
    return [r[0] if r[0] != "status_changed" else "->" + (r[3] or "") for r in rows]


def converge(w):
    w.patch({"op": "set_https", "host": host("flaky"), "fields": {"fail_count": 3}},
            {"op": "set_https", "host": host("broken"), "fields": {"fail": True, "status": 502}},
            {"op": "set_app_health", "name": "sick", "status": "running:unhealthy"},
            {"op": "set_https", "host": host("expired"), "fields": {"days": -2}},
            {"op": "set_https", "host": host("soon"), "fields": {"days": 10}})
    p = w.apply("--health-timeout", "4s", timeout=120)
    eq(p.returncode, 1, "apply exits 1: three projects never got healthy", p.stdout[-1500:] + p.stderr)
    st = w.status()
    eq(st["flaky"]["status"], "active", "a health path failing for a while, then passing: active")
    a = actions(log_rows(w, "flaky"))
    want = ["deployment_started", "deployment_completed", "bootstrap_started", "->bootstrapping",
            "bootstrap_completed", "health_check_passed", "->active"]
    t.ok(all(x in a for x in want) and [x for x in a if x in want] == want[:],
         "flaky: the rows in order (provisioning until the deployment finished)", a)
    i = a.index("deployment_started")
    t.ok("->bootstrapping" not in a[:i + 1], "not bootstrapping while the deployment ran", a)
    reqs = w.sim_state()["meta"].get("https_requests", {}).get(host("flaky"), [])
    t.ok(len(reqs) >= 4 and [r[1] for r in reqs[:3]] == [503, 503, 503] and reqs[-1][1] == 200
         and all(r[0] == "/healthz" for r in reqs), "flaky: probed at its health path until 200", reqs)
    passed = [r for r in log_rows(w, "flaky") if r[0] == "health_check_passed"]
    t.ok(passed and "HTTP 200" in passed[0][1] and "running:healthy" in passed[0][1]
         and "certificate valid until" in passed[0][1], "health_check_passed says what was seen", passed)

    for slug, words in (("broken", ["HTTP 502", "--health-timeout"]),
                        ("sick", ["running:unhealthy"]),
                        ("expired", ["expired"])):
        eq(st[slug]["status"], "error", "%s: error" % slug)
        failed = [r for r in log_rows(w, slug) if r[0] == "health_check_failed"]
        t.ok(len(failed) == 1 and all(x in (failed[0][2] or "") for x in words if x != "--health-timeout"),
             "%s: one health_check_failed row naming %s" % (slug, words), failed)
        t.ok(all(x in (st[slug]["error"] or "") for x in words), "%s: the error names it" % slug,
             st[slug]["error"])
        eq(w.db("SELECT provisioning_retry_count FROM marketplace_project WHERE slug = ?", slug)[0][0],
             1, "%s: counted in provisioning_retry_count" % slug)
        t.ok("health_check_passed" not in actions(log_rows(w, slug)), "%s: no health_check_passed" % slug)
    eq([r[0] for r in w.sim_state()["meta"].get("https_requests", {}).get(host("sick"), [])], [],
         "sick: not probed while Coolify reports it unhealthy")
    exp = st["expired"]["domains"][0]
    t.ok(exp["tls"]["provisioned"] is False, "expired: not provisioned", exp)

    for slug in ("soon", "fine"):
        eq(st[slug]["status"], "active", "%s: active" % slug)
    soon, fine = st["soon"]["domains"][0], st["fine"]["domains"][0]
    t.ok(soon["tls"]["provisioned"] and fine["tls"]["provisioned"], "ssl_provisioned recorded", [soon, fine])
    left = time.mktime(time.strptime(soon["tls"]["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    t.ok(9 * 86400 < left < 11 * 86400, "soon: ssl_expires_at is the certificate's notAfter (10 days)", soon)
    eq(soon["dns"], soon["status"], "the domain's DNS state is its status column")
    row = w.db("SELECT ssl_provisioned, ssl_expires_at FROM marketplace_project_domain WHERE domain = ?",
               host("fine"))[0]
    t.ok(row[0] == 1 and row[1], "fine: the columns of marketplace_project_domain", row)

    p = w.run("status")
    t.ok("Certificates expiring within 21 days:" in p.stdout and host("soon") in p.stdout.split(
        "Certificates expiring")[1] and host("fine") not in p.stdout.split("Certificates expiring")[1],
        "status lists the soon-expiring certificate, not the others", p.stdout)
    t.ok("%s: dns " % host("fine") in p.stdout and "tls provisioned, expires" in p.stdout,
         "status shows each domain's DNS and TLS state", p.stdout)
    js = json.loads(w.run("status", "--format", "json").stdout)
    eq([c["domain"] for c in js["certificates_expiring"]], [host("soon")],
         "--format json lists the expiring certificate")
    return w


def repair(w):
    """the failed three are fixed; the next apply retries them (the retry count is 1 of 3)"""
    w.patch({"op": "set_https", "host": host("broken"), "fields": {"fail": False}},
            {"op": "set_app_health", "name": "sick", "status": "running:healthy"},
            {"op": "set_https", "host": host("expired"), "fields": {"days": 90}})
    p = w.apply("--health-timeout", "20s", timeout=120)
    eq(p.returncode, 0, "once fixed, the retry converges", p.stdout[-1500:] + p.stderr)
    st = w.status()
    eq(sorted(s for s in SLUGS if st[s]["status"] == "active"), sorted(SLUGS), "every project is active")
    p = w.run("plan", "--refresh", "--detailed-exitcode")
    eq(p.returncode, 0, "plan --refresh --detailed-exitcode: 0 while every app is healthy", p.stdout[-800:])
    return w


def drift(w):
    metrics = os.path.join(w.dir, "metrics.prom")
    # fine exits (healed: restarted); soon turns unhealthy in Coolify (reported, not restarted)
    w.patch({"op": "set_app", "name": "fine", "fields": {"status": "exited:unhealthy"}},
            {"op": "set_app_health", "name": "soon", "status": "running:unhealthy"})
    w.reset_calls()
    probes = {h: len(v) for h, v in w.sim_state()["meta"].get("https_requests", {}).items()}
    p = w.run("watch", "--once", "--health-timeout", "20s", "--metrics-file", metrics, timeout=120)
    eq(p.returncode, 0, "watch --once exits 0", p.stdout[-1500:] + p.stderr)
    apps = w.apps_by_name()
    eq(apps["fine"][0]["status"], "running:healthy", "watch restarted the exited app")
    calls = w.calls()["coolify"]
    t.ok(calls.get("POST /applications/{uuid}/restart", 0) + calls.get("POST /applications/{uuid}/start", 0)
         + calls.get("POST /deploy", 0) + calls.get("GET /deploy", 0) <= 1,
         "one restart (for the exited app), none for the unhealthy one", calls)
    after = {h: len(v) for h, v in w.sim_state()["meta"].get("https_requests", {}).items()}
    eq(after.get(host("soon")), probes.get(host("soon")),
       "a certificate checked less than a day ago is not probed again by the refresh")
    st = w.status()
    eq(st["soon"]["status"], "active", "the unhealthy app's project stays active")
    eq(st["soon"]["health"], "unhealthy", "its health is recorded beside it")
    t.ok(st["soon"]["unhealthy_since"], "with since when", st["soon"])
    rows = [r for r in log_rows(w, "soon") if r[0] == "health_check_failed"]
    t.ok(len(rows) == 1 and "running:unhealthy" in (rows[0][2] or ""), "a health_check_failed row", rows)
    txt = w.run("status").stdout
    t.ok("unhealthy since " in txt, "status shows 'unhealthy since'", txt)
    with open(metrics) as f:
        m = f.read()
    t.ok('vrsctl_certificate_expiry_seconds{domain="%s"}' % host("soon") in m,
         "the metrics file has vrsctl_certificate_expiry_seconds", m[:400])
    t.ok("vrsctl_unhealthy_projects 1" in m, "and the unhealthy count", m)
    p = w.run("plan", "--refresh", "--detailed-exitcode")
    eq(p.returncode, 2, "plan --refresh --detailed-exitcode exits 2 while an app is unhealthy",
         p.stdout[-800:] + p.stderr)
    p = w.apply("--refresh=report")
    eq(p.returncode, 2, "apply --refresh=report exits 2 too", p.stdout[-800:] + p.stderr)
    # a second watch: still unhealthy, no second row; then it recovers
    w.run("watch", "--once", "--health-timeout", "20s", timeout=120)
    rows = [r for r in log_rows(w, "soon") if r[0] == "health_check_failed"]
    eq(len(rows), 1, "no new health_check_failed row while it stays unhealthy")
    w.patch({"op": "set_app_health", "name": "soon", "status": "running:healthy"})
    w.run("watch", "--once", "--health-timeout", "20s", timeout=120)
    st = w.status()
    eq(st["soon"]["health"], "healthy", "recovered: healthy again")
    t.ok(any(r[0] == "health_check_passed" for r in log_rows(w, "soon")[-3:]),
         "a row when it recovers", actions(log_rows(w, "soon"))[-4:])
    p = w.run("plan", "--refresh", "--detailed-exitcode")
    t.ok(p.returncode in (0, 2), "plan after recovery runs", p.stderr)


def age_tls_check(w, fqdn):
    """the domain's last certificate check two days back (a refresh re-checks after a day)"""
    sql = ("UPDATE vrs_tls_check SET checked_at = '2020-01-01 00:00:00.000000' WHERE domain_id = "
           "(SELECT id FROM marketplace_project_domain WHERE domain = ?)")
    if w.pg:
        w.db(sql, fqdn)  # commits
        return
    con = sqlite3.connect(w.state)
    try:
        con.execute(sql, (fqdn,))
        con.commit()
    finally:
        con.close()


def probes(w, h):
    """TLS handshakes the simulator saw for h: a probe that refuses the certificate makes no request"""
    return w.sim_state()["meta"].get("https_handshakes", {}).get(h, 0)


def daily(w):
    """the daily certificate re-check: a check older than a day is made again by the
    refresh and recorded (a renewed certificate's notAfter; a refused one: not
    provisioned), and a check that saw no valid certificate is not repeated within the day"""
    h = host("fine")
    w.patch({"op": "set_https", "host": h, "fields": {"days": 40}})
    age_tls_check(w, h)
    n = probes(w, h)
    w.run("watch", "--once", timeout=120)
    eq(probes(w, h), n + 1, "daily: a certificate checked over a day ago is probed once by the refresh")
    tls = w.status()["fine"]["domains"][0]["tls"]
    left = time.mktime(time.strptime(tls["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    t.ok(tls["provisioned"] and 39 * 86400 < left < 41 * 86400,
         "daily: the renewed certificate's notAfter (40 days) is recorded", tls)
    w.patch({"op": "set_https", "host": h, "fields": {"days": -1}})
    age_tls_check(w, h)
    w.run("watch", "--once", timeout=120)
    eq(probes(w, h), n + 2, "daily: probed again once the day passed")
    st = w.status()
    tls = st["fine"]["domains"][0]["tls"]
    t.ok(tls["provisioned"] is False, "daily: an expired (refused) certificate: ssl_provisioned false", tls)
    eq(w.db("SELECT ssl_provisioned FROM marketplace_project_domain WHERE domain = ?", h)[0][0], 0,
       "daily: the column too")
    eq(st["fine"]["status"], "active", "daily: the project stays active (its app is healthy)")
    txt = w.run("status").stdout
    t.ok("%s: dns active, tls not verified" % h in txt, "daily: status says the certificate is not verified", txt)
    w.run("watch", "--once", timeout=120)
    eq(probes(w, h), n + 2, "daily: a refused certificate is not probed again within the day")
    w.patch({"op": "set_https", "host": h, "fields": {"days": 90}})
    age_tls_check(w, h)
    w.run("watch", "--once", timeout=120)
    t.ok(w.status()["fine"]["domains"][0]["tls"]["provisioned"], "daily: a valid certificate again: provisioned")


def no_slot(w):
    """a health wait holds no parallelism slot: with --parallelism 1 a quick project
    behind a slow one is active first"""
    write_specs(w.specs, {"projects/aaa-slow.yaml": project("aaa-slow"),
                          "projects/zzz-quick.yaml": project("zzz-quick") + "  - subdomain: zzz-second\n"})
    w.patch({"op": "set_https", "host": host("aaa-slow"), "fields": {"fail_count": 4}})
    p = w.apply("--parallelism", "1", "--health-timeout", "60s", timeout=120)
    eq(p.returncode, 0, "apply --parallelism 1 converges both", p.stdout[-1500:] + p.stderr)
    ids = {}
    for slug in ("aaa-slow", "zzz-quick"):
        r = w.db("SELECT l.id FROM marketplace_provisioning_log l JOIN marketplace_project p "
                 "ON p.id = l.project_id WHERE p.slug = ? AND l.action = 'health_check_passed'", slug)
        ids[slug] = r[0][0] if r else None
    started = w.db("SELECT p.slug FROM marketplace_provisioning_log l JOIN marketplace_project p "
                   "ON p.id = l.project_id WHERE l.action = 'bootstrap_started' "
                   "AND p.slug IN ('aaa-slow', 'zzz-quick') ORDER BY l.id")
    print("# bootstrap order: %s" % [r[0] for r in started])
    t.ok(ids["aaa-slow"] and ids["zzz-quick"] and ids["zzz-quick"] < ids["aaa-slow"],
         "the quick project passed while the slow one still waited (no slot held)", ids)
    doms = {d["domain"]: d["tls"] for d in w.status()["zzz-quick"]["domains"]}
    t.ok(doms.get(host("zzz-second"), {}).get("provisioned") and doms[host("zzz-second")]["expires_at"],
         "a project's other domain gets its TLS facts from its own handshake", doms)


def resume(w):
    """a run stopped while it waited for health: the next run checks again, without a
    second deployment"""
    write_specs(w.specs, {"projects/resume.yaml": project("resume")})
    w.patch({"op": "set_https", "host": host("resume"), "fields": {"fail": True}})
    w.reset_calls()
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve",
           "--target", "project/resume"]
    proc = subprocess.Popen(cmd, env=w.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(r[0] == "bootstrap_started" for r in log_rows(w, "resume")):
        time.sleep(0.1)
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    eq(proc.returncode, 1, "SIGTERM while bootstrapping: apply exits 1", out[-800:])
    eq(w.status()["resume"]["status"], "bootstrapping", "the project is left bootstrapping")
    w.patch({"op": "set_https", "host": host("resume"), "fields": {"fail": False}})
    p = w.apply("--target", "project/resume", "--health-timeout", "30s", timeout=120)
    eq(p.returncode, 0, "the next apply converges", p.stdout[-800:] + p.stderr)
    t.ok("checking the health an interrupted run waited for" in p.stdout + p.stderr,
         "it resumes the health wait", p.stdout[-800:])
    eq(w.calls()["coolify"].get("POST /deploy", 0), 1, "one deployment in all")
    eq(w.status()["resume"]["status"], "active", "then active")


def https_get(w, h, path="/healthz"):
    """one GET of the simulator's HTTPS side as the world would make it (SNI and Host h,
    verified against the test CA)"""
    ctx = ssl.create_default_context(cafile=w.sim.ca_file)
    with socket.create_connection(("127.0.0.1", w.sim.https_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=h) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, h)).encode())
            return int(s.recv(64).split()[1])


def flip(w):
    """a health path made to flip (the simulator's knob): fails, then passes; the
    project goes active at the first 2xx, and the site keeps alternating"""
    h = host("flip")
    write_specs(w.specs, {"projects/flip.yaml": project("flip")})
    w.patch({"op": "set_https", "host": h, "fields": {"flip": True}})
    p = w.apply("--target", "project/flip", "--health-timeout", "30s", timeout=120)
    eq(p.returncode, 0, "flip: the apply converges", p.stdout[-800:] + p.stderr)
    eq([r[1] for r in w.sim_state()["meta"]["https_requests"][h]], [503, 200],
       "flip: probed twice, failing then passing")
    eq(w.status()["flip"]["status"], "active", "flip: active after the passing answer")
    eq([https_get(w, h) for _ in range(4)], [503, 200, 503, 200], "flip: the site keeps alternating")


def test_settings(w):
    """the test settings are refused where they could reach the world"""
    p = w.apply(env={"VRS_CONNECT_TO": ""})
    t.ok(p.returncode == 1 and "VRS_CA_FILE" in p.stderr and "VRS_CONNECT_TO" in p.stderr,
         "VRS_CA_FILE without VRS_CONNECT_TO is refused (a test CA never trusted for real sites)", p.stderr)
    p = w.apply(env={"VRS_CONNECT_TO": "192.0.2.1:443"})
    t.ok(p.returncode == 1 and "VRS_CONNECT_TO" in p.stderr and "loopback" in p.stderr,
         "VRS_CONNECT_TO off loopback is refused", p.stderr)


def main():
    root = tempfile.mkdtemp(prefix="vrs-t93-")
    files = {"platform.yaml": PLATFORM_DNS}
    for s in SLUGS:
        files["projects/%s.yaml" % s] = project(s)
    write_specs(root, files)
    w = World(root)
    try:
        converge(w)
        repair(w)
        drift(w)
        daily(w)
        no_slot(w)
        resume(w)
        flip(w)
        test_settings(w)
    finally:
        w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
