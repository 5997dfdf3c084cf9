#!/usr/bin/python3
"""Coolify calls per new project (issue 15, item 3), against the simulator's
call log: an apply of the multi-server example's new projects costs

- one POST /projects, one POST /applications/dockerimage (into the project's
  `production` environment by environment_name: no GET of the environment
  first) and one PATCH …/envs/bulk per project;
- one GET /servers/{uuid}/destinations per server used, not per app;
- fewer POST /deploy than apps (batched) and one GET /deployments/{uuid} per
  deployment for its outcome;
- and the environment's uuid is still recorded: from that deployment's URL.

And the simulator is as strict as Coolify's ApplicationsController about
environment_name: an environment the project does not have is 404
"Environment not found.", the name is tried before the uuid.
Prints TAP."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
MULTI = os.path.join(TOP, "examples", "multi-server")


def sim_env_name(w):
    c = w.sim.coolify()
    st = w.sim_state()["coolify"]
    srv = st["servers"][0]["uuid"]
    p = c.post("/projects", {"name": "envcheck"}).json["uuid"]
    prod = c.get("/projects/%s/production" % p).json["uuid"]
    body = {"project_uuid": p, "server_uuid": srv, "docker_registry_image_name": "ghcr.io/acme/shop",
            "docker_registry_image_tag": "1", "ports_exposes": "3000", "autogenerate_domain": False}
    dests = c.get("/servers/%s/destinations" % srv).json
    if len(dests) > 1:
        body["destination_uuid"] = dests[0]["uuid"]
    r = c.post("/applications/dockerimage", dict(body, name="a1", environment_name="staging"))
    t.eq((r.status, r.json), (404, {"message": "Environment not found."}),
         "environment_name the project does not have -> 404")
    r = c.post("/applications/dockerimage", dict(body, name="a2", environment_name="staging",
                                                 environment_uuid=prod))
    t.eq(r.status, 201, "an unknown name with a known environment_uuid -> 201 (name tried first)")
    r = c.post("/applications/dockerimage", dict(body, name="a3", environment_name="production"))
    t.eq(r.status, 201, "environment_name production (made with every project) -> 201")


def main():
    w = World(MULTI)
    try:
        w.reset_calls()
        p = w.apply()
        t.eq(p.returncode, 0, "the apply converges")
        if p.returncode:
            print("# " + (p.stdout + p.stderr)[-1500:].replace("\n", "\n# "))
        st = w.sim_state()
        apps = [a for a in st["coolify"]["applications"]]
        n = len(apps)
        c = w.calls()["coolify"]
        t.ok(n > 20, "the example's projects were created (%d apps)" % n)
        for k in ("POST /projects", "POST /applications/dockerimage", "PATCH /applications/{uuid}/envs/bulk",
                  "GET /deployments/{uuid}"):
            t.eq(c.get(k, 0), n, "%s: one per project" % k)
        t.eq(c.get("GET /projects/{uuid}/{environment_name_or_uuid}", 0), 0,
             "no environment read: the app goes in by environment_name")
        servers = {a["server_uuid"] for a in apps}
        t.eq(c.get("GET /servers/{server_uuid}/destinations", 0), len(servers),
             "destinations read once per server used (%d servers)" % len(servers))
        # how many apps share a batch depends on when their creates were answered
        # (under ASan on a loaded machine fewer come ready together): fewer calls
        # than apps is what says that apps were deployed together
        t.ok(0 < c.get("POST /deploy", 0) < n, "deploys batched: %d POST /deploy for %d apps"
             % (c.get("POST /deploy", 0), n))
        # issue 12, item 2: the apps' health (running:healthy) is read in the batched list
        t.eq(c.get("GET /applications/{uuid}", 0), 0, "no per-app read: health comes from GET /applications")
        t.ok(c.get("GET /applications", 0) > 0, "the apps' health read in GET /applications (%d lists for %d "
             "apps: one per poll tick, not per app)" % (c.get("GET /applications", 0), n))
        # the environment uuid each project's state row holds is its app's, from the deployment URL
        rows = dict(w.db("SELECT coolify_app_uuid, coolify_environment_uuid FROM marketplace_project "
                         "WHERE coolify_app_uuid IS NOT NULL"))
        want = {a["uuid"]: a["environment_uuid"] for a in apps}
        t.eq(rows, want, "every project's environment uuid recorded, the one its app is in")
        sim_env_name(w)
    finally:
        w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
