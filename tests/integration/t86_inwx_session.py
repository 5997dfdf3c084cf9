#!/usr/bin/python3
"""INWX sessions (issue 11, item 12, part): a session that ends (2500) with a call
that may have landed is never answered by a blind resend after the re-login. A
domain.create or domain.transfer that landed is looked up and adopted, never
ordered twice; a nameserver.createRecord that landed is looked up and adopted,
never sent twice. Prints TAP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

PLATFORM = vrsenv.PLATFORM_REGISTRAR


def project(slug, extra=""):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n%s"
            % (slug, slug, slug, extra))


def calls(w, method):
    return w.calls().get("inwx", {}).get(method, 0)


def world(files):
    specs = tempfile.mkdtemp(prefix="vrs-sess-")
    write_specs(specs, files)
    return World(specs, copy_specs=False, sim_args=("--domain-polls", "1"))


def order_lands():
    w = world({"platform.yaml": PLATFORM,
               "p/shop.yaml": project("shop", "  - domain: shop-neu.de\n    type: registered\n    max_price_cents: 1000\n")})
    w.faults([{"match": "domain.create", "kind": "inwx2500", "apply": True, "count": 1}])
    p = w.apply()
    t.ok(p.returncode in (0, 1), "apply runs (rc %d)" % p.returncode, p.stderr[-800:])
    t.eq(calls(w, "domain.create"), 1, "domain.create that landed with a 2500 answer is not resent")
    t.ok(calls(w, "account.login") >= 2, "the client logged in again")
    st = w.status()["shop"]
    t.ok(st["status"] in ("pending_domain", "active"), "the order is looked up and adopted: %s" % st["status"], st.get("error"))
    t.eq(w.db("SELECT inwx_domain_id IS NOT NULL FROM marketplace_project_domain WHERE domain='shop-neu.de'"), [(1,)],
         "its INWX id is recorded")
    w.faults([])
    for _ in range(3):
        w.apply()
        if w.status()["shop"]["status"] == "active":
            break
    t.eq(w.status()["shop"]["status"], "active", "and the project converges")
    t.eq(calls(w, "domain.create"), 1, "bought once")
    w.close()


def transfer_lands():
    w = world({"platform.yaml": PLATFORM,
               "p/move.yaml": project("move", "  - domain: move-me.de\n    type: transferred\n"
                                      "    auth_code: {from_env: MOVE_AUTH}\n")})
    w.env["MOVE_AUTH"] = "Xy7-transfer-CODE-4242"
    w.faults([{"match": "domain.transfer", "kind": "inwx2500", "apply": True, "count": 1}])
    p = w.apply()
    t.ok(p.returncode in (0, 1), "apply with a transfer runs (rc %d)" % p.returncode, p.stderr[-800:])
    t.eq(calls(w, "domain.transfer"), 1, "domain.transfer that landed with a 2500 answer is not resent")
    t.ok(calls(w, "account.login") >= 2, "the client logged in again")
    t.ok(calls(w, "domain.info") >= 1, "the transfer was looked up instead")
    t.eq(w.db("SELECT inwx_domain_id IS NOT NULL FROM marketplace_project_domain WHERE domain='move-me.de'"), [(1,)],
         "the transfer that landed is adopted: its INWX id is recorded")
    w.faults([])
    for _ in range(4):
        w.apply()
        if w.status()["move"]["status"] == "active":
            break
    t.eq(w.status()["move"]["status"], "active", "and the project converges")
    t.eq(calls(w, "domain.transfer"), 1, "transferred once")
    w.close()


def record_lands():
    w = world({"platform.yaml": PLATFORM, "p/rec.yaml": project("rec")})
    w.faults([{"match": "nameserver.createRecord", "kind": "inwx2500", "apply": True, "count": 1}])
    p = w.apply()
    t.ok(p.returncode == 0, "apply converges", p.stderr[-800:])
    t.eq(calls(w, "nameserver.createRecord"), 2, "two records, two createRecord calls: the one that landed is not resent")
    recs = w.records()
    t.ok(all(len(v) == 1 for v in recs.values()) and ("rec.vrs.gmbh", "A") in recs
         and ("www.rec.vrs.gmbh", "CNAME") in recs, "each record once", recs)
    t.eq(w.status()["rec"]["status"], "active", "the project is active")
    w.close()


order_lands()
transfer_lands()
record_lands()
sys.exit(t.done())
