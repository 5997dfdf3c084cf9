#!/usr/bin/python3
"""vrsctl import: apps and records that exist without a state (made before vrsctl,
or a lost state) are adopted; nothing remote is changed; the next apply creates no
duplicate. Prints TAP."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World, write_calls  # noqa: E402

t = Tap()


def main():
    w = World(os.path.join(TOP, "specs"))
    p = w.apply()
    t.eq(p.returncode, 0, "specs/ converge")
    apps_before = {k: v[0]["uuid"] for k, v in w.apps_by_name().items()}
    records_before = {k: v[0]["id"] for k, v in w.records().items()}
    # the state is lost; the world is still there
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(w.state + suffix):
            os.unlink(w.state + suffix)
    w.reset_calls()
    p = w.run("import")
    t.eq(p.returncode, 0, "import exits 0")
    t.ok("Imported 2 of 2 projects: 2 applications" in p.stdout, "and says what it adopted", p.stdout)
    t.eq(write_calls(w.calls()), 0, "import changes nothing remotely")
    rows = dict(w.db("SELECT slug, coolify_app_uuid FROM marketplace_project"))
    t.eq(rows, apps_before, "the apps' uuids are recorded")
    p = w.run("plan")
    t.ok("+ coolify_app" not in p.stdout and "+ dns_record" not in p.stdout and "+ coolify_project" not in p.stdout,
         "the plan creates no app, project or record again", p.stdout[-1500:])
    w.reset_calls()
    p = w.apply()
    t.eq(p.returncode, 0, "apply after import converges")
    c = w.calls()
    t.eq(c["coolify"].get("POST /applications/dockerimage", 0) + c["coolify"].get("POST /projects", 0), 0,
         "without creating an app or project")
    t.eq(c.get("inwx", {}).get("nameserver.createRecord", 0), 0, "or a record")
    t.eq({k: v[0]["uuid"] for k, v in w.apps_by_name().items()}, apps_before, "the same apps run")
    t.eq({k: [r["id"] for r in v] for k, v in w.records().items()},
         {k: [v] for k, v in records_before.items()}, "each record exists once, the same")
    t.eq({k: v["status"] for k, v in w.status().items()}, {"cafe-luna": "active", "pizzeria-roma": "active"},
         "both projects active")
    p = w.run("plan", "--detailed-exitcode")
    t.eq(p.returncode, 0, "and a second plan has nothing to do")
    p = w.run("import", "no-such-project")
    t.eq(p.returncode, 1, "importing an unknown slug is an error")
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
