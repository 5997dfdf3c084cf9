#!/usr/bin/python3
"""What vrsctl sends to Coolify for an app (issue 11, items 4, 6 and 7): the
simulator behaves as Coolify does (health checks off unless enabled, the
health path rule, an image without curl/wget never healthy, bulk env flags'
defaults, every request string trimmed and "" made null, env values trimmed
on read), and vrsctl converges through it (health checks on at create and
patch, secrets runtime-only, multi-line values sent as such, a secret file's
final newline never an update, a secret Coolify would trim failing only its
project, named but not shown). Prints TAP."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

BASE = """kind: Server
name: fsn1-01
coolify_uuid: "rg8ks8c"
ip_address: 203.0.113.10
---
kind: BaseDomain
domain: vrs.gmbh
default: true
---
kind: ProjectType
code: gastro
name: Gastronomie
"""

ROMA = """kind: Project
slug: roma
name: Pizzeria Roma
owner_email: info@pizzeria-roma.de
project_type: gastro
app:
  image: "ghcr.io/vrs/core:1.0"
  health_path: /healthz
  env:
    GREETING: "Buongiorno\\nBuonasera"
    SMTP_PASSWORD: {from_env: ROMA_SMTP_PASSWORD}
"""

NOCURL = """kind: Project
slug: luna
name: Cafe Luna
owner_email: info@cafe-luna.de
project_type: gastro
app:
  image: "ghcr.io/vrs/distroless:1.0"
"""


def wait_deployment(c, du, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        d = c.get("/deployments/" + du).json
        if d.get("status") in ("finished", "failed", "cancelled-by-user"):
            return d["status"]
        time.sleep(0.1)
    return None


def sim_fidelity(w):
    c = w.sim.coolify()
    srv = c.get("/servers").json[0]["uuid"]
    p = c.post("/projects", {"name": "fidelity"}).json["uuid"]
    base = {"project_uuid": p, "server_uuid": srv, "environment_name": "production",
            "docker_registry_image_name": "ghcr.io/vrs/core", "docker_registry_image_tag": "1.0",
            "ports_exposes": "8000", "autogenerate_domain": False}

    r = c.post("/applications/dockerimage", dict(base, name="bad", health_check_path="/h?x=1"))
    t.ok(r.status == 422 and "health_check_path" in (r.json.get("errors") or {}),
         "sim: create with a health path outside the rule -> 422", r.json)
    r = c.post("/applications/dockerimage", dict(base, name="plain", health_check_path="/ok"))
    t.eq(r.status, 201, "sim: create with a valid health path -> 201")
    a = c.get("/applications/" + r.json["uuid"]).json
    t.eq((a.get("health_check_enabled"), a.get("health_check_path")), (False, "/ok"),
         "sim: a health path alone leaves checks off")
    r = c.patch("/applications/" + a["uuid"], {"health_check_path": "/a b"})
    t.ok(r.status == 422 and "health_check_path" in (r.json.get("errors") or {}),
         "sim: PATCH with a health path outside the rule -> 422", r.json)

    # an image without curl and wget: fine while checks are off, never healthy once on
    nb = dict(base, docker_registry_image_name="ghcr.io/vrs/distroless")
    off = c.post("/applications/dockerimage", dict(nb, name="nocurl-off")).json["uuid"]
    on = c.post("/applications/dockerimage", dict(nb, name="nocurl-on", health_check_enabled=True,
                                                 health_check_path="/health")).json["uuid"]
    d_off = c.post("/deploy", {"uuid": off}).json["deployments"][0]["deployment_uuid"]
    d_on = c.post("/deploy", {"uuid": on}).json["deployments"][0]["deployment_uuid"]
    t.eq(wait_deployment(c, d_off), "finished", "sim: an image without curl deploys with checks off")
    t.eq(wait_deployment(c, d_on), "failed", "sim: an image without curl fails once checks are on")
    t.ok(c.get("/applications/" + on).json["status"].endswith("unhealthy"),
         "sim: that app is not healthy")

    # bulk env flags: absent -> runtime and build-time (Coolify's defaults); given -> stored
    r = c.patch("/applications/%s/envs/bulk" % off, {"data": [
        {"key": "A", "value": "1"},
        {"key": "B", "value": "x\ny", "is_runtime": True, "is_buildtime": False, "is_multiline": True}]})
    t.eq(r.status, 201, "sim: bulk env -> 201")
    envs = {e["key"]: e for e in c.get("/applications/%s/envs" % off).json if not e["is_preview"]}
    t.eq((envs["A"]["is_runtime"], envs["A"]["is_buildtime"]), (True, True),
         "sim: a bulk item without flags is runtime and build-time")
    t.eq((envs["B"]["is_runtime"], envs["B"]["is_buildtime"], envs["B"]["is_multiline"]),
         (True, False, True), "sim: a bulk item's flags are stored")


def converge(w):
    p = w.apply()
    t.ok(p.returncode != 0, "apply exits non-zero while one image never gets healthy", p.returncode)
    st = w.status()
    t.eq(st["roma"]["status"], "active", "the project with a curl-capable image is active")
    t.eq(st["luna"]["status"], "error", "the project whose image lacks curl and wget is in error")
    apps = w.apps_by_name()
    a = apps["roma"][0]
    t.eq((a.get("health_check_enabled"), a.get("health_check_path")), (True, "/healthz"),
         "create sends health_check_enabled with the path")
    t.eq(apps["luna"][0].get("health_check_enabled"), True, "the default health path is enabled too")
    envs = {e["key"]: e for e in a["envs"] if not e["is_preview"]}
    for k in ("SMTP_PASSWORD", "VRS_API_KEY"):
        t.eq((envs[k]["is_runtime"], envs[k]["is_buildtime"]), (True, False),
             "secret %s is runtime-only" % k)
    t.eq(envs["GREETING"]["is_multiline"], True, "a multi-line value is sent as multi-line")
    t.eq(envs["GREETING"]["value"], "Buongiorno\nBuonasera", "the multi-line value arrives whole")
    t.eq(envs["VRS_PROJECT_SLUG"]["is_multiline"], False, "a one-line value is not multi-line")

    # a patch carries health_check_enabled too (someone turned checks off in the UI)
    w.patch({"op": "set_app", "name": "roma", "fields": {"health_check_enabled": False}})
    spec = os.path.join(w.specs, "projects", "roma.yaml")
    with open(spec) as f:
        text = f.read()
    with open(spec, "w") as f:
        f.write(text.replace("/healthz", "/ready"))
    w.apply()
    a = w.apps_by_name()["roma"][0]
    t.eq((a.get("health_check_enabled"), a.get("health_check_path")), (True, "/ready"),
         "a patch sends health_check_enabled with the path")
    t.eq(w.status()["roma"]["status"], "active", "the patched project is active again")


TRIM_BASE = BASE
TRIM_ROMA = """kind: Project
slug: roma
name: Pizzeria Roma
owner_email: info@pizzeria-roma.de
project_type: gastro
app:
  image: "ghcr.io/vrs/core:1.0"
  env:
    SMTP_PASSWORD: {from_file: %s}
"""
TRIM_LUNA = """kind: Project
slug: luna
name: Cafe Luna
owner_email: info@cafe-luna.de
project_type: gastro
app:
  image: "ghcr.io/vrs/core:1.0"
  env:
    API_TOKEN: {from_env: LUNA_API_TOKEN}
"""
PADDED = "  padded-Secret-77 "


def sim_trimming(w):
    c = w.sim.coolify()
    r = c.post("/projects", {"name": "trim-me", "description": "  spaced out \n"})
    p = c.get("/projects/" + r.json["uuid"]).json
    t.eq(p.get("description"), "spaced out", "sim: request strings are trimmed")
    r = c.post("/projects", {"name": "empty-desc", "description": "   "})
    t.eq(c.get("/projects/" + r.json["uuid"]).json.get("description"), None,
         "sim: a string that trims to \"\" becomes null")
    srv = c.get("/servers").json[0]["uuid"]
    a = c.post("/applications/dockerimage", {
        "project_uuid": r.json["uuid"], "server_uuid": srv, "environment_name": "production",
        "docker_registry_image_name": "ghcr.io/vrs/core", "ports_exposes": "8000",
        "autogenerate_domain": False, "name": "trim-app"}).json["uuid"]
    c.patch("/applications/%s/envs/bulk" % a, {"data": [{"key": "X", "value": " v\n"},
                                                       {"key": "M", "value": "a\n b"}]})
    app = next(x for x in w.sim_state()["coolify"]["applications"] if x["uuid"] == a)
    envs = {e["key"]: e for e in app["envs"] if not e["is_preview"]}
    t.eq(envs["X"]["value"], "v", "sim: env values are stored trimmed")
    t.eq(envs["M"]["value"], "a\n b", "sim: inner newlines and spaces are kept")


def trimming(root):
    secret = os.path.join(root, "smtp.secret")
    with open(secret, "w") as f:
        f.write("from-file-Secret-42\n")
    os.chmod(secret, 0o600)
    write_specs(root, {"base.yaml": TRIM_BASE, "projects/roma.yaml": TRIM_ROMA % secret,
                       "projects/luna.yaml": TRIM_LUNA})
    w = World(root, copy_specs=False)
    w.env["LUNA_API_TOKEN"] = PADDED
    try:
        sim_trimming(w)
        p = w.apply()
        t.ok(p.returncode != 0, "apply exits non-zero when a secret would be trimmed", p.returncode)
        st = w.status()
        t.eq(st["roma"]["status"], "active", "the project with a clean secret file is active")
        t.eq(st["luna"]["status"], "error", "the project whose secret Coolify would trim is in error")
        out = p.stdout + p.stderr
        t.ok("API_TOKEN" in out and "whitespace" in out, "the error names the variable", out[-800:])
        dump = out.encode()
        for suffix in ("", "-wal"):
            if os.path.exists(w.state + suffix):
                with open(w.state + suffix, "rb") as f:
                    dump += f.read()
        t.ok(PADDED.strip().encode() not in dump, "the secret's value is in no output and not in the state")
        roma = w.apps_by_name()["roma"][0]
        env = {e["key"]: e.get("value") for e in roma["envs"] if not e["is_preview"]}
        t.eq(env.get("SMTP_PASSWORD"), "from-file-Secret-42", "the file's value arrives without its newline")
        t.eq([a for a in w.apps_by_name().get("luna", []) for e in a["envs"] if e["key"] == "API_TOKEN"], [],
             "nothing of the refused secret reached Coolify")
        # fix the source; then a second apply writes nothing for roma
        w.env["LUNA_API_TOKEN"] = PADDED.strip()
        p = w.apply()
        t.eq(p.returncode, 0, "apply after fixing the secret exits 0")
        t.eq(w.status()["luna"]["status"], "active", "the fixed project converges")
        w.reset_calls()
        p = w.apply()
        t.eq(p.returncode, 0, "a further apply exits 0")
        t.eq(vrsenv.write_calls(w.calls()), 0, "a further apply writes nothing (the file's newline is no change)")
        t.ok(not any("Sanitizer" in o or "runtime error:" in o for o in w.outputs),
             "no sanitizer report in any run")
    finally:
        if t.failed:
            for o in w.outputs[-2:]:
                print("# " + o[-1500:].replace("\n", "\n# "))
        w.close()


def main():
    import tempfile
    root = tempfile.mkdtemp(prefix="vrs-t84-")
    write_specs(root, {"base.yaml": BASE, "projects/roma.yaml": ROMA, "projects/luna.yaml": NOCURL})
    w = World(root, sim_args=("--image-without-curl", "ghcr.io/vrs/distroless"))
    try:
        sim_fidelity(w)
        converge(w)
        t.ok(not any("Sanitizer" in o or "runtime error:" in o for o in w.outputs),
             "no sanitizer report in any run")
    finally:
        if t.failed:
            for o in w.outputs[-2:]:
                print("# " + o[-1500:].replace("\n", "\n# "))
        w.close()
    vrsenv.shutil.rmtree(root, ignore_errors=True)
    import tempfile as tf
    root = tf.mkdtemp(prefix="vrs-t84-")
    try:
        trimming(root)
    finally:
        vrsenv.shutil.rmtree(root, ignore_errors=True)
    sys.exit(t.done())


main()
