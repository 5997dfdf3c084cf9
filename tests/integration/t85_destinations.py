#!/usr/bin/python3
"""Servers with several Coolify destinations (issue 11, item 3): the simulator
answers 400 to an app create without destination_uuid on such a server, as
Coolify does; vrsctl reads GET /servers/{uuid}/destinations before a create,
uses the destination a Server spec names (by name or uuid), and with several
and none named fails only that server's projects with a clear error. TAP."""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

SERVERS = """kind: Server
name: fsn1-01
coolify_uuid: "rg8ks8c"
ip_address: 203.0.113.10
%s---
kind: Server
name: nbg1-01
coolify_uuid: "k3m9x2p"
ip_address: 198.51.100.20
destination: network-1
---
kind: BaseDomain
domain: vrs.gmbh
default: true
---
kind: ProjectType
code: gastro
name: Gastronomie
"""


def project(slug, server):
    return """kind: Project
slug: %s
name: %s
owner_email: info@%s.de
project_type: gastro
server: %s
app:
  image: "ghcr.io/vrs/core:1.0"
""" % (slug, slug.title(), slug, server)


def dest_id(w, server_uuid, key, value):
    return next(d["id"] for s in w.sim_state()["coolify"]["servers"] if s["uuid"] == server_uuid
                for d in s["destinations"] if d[key] == value)


def sim_fidelity(w):
    c = w.sim.coolify()
    dests = c.get("/servers/rg8ks8c/destinations").json
    t.eq(len(dests), 2, "sim: the server lists two destinations")
    p = c.post("/projects", {"name": "fidelity"}).json["uuid"]
    body = {"project_uuid": p, "server_uuid": "rg8ks8c", "environment_name": "production",
            "docker_registry_image_name": "ghcr.io/vrs/core", "ports_exposes": "8000",
            "autogenerate_domain": False, "name": "probe"}
    r = c.post("/applications/dockerimage", body)
    t.eq((r.status, r.json), (400, {"message": "Server has multiple destinations and you do not set destination_uuid."}),
         "sim: create without destination_uuid on such a server -> 400")
    r = c.post("/applications/dockerimage", dict(body, destination_uuid=dests[1]["uuid"]))
    t.eq(r.status, 201, "sim: create with destination_uuid -> 201")
    a = c.get("/applications/" + r.json["uuid"]).json
    t.eq(a["destination_id"], dest_id(w, "rg8ks8c", "uuid", dests[1]["uuid"]),
         "sim: the app is in the destination named")
    c.delete("/applications/" + r.json["uuid"])


def main():
    root = tempfile.mkdtemp(prefix="vrs-t85-")
    specs = os.path.join(root, "specs")
    write_specs(specs, {"servers.yaml": SERVERS % "",
                        "projects/roma.yaml": project("roma", "fsn1-01"),
                        "projects/luna.yaml": project("luna", "nbg1-01")})
    seed = {"coolify": {"servers": [
        {"uuid": "rg8ks8c", "name": "fsn1-01", "ip": "203.0.113.10", "destinations": 2},
        {"uuid": "k3m9x2p", "name": "nbg1-01", "ip": "198.51.100.20", "destinations": 2}]}}
    w = World(specs, copy_specs=False, seed_extra=seed)
    try:
        sim_fidelity(w)
        p = w.apply()
        out = p.stdout + p.stderr
        t.ok(p.returncode != 0, "apply exits non-zero while a server's destination is ambiguous", p.returncode)
        st = w.status()
        t.eq(st["luna"]["status"], "active", "a project on a server whose spec names its destination is active")
        t.eq(st["roma"]["status"], "error", "a project on a server with two destinations and none named is in error")
        t.ok("fsn1-01 has 2 Coolify destinations" in out and "destination:" in out,
             "the error names the server and says how to choose", out[-800:])
        t.ok("destinations" in (st["roma"].get("error") or ""), "the project's recorded error says why",
             st["roma"].get("error"))
        c = w.sim.coolify()
        nbg = {d["name"]: d for d in c.get("/servers/k3m9x2p/destinations").json}
        luna = w.apps_by_name()["luna"][0]
        t.eq(luna["destination_id"], dest_id(w, "k3m9x2p", "name", "network-1"),
             "the app is in the destination the spec names")
        t.ok("network-1" in nbg, "the named destination exists")
        t.eq(w.apps_by_name().get("roma", []), [], "no app was created on the ambiguous server")
        # the operator names one (by uuid this time): the project converges
        fsn = c.get("/servers/rg8ks8c/destinations").json
        write_specs(specs, {"servers.yaml": SERVERS % ("destination: %s\n" % fsn[0]["uuid"])})
        p = w.apply()
        t.eq(p.returncode, 0, "apply after naming the destination exits 0")
        t.eq(w.status()["roma"]["status"], "active", "the project converges")
        t.eq(w.apps_by_name()["roma"][0]["destination_id"], dest_id(w, "rg8ks8c", "uuid", fsn[0]["uuid"]),
             "the app is in the destination named by uuid")
        # a name the server does not have
        write_specs(specs, {"servers.yaml": SERVERS % "destination: nowhere\n",
                            "projects/sole.yaml": project("sole", "fsn1-01")})
        p = w.apply()
        out = p.stdout + p.stderr
        t.eq(w.status()["sole"]["status"], "error", "a destination the server lacks fails the project")
        t.ok("destination 'nowhere' not found" in out, "the error names the missing destination", out[-600:])
        t.ok(not any("Sanitizer" in o or "runtime error:" in o for o in w.outputs),
             "no sanitizer report in any run")
    finally:
        if t.failed:
            for o in w.outputs[-2:]:
                print("# " + o[-1500:].replace("\n", "\n# "))
        w.close()
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(t.done())


main()
