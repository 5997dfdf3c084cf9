#!/usr/bin/python3
"""Drift: changes made behind vrsctl's back in the simulator are found by a refresh
(list calls only) and set back; objects vrsctl did not create are left alone;
--refresh=report changes nothing. And the refresh cost stays flat: for N converged
projects on 2 zones, one refresh is a handful of read calls. Prints TAP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World, write_calls, write_specs  # noqa: E402

t = Tap()


def read_calls(calls):
    n = 0
    for k, v in calls.get("coolify", {}).items():
        if k.startswith("GET "):
            n += v
    for k, v in calls.get("inwx", {}).items():
        if k in ("nameserver.info", "nameserver.list"):
            n += v
    return n


def drift():
    w = World(os.path.join(TOP, "specs"))
    p = w.apply()
    t.eq(p.returncode, 0, "specs/ converge")
    apps = w.apps_by_name()
    # behind vrsctl's back: delete one app, stop the other, change a record, delete a record,
    # and add objects vrsctl never created
    w.patch({"op": "delete_app", "name": "cafe-luna"},
            {"op": "set_app", "name": "pizzeria-roma", "fields": {"status": "exited:unhealthy"}},
            {"op": "set_record", "zone": "vrs.gmbh", "name": "roma.vrs.gmbh", "type": "A",
             "fields": {"content": "198.51.100.99"}},
            {"op": "delete_record", "zone": "pizzeria-roma.de", "name": "www.pizzeria-roma.de", "type": "CNAME"},
            {"op": "add_record", "zone": "vrs.gmbh", "name": "mail.vrs.gmbh", "type": "A", "content": "192.0.2.25"},
            {"op": "add_record", "zone": "pizzeria-roma.de", "name": "pizzeria-roma.de", "type": "MX",
             "content": "mx.example.net", "prio": 10})
    p = w.run("plan")
    t.ok("No changes" in p.stdout, "without --refresh the plan sees nothing (no remote call)", p.stdout[-300:])
    w.reset_calls()
    p = w.run("plan", "--refresh")
    t.eq(p.returncode, 0, "plan --refresh exits 0")
    out = p.stdout
    t.ok("drift: application deleted outside vrsctl" in out, "plan --refresh finds the deleted app", out[-2000:])
    t.ok("dns_record roma.vrs.gmbh/A" in out and "198.51.100.99" in out, "and the changed record")
    t.ok("www.pizzeria-roma.de/CNAME" in out, "and the deleted record")
    t.ok("start coolify_app pizzeria-roma" in out or "> start" in out or "coolify_app pizzeria-roma" in out,
         "and the stopped app")
    t.ok("mail.vrs.gmbh" not in out and "MX" not in out, "unmanaged records are not planned")
    t.ok(write_calls(w.calls()) == 0, "plan --refresh writes nothing", w.calls())
    t.ok(read_calls(w.calls()) <= 5, "plan --refresh reads with list calls only (%d)" % read_calls(w.calls()), w.calls())

    p = w.apply("--refresh=report")
    t.eq(p.returncode, 2, "apply --refresh=report exits 2 when there is drift")
    t.eq(len(w.apps_by_name().get("cafe-luna", [])), 0, "and repairs nothing")
    rows = w.db("SELECT action FROM marketplace_provisioning_log WHERE action = 'drift_detected'")
    t.ok(len(rows) >= 1, "report mode logs drift_detected")

    p = w.apply("--refresh")
    t.eq(p.returncode, 0, "apply --refresh heals")
    apps = w.apps_by_name()
    t.eq(len(apps.get("cafe-luna", [])), 1, "the deleted app is re-created")
    t.ok(apps["pizzeria-roma"][0]["status"].startswith("running"), "the stopped app runs again")
    recs = w.records()
    t.eq([r["content"] for r in recs[("roma.vrs.gmbh", "A")]], ["203.0.113.10"], "the changed record is set back")
    t.eq(len(recs.get(("www.pizzeria-roma.de", "CNAME"), [])), 1, "the deleted record is back")
    t.eq(len(recs.get(("mail.vrs.gmbh", "A"), [])), 1, "the unmanaged record is left alone")
    t.eq(len(recs.get(("pizzeria-roma.de", "MX"), [])), 1, "the unmanaged MX is left alone")
    st = w.status()
    t.eq({k: v["status"] for k, v in st.items()}, {"cafe-luna": "active", "pizzeria-roma": "active"},
         "both projects active")
    actions = {r[0] for r in w.db("SELECT action FROM marketplace_provisioning_log")}
    t.ok("drift_healed" in actions, "drift_healed is logged")
    p = w.apply("--refresh")
    t.ok(p.returncode == 0 and "No changes" in p.stdout, "a second refresh finds nothing", p.stdout[-500:])

    # a server Coolify reports unreachable is recorded offline: nothing new goes there
    w.patch({"op": "set_server", "uuid": "rg8ks8c", "fields": {"is_reachable": False}})
    p = w.apply("--refresh")
    t.eq(w.db("SELECT status FROM marketplace_server WHERE name = 'fsn1-01'"), [("offline",)],
         "an unreachable server is recorded offline")
    with open(os.path.join(w.specs, "projects", "neu.yaml"), "w") as f:
        f.write("kind: Project\nslug: neu\nname: Neu\nowner_email: n@example.org\nproject_type: gastro\n"
                "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: neu\n")
    p = w.run("plan")
    t.ok("no server with free capacity" in p.stdout or "no room" in p.stdout.lower() or "capacity" in p.stdout,
         "a new project is not placed on the offline server", p.stdout[-800:])
    w.patch({"op": "set_server", "uuid": "rg8ks8c", "fields": {"is_reachable": True}})
    p = w.apply("--refresh")
    t.eq(w.db("SELECT status FROM marketplace_server WHERE name = 'fsn1-01'"), [("active",)],
         "back online, it returns to its spec mode")
    t.eq(len(w.apps_by_name().get("neu", [])), 1, "and takes the new project")
    w.close()


def refresh_cost():
    # flat in N is what it shows (tests/bench measures 1,000 and more)
    n = 400 if not vrsenv.SANITIZED else 100
    specs = tempfile.mkdtemp(prefix="vrs-drift-specs-")
    files = {"platform.yaml": """kind: Server
name: s1
coolify_uuid: "srv1"
ip_address: 203.0.113.10
max_projects: 5000
---
kind: Server
name: s2
coolify_uuid: "srv2"
ip_address: 203.0.113.11
max_projects: 5000
---
kind: BaseDomain
domain: vrs.gmbh
display_name: VRS
default: true
---
kind: BaseDomain
domain: vrs-preview.de
display_name: Preview
---
kind: ProjectType
code: gastro
name: Gastro
"""}
    for i in range(n):
        files["p/%04d.yaml" % i] = """kind: Project
slug: k%04d
name: K %d
owner_email: k%d@example.org
project_type: gastro
app: {image: "ghcr.io/vrs-gmbh/vrs-core:1.4.2"}
domains:
  - subdomain: k%04d
  - subdomain: k%04d
    base: vrs-preview.de
""" % (i, i, i, i, i)
    write_specs(specs, files)
    w = World(specs, copy_specs=False)
    p = w.apply("-q", "--parallelism", "20", timeout=900)
    t.eq(p.returncode, 0, "%d projects on 2 zones converge" % n)
    w.reset_calls()
    p = w.run("plan", "--refresh", "--detailed-exitcode")
    t.eq(p.returncode, 0, "a refresh of %d converged projects finds no drift" % n)
    c = w.calls()
    t.ok(read_calls(c) <= 5, "one refresh of %d projects costs %d read calls (<= 5)" % (n, read_calls(c)), c)
    w.close()


def main():
    drift()
    refresh_cost()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
