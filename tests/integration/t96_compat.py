#!/usr/bin/python3
"""The marketplace application's own models (the model specification's classes,
tests/compat/, on Debian's Flask-SQLAlchemy and SQLAlchemy 1.4) against a state
vrsctl converged (issue 13): they load every project with its domains, server,
logs, bundle price and preview tokens; then the application inserts a draft,
sets Stripe ids and a billing e-mail on a managed project and suspends another;
two applies exit 0 and lose nothing the application wrote, the suspension stops
the app, the draft stays unmanaged and its export validates. A database the
models created (db.create_all) before vrsctl ran is joined. Prints TAP."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()

DEMO = """kind: Project
slug: demo-luna
name: Demo Luna
owner_email: demo@example.org
project_type: gastro
demo: true
cloned_from: cafe-luna
preview_protection: true
app: {image: "ghcr.io/vrs-gmbh/vrs-core:1.4.2"}
domains: [{subdomain: demo-luna}]
"""


COMPAT = os.path.join(TOP, "tests", "compat")


def compat(script, db):
    env = dict(os.environ, VRS_COMPAT_DB=db, SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return subprocess.run(["/usr/bin/python3", os.path.join(COMPAT, script)], env=env,
                          capture_output=True, text=True, timeout=120)


def join_created_db():
    """the marketplace created the database from its models before vrsctl ran"""
    w = World(os.path.join(TOP, "specs"))
    try:
        p = compat("create_db.py", w.state)
        t.eq(p.returncode, 0, "the models create the database (db.create_all): " + p.stderr[-300:])
        p = w.apply()
        t.eq(p.returncode, 0, "apply joins the marketplace's database and converges: "
             + p.stderr[-400:])
        v = (w.db("SELECT value FROM vrs_meta WHERE key = 'schema_version'") if w.pg
             else w.db("PRAGMA user_version"))
        t.eq(int(v[0][0]) > 0 if v else False, True, "vrsctl's schema version is set")
        t.eq(w.db("SELECT provisioning_status, api_key FROM marketplace_project "
                  "WHERE slug = 'eisdiele'"), [("draft", "eisdiele-key")],
             "the application's draft is kept as it was")
        t.eq(w.db("SELECT plugin_name FROM marketplace_license"), [("menu",)],
             "the application's license table is left alone")
        p = w.apply()
        t.eq(p.returncode, 0, "the second apply exits 0: " + p.stderr[-300:])
        s = w.status()
        t.eq((s["eisdiele"]["managed"], s["pizzeria-roma"]["managed"]), (False, True),
             "the draft is unmanaged, the specs' projects managed")
        p = compat("load_all.py", w.state)
        t.eq(p.returncode, 0, "the models load the joined state: " + p.stdout[-300:] + p.stderr[-300:])
        if p.returncode == 0:
            seen = json.loads(p.stdout)
            t.eq(sorted(seen), ["cafe-luna", "eisdiele", "pizzeria-roma"], "every project loads")
            t.eq(seen["pizzeria-roma"]["status"], "active", "vrsctl's projects are active")
            t.ok(seen["pizzeria-roma"]["server"] and seen["pizzeria-roma"]["domains"]
                 and seen["pizzeria-roma"]["logs"], "with server, domains and log")
            t.eq(seen["eisdiele"]["licenses"], ["menu"], "the draft's license loads")
    finally:
        w.close()


def pg_join_refusals():
    """PostgreSQL: a marketplace database vrsctl cannot join is refused, naming why,
    and left as it was"""
    for what, ddl, want in (
            ("an enum of member names",
             "CREATE TYPE provisioningstatus AS ENUM ('DRAFT', 'ACTIVE'); "
             "CREATE TABLE marketplace_project (id SERIAL PRIMARY KEY, slug VARCHAR(100), "
             "provisioning_status provisioningstatus)",
             "has no value 'draft'"),
            ("a column of the wrong type",
             "CREATE TABLE marketplace_project (id SERIAL PRIMARY KEY, slug INTEGER)",
             "column marketplace_project.slug is integer")):
        w = World(os.path.join(TOP, "specs"))
        try:
            w.db(ddl)
            p = w.apply()
            t.ok(p.returncode == 1 and want in p.stderr,
                 "%s: apply exits 1 naming it" % what, "exit %d: %s" % (p.returncode, p.stderr))
            t.eq(w.db("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                      "tablename LIKE 'vrs_%'"), [(0,)],
                 "%s: nothing was created (one transaction)" % what)
        finally:
            w.close()


def app_status(w, name):
    a = w.apps_by_name().get(name)
    return a[0].get("status") if a else None


def main():
    try:
        import flask_sqlalchemy  # noqa: F401
    except ImportError:
        t.ok(False, "python3-flask-sqlalchemy is installed (make deps)")
        sys.exit(t.done())
    join_created_db()
    if vrsenv.PG_URL:
        pg_join_refusals()
    w = World(os.path.join(TOP, "specs"))
    try:
        with open(os.path.join(w.specs, "projects", "demo-luna.yaml"), "w") as f:
            f.write(DEMO)
        p = w.apply()
        t.eq(p.returncode, 0, "apply converges: " + p.stderr[-300:])
        p = w.run("preview", "grant", "demo-luna", "--email", "kunde@example.org")
        t.eq(p.returncode, 0, "a preview token is granted: " + p.stderr)
        os.environ["VRS_COMPAT_DB"] = w.state
        sys.path.insert(0, os.path.join(TOP, "tests", "compat"))
        from v_flask import app, db
        import vrs_models as m
        with app.app_context():
            run(w, app, db, m)
    finally:
        w.close()
    sys.exit(t.done())


def load_everything(db, m):
    """what the application shows: every project with all it references"""
    db.session.remove()
    out = {}
    for p in m.Project.query.order_by(m.Project.slug).all():
        out[p.slug] = {
            "status": p.provisioning_status,
            "payment": p.payment_method,
            "domains": [(d.domain, d.domain_type, d.status, d.inwx_record_ids) for d in p.domains],
            "server": p.server.name if p.server else None,
            "logs": [(l.action, l.created_at) for l in p.provisioning_logs],
            "bundle_price": p.bundle.price_display if p.bundle else None,
            # not a.is_valid: the model compares an aware now() with SQLite's naive values,
            # whoever wrote them (docs/NOTES.md, issue 13)
            "previews": [(a.token, a.expires_at, a.use_count) for a in p.preview_accesses],
            "created_at": p.created_at,
            "stripe": (p.stripe_customer_id, p.stripe_subscription_id, p.billing_email),
            "retries": (p.provisioning_retry_count, p.provisioning_error),
        }
    return out


def run(w, app, db, m):
    raw = dict(w.db("SELECT slug, created_at FROM marketplace_project"))
    try:
        seen = load_everything(db, m)
    except Exception as e:  # a format the models cannot read
        t.ok(False, "the models load the converged state: %r" % e)
        return
    t.eq(sorted(seen), ["cafe-luna", "demo-luna", "pizzeria-roma"], "the models load every project")
    roma = seen["pizzeria-roma"]
    t.eq(roma["status"], m.ProvisioningStatus.ACTIVE, "provisioning_status is the model's enum")
    t.eq(roma["payment"], m.PaymentMethod.INVOICE, "payment_method is the model's enum")
    t.ok(roma["server"] is not None, "the project's server relationship loads")
    doms = dict((d[0], d) for d in roma["domains"])
    t.ok(doms and all(isinstance(d[1], m.DomainType) and isinstance(d[2], m.DomainStatus)
                      for d in doms.values()), "domains load with the model's enums")
    ids = [d[3] for d in doms.values() if d[3]]
    t.ok(ids and all(isinstance(v, int) for x in ids for v in x.values()),
         "inwx_record_ids are the integers the model documents: %r" % ids)
    ca = roma["created_at"]
    t.ok(isinstance(ca, datetime.datetime)
         and ca.strftime("%Y-%m-%d %H:%M:%S") == raw["pizzeria-roma"][:19],
         "created_at parses to the second vrsctl wrote: %r / %r" % (ca, raw["pizzeria-roma"]))
    logs = roma["logs"]
    t.ok(len(logs) >= 3 and all(isinstance(x[1], datetime.datetime) for x in logs)
         and [x[1] for x in logs] == sorted((x[1] for x in logs), reverse=True),
         "the provisioning log loads, newest first (%d rows)" % len(logs))
    t.ok(roma["bundle_price"] and "€" in roma["bundle_price"],
         "the bundle price is computed from the plugin prices: %r" % roma["bundle_price"])
    pv = seen["demo-luna"]["previews"]
    t.ok(len(pv) == 1 and pv[0][2] == 0 and isinstance(pv[0][1], datetime.datetime)
         and pv[0][1] > datetime.datetime.utcnow(),
         "the demo's preview token loads: %r" % [(x[1], x[2]) for x in pv])

    # the application's writes
    db.create_all()  # its own tables (license, order); the existing ones are kept
    luna = m.Project.query.filter_by(slug="cafe-luna").one()
    luna.stripe_customer_id = "cus_Luna"
    luna.stripe_subscription_id = "sub_Luna"
    luna.billing_email = "rechnung@cafe-luna.de"
    roma_row = m.Project.query.filter_by(slug="pizzeria-roma").one()
    roma_row.provisioning_status = m.ProvisioningStatus.SUSPENDED
    gastro = m.ProjectType.query.filter_by(code="gastro").one()
    draft = m.Project(name="Bäckerei Draft", slug="baeckerei-draft", owner_email="b@example.org",
                      api_key="draft-api-key-1", project_type=gastro,
                      payment_method=m.PaymentMethod.STRIPE_PREPAID,
                      billing_email="b-billing@example.org")
    db.session.add(draft)
    db.session.add(m.License(project=luna, plugin_name="menu"))
    db.session.add(m.Order(project=luna, total_cents=1490))
    db.session.commit()
    draft_created = draft.created_at
    db.session.remove()
    stored = w.db("SELECT provisioning_status, created_at FROM marketplace_project "
                  "WHERE slug = 'baeckerei-draft'")[0]
    t.eq(stored[0], "draft", "the application stores the enum's value (values_callable)")
    # PostgreSQL's TIMESTAMP prints its microseconds without trailing zeros
    frac = r"(\.\d{1,6})?" if w.pg else r"\.\d{6}"
    t.ok(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" + frac + "$", stored[1]),
         "the application's timestamps and vrsctl's have one format: " + stored[1])

    for n in (1, 2):
        p = w.apply()
        t.eq(p.returncode, 0, "apply %d exits 0: %s" % (n, p.stderr[-300:]))

    after = load_everything(db, m)
    t.eq(after["cafe-luna"]["stripe"], ("cus_Luna", "sub_Luna", "rechnung@cafe-luna.de"),
         "Stripe ids and billing e-mail the application set are kept")
    t.eq(after["pizzeria-roma"]["status"], m.ProvisioningStatus.SUSPENDED,
         "the application's suspension is kept (the spec says lifecycle: active)")
    st = app_status(w, "pizzeria-roma") or ""
    t.ok(st.startswith("exited") or st.startswith("stopped"), "the suspension stopped the app: " + st)
    t.ok((app_status(w, "cafe-luna") or "").startswith("running"), "the other apps run")
    d = after["baeckerei-draft"]
    t.eq((d["status"], d["retries"], d["stripe"][2]),
         (m.ProvisioningStatus.DRAFT, (0, None), "b-billing@example.org"),
         "the draft is untouched: draft, no retries, no error")
    t.eq(d["created_at"], draft_created, "the draft's created_at is as the application wrote it")
    t.eq(len(after["pizzeria-roma"]["logs"]) > len(seen["pizzeria-roma"]["logs"]), True,
         "the stop is logged and the log still loads")
    t.eq(w.db("SELECT count(*) FROM marketplace_license")[0][0], 1, "the license table is left alone")
    t.eq(w.db("SELECT total_cents FROM marketplace_order")[0][0], 1490, "the order table is left alone")
    s = w.status()
    t.eq(s["baeckerei-draft"]["managed"], False, "status lists the draft as unmanaged")

    p = w.run("export", "baeckerei-draft", "--image", "ghcr.io/vrs-gmbh/vrs-core:1.4.2")
    t.eq(p.returncode, 0, "export of the draft: " + p.stderr)
    path = os.path.join(w.specs, "projects", "baeckerei-draft.yaml")
    with open(path, "w") as f:
        f.write(p.stdout)
    p = w.run("validate")
    t.eq(p.returncode, 0, "the exported spec validates: " + p.stdout[-300:] + p.stderr[-300:])
    os.unlink(path)
    shutil.rmtree(os.path.join(w.specs, "__pycache__"), ignore_errors=True)
    catalogue(w, db, m)


APP_ROWS = ("hotel", "shop-kit", "hotel-basic")


def catalogue(w, db, m):
    """the marketplace's admin makes a project type, a plugin (with a price) and a
    bundle in its UI: no spec names them, so vrsctl leaves them alone (issue 13)"""
    hotel = m.ProjectType(code="hotel", name="Hotel")
    kit = m.PluginMeta(name="shop-kit", display_name="Shop Kit")
    db.session.add_all([hotel, kit])
    db.session.flush()
    db.session.add(m.PluginPrice(plugin_id=kit.id, project_type_id=hotel.id,
                                 billing_cycle="monthly", price_cents=990))
    db.session.add(m.Bundle(code="hotel-basic", name="Hotel Basic", project_type=hotel,
                            plugins=[kit]))
    db.session.commit()
    db.session.remove()

    def rows():
        return (w.db("SELECT count(*) FROM marketplace_project_type WHERE code = 'hotel'")[0][0],
                w.db("SELECT count(*) FROM marketplace_plugin_meta WHERE name = 'shop-kit'")[0][0],
                w.db("SELECT count(*) FROM marketplace_plugin_price p JOIN "
                     "marketplace_plugin_meta m ON m.id = p.plugin_id "
                     "WHERE m.name = 'shop-kit'")[0][0],
                w.db("SELECT count(*) FROM marketplace_bundle WHERE code = 'hotel-basic'")[0][0])

    p = w.run("plan")
    t.ok(p.returncode == 0 and not any(x in p.stdout for x in APP_ROWS),
         "plan shows nothing for the application's type, plugin and bundle",
         "exit %d: %s%s" % (p.returncode, p.stdout[-600:], p.stderr[-300:]))
    p = w.apply("--allow-delete")
    t.eq(p.returncode, 0, "apply --allow-delete exits 0: " + p.stderr[-300:])
    t.eq(rows(), (1, 1, 1, 1), "apply --allow-delete keeps them, the price included")
    p = w.run("status", "--format", "json")
    un = json.loads(p.stdout).get("unmanaged_catalogue", []) if p.returncode == 0 else None
    t.eq(sorted((x["kind"], x["key"]) for x in un or []),
         [("bundle", "hotel-basic"), ("plugin", "shop-kit"), ("project_type", "hotel")],
         "status lists them as the application's")

    # a spec names the type: vrsctl manages it from then on
    spec = os.path.join(w.specs, "hotel.yaml")
    with open(spec, "w") as f:
        f.write("kind: ProjectType\ncode: hotel\nname: Hotel\n")
    p = w.run("plan")
    t.ok("project_type hotel" in p.stdout and "managed by vrsctl from this apply on" in p.stdout,
         "a spec naming the type adopts it", p.stdout[-600:])
    p = w.apply()
    t.eq(p.returncode, 0, "apply adopts it: " + p.stderr[-300:])
    t.eq(w.db("SELECT count(*) FROM vrs_catalogue WHERE kind = 'project_type' AND key = 'hotel'"),
         [(1,)], "the type is vrsctl's now")
    p = w.run("plan", "--detailed-exitcode")
    t.eq(p.returncode, 0, "then nothing to do: " + p.stdout[-300:])

    # the application's draft uses it; removing it from the specs is refused, not a delete
    hotel = m.ProjectType.query.filter_by(code="hotel").one()
    db.session.add(m.Project(name="Hotel Draft", slug="hotel-draft", owner_email="h@example.org",
                             api_key="hotel-draft-key", project_type=hotel))
    db.session.commit()
    db.session.remove()
    os.unlink(spec)
    p = w.apply("--allow-delete")
    t.ok(p.returncode == 1 and "project type 'hotel' was removed from the specs but project "
         "'hotel-draft' (unmanaged: the marketplace application's) still uses it" in p.stderr,
         "removing a type the application's draft uses is refused, naming it",
         "exit %d: %s" % (p.returncode, p.stderr[-500:]))
    t.eq(rows(), (1, 1, 1, 1), "nothing was deleted")
    t.eq(w.db("SELECT t.code FROM marketplace_project p JOIN marketplace_project_type t "
              "ON t.id = p.project_type_id WHERE p.slug = 'hotel-draft'"), [("hotel",)],
         "the application's draft keeps its type")


if __name__ == "__main__":
    main()
