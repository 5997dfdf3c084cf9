#!/usr/bin/python3
"""Adopt only what vrsctl made (issue 11, item 8). GET /applications lists the whole
team and names are not unique: a stranger's app named like a slug, in another Coolify
project, is never adopted after a create whose answer was lost, nor on crash recovery;
an unmarked app of that name inside vrs-<slug>/production is an error naming it, until
`vrsctl import` takes it over and marks it (PATCH of its description). Prints TAP."""

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
    specs = tempfile.mkdtemp(prefix="vrs-own-")
    write_specs(specs, {"platform.yaml": vrsenv.PLATFORM_DNS, "p/kappa.yaml": PROJECT})
    return World(specs, copy_specs=False)


def project_uuid(w, name):
    for p in w.sim_state()["coolify"]["projects"]:
        if p["name"] == name:
            return p["uuid"]
    return None


def add_app(w, project, name, description=None):
    """An app made through the API by someone else (no marker, no tag)."""
    c = w.sim.coolify()
    puuid = project_uuid(w, project)
    if puuid is None:
        r = c.post("/projects", {"name": project})
        assert r.status == 201, r
        puuid = r.json["uuid"]
    body = {"project_uuid": puuid, "server_uuid": "srv1", "environment_name": "production",
            "name": name, "docker_registry_image_name": "nginx", "docker_registry_image_tag": "1",
            "ports_exposes": "80", "autogenerate_domain": False, "instant_deploy": False}
    if description:
        body["description"] = description
    r = c.post("/applications/dockerimage", body)
    assert r.status == 201, r
    return r.json["uuid"]


def app(w, uuid):
    for a in w.sim_state()["coolify"]["applications"]:
        if a["uuid"] == uuid:
            return a
    return None


def recorded(w):
    rows = w.db("SELECT coolify_app_uuid FROM marketplace_project WHERE slug='kappa'")
    return rows[0][0] if rows else None


def apps_in(w, project):
    puuid = project_uuid(w, project)
    return [a for a in w.sim_state()["coolify"]["applications"]
            if a["name"] == "kappa" and a.get("project_uuid") == puuid]


def sim_lists():
    """The simulator as Coolify: GET /applications is team-wide with names not unique; the
    environment read lists that environment's apps only; tags are taken at create only."""
    w = world()
    a1 = add_app(w, "one", "kappa")
    a2 = add_app(w, "two", "kappa")
    c = w.sim.coolify()
    r = c.get("/applications")
    t.eq(sorted(a["uuid"] for a in r.json if a["name"] == "kappa"), sorted([a1, a2]),
         "sim: GET /applications lists both same-named apps of the team")
    t.ok(all("project_uuid" not in a and "environment_uuid" not in a for a in r.json),
         "sim: an app object names no project or environment uuid")
    r = c.get("/projects/%s/production" % project_uuid(w, "one"))
    t.eq([a["uuid"] for a in r.json.get("applications", [])], [a1],
         "sim: GET /projects/{uuid}/production lists that environment's apps only")
    r = c.patch("/applications/%s" % a1, {"tags": ["vrsctl"]})
    t.eq(r.status, 422, "sim: tags cannot be set by PATCH")
    w.close()


def lost_answer():
    """The create landed, its answer was lost; a stranger's `kappa` is in another project."""
    w = world()
    foreign = add_app(w, "other", "kappa", "the customer's own kappa")
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http502", "apply": True, "count": 1}])
    p = w.apply()
    w.faults([])
    t.eq(p.returncode, 0, "lost create answer: apply converges")
    ours = apps_in(w, "vrs-kappa")
    t.eq(len(ours), 1, "one app kappa in vrs-kappa (the create landed once)")
    t.ok(ours and recorded(w) == ours[0]["uuid"] and recorded(w) != foreign,
         "the app adopted is the one in vrs-kappa, not the stranger's", (recorded(w), foreign))
    t.ok(ours and MARKER in (ours[0].get("description") or "") and "vrsctl" in ours[0].get("tags", []),
         "vrsctl's app carries the marker and the vrsctl tag", ours)
    f = app(w, foreign)
    t.ok(f is not None and f.get("description") == "the customer's own kappa",
         "the stranger's app is untouched", f)
    w.close()

    w = world()
    foreign = add_app(w, "other", "kappa")
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http502", "count": 1}])
    p = w.apply()
    w.faults([])
    t.eq(p.returncode, 0, "create that did not land: apply converges")
    ours = apps_in(w, "vrs-kappa")
    t.ok(len(ours) == 1 and recorded(w) == ours[0]["uuid"] and recorded(w) != foreign,
         "the create is sent again instead of adopting the stranger's app", (ours, recorded(w), foreign))
    w.close()


def unmarked_inside_then_import():
    """An unmarked `kappa` inside vrs-kappa/production: an error naming it; import takes it over."""
    w = world()
    other = add_app(w, "other", "kappa")
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http", "status": 422, "count": 1}])
    p = w.apply()
    w.faults([])
    t.ok(p.returncode != 0 and project_uuid(w, "vrs-kappa"), "a refused app create leaves vrs-kappa alone", p.stderr)
    stranger = add_app(w, "vrs-kappa", "kappa")
    w.faults([{"match": "POST /applications/dockerimage", "kind": "http502", "count": 1}])
    p = w.apply()
    w.faults([])
    t.ok(p.returncode != 0, "unclear create beside an unmarked kappa in vrs-kappa: apply fails", p.stdout[-800:])
    st = w.status()["kappa"]
    t.ok(stranger in (st.get("error") or "") and "import" in (st.get("error") or ""),
         "the project's error names the unmarked app and the way out", st)
    t.eq(recorded(w), None, "the unmarked app is not adopted")
    t.eq(len(apps_in(w, "vrs-kappa")), 1, "and no second kappa was made beside it")
    w.reset_calls()
    p = w.run("import", "kappa")
    t.eq(p.returncode, 0, "vrsctl import kappa exits 0", )
    t.eq(recorded(w), stranger, "import takes over the app inside vrs-kappa, not the one elsewhere")
    a = app(w, stranger)
    t.ok(a and MARKER in (a.get("description") or ""), "and marks it", a)
    t.eq(w.calls()["coolify"].get("GET /applications", 0), 0, "import does not look at the team-wide list")
    t.ok(MARKER not in (app(w, other).get("description") or ""), "the app in another project is untouched")
    p = w.apply()
    t.eq(p.returncode, 0, "apply after import converges", )
    t.eq(len(apps_in(w, "vrs-kappa")), 1, "with the imported app, no new one")
    w.close()


def crash_recovery():
    """kill -9 while a create that landed is held; strangers' `kappa`s are in another project,
    one made before vrsctl's and one after (team-wide lists show both, in creation order)."""
    w = world()
    foreign = add_app(w, "other", "kappa")
    w.faults([{"match": "POST /applications/dockerimage", "kind": "timeout", "seconds": 30, "apply": True,
               "count": 1}])
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve", "-q"]
    proc = subprocess.Popen(cmd, env=w.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 30 and w.calls()["coolify"].get("POST /applications/dockerimage", 0) == 0:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    w.faults([])
    later = add_app(w, "other2", "kappa")
    ours = apps_in(w, "vrs-kappa")
    t.eq(len(ours), 1, "the held create landed before the kill")
    p = w.apply()
    t.eq(p.returncode, 0, "the next apply converges")
    t.ok(ours and recorded(w) == ours[0]["uuid"] and recorded(w) not in (foreign, later),
         "recovery adopts vrsctl's app in vrs-kappa, not a stranger's", (recorded(w), foreign, later))
    rows = w.db("SELECT result FROM vrs_journal WHERE resource='coolify_app' ORDER BY id")
    t.ok(rows and rows[0][0] == "adopted", "its journal row closed as adopted", rows)
    t.eq(len(apps_in(w, "vrs-kappa")), 1, "no second app was made")
    w.close()


def main():
    for f in (sim_lists, lost_answer, unmarked_inside_then_import, crash_recovery):
        try:
            f()
        except Exception as e:  # a crash is a failure, with a TAP line
            t.ok(False, "%s crashed: %r" % (f.__name__, e))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
