#!/usr/bin/python3
"""Coolify's lifecycle as the real service runs it (issue 11, items 1, 2, 19 and
the deadlines of item 5), against the simulator with each behaviour on:

- app deletion is queued: archive with --allow-delete waits until the app is
  gone, then deletes the project; deletes send delete_volumes=false unless
  the spec says app.delete_volumes: true (the plan shows it); a wait
  that runs out leaves the project for the next run, not in error;
- GET /deployments answers an object keyed by row position during a
  33-project apply; a list that fails to parse still counts against the
  deployment's deadline;
- --deploy-timeout counts running time only (from leaving queued),
  --deploy-queue-timeout the time in queued;
- a full deploy queue (429 with Retry-After on POST /deploy) is waited out,
  not counted as a failed try, while the other deployments go on: polling
  continues and their ends are seen during the wait; the refused app is sent
  again only after Retry-After.
Prints TAP."""

import datetime
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World, write_specs  # noqa: E402

t = Tap()
MULTI = os.path.join(TOP, "examples", "multi-server")


def archive(w, slug, delete_volumes=False):
    path = os.path.join(w.specs, "projects", slug + ".yaml")
    with open(path) as f:
        s = f.read()
    s2 = re.sub(r"(bundle: [a-z-]+\n)", r"\1lifecycle: archived\n", s, count=1)
    if delete_volumes:
        s2 = s2.replace("app:\n", "app:\n  delete_volumes: true\n", 1)
    assert s2 != s, path
    with open(path, "w") as f:
        f.write(s2)


def show(p):
    if p.returncode:
        print("# " + (p.stdout + p.stderr)[-1500:].replace("\n", "\n# "))


def keyed_list_and_async_delete():
    w = World(MULTI)
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "33-project apply converges while GET /deployments answers keyed objects")
        show(p)
        t.eq({k: v["status"] for k, v in w.status().items() if v["status"] != "active"}, {},
             "every project is active")
        t.ok(w.sim_state()["meta"].get("keyed_deployment_lists", 0) > 0,
             "the simulator did answer GET /deployments with a keyed object",
             w.sim_state()["meta"].get("keyed_deployment_lists"))

        # archive under asynchronous deletion (the simulator's default --delete-time 1 s)
        archive(w, "kunde-11")
        w.apply()
        w.reset_calls()
        p = w.apply("--allow-delete")
        t.eq(p.returncode, 0, "archive with --allow-delete applies while the deletion is queued")
        show(p)
        st = w.sim_state()
        t.eq([a for a in st["coolify"]["applications"] if a["name"] == "kunde-11"], [],
             "the app is gone")
        t.ok("vrs-kunde-11" not in [pr["name"] for pr in st["coolify"]["projects"]],
             "and its Coolify project, deleted after the app had gone")
        t.eq(w.calls()["coolify"].get("DELETE /projects/{uuid}"), 1, "one project DELETE: it waited, not retried")
        t.ok(w.calls()["coolify"].get("GET /applications/{uuid}", 0) >= 1, "vrsctl polled the app until it was gone")
        dels = [d for d in st["meta"].get("app_deletions", [])]
        t.ok(dels and dels[-1]["query"].get("delete_volumes") == "false",
             "the app DELETE sends delete_volumes=false", dels[-1:] if dels else None)
        t.eq(w.status()["kunde-11"]["status"], "archived", "the project is archived, not in error")

        # a spec that asks for volume deletion: the plan says so, the DELETE sends it
        archive(w, "kunde-13", delete_volumes=True)
        w.apply()
        p = w.run("plan")
        seg = p.stdout.split("coolify_app kunde-13", 1)[-1].split("\n  - ", 1)[0]
        t.ok("volumes: deleted" in seg, "plan: the app's delete says its volumes go too", seg[:400])
        p = w.apply("--allow-delete")
        t.eq(p.returncode, 0, "archive with delete_volumes: true applies")
        show(p)
        dels = {d["name"]: d["query"] for d in w.sim_state()["meta"].get("app_deletions", [])}
        t.eq((dels.get("kunde-13", {}).get("delete_volumes"), dels.get("kunde-11", {}).get("delete_volumes")),
             ("true", "false"), "delete_volumes=true only for the app whose spec asks for it")
    finally:
        w.close()


def delete_wait_runs_out():
    w = World(MULTI, sim_args=("--delete-time", "60"))
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "converge (deletions take 60 s in this simulator)")
        archive(w, "kunde-12")
        p = w.apply("--allow-delete", env={"VRS_DELETE_WAIT_MS": "700"})
        t.eq(p.returncode, 0, "a deletion wait that runs out is not a failure")
        show(p)
        st = w.sim_state()
        t.ok("vrs-kunde-12" in [pr["name"] for pr in st["coolify"]["projects"]],
             "the Coolify project is left for the next run")
        row = w.status()["kunde-12"]
        t.ok(row["status"] != "error" and not row.get("error"), "the project is not in error", row)
        w.patch({"op": "finish_deletions"})
        p = w.apply("--allow-delete")
        t.eq(p.returncode, 0, "the next run")
        show(p)
        t.ok("vrs-kunde-12" not in [pr["name"] for pr in w.sim_state()["coolify"]["projects"]],
             "deletes the project once the app has gone")
        t.eq(w.status()["kunde-12"]["status"], "archived", "and it is archived")
    finally:
        w.close()


def unparsable_polls_count():
    w = World(MULTI)
    try:
        w.faults([{"match": "GET /deployments", "kind": "malformed"}])
        p = w.apply("--target", "project/kunde-01", "--deploy-queue-timeout", "1s", timeout=60)
        t.eq(p.returncode, 1, "every deployment poll unparsable: the deployment times out, apply fails")
        t.ok("deploy-queue-timeout" in p.stdout + p.stderr, "naming the deadline that ran out",
             (p.stdout + p.stderr)[-300:])
    finally:
        w.close()


def deadlines():
    # deployments: 2 s queued, then 4 s running
    w = World(MULTI, sim_args=("--deploy-time", "6"))
    try:
        p = w.apply("--target", "project/kunde-01", "--deploy-timeout", "5s", timeout=60)
        t.eq(p.returncode, 0, "--deploy-timeout 5s: 6 s in all, 4 s running -> finishes (queued time not counted)")
        show(p)
        t.eq(w.status()["kunde-01"]["status"], "active", "and the project is active")
        p = w.run("watch", "--help")
        t.ok(p.returncode == 0 and "--deploy-timeout" in p.stdout and "--deploy-queue-timeout" in p.stdout,
             "watch has --deploy-timeout and --deploy-queue-timeout", p.stdout[-500:])
        p = w.run("watch", "--once", "--deploy-queue-timeout", "0s")
        t.ok(p.returncode != 0 and "--deploy-queue-timeout" in p.stderr, "watch refuses a zero deadline",
             p.stderr[-300:])
        p = w.apply("--deploy-timeout", "0s")
        t.ok(p.returncode != 0 and "--deploy-timeout" in p.stderr, "a zero --deploy-timeout is refused", p.stderr[-300:])
        p = w.apply("--target", "project/kunde-02", "--deploy-timeout", "2s", timeout=60)
        t.eq(p.returncode, 1, "--deploy-timeout 2s: 4 s running -> times out")
        t.ok("deploy-timeout" in p.stdout + p.stderr, "naming --deploy-timeout", (p.stdout + p.stderr)[-300:])
        p = w.apply("--target", "project/kunde-03", "--deploy-queue-timeout", "1s", timeout=60)
        t.eq(p.returncode, 1, "--deploy-queue-timeout 1s: 2 s queued -> times out")
        t.ok("deploy-queue-timeout" in p.stdout + p.stderr, "naming --deploy-queue-timeout",
             (p.stdout + p.stderr)[-300:])
        deps = [d for d in w.sim_state()["coolify"]["deployments"] if d["application_name"] == "kunde-03"]
        t.eq([d["status"] for d in deps], ["cancelled-by-user"],
             "the deployment queued too long is cancelled at Coolify (it would run some day)")
    finally:
        w.close()


def queue_full():
    # one build at a time per server and one queued: most POST /deploy answer 429
    w = World(MULTI, sim_args=("--deploy-time", "0.4", "--deploy-retry-after", "1"))
    try:
        for srv in w.sim_state()["coolify"]["servers"]:
            w.patch({"op": "set_server", "uuid": srv["uuid"],
                     "fields": {"settings": {"deployment_queue_limit": 1, "concurrent_builds": 1}}})
        p = w.apply(timeout=240)
        t.eq(p.returncode, 0, "33-project apply through full deploy queues (429 + Retry-After) converges")
        show(p)
        t.eq({k: v["status"] for k, v in w.status().items() if v["status"] != "active"}, {},
             "every project is active")
        st = w.sim_state()
        t.ok(st["meta"].get("deploy_queue_full", 0) >= 5, "the queues were full many times",
             st["meta"].get("deploy_queue_full"))
        ok = [d for d in st["coolify"]["deployments"] if d["status"] == "finished"]
        t.eq(len(ok), 33, "one finished deployment per project: a 429 is not a failed try, nothing doubled")
        t.ok("queue is full" in p.stderr + p.stdout, "apply says it waits for the queue")
    finally:
        w.close()


QF_SPECS = """kind: Server
name: fsn1-01
coolify_uuid: "rg8ks8c"
ip_address: 203.0.113.10
---
kind: Server
name: nbg1-01
coolify_uuid: "k3m9x2p"
ip_address: 198.51.100.20
---
kind: BaseDomain
domain: vrs.gmbh
default: true
---
kind: ProjectType
code: gastro
name: Gastronomie
"""


def qf_project(slug, server):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: info@%s.de\nproject_type: gastro\n"
            "server: %s\napp:\n  image: \"ghcr.io/vrs/core:1.0\"\n" % (slug, slug.title(), slug, server))


def log_times(w, action):
    """unix seconds of the provisioning log's rows of that action"""
    out = []
    for (v,) in w.db("SELECT created_at FROM marketplace_provisioning_log WHERE action = ?", action):
        if isinstance(v, str):
            v = datetime.datetime.strptime(v[:26], "%Y-%m-%d %H:%M:%S.%f")
        out.append(v.replace(tzinfo=datetime.timezone.utc).timestamp())
    return out


def queue_full_others_go_on():
    # fsn1-01 runs one build and queues one: its second app in a batch is refused (429,
    # Retry-After 4 s); nbg1-01 takes everything. While vrsctl waits out the Retry-After,
    # it goes on polling, sees the other deployments finish, and resends only after it.
    RA = 4.0
    root = tempfile.mkdtemp(prefix="vrs-t81-")
    files = {"servers.yaml": QF_SPECS}
    for i in range(3):
        files["projects/f%d.yaml" % i] = qf_project("f%d" % i, "fsn1-01")
        files["projects/n%d.yaml" % i] = qf_project("n%d" % i, "nbg1-01")
    write_specs(root, files)
    w = World(root, copy_specs=False, sim_args=("--deploy-time", "1.5", "--deploy-retry-after", "%g" % RA))
    try:
        w.patch({"op": "set_server", "uuid": "rg8ks8c",
                 "fields": {"settings": {"deployment_queue_limit": 1, "concurrent_builds": 1}}})
        p = w.apply(timeout=240)
        t.eq(p.returncode, 0, "a 429 on one server's deploys: the apply converges")
        show(p)
        st = w.sim_state()
        n = {}
        for d in st["coolify"]["deployments"]:
            n[d["application_name"]] = n.get(d["application_name"], 0) + 1
        t.eq(n, {s: 1 for s in ("f0", "f1", "f2", "n0", "n1", "n2")}, "one deployment per app")
        dc = st["meta"].get("deploy_calls", [])
        first = next((c for c in dc if c["refused"]), None)
        t.ok(first is not None, "a POST /deploy was refused with 429 (queue full)", dc)
        if first is None:
            return
        t429 = first["at"]
        resend = next((c["at"] for c in dc if c["at"] > t429 and first["refused"] in c["names"]), None)
        t.ok(resend is not None and resend - t429 >= RA - 0.05,
             "the refused app is sent again only after Retry-After (%g s)" % RA,
             None if resend is None else "%.2f s later" % (resend - t429))
        if resend is None:
            return
        times = w.admin.get("/_sim/calls/times").json["coolify"]
        polls = [x for x in times.get("GET /deployments", []) if t429 < x < resend]
        t.ok(len(polls) >= 2, "deployment polling goes on during the wait (%d lists)" % len(polls))
        seen = [x for x in log_times(w, "deployment_completed") if t429 < x < resend]
        t.ok(seen, "other deployments are seen finishing during the wait",
             [round(x - t429, 2) for x in log_times(w, "deployment_completed")])
    finally:
        w.close()
        shutil.rmtree(root, ignore_errors=True)


def main():
    queue_full_others_go_on()
    keyed_list_and_async_delete()
    delete_wait_runs_out()
    unparsable_polls_count()
    deadlines()
    queue_full()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
