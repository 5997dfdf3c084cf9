#!/usr/bin/python3
"""Crash recovery of DNS records (issue 11, item 17): kill -9 while INWX holds the
answer to a createRecord that landed. The next run adopts the record when its
name, type and content are what the create sent; when the record at that name
now has other content (changed behind vrsctl's back, or a stranger's), it is
never adopted: the journal row closes as failed, the record is left as it is,
and the project waits in error naming it. Prints TAP."""

import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

PLATFORM = vrsenv.PLATFORM_DNS

PROJECT = ("kind: Project\nslug: kappa\nname: kappa\nowner_email: o@example.org\nproject_type: gastro\n"
           "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: kappa\n")


def calls(w, method):
    return w.calls().get("inwx", {}).get(method, 0)


def crashed_world():
    """A world whose first apply was killed while a createRecord's answer was held."""
    specs = tempfile.mkdtemp(prefix="vrs-dnsrec-")
    write_specs(specs, {"platform.yaml": PLATFORM, "p/kappa.yaml": PROJECT})
    w = World(specs, copy_specs=False)
    w.faults([{"match": "nameserver.createRecord", "kind": "timeout", "seconds": 30, "apply": True, "count": 1}])
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve", "-q"]
    proc = subprocess.Popen(cmd, env=w.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 30 and calls(w, "nameserver.createRecord") == 0:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    w.faults([])
    landed = [(n, ty) for (n, ty) in w.records() if n.endswith("kappa.vrs.gmbh")]
    return w, landed


def journal_rows(w):
    return w.db("SELECT key, result, completed_at IS NULL FROM vrs_journal WHERE resource='dns_record' ORDER BY id")


def same_content():
    w, landed = crashed_world()
    t.eq(len(landed), 1, "the held createRecord landed before the kill: %r" % landed)
    t.ok(any(open_ for _, _, open_ in journal_rows(w)), "its journal row is open", journal_rows(w))
    p = w.apply()
    t.eq(p.returncode, 0, "the next apply converges")
    t.eq(w.status()["kappa"]["status"], "active", "the project is active")
    key = "%s/%s" % landed[0]
    t.ok(any(k == key and r == "adopted" for k, r, _ in journal_rows(w)),
         "the record with the content the create sent is adopted", journal_rows(w))
    t.ok(all(len(v) == 1 for v in w.records().values()), "each record once", w.records())
    w.close()


def other_content():
    w, landed = crashed_world()
    t.eq(len(landed), 1, "the held createRecord landed before the kill: %r" % landed)
    name, typ = landed[0]
    other = "198.51.100.50" if typ == "A" else "elsewhere.example.net"
    w.patch({"op": "set_record", "zone": "vrs.gmbh", "name": name, "type": typ, "fields": {"content": other}})
    p = w.apply()
    t.eq(p.returncode, 1, "the next apply exits 1")
    key = "%s/%s" % (name, typ)
    rows = [(k, r) for k, r, _ in journal_rows(w) if k == key]
    t.ok(rows and all(r == "failed" for _, r in rows), "a record of other content is not adopted: the row closes failed", rows)
    t.eq(w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0], 0, "no journal row left open")
    st = w.status()["kappa"]
    t.eq(st["status"], "error", "the project waits in error")
    t.ok(other in (st["error"] or "") and name in (st["error"] or ""), "naming the record at the name", st["error"])
    t.eq([r["content"] for r in w.records()[(name, typ)]], [other], "which is left as it is")
    rid = w.db("SELECT inwx_record_ids FROM marketplace_project_domain WHERE domain='kappa.vrs.gmbh'")[0][0] or ""
    t.ok(w.records()[(name, typ)][0]["id"] not in rid, "and its id is not recorded", rid)
    w.close()


same_content()
other_content()
sys.exit(t.done())
