#!/usr/bin/python3
"""Apply against the simulator: fresh converge of examples/multi-server, no-op rerun,
each change kind, suspend/resume, archive, delete threshold, stale plan files,
permanent and transient failures, retry, the lock, and secrets kept out of
everything. Prints TAP."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World, write_calls, write_specs  # noqa: E402

t = Tap()


def sub(path, old, new, count=1):
    with open(path) as f:
        s = f.read()
    assert old in s, (path, old)
    with open(path, "w") as f:
        f.write(s.replace(old, new, count))


def converge_multi_server():
    w = World(os.path.join(TOP, "examples", "multi-server"))
    p = w.apply()
    t.eq(p.returncode, 0, "fresh apply of examples/multi-server exits 0")
    if p.returncode:
        print("# " + p.stderr[-2000:].replace("\n", "\n# "))
    st = w.status()
    t.eq(len(st), 33, "33 projects recorded")
    bad = {k: v["status"] for k, v in st.items() if v["status"] != "active"}
    t.eq(bad, {}, "every project is active")
    apps = w.apps_by_name()
    t.eq(sorted(k for k, v in apps.items() if len(v) != 1), [], "exactly one app per project")
    t.eq(len(apps), 33, "33 apps in Coolify")
    recs = w.records()
    t.eq([k for k, v in recs.items() if len(v) != 1], [], "every DNS record exists once")
    # kunde-05 has a subdomain on the second base domain
    t.ok(("kunde-05.vrs-preview.de", "A") in recs, "subdomain on the second base domain has its A record")
    t.ok(("www.kunde-02-shop.de", "CNAME") in recs, "owned domain has its www record")
    # placement: pinned projects on nbg1-01, nobody on the maintenance server
    t.eq(st["kunde-07"]["server"], "nbg1-01", "a pinned project is on its server")
    t.eq([k for k, v in st.items() if v["server"] == "hel1-01"], [], "no placement on a server in maintenance")
    per_server = {}
    for v in st.values():
        per_server[v["server"]] = per_server.get(v["server"], 0) + 1
    t.ok(per_server.get("fsn1-02", 0) <= 15, "capacity respected (fsn1-02 max 15)", per_server)
    # the app carries its env: VRS_PLUGINS from the bundle, the slug, an API key
    app = apps["kunde-01"][0]
    env = {e["key"]: e.get("value") for e in app.get("envs", []) if not e.get("is_preview")}
    t.eq(env.get("VRS_PLUGINS"), "menu,reservations", "VRS_PLUGINS comes from the bundle")
    t.eq(env.get("VRS_PROJECT_SLUG"), "kunde-01", "VRS_PROJECT_SLUG is set")
    t.ok(len(env.get("VRS_API_KEY") or "") == 64, "VRS_API_KEY generated")
    t.eq(app["fqdn"], "https://kunde-01.vrs.gmbh", "the app's FQDN is its domain")
    t.ok(app.get("description") and "managed-by=vrsctl" in app["description"], "the app carries the managed-by marker")
    env6 = {e["key"]: e.get("value") for e in apps["kunde-06"][0].get("envs", []) if not e.get("is_preview")}
    t.eq(env6.get("SMTP_PASSWORD"), vrsenv.SMTP_SECRET, "a from_env secret reaches the app")

    # rerun: nothing to do, no write call
    w.reset_calls()
    p = w.apply()
    t.eq(p.returncode, 0, "second apply exits 0")
    t.ok(write_calls(w.calls()) == 0, "second apply makes zero write calls", w.calls())
    p = w.run("plan", "--detailed-exitcode")
    t.eq(p.returncode, 0, "plan --detailed-exitcode exits 0 after converging")

    # log rows with the model's action names, triggered_by and metadata
    rows = w.db("SELECT action, triggered_by, metadata_json FROM marketplace_provisioning_log")
    actions = {r[0] for r in rows}
    for a in ("coolify_project_created", "coolify_app_created", "dns_created",
              "deployment_started", "deployment_completed", "health_check_passed", "status_changed"):
        t.ok(a in actions, "log has %s rows" % a)
    t.ok(all(r[1] == "ci@example.org" for r in rows), "triggered_by from VRS_TRIGGERED_BY")
    t.ok(all(r[2] and '"serial"' in r[2] for r in rows), "metadata_json carries the serial")
    t.eq(w.db("PRAGMA integrity_check")[0][0], "ok", "integrity_check ok")
    return w


def changes(w):
    proj = os.path.join(w.specs, "projects")
    # image change -> update + deploy
    sub(os.path.join(proj, "kunde-03.yaml"), "vrs-core:1.4.2", "vrs-core:1.5.0")
    w.reset_calls()
    p = w.apply()
    t.eq(p.returncode, 0, "image change applies")
    app = w.apps_by_name()["kunde-03"][0]
    t.eq(app["docker_registry_image_tag"], "1.5.0", "the app runs the new image tag")
    c = w.calls()["coolify"]
    t.eq(c.get("PATCH /applications/{uuid}", 0), 1, "one app update")
    t.ok(c.get("POST /deploy", 0) + c.get("GET /deploy", 0) >= 1, "redeployed")

    # env change (literal) and a new key
    sub(os.path.join(proj, "kunde-04.yaml"), "VRS_LOCALE: de_DE", "VRS_LOCALE: en_GB\n    FEATURE_X: \"on\"")
    p = w.apply()
    t.eq(p.returncode, 0, "env change applies")
    env = {e["key"]: e.get("value") for e in w.apps_by_name()["kunde-04"][0]["envs"] if not e.get("is_preview")}
    t.eq((env.get("VRS_LOCALE"), env.get("FEATURE_X")), ("en_GB", "on"), "env updated in Coolify")

    # secret value change is seen through the fingerprint
    w.env["KUNDE_06_SMTP_PASSWORD"] = "another-secret-value-77"
    p = w.run("plan")
    t.ok("app_env kunde-06" in p.stdout and "(secret)" in p.stdout, "a changed secret is planned as (secret)", p.stdout[-800:])
    p = w.apply()
    env = {e["key"]: e.get("value") for e in w.apps_by_name()["kunde-06"][0]["envs"] if not e.get("is_preview")}
    t.eq(env.get("SMTP_PASSWORD"), "another-secret-value-77", "changed secret reaches the app")
    w.env["KUNDE_06_SMTP_PASSWORD"] = vrsenv.SMTP_SECRET
    w.apply()

    # env key removed
    sub(os.path.join(proj, "kunde-04.yaml"), "\n    FEATURE_X: \"on\"", "")
    p = w.apply()
    env = {e["key"] for e in w.apps_by_name()["kunde-04"][0]["envs"]}
    t.ok("FEATURE_X" not in env, "a removed env key is deleted (both scopes)", env)

    # domain added -> records + fqdns + deploy
    sub(os.path.join(proj, "kunde-09.yaml"), "domains:\n", "domains:\n  - subdomain: neu-09\n")
    p = w.apply()
    t.eq(p.returncode, 0, "domain added applies")
    recs = w.records()
    t.ok(("neu-09.vrs.gmbh", "A") in recs and ("www.neu-09.vrs.gmbh", "CNAME") in recs, "new domain has its records")
    t.ok("https://neu-09.vrs.gmbh" in w.apps_by_name()["kunde-09"][0]["fqdn"], "app FQDNs include the new domain")

    # domain removed: kept without --allow-delete, deleted with it
    sub(os.path.join(proj, "kunde-09.yaml"), "  - subdomain: neu-09\n", "")
    p = w.apply()
    t.ok(("neu-09.vrs.gmbh", "A") in w.records(), "without --allow-delete the records stay")
    t.ok("--allow-delete" in p.stderr + p.stdout, "and apply says why")
    p = w.apply("--allow-delete")
    t.eq(p.returncode, 0, "domain removal with --allow-delete applies")
    recs = w.records()
    t.ok(("neu-09.vrs.gmbh", "A") not in recs and ("www.neu-09.vrs.gmbh", "CNAME") not in recs, "records deleted")
    t.ok("neu-09" not in w.apps_by_name()["kunde-09"][0]["fqdn"], "app FQDNs updated")
    t.ok(("kunde-09.vrs.gmbh", "A") in recs, "the other domain's records stay")

    # server field -> local record only
    sub(os.path.join(w.specs, "servers.yaml"), "max_projects: 20\nhetzner: {server_id: 5002", "max_projects: 25\nhetzner: {server_id: 5002")
    w.reset_calls()
    p = w.apply()
    t.eq((p.returncode, write_calls(w.calls())), (0, 0), "a server field change touches only the state")
    t.eq(w.db("SELECT max_projects FROM marketplace_server WHERE name='nbg1-01'")[0][0], 25, "server recorded")

    # suspend -> stop; resume -> start
    sub(os.path.join(proj, "kunde-10.yaml"), "bundle: gastro-basic\n", "bundle: gastro-basic\nlifecycle: suspended\n")
    p = w.apply()
    t.eq(w.status()["kunde-10"]["status"], "suspended", "suspended project is suspended")
    t.ok(w.apps_by_name()["kunde-10"][0]["status"].startswith("exited"), "its app is stopped")
    sub(os.path.join(proj, "kunde-10.yaml"), "lifecycle: suspended\n", "")
    p = w.apply()
    t.eq(w.status()["kunde-10"]["status"], "active", "resumed project is active")
    t.ok(w.apps_by_name()["kunde-10"][0]["status"].startswith("running"), "its app runs again")

    # archive without and with --allow-delete
    sub(os.path.join(proj, "kunde-11.yaml"), "bundle: gastro-basic\n", "bundle: gastro-basic\nlifecycle: archived\n")
    p = w.apply()
    t.eq(w.status()["kunde-11"]["status"], "archived", "archived project is archived")
    t.eq(len(w.apps_by_name().get("kunde-11", [])), 1, "without --allow-delete its app is kept")
    p = w.apply("--allow-delete")
    t.eq(p.returncode, 0, "archive with --allow-delete applies")
    t.eq(w.apps_by_name().get("kunde-11"), None, "with --allow-delete its app is deleted")
    t.ok(("kunde-11.vrs.gmbh", "A") not in w.records(), "and its records")
    names = [pr["name"] for pr in w.sim_state()["coolify"]["projects"]]
    t.ok("vrs-kunde-11" not in names, "and its Coolify project")

    # delete threshold: archiving 5 projects deletes far more than 10 % of the managed objects
    for n in (12, 13, 14, 15, 16):
        f = os.path.join(proj, "kunde-%02d.yaml" % n)
        with open(f) as fh:
            s = fh.read()
        s = re.sub(r"(bundle: [a-z-]+\n)", r"\1lifecycle: archived\n", s, count=1)
        with open(f, "w") as fh:
            fh.write(s)
    w.apply()  # stops them (no deletes without --allow-delete)
    p = w.apply("--allow-delete")
    t.eq(p.returncode, 1, "deleting more than --max-delete-percent is refused")
    t.ok("--force" in p.stderr, "the refusal names --force", p.stderr)
    t.eq(len(w.apps_by_name().get("kunde-12", [])), 1, "nothing was deleted")
    p = w.apply("--allow-delete", "--max-delete-percent", "50")
    t.eq(p.returncode, 0, "a higher --max-delete-percent lets it through")


def stale_plan(w):
    plan = os.path.join(w.dir, "plan.json")
    sub(os.path.join(w.specs, "projects", "kunde-17.yaml"), "vrs-core:1.4.2", "vrs-core:1.4.3")
    p = w.run("plan", "--out", plan)
    t.eq(p.returncode, 0, "plan --out writes a plan")
    sub(os.path.join(w.specs, "projects", "kunde-18.yaml"), "vrs-core:1.4.2", "vrs-core:1.4.3")
    p = w.apply(plan)
    t.eq(p.returncode, 1, "a plan whose specs changed is refused")
    t.ok("stale" in p.stderr, "as stale", p.stderr)
    p = w.run("plan", "--out", plan)
    w.apply()  # the state moves on
    p = w.apply(plan)
    t.eq(p.returncode, 1, "a plan made before another apply is refused")
    t.ok("stale" in p.stderr, "as stale (serial)", p.stderr)
    sub(os.path.join(w.specs, "projects", "kunde-19.yaml"), "vrs-core:1.4.2", "vrs-core:1.4.3")
    w.run("plan", "--out", plan)
    p = w.apply(plan)
    t.eq(p.returncode, 0, "a fresh saved plan applies")
    t.eq(w.apps_by_name()["kunde-19"][0]["docker_registry_image_tag"], "1.4.3", "exactly that plan was applied")


def lock(w):
    release = w.hold_lock()
    p = w.apply()
    t.eq(p.returncode, 3, "a second writer exits 3")
    t.ok(str(os.getpid()) in p.stderr, "naming the holder's pid", p.stderr)
    release()
    p = w.run("status")
    t.eq(p.returncode, 0, "status reads without the lock")


def no_tty(w):
    p = w.run("apply")
    t.eq(p.returncode, 1, "apply without a terminal and without --auto-approve is refused")
    t.ok("--auto-approve" in p.stderr, "and says to use --auto-approve")


def secrets(w):
    everything = "\n".join(w.outputs)
    t.ok(vrsenv.SMTP_SECRET not in everything, "the secret never appears in any output")
    t.ok("sim-password" not in everything and "sim-coolify-token" not in everything, "credentials never appear in any output")
    db = w.dump()
    t.ok(vrsenv.SMTP_SECRET.encode() not in db, "the secret is not in the database")
    for suffix in ("-wal",):
        if os.path.exists(w.state + suffix):
            with open(w.state + suffix, "rb") as f:
                t.ok(vrsenv.SMTP_SECRET.encode() not in f.read(), "nor in its WAL")
    plan = os.path.join(w.dir, "plan2.json")
    w.env["KUNDE_06_SMTP_PASSWORD"] = "plan-secret-check-55"
    w.run("plan", "--out", plan, "--format", "json")
    with open(plan) as f:
        s = f.read()
    t.ok("plan-secret-check-55" not in s and "(secret)" in s, "the plan file shows (secret), never the value")
    w.env["KUNDE_06_SMTP_PASSWORD"] = vrsenv.SMTP_SECRET


def failures():
    w = World(os.path.join(TOP, "examples", "single-agency"))
    w.env["WEBER_MAIL_API_KEY"] = "weber-mail-secret-1"
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http500", "name": "praxis-weber"}])
    for n in range(1, 4):
        p = w.apply()
        t.eq(p.returncode, 1, "run %d with a permanently failing app exits 1" % n)
    st = w.status()
    t.eq(st["praxis-weber"]["status"], "error", "the failing project ends in error")
    t.eq(st["praxis-weber"]["retry_count"], 3, "after 3 tries")
    t.ok("500" in (st["praxis-weber"]["error"] or ""), "with the remote error recorded", st["praxis-weber"])
    t.eq({k: v["status"] for k, v in st.items() if k != "praxis-weber"},
         {"tischlerei-holz": "active", "malerbetrieb-kunz": "active"}, "every other project is active")
    w.reset_calls()
    p = w.apply()
    t.eq(w.calls()["coolify"].get("POST /applications/dockerimage", 0), 0, "a 4th run does not try again")
    p = w.run("retry", "praxis-weber")
    t.eq(p.returncode, 0, "vrsctl retry resets it")
    w.faults([])
    p = w.apply()
    t.eq(p.returncode, 0, "after retry the next apply converges")
    t.eq(w.status()["praxis-weber"]["status"], "active", "and the project is active")
    t.eq(len(w.apps_by_name()["praxis-weber"]), 1, "with one app")
    rows = w.db("SELECT action FROM marketplace_provisioning_log p JOIN marketplace_project j ON j.id=p.project_id WHERE j.slug='praxis-weber'")
    t.ok(("retry",) in rows and ("error",) in rows, "error and retry are logged")
    w.close()


def transient():
    w = World(os.path.join(TOP, "examples", "multi-server"))
    w.faults([{"match": "coolify:*", "kind": "http503", "rate": 0.2},
              {"match": "inwx:nameserver.*", "kind": "inwx2400", "rate": 0.2},
              {"match": "POST /applications/dockerimage", "kind": "http502", "rate": 0.3, "apply": True}])
    for n in range(4):
        p = w.apply()
        if p.returncode == 0 and all(v["status"] == "active" for v in w.status().values()):
            break
    w.faults([])
    p = w.apply()
    st = w.status()
    t.eq(sorted(k for k, v in st.items() if v["status"] != "active"), [], "20%% transient faults: everything converges")
    apps = w.apps_by_name()
    t.eq(sorted(k for k, v in apps.items() if len(v) != 1), [], "no duplicate app despite lost create answers")
    t.eq([k for k, v in w.records().items() if len(v) != 1], [], "no duplicate record")
    w.close()


def main():
    w = converge_multi_server()
    try:
        changes(w)
        stale_plan(w)
        lock(w)
        no_tty(w)
        secrets(w)
    finally:
        w.close()
    failures()
    transient()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
