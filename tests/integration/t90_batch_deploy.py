#!/usr/bin/python3
"""Batched deploys (issue 11, items 9 and 5's batch part), against the
simulator's DeployController::by_uuids:

- the apps whose deploy becomes ready together go out in one
  POST /deploy?uuid=a,b,c (at most 20), one deployment per app;
- a batch that crosses a server's queue limit queues its first apps and
  answers 429: vrsctl reads the apps' deployments, keeps the ones queued,
  and sends only the others again after Retry-After — one deployment per app;
- a batch whose answer is lost (the deploys landed, the connection dropped)
  is not sent again blind: one deployment per app.
Prints TAP."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
MULTI = os.path.join(TOP, "examples", "multi-server")
NPROJ = 33


def show(p):
    if p.returncode:
        print("# " + (p.stdout + p.stderr)[-1500:].replace("\n", "\n# "))


def per_app(st):
    n = {}
    for d in st["coolify"]["deployments"]:
        n[d["application_name"]] = n.get(d["application_name"], 0) + 1
    return n


def one_each(w, p, what):
    t.eq(p.returncode, 0, what + ": the apply converges")
    show(p)
    t.eq({k: v["status"] for k, v in w.status().items() if v["status"] != "active"}, {},
         what + ": every project is active")
    n = per_app(w.sim_state())
    t.eq((len(n), sorted(set(n.values()))), (NPROJ, [1]),
         what + ": exactly one deployment per app, none doubled")


def batched():
    w = World(MULTI)
    try:
        p = w.apply()
        one_each(w, p, "batched")
        st = w.sim_state()
        b = st["meta"].get("deploy_batches", [])
        t.eq(sum(b), NPROJ, "every app was named in exactly one POST /deploy")
        t.ok(len(b) < NPROJ, "fewer POST /deploy calls than apps (%d for %d)" % (len(b), NPROJ), b)
        t.ok(max(b) > 1 and max(b) <= 20, "batches of several apps, at most 20", b)
        # the journal: one deploy row per project, each closed with its own deployment uuid
        rows = w.db("SELECT external_id FROM marketplace_provisioning_log WHERE action = 'deployment_started'")
        ids = [r[0] for r in rows]
        known = {d["deployment_uuid"] for d in st["coolify"]["deployments"]}
        t.eq((len(ids), len(set(ids)), set(ids) <= known), (NPROJ, NPROJ, True),
             "each project's log names its own deployment")
    finally:
        w.close()


def partial_429():
    # one build at a time, 3 queued per server: a batch for one server crosses the limit
    w = World(MULTI, sim_args=("--deploy-time", "1.5", "--deploy-retry-after", "1"))
    try:
        for srv in w.sim_state()["coolify"]["servers"]:
            w.patch({"op": "set_server", "uuid": srv["uuid"],
                     "fields": {"settings": {"deployment_queue_limit": 3, "concurrent_builds": 1}}})
        p = w.apply(timeout=300)
        one_each(w, p, "partial 429")
        st = w.sim_state()
        t.ok(st["meta"].get("deploy_queue_full", 0) >= 1, "batches did hit the queue limit",
             st["meta"].get("deploy_queue_full"))
        out = p.stdout + p.stderr
        t.ok("had queued deployment" in out,
             "the apps a 429'd batch had queued were found and kept, not sent again")
        t.ok("queue is full" in out, "apply says it waits for the queue")
    finally:
        w.close()


def lost_answer():
    # builds of 2 s: what the lost call queued is still queued or running when vrsctl reads
    w = World(MULTI, sim_args=("--deploy-time", "2"))
    try:
        # the first deploy lands at Coolify, its answer never arrives
        w.faults([{"match": "POST /deploy", "kind": "drop", "apply": True, "count": 1}])
        p = w.apply()
        one_each(w, p, "lost answer")
        t.ok("had queued deployment" in p.stdout + p.stderr,
             "the deploys of the lost answer were found at Coolify")
    finally:
        w.close()


def main():
    batched()
    partial_429()
    lost_answer()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
