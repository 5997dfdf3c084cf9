#!/usr/bin/python3
"""Adopt only Coolify projects vrsctl made (issue 11, item 8's leftover). GET /projects
lists the whole team and names are not unique: vrsctl creates `vrs-<slug>` with the
managed-by=vrsctl marker in its description, and after a create whose answer was lost, or
on crash recovery, adopts a same-named project only when marked; a stranger's unmarked
`vrs-<slug>` is an error naming it, until `vrsctl import` takes it over and marks it
(PATCH /projects/{uuid}). Prints TAP."""

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

PROJECT = ("kind: Project\nslug: kappa\nname: kappa\nowner_email: o@example.org\nproject_type: gastro\n"
           "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n")
MARKER = "managed-by=vrsctl"


def world():
    specs = tempfile.mkdtemp(prefix="vrs-pown-")
    write_specs(specs, {"platform.yaml": vrsenv.PLATFORM_DNS, "p/kappa.yaml": PROJECT})
    return World(specs, copy_specs=False)


def stranger(w, description=None):
    body = {"name": "vrs-kappa"}
    if description:
        body["description"] = description
    r = w.sim.coolify().post("/projects", body)
    assert r.status == 201, r
    return r.json["uuid"]


def named(w):
    return [p for p in w.sim_state()["coolify"]["projects"] if p["name"] == "vrs-kappa"]


def recorded(w):
    rows = w.db("SELECT coolify_project_uuid FROM marketplace_project WHERE slug='kappa'")
    return rows[0][0] if rows else None


def lost_answer():
    """The create landed, its answer was lost; a stranger's vrs-kappa was there first."""
    w = world()
    try:
        foreign = stranger(w, "the customer's own project")
        w.faults([{"match": "POST /projects", "kind": "http502", "apply": True, "count": 1}])
        p = w.apply()
        w.faults([])
        t.eq(p.returncode, 0, "lost create answer: apply converges")
        ours = [x for x in named(w) if x["uuid"] != foreign]
        t.eq(len(ours), 1, "the create landed once")
        t.ok(ours and MARKER in (ours[0].get("description") or ""), "vrsctl's project carries the marker", ours)
        t.ok(ours and recorded(w) == ours[0]["uuid"], "the project adopted is vrsctl's, not the stranger's",
             (recorded(w), foreign))
        f = [x for x in named(w) if x["uuid"] == foreign]
        t.ok(f and f[0].get("description") == "the customer's own project", "the stranger's project is untouched")
        t.eq([a["name"] for a in w.sim_state()["coolify"]["applications"] if a["project_uuid"] == foreign], [],
             "and nothing was created inside it")
    finally:
        w.close()


def not_landed_then_import():
    """The create did not land and only the stranger's vrs-kappa is listed: an error naming it."""
    w = world()
    try:
        foreign = stranger(w)
        w.faults([{"match": "POST /projects", "kind": "http502", "count": 1}])
        p = w.apply()
        w.faults([])
        t.ok(p.returncode != 0, "create that did not land beside an unmarked vrs-kappa: apply fails")
        st = w.status()["kappa"]
        t.ok(foreign in (st.get("error") or "") and "import" in (st.get("error") or ""),
             "the project's error names the unmarked project and the way out", st)
        t.eq(recorded(w), None, "the unmarked project is not adopted")
        t.eq(len(named(w)), 1, "and no second vrs-kappa was made")
        p = w.run("import", "kappa")
        t.eq(p.returncode, 0, "vrsctl import kappa exits 0")
        t.eq(recorded(w), foreign, "import takes the project over")
        t.ok(MARKER in (named(w)[0].get("description") or ""), "and marks it (PATCH /projects/{uuid})",
             named(w))
        p = w.apply()
        t.eq(p.returncode, 0, "apply after import converges")
        t.eq((len(named(w)), w.status()["kappa"]["status"]), (1, "active"),
             "inside the imported project, no new one")
    finally:
        w.close()


def crash_recovery():
    """kill -9 while a create that landed is held; a stranger's vrs-kappa is listed too."""
    w = world()
    try:
        foreign = stranger(w)
        w.faults([{"match": "POST /projects", "kind": "timeout", "seconds": 30, "apply": True, "count": 1}])
        cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve", "-q"]
        proc = subprocess.Popen(cmd, env=w.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.time()
        while time.time() - t0 < 30 and w.calls()["coolify"].get("POST /projects", 0) == 0:
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        w.faults([])
        t.eq(len(named(w)), 2, "the held create landed before the kill")
        p = w.apply()
        t.eq(p.returncode, 0, "the next apply converges")
        ours = [x for x in named(w) if x["uuid"] != foreign]
        t.ok(ours and recorded(w) == ours[0]["uuid"], "recovery adopts vrsctl's project, not the stranger's",
             (recorded(w), foreign))
        rows = w.db("SELECT result FROM vrs_journal WHERE resource='coolify_project' ORDER BY id")
        t.ok(rows and rows[0][0] == "adopted", "its journal row closed as adopted", rows)
        t.eq(len(named(w)), 2, "no third vrs-kappa was made")
    finally:
        w.close()


def main():
    for f in (lost_answer, not_landed_then_import, crash_recovery):
        try:
            f()
        except Exception as e:  # a crash is a failure, with a TAP line
            t.ok(False, "%s crashed: %r" % (f.__name__, e))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
