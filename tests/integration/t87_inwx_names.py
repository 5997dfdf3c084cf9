#!/usr/bin/python3
"""Names already in use at INWX (issue 11, item 11): before creating A/AAAA/www
records, vrsctl reads the zone once; an identical record is adopted without a
createRecord call, a foreign record at the name (an A where the www CNAME goes,
another A where the A goes) blocks only its project, named in the error, and is
left untouched; once the customer removes it, the next run converges. Prints TAP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

PLATFORM = vrsenv.PLATFORM_DNS


def project(slug):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n"
            % (slug, slug, slug))


def world(slugs):
    specs = tempfile.mkdtemp(prefix="vrs-names-")
    files = {"platform.yaml": PLATFORM}
    for s in slugs:
        files["p/%s.yaml" % s] = project(s)
    write_specs(specs, files)
    return World(specs, copy_specs=False)


def calls(w, method):
    return w.calls().get("inwx", {}).get(method, 0)


def add(w, name, typ, content):
    r = w.admin.post("/_sim/state", {"op": "add_record", "zone": "vrs.gmbh", "name": name, "type": typ,
                                     "content": content})
    assert r.status == 200, r
    return r.json["results"][0]["id"] if "results" in r.json else r.json.get("id")


def at(w, name, typ):
    return [r for r in w.records().get((name, typ), [])]


def identical():
    w = world(["beta"])
    seeded = add(w, "beta.vrs.gmbh", "A", "203.0.113.10")
    p = w.apply()
    t.eq(p.returncode, 0, "an identical pre-existing A record: apply converges")
    t.eq(w.status()["beta"]["status"], "active", "the project is active")
    t.eq(calls(w, "nameserver.createRecord"), 1, "one createRecord: the www CNAME only, not the A")
    t.eq(calls(w, "nameserver.info"), 1, "the zone was read once")
    recs = at(w, "beta.vrs.gmbh", "A")
    t.eq([r["id"] for r in recs], [seeded], "the zone still has one A record, the pre-existing one")
    row = w.db("SELECT json_extract(inwx_record_ids, '$.a') FROM marketplace_project_domain WHERE domain='beta.vrs.gmbh'")
    t.eq(row, [(int(seeded),)], "its id is recorded (an integer in the column, issue 13)")
    logs = w.db("SELECT action, message FROM marketplace_provisioning_log WHERE project_id="
                "(SELECT id FROM marketplace_project WHERE slug='beta') AND message LIKE 'beta.vrs.gmbh A %'")
    t.ok(any(a == "adopted" and "adopted, not created" in m for a, m in logs),
         "a log row says it was adopted, not created", logs)
    t.ok(not any(a == "dns_created" for a, m in logs), "and none says it was created", logs)
    p = w.apply("--refresh")
    t.ok(p.returncode == 0 and calls(w, "nameserver.createRecord") == 1 and len(at(w, "beta.vrs.gmbh", "A")) == 1,
         "the next run (with refresh) changes nothing", p.stdout[-600:] + p.stderr[-600:])
    w.close()


def conflicts():
    slugs = ["alpha", "gamma", "delta", "omega"]
    w = world(slugs)
    add(w, "www.alpha.vrs.gmbh", "A", "198.51.100.7")       # where alpha's www CNAME goes
    add(w, "gamma.vrs.gmbh", "A", "198.51.100.9")           # where gamma's A goes
    add(w, "delta.vrs.gmbh", "TXT", "v=spf1 -all")          # may stand beside an A
    add(w, "delta.vrs.gmbh", "MX", "mx.example.net")
    p = w.apply()
    t.eq(p.returncode, 1, "apply exits 1: two projects meet foreign records")
    st = w.status()
    t.eq(st["alpha"]["status"], "error", "a foreign www record: its project waits in error")
    err = st["alpha"]["error"] or ""
    t.ok("www.alpha.vrs.gmbh A 198.51.100.7" in err and "CNAME" in err,
         "the error names the existing record", err)
    t.eq(st["gamma"]["status"], "error", "a foreign A record of other content: error (no round-robin)")
    err = st["gamma"]["error"] or ""
    t.ok("gamma.vrs.gmbh A 198.51.100.9" in err and "round-robin" in err, "naming the record", err)
    t.eq(st["delta"]["status"], "active", "TXT and MX records at the name do not block an A record")
    t.eq(st["omega"]["status"], "active", "other projects converge")
    t.eq([r["content"] for r in at(w, "www.alpha.vrs.gmbh", "A")], ["198.51.100.7"], "the foreign www record is unchanged")
    t.eq(at(w, "www.alpha.vrs.gmbh", "CNAME"), [], "and no CNAME was put beside it")
    t.eq([r["content"] for r in at(w, "gamma.vrs.gmbh", "A")], ["198.51.100.9"], "no second A record at gamma")
    t.eq(calls(w, "nameserver.info"), 1, "one nameserver.info for the zone, shared by every create")

    # the customer removes the foreign www record: the next runs converge alpha; gamma still waits
    w.patch({"op": "delete_record", "zone": "vrs.gmbh", "name": "www.alpha.vrs.gmbh", "type": "A"})
    for _ in range(3):
        w.apply()
        if w.status()["alpha"]["status"] == "active":
            break
    st = w.status()
    t.eq(st["alpha"]["status"], "active", "after the foreign record is gone, alpha converges")
    t.eq([r["content"] for r in at(w, "www.alpha.vrs.gmbh", "CNAME")], ["alpha.vrs.gmbh"], "with its www CNAME")
    t.eq(st["gamma"]["status"], "error", "gamma still waits in error")
    t.eq([r["content"] for r in at(w, "gamma.vrs.gmbh", "A")], ["198.51.100.9"], "its foreign record still untouched")
    w.close()


identical()
conflicts()
sys.exit(t.done())
