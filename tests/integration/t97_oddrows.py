#!/usr/bin/python3
"""Odd rows from the other side (issue 16, item 2): the marketplace application
writes, through SQL as it could, rows that are valid for the schema but unusual:
NULL in every nullable column, maximal-length strings, unicode names, a project
with no domains, a domain without a project type, metadata_json of every JSON
type, timestamps in both formats (ISO "...T...Z" and SQLAlchemy's
"YYYY-MM-DD HH:MM:SS.ffffff"), a preview token that expired a second ago. Then
status, log, plan, apply, preview list and verify run on that state: no crash
(also under ASan), clear messages, and nothing of the application's rows
changed (each row compared before and after). Prints TAP."""

import datetime
import json
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

SPECS = {
    "platform.yaml": vrsenv.PLATFORM_DNS,
    "p/alpha.yaml": "kind: Project\nslug: alpha\nname: Alpha\nowner_email: o@example.org\n"
                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains: [{subdomain: alpha}]\n",
    "p/demo.yaml": "kind: Project\nslug: demo\nname: Demo\nowner_email: o@example.org\n"
                   "project_type: gastro\ndemo: true\npreview_protection: true\n"
                   "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                   "domains: [{subdomain: demo}]\n",
}
SQLA = "%Y-%m-%d %H:%M:%S.%f"
ISO = "%Y-%m-%dT%H:%M:%SZ"
UNI = "Café Ünïcødé 🍕 東京 — ½"  # accents, emoji, CJK, a dash
# terminal controls a name or message could carry: ESC sequences, CR, BEL, C1, a bidi override
CTRL = "Evil\x1b[2J\x1b]0;pwned\x07\r\x9b31m\u202e"


def utc(delta_s=0):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)


def insert(con, table, **cols):
    cur = con.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                      tuple(cols.values()))
    return cur.lastrowid


def odd_rows(con):
    """the application's writes; returns {table: [ids]} of the rows it owns"""
    ids = {"marketplace_project": [], "marketplace_project_domain": [],
           "marketplace_provisioning_log": [], "marketplace_preview_access": []}
    alpha = con.execute("SELECT id FROM marketplace_project WHERE slug = 'alpha'").fetchone()[0]
    demo = con.execute("SELECT id FROM marketplace_project WHERE slug = 'demo'").fetchone()[0]
    # NULL in every nullable column, no domains, no project type (a draft)
    ids["marketplace_project"].append(insert(
        con, "marketplace_project", name="Nulls", slug="odd-nulls", owner_email="n@example.org",
        api_key="k-nulls"))
    # maximal lengths: name 200 (unicode), slug 100, e-mail 255, ids 100, a long error
    ids["marketplace_project"].append(insert(
        con, "marketplace_project", name=(UNI * 20)[:200], slug="m" * 100,
        owner_email=("x" * 243) + "@example.org", api_key="K" * 100,
        provisioning_status="error", provisioning_error="E" * 5000,
        provisioning_retry_count=2147483647, stripe_customer_id="c" * 100,
        stripe_subscription_id="s" * 100, billing_email=("b" * 243) + "@example.org",
        payment_method="stripe_subscription", trial_start_date=utc(-86400).strftime(ISO),
        trial_end_date=utc(86400).strftime(SQLA), created_at=utc().strftime(SQLA),
        updated_at=utc().strftime(ISO)))
    # a unicode name and slug, active, with a domain but no project type
    uni = insert(con, "marketplace_project", name=UNI + CTRL, slug="café-münchen", owner_email="ü@example.org",
                 api_key="k-uni", provisioning_status="active", provisioning_started_at=utc().strftime(ISO),
                 provisioning_completed_at=utc().strftime(SQLA))
    ids["marketplace_project"].append(uni)
    ids["marketplace_project_domain"].append(insert(
        con, "marketplace_project_domain", project_id=uni, domain="xn--caf-dma.example",
        domain_type="owned", status="active"))
    ids["marketplace_project_domain"].append(insert(
        con, "marketplace_project_domain", project_id=uni, domain="d" * 63 + "." + "e" * 63 + ".example",
        domain_type="registered", status="pending_registration", is_primary=0,
        inwx_record_ids="{}", transfer_auth_code="A" * 255, registration_cost_cents=2147483647,
        renewal_cost_cents=0, expires_at=utc(-1).strftime(SQLA), ssl_expires_at=utc().strftime(ISO)))
    # log rows of a managed project: metadata_json of every JSON type, both timestamp formats
    metas = [None, "null", "true", "false", "0", "-1.5e300", '"text \\u00fc"', "[]", "[1,[2,{}]]",
             "{}", '{"a":{"b":[null]}}', json.dumps({"k" * 200: "v" * 2000})]
    for i, meta in enumerate(metas):
        ts = (utc(-100 + i).strftime(ISO) if i % 2 else utc(-100 + i).strftime(SQLA))
        ids["marketplace_provisioning_log"].append(insert(
            con, "marketplace_provisioning_log", project_id=alpha if i % 3 else uni,
            action="app_note_%d" % i, message=UNI + CTRL if i % 2 else None, metadata_json=meta,
            triggered_by="app@example.org" if i % 2 else None, created_at=ts,
            old_status="x" * 50 if i == 3 else None, error_details="e" * 3000 if i == 4 else None))
    # preview tokens: expired a second ago (both formats), and one with every nullable NULL
    for fmt, tok in ((SQLA, "t" * 64), (ISO, "u" * 64)):
        ids["marketplace_preview_access"].append(insert(
            con, "marketplace_preview_access", project_id=demo, token=tok, code="123456",
            email="p@example.org", name=(UNI + CTRL)[:100], expires_at=utc(-1).strftime(fmt),
            created_by="app@example.org"))
    ids["marketplace_preview_access"].append(insert(
        con, "marketplace_preview_access", project_id=demo, token="v" * 64,
        expires_at=utc(3600).strftime(SQLA)))
    return ids


def snapshot(path, ids):
    con = sqlite3.connect(path)
    try:
        out = {}
        for table, rows in ids.items():
            for i in rows:
                out[(table, i)] = con.execute("SELECT * FROM %s WHERE id = ?" % table, (i,)).fetchone()
        return out
    finally:
        con.close()


def clean(p, what):
    """no crash, no sanitizer report, an exit status vrsctl gives (0..3)"""
    text = p.stdout + p.stderr
    t.ok(0 <= p.returncode <= 3 and "Sanitizer" not in text and "runtime error" not in text,
         "%s: exit %d, no crash" % (what, p.returncode), text[-1500:])


def main():
    specs = tempfile.mkdtemp(prefix="vrs-odd-")
    write_specs(specs, SPECS)
    w = World(specs, copy_specs=False)
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "apply converges the two projects: " + p.stderr[-300:])
        con = sqlite3.connect(w.state)
        try:
            ids = odd_rows(con)
            con.commit()
        finally:
            con.close()
        before = snapshot(w.state, ids)
        t.ok(all(v is not None for v in before.values()), "the application's %d odd rows are in" % len(before))

        p = w.run("status")
        clean(p, "status")
        t.ok("alpha" in p.stdout and "demo" in p.stdout, "status lists the managed projects")
        p = w.run("status", "--format", "json")
        clean(p, "status --format json")
        try:
            js = json.loads(p.stdout)
            t.ok(isinstance(js.get("projects"), list), "status --format json is JSON")
        except ValueError:
            t.ok(False, "status --format json is JSON", p.stdout[-500:])
        for args in (("log",), ("log", "alpha"), ("log", "--format", "json"), ("log", "café-münchen"),
                     ("log", "m" * 100), ("log", "odd-nulls")):
            p = w.run(*args)
            clean(p, " ".join(a[:20] for a in args))
        p = w.run("log", "café-münchen")
        stamps = [ln.split()[0] for ln in p.stdout.splitlines() if "app_note_" in ln]
        t.ok(len(stamps) >= 4 and stamps == sorted(stamps, reverse=True),
             "log orders rows of both timestamp formats by their instant, newest first: %r" % stamps)
        for args, want in ((("log",), UNI), (("status",), "café-münchen"), (("log", "café-münchen"), UNI)):
            p = w.run(*args)
            t.ok(want in p.stdout and not any(c in p.stdout for c in "\x1b\x07\r\x9b\u202e"),
                 "%s shows unicode names but no terminal control the application wrote" % " ".join(args),
                 repr(p.stdout[-300:]))
        p = w.run("log", "café-münchen", "--format", "json")
        t.ok(CTRL in "".join(r.get("message") or "" for r in json.loads(p.stdout)),
             "log --format json keeps the message as written (escaped)")
        p = w.run("log", "alpha", "--format", "json")
        try:
            rows = json.loads(p.stdout)
            rows = rows.get("entries", rows) if isinstance(rows, dict) else rows
            notes = [r for r in rows if str(r.get("action", "")).startswith("app_note_")]
            t.ok(len(notes) >= 6, "log alpha --format json shows the application's rows (%d)" % len(notes))
        except (ValueError, AttributeError):
            t.ok(False, "log alpha --format json is JSON", p.stdout[-500:])
        p = w.run("plan")
        clean(p, "plan")
        t.ok(p.returncode in (0, 2), "plan succeeds on the odd state: " + p.stderr[-300:])
        p = w.apply()
        clean(p, "apply")
        t.eq(p.returncode, 0, "apply succeeds on the odd state: " + p.stderr[-500:])
        p = w.run("preview", "list", "demo")
        clean(p, "preview list")
        t.eq(p.returncode, 0, "preview list works: " + p.stderr[-300:])
        p = w.run("preview", "list", "demo", "--format", "json")
        clean(p, "preview list --format json")
        for tok in ("t" * 64, "u" * 64):
            p = w.run("preview", "verify", "demo", "--token", tok)
            clean(p, "preview verify (expired a second ago)")
            t.ok(p.returncode != 0 and "expired" in (p.stdout + p.stderr).lower(),
                 "a token that expired a second ago is refused as expired: " + (p.stdout + p.stderr)[-200:])
        p = w.run("preview", "verify", "demo", "--code", "123456")
        clean(p, "preview verify --code (expired)")
        t.ok(p.returncode != 0, "its code is refused too")
        t.ok(not any(c in p.stdout for c in "\x1b\x07\r\x9b\u202e"),
             "preview list shows no terminal control of a name", repr(p.stdout[-300:]))
        p = w.run("preview", "list", "café-münchen")
        clean(p, "preview list of an unmanaged unicode slug")
        t.ok(p.returncode == 0 and "No preview accesses for café-münchen" in p.stdout,
             "an unmanaged project has no preview accesses: " + p.stdout[-200:])

        after = snapshot(w.state, ids)
        changed = [k for k in before if before[k] != after[k]]
        t.eq(changed, [], "nothing of the application's rows changed")
        con = sqlite3.connect(w.state)
        try:
            t.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity_check ok")
        finally:
            con.close()
    finally:
        w.close()


main()
t.done()
