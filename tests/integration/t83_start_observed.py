#!/usr/bin/python3
"""A start is observed (issue 11, item 13): POST /applications/{uuid}/start
only queues a deployment at Coolify, so the simulator answers it with the
app "starting" and running only once the deployment has run. vrsctl records
a resumed project active only after GET /applications/{uuid} shows it
running (the log row says what it saw); a start whose app stays exited
fails within --deploy-timeout, naming the status last seen.

Resends are spaced (issue 11, item 16): a start or a deploy answered 5xx is
sent again only after RESEND_FLOOR_MS (250 ms) plus the HTTP layer's
jittered backoff, seen in the simulator's call times. TAP."""

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import PLATFORM_DNS, Tap, World, write_specs  # noqa: E402

t = Tap()

PROJECT = """kind: Project
slug: roma
name: Roma
owner_email: info@roma.de
project_type: gastro
server: s1
%sapp:
  image: "ghcr.io/vrs/core:1.0"
"""


def set_lifecycle(w, lc):
    write_specs(w.specs, {"projects/roma.yaml": PROJECT % ("lifecycle: %s\n" % lc if lc else "")})


def sim_fidelity(w, uuid):
    c = w.sim.coolify()
    c.post("/applications/%s/stop" % uuid, {})
    t.ok(c.get("/applications/" + uuid).json["status"].startswith("exited"), "sim: a stopped app is exited")
    r = c.post("/applications/%s/start" % uuid, {})
    t.eq(r.status, 200, "sim: start accepted")
    t.eq(c.get("/applications/" + uuid).json["status"], "starting",
         "sim: right after the start the app is starting, not running")
    st = None
    for _ in range(50):
        st = c.get("/applications/" + uuid).json["status"]
        if st.startswith("running"):
            break
        time.sleep(0.1)
    t.eq(st, "running:healthy", "sim: once its deployment has run the app is running")


def start_rows(w):
    return w.db("SELECT l.action, l.message, l.new_status FROM marketplace_provisioning_log l "
                "JOIN marketplace_project p ON p.id = l.project_id WHERE p.slug = 'roma' "
                "AND l.action IN ('app_started', 'app_stopped') ORDER BY l.id")


FLOOR_S = 0.25


def gaps(w, key):
    ts = w.admin.get("/_sim/calls/times").json["coolify"].get(key, [])
    return [b - a for a, b in zip(ts, ts[1:])]


def resends_spaced(w):
    set_lifecycle(w, "suspended")
    p = w.apply()
    t.eq(w.status()["roma"]["status"], "suspended", "resend: suspended")
    w.faults([{"match": "POST /applications/{uuid}/start", "kind": "http500", "count": 2, "name": "roma"}])
    set_lifecycle(w, None)
    w.reset_calls()
    p = w.apply()
    t.ok(p.returncode == 0 and w.status()["roma"]["status"] == "active",
         "two 5xx answers to the start: resent, then active", p.stderr[-800:])
    # (start is idempotent: the HTTP layer's own jittered retries answer these two)
    t.eq(len(gaps(w, "POST /applications/{uuid}/start")), 2, "the start went out three times")

    write_specs(w.specs, {"projects/roma.yaml": (PROJECT % "").replace("core:1.0", "core:1.1")})
    w.faults([{"match": "POST /deploy", "kind": "http500", "count": 2}])
    w.reset_calls()
    p = w.apply()
    t.ok(p.returncode == 0, "two 5xx answers to the deploy: resent, converged", p.stderr[-800:])
    g = gaps(w, "POST /deploy")
    t.eq(len(g), 2, "the deploy went out three times")
    t.ok(all(x >= FLOOR_S for x in g), "each resend of the deploy came after the minimum backoff", g)

    # a create answered 5xx is looked up (not there) and sent again, later
    write_specs(w.specs, {"projects/luna.yaml": PROJECT.replace("roma", "luna").replace("Roma", "Luna") % ""})
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http500", "count": 2, "name": "luna"}])
    w.reset_calls()
    p = w.apply()
    t.ok(p.returncode == 0 and len(w.apps_by_name().get("luna", [])) == 1,
         "two 5xx answers to the app create: one app, converged", p.stderr[-800:])
    g = gaps(w, "POST /applications/dockerimage")
    t.eq(len(g), 2, "the create went out three times")
    t.ok(all(x >= FLOOR_S for x in g), "each resend of the create came after the minimum backoff", g)
    w.faults([])


def main():
    root = tempfile.mkdtemp(prefix="vrs-t83-")
    specs = os.path.join(root, "specs")
    write_specs(specs, {"platform.yaml": PLATFORM_DNS, "projects/roma.yaml": PROJECT % ""})
    w = World(specs, sim_args=("--deploy-time", "1.0"))
    try:
        p = w.apply()
        t.ok(p.returncode == 0, "fresh apply exits 0", p.stderr[-800:])
        uuid = w.apps_by_name()["roma"][0]["uuid"]
        sim_fidelity(w, uuid)

        set_lifecycle(w, "suspended")
        p = w.apply()
        t.eq((p.returncode, w.status()["roma"]["status"]), (0, "suspended"), "suspend: stopped, suspended")

        set_lifecycle(w, None)
        w.reset_calls()
        p = w.apply()
        t.ok(p.returncode == 0, "resume exits 0", p.stderr[-800:])
        t.eq(w.status()["roma"]["status"], "active", "resumed project is active")
        t.ok(w.apps_by_name()["roma"][0]["status"].startswith("running"), "its app runs")
        t.ok(w.calls()["coolify"].get("GET /applications/{uuid}", 0) >= 2,
             "the app was asked for after the start (it was starting first)", w.calls()["coolify"])
        rows = start_rows(w)
        t.ok(rows and rows[-1][0] == "app_started", "the last lifecycle row is app_started", rows)
        t.ok("observed running" in (rows[-1][1] or ""), "the row says the app was seen running", rows[-1])

        # a start that never gets the app running: not active, and the error says what was seen
        set_lifecycle(w, "suspended")
        p = w.apply()
        t.eq(w.status()["roma"]["status"], "suspended", "suspended again")
        w.faults([{"match": "*", "kind": "deploy_failed", "name": "roma"}])
        set_lifecycle(w, None)
        t0 = time.time()
        p = w.apply("--deploy-timeout", "3s")
        t.ok(p.returncode != 0, "a start whose app stays exited fails the apply", p.returncode)
        t.ok(time.time() - t0 >= 3, "it waited for the bound before failing")
        t.ok(w.status()["roma"]["status"] != "active", "the project is not recorded active",
             w.status()["roma"]["status"])
        out = p.stdout + p.stderr
        t.ok("did not reach running" in out and "exited:unhealthy" in out,
             "the error names the status last seen", out[-800:])
        t.ok(start_rows(w)[-1][0] == "app_stopped", "no app_started row for it", start_rows(w))
        # the fault gone, the next apply starts it and records it active
        w.faults([])
        p = w.apply()
        t.eq((p.returncode, w.status()["roma"]["status"]), (0, "active"), "the next apply converges")
        resends_spaced(w)
    finally:
        w.close()
        shutil.rmtree(root, ignore_errors=True)
    return t.done()


sys.exit(main())
