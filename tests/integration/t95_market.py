#!/usr/bin/python3
"""The state shared with the marketplace application (issue 13): its files are
private (0600 under a usual umask; a state open to others gets a warning naming
the fix), `vrsctl state backup FILE` copies it consistently while a watch runs, and
plan files are private. The application's writes survive applies: Stripe ids and
billing e-mail it set, a suspension it wrote (honoured: the app is stopped, until it
lifts it), a draft it inserted (unmanaged: never archived, never in error, exported
as a spec that validates and then managed). Timestamps are SQLAlchemy's format and
record ids integers. A project removed from the specs with nothing remote is
archived as the plan says. Prints TAP."""

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

PROJECT = ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
           "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n")
PROJECT_DNS = PROJECT + "domains: [{subdomain: %s}]\n"


def world(*slugs):
    specs = tempfile.mkdtemp(prefix="vrs-market-")
    files = {"platform.yaml": vrsenv.PLATFORM_DNS}
    for s in slugs:
        files["p/%s.yaml" % s] = PROJECT_DNS % (s, s, s)
    write_specs(specs, files)
    return World(specs, copy_specs=False)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def files_and_backup():
    os.umask(0o022)
    w = world("alpha", "beta")
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "apply converges: " + p.stderr[-300:])
        t.eq(mode(w.state), 0o600, "the state is created 0600 under umask 022")
        t.eq(mode(w.state + ".lock"), 0o600, "the lock file is 0600")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(w.state + suffix):
                t.eq(mode(w.state + suffix), 0o600, "the %s file is 0600" % suffix)
            else:
                t.ok(True, "no %s file left (checkpointed)" % suffix)
        out = os.path.join(w.dir, "plan.json")
        p = w.run("plan", "--out", out)
        t.ok(p.returncode in (0, 2), "plan --out writes a plan")
        t.eq(mode(out), 0o600, "the plan file is 0600")
        t.ok("chmod" not in p.stderr, "no warning on a private state")
        os.chmod(w.state, 0o644)
        p = w.run("status")
        t.ok("warning" in p.stderr and ("chmod 600 " + w.state) in p.stderr,
             "a state readable by others gets a warning naming the fix: " + p.stderr.strip()[-200:])
        os.chmod(w.state, 0o600)

        # a backup while a watch runs (and holds the lock)
        log = open(os.path.join(w.dir, "watch.log"), "w+")
        wp = subprocess.Popen([vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "watch",
                               "--interval", "1s"], env=w.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(1.5)
            t.ok(wp.poll() is None, "the watch runs")
            bk = os.path.join(w.dir, "backup.db")
            p = w.run("state", "backup", bk)
            t.eq(p.returncode, 0, "state backup succeeds while the watch runs: " + p.stderr)
            t.eq(mode(bk), 0o600, "the backup is 0600")
            con = sqlite3.connect(bk)
            try:
                t.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "the backup is intact")
                slugs = sorted(r[0] for r in con.execute("SELECT slug FROM marketplace_project"))
                t.eq(slugs, ["alpha", "beta"], "the backup holds the projects")
                t.eq(con.execute("PRAGMA journal_mode").fetchone()[0], "delete",
                     "the backup is a plain database file")
            finally:
                con.close()
            t.ok(not os.path.exists(bk + "-wal"), "no -wal next to the backup")
        finally:
            wp.send_signal(signal.SIGTERM)
            rc = wp.wait(20)
            log.close()
        t.eq(rc, 0, "the watch stops cleanly after the backup")
        p = w.run("state", "backup", w.state)
        t.eq(p.returncode, 1, "a backup over the state itself is refused")
        p = w.run("--state", os.path.join(w.dir, "none.db"), "state", "backup",
                  os.path.join(w.dir, "x.db"))
        t.ok(p.returncode == 1 and not os.path.exists(os.path.join(w.dir, "x.db")),
             "no backup of a state that does not exist")
    finally:
        w.close()


SQLA_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


def app_status(w, name):
    a = w.apps_by_name().get(name)
    return a[0].get("status") if a else None


def marketplace_writes():
    w = world("alpha", "beta", "gamma")
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "apply converges three projects: " + p.stderr[-300:])
        stamps = w.db("SELECT created_at FROM marketplace_project UNION ALL "
                      "SELECT updated_at FROM marketplace_project UNION ALL "
                      "SELECT created_at FROM marketplace_provisioning_log")
        t.ok(stamps and all(SQLA_TS.match(r[0]) for r in stamps),
             "timestamps are written as SQLAlchemy stores them: %r" % stamps[:2])
        ids = w.db("SELECT inwx_record_ids FROM marketplace_project_domain")
        t.ok(ids and all(all(isinstance(v, int) for v in json.loads(r[0]).values())
                         for r in ids if r[0]), "inwx_record_ids hold integers: %r" % ids[:1])

        # the application writes: Stripe ids and billing e-mail, a suspension, a draft
        now = "2026-12-07 10:00:00.123456"
        w.db("UPDATE marketplace_project SET stripe_customer_id = 'cus_1', "
             "stripe_subscription_id = 'sub_1', billing_email = 'bill@example.org', "
             "payment_method = 'stripe_subscription' WHERE slug = 'alpha'")
        w.db("UPDATE marketplace_project SET provisioning_status = 'suspended' WHERE slug = 'beta'")
        ptype = w.db("SELECT id FROM marketplace_project_type WHERE code = 'gastro'")[0][0]
        w.db("INSERT INTO marketplace_project (name, slug, owner_email, api_key, is_active, "
             "is_superadmin, project_type_id, provisioning_status, provisioning_retry_count, "
             "is_demo, preview_protection_enabled, payment_method, billing_email, created_at, "
             "updated_at) VALUES ('Café Draft', 'draft-kunde', 'd@example.org', 'key-draft', 1, 0, "
             "?, 'draft', 0, 0, 0, 'stripe_prepaid', 'pay@example.org', ?, ?)", ptype, now, now)
        p = w.run("plan")
        t.ok(p.returncode in (0, 2), "plan runs: " + p.stderr[-200:])
        t.ok("draft-kunde" not in p.stdout, "plan leaves the draft alone: " + p.stdout[-400:])
        t.ok("billing_email" not in p.stdout and "stripe" not in p.stdout,
             "plan shows no change to the application's billing fields")
        t.ok("stop coolify_app beta" in p.stdout or "stop  coolify_app beta" in p.stdout
             or ("beta" in p.stdout and "stop" in p.stdout),
             "plan stops the app of the project the application suspended: " + p.stdout[-400:])
        for n in (1, 2):
            p = w.apply()
            t.eq(p.returncode, 0, "apply %d exits 0: %s" % (n, p.stderr[-300:]))
        row = w.db("SELECT stripe_customer_id, stripe_subscription_id, billing_email, "
                   "payment_method FROM marketplace_project WHERE slug = 'alpha'")[0]
        t.eq(row, ("cus_1", "sub_1", "bill@example.org", "stripe_subscription"),
             "the application's billing fields survive two applies")
        t.eq(w.db("SELECT provisioning_status FROM marketplace_project WHERE slug = 'beta'")[0][0],
             "suspended", "the application's suspension stays")
        st = app_status(w, "beta") or ""
        t.ok(st.startswith("exited") or st.startswith("stopped"),
             "the suspended project's app is stopped: " + st)
        t.ok((app_status(w, "gamma") or "").startswith("running"), "the others run on")
        msg = w.db("SELECT message FROM marketplace_provisioning_log l JOIN marketplace_project p "
                   "ON p.id = l.project_id WHERE p.slug = 'beta' AND action = 'app_stopped'")
        t.ok(msg and "marketplace application" in msg[0][0],
             "the log row says the suspension was the application's: %r" % msg)
        d = w.db("SELECT provisioning_status, provisioning_retry_count, provisioning_error, "
                 "billing_email FROM marketplace_project WHERE slug = 'draft-kunde'")[0]
        t.eq(d, ("draft", 0, None, "pay@example.org"), "the draft is untouched: no error, no retries")
        s = w.status()
        t.eq((s["draft-kunde"]["managed"], s["alpha"]["managed"]), (False, True),
             "status lists the draft as unmanaged")
        t.eq(s["beta"]["suspended_by"], "application", "status says who suspended beta")
        p = w.run("status")
        t.ok("unmanaged" in p.stdout, "the text status says unmanaged too")

        # the application lifts the suspension: the app starts again
        w.db("UPDATE marketplace_project SET provisioning_status = 'active' WHERE slug = 'beta'")
        p = w.apply()
        t.eq(p.returncode, 0, "apply after the lift exits 0: " + p.stderr[-300:])
        t.ok((app_status(w, "beta") or "").startswith("running"), "the lifted project runs again")

        # export of the draft: the flag it needs, then a spec that validates
        p = w.run("export", "draft-kunde")
        t.ok(p.returncode == 1 and "--image" in p.stderr, "export without an image names --image: "
             + p.stderr.strip())
        p = w.run("export", "alpha")
        t.eq(p.returncode, 1, "export of a managed project is refused")
        w.db("INSERT INTO marketplace_project (name, slug, owner_email, api_key, "
                  "provisioning_status, created_at, updated_at) VALUES ('Typlos', 'typlos', "
                  "'t@example.org', 'key-typlos', 'draft', ?, ?)", now, now)
        p = w.run("export", "typlos", "--image", "ghcr.io/vrs-gmbh/vrs-core:1.4.2")
        t.ok(p.returncode == 1 and "--project-type" in p.stderr,
             "export of a row without a project type names --project-type: " + p.stderr.strip())
        p = w.run("export", "typlos", "--image", "ghcr.io/vrs-gmbh/vrs-core:1.4.2",
                  "--project-type", "gastro")
        t.ok(p.returncode == 0 and 'project_type: "gastro"' in p.stdout, "--project-type fills it")
        w.db("DELETE FROM marketplace_project WHERE slug = 'typlos'")
        # the questionnaire recorded the draft's domains too: a subdomain and its own domain
        did = w.db("SELECT id FROM marketplace_project WHERE slug = 'draft-kunde'")[0][0]
        bid = w.db("SELECT id FROM marketplace_base_domain WHERE domain = 'vrs.gmbh'")[0][0]
        w.db("INSERT INTO marketplace_project_domain (project_id, domain, domain_type, "
                  "status, is_primary, base_domain_id, subdomain, created_at, updated_at) VALUES "
                  "(?, 'draft-kunde.vrs.gmbh', 'subdomain', 'pending_dns', 1, ?, 'draft-kunde', ?, ?)",
                  did, bid, now, now)
        w.db("INSERT INTO marketplace_project_domain (project_id, domain, domain_type, "
                  "status, is_primary, created_at, updated_at) VALUES "
                  "(?, 'cafe-draft.de', 'owned', 'pending_dns', 0, ?, ?)", did, now, now)
        p = w.run("export", "draft-kunde", "--image", "ghcr.io/vrs-gmbh/vrs-core:1.4.2")
        t.eq(p.returncode, 0, "export of the draft: " + p.stderr)
        body = "\n".join(x for x in p.stdout.splitlines() if not x.startswith("#"))
        t.ok("billing" not in body and "payment" not in body and "stripe" not in body
             and "trial" not in body, "the export leaves out the marketplace-owned fields: " + body)
        t.ok('name: "Café Draft"' in body and 'project_type: "gastro"' in body,
             "the export has the row's own fields")
        t.ok('subdomain: "draft-kunde"' in body and 'base: "vrs.gmbh"' in body
             and 'domain: "cafe-draft.de"' in body and "type: owned" in body,
             "the export has the row's domains")
        # the operator holds the Stripe draft until it is paid: naming payment.confirmed only
        with open(os.path.join(w.specs, "p", "draft-kunde.yaml"), "w") as f:
            f.write(p.stdout + "payment: {confirmed: false}\n")
        p = w.run("validate")
        t.eq(p.returncode, 0, "the exported spec validates: " + p.stdout + p.stderr)
        p = w.run("plan")
        t.ok("status: draft → pending_payment" in p.stdout,
             "plan: the row's Stripe method waits for the payment: " + p.stdout[-400:])
        p = w.apply()
        t.eq(p.returncode, 0, "apply with the exported spec: " + p.stderr[-300:])
        d = w.db("SELECT provisioning_status, billing_email, payment_method "
                 "FROM marketplace_project WHERE slug = 'draft-kunde'")[0]
        t.eq(d[0], "pending_payment", "apply does what the plan said (the row's payment method)")
        t.eq(d[1:], ("pay@example.org", "stripe_prepaid"),
             "the managed draft keeps the application's billing fields")
        p = w.run("plan", "--detailed-exitcode")
        t.eq(p.returncode, 0, "then the plan has no changes: " + p.stdout[-400:])
        t.eq(w.status()["draft-kunde"]["managed"], True, "once a spec names it, vrsctl manages it")
    finally:
        w.close()


def removed_without_remote():
    """a project recorded from a spec, never provisioned, then removed from the specs"""
    w = world("alpha")
    try:
        path = os.path.join(w.specs, "p", "delta.yaml")
        with open(path, "w") as f:
            f.write((PROJECT % ("delta", "delta")) + "lifecycle: suspended\n")
        p = w.apply()
        t.eq(p.returncode, 0, "apply records a suspended project: " + p.stderr[-300:])
        os.unlink(path)
        p = w.run("plan")
        t.ok("delta" in p.stdout and "archived" in p.stdout, "plan archives the removed project")
        p = w.apply()
        t.eq(p.returncode, 0, "apply does what the plan says: " + p.stderr[-300:])
        t.eq(w.db("SELECT provisioning_status FROM marketplace_project WHERE slug = 'delta'")[0][0],
             "archived", "the removed project is archived")
        p = w.apply()
        t.eq(p.returncode, 0, "the next apply exits 0 too")
    finally:
        w.close()


def main():
    files_and_backup()
    marketplace_writes()
    removed_without_remote()
    sys.exit(t.done())


if __name__ == "__main__":
    main()
