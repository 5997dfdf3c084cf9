#!/usr/bin/python3
"""The Coolify simulator against Coolify's own OpenAPI document (TAP).

Checks that every route the sim serves exists in the OpenAPI document with that method, that
the sim's answers use status codes the document lists, that every body field the document
marks required is required by the sim (422/400 when it is missing), and that the sim accepts
no body field the document does not define. Where the contract (coolify-api.md) records that
the code differs from the spec, the exception is listed in SPEC_NOT_CODE below and tested the
code's way.

The document is looked up at $TOP/../shared/contracts/coolify-openapi.json, then beside the
simulator (tests/sim/coolify-openapi.json, a committed copy for fresh clones).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(TOP, "tests", "sim"))
import simlib  # noqa: E402

t = simlib.Tap()

# spec≠code exceptions from contracts/coolify-api.md
SPEC_NOT_CODE = {
    # §4.2: the spec marks both required, the code needs at least one of them
    ("POST", "/applications/dockerimage"): {"either": ["environment_name", "environment_uuid"]},
    ("POST", "/applications/public"): {"either": ["environment_name", "environment_uuid"]},
    # §5: PATCH /envs identifies by key; value is nullable (not required)
    ("PATCH", "/applications/{uuid}/envs"): {"optional": ["value"]},
}
# §5: the env body fields the code accepts beyond the spec's list
ENV_EXTRA = {"is_runtime", "is_buildtime", "comment"}
# §4.5: fields the spec lists for PATCH but the code rejects with 422
PATCH_FORBIDDEN = {"project_uuid", "server_uuid", "environment_name", "environment_uuid",
                   "destination_uuid", "autogenerate_domain", "tags", "dockerfile"}
# §1: /health and /version answer text, not JSON


def find_spec():
    for p in (os.path.join(TOP, "..", "shared", "contracts", "coolify-openapi.json"),
              os.path.join(TOP, "tests", "sim", "coolify-openapi.json")):
        if os.path.exists(p):
            return p
    return None


def schema_of(op):
    rb = op.get("requestBody") or {}
    return ((rb.get("content") or {}).get("application/json") or {}).get("schema") or {}


def main():
    path = find_spec()
    if not t.ok(path is not None, "OpenAPI document found"):
        return
    spec = json.load(open(path))
    copy = os.path.join(TOP, "tests", "sim", "coolify-openapi.json")
    if os.path.exists(copy) and os.path.abspath(copy) != os.path.abspath(path):
        t.ok(json.load(open(copy)) == spec, "committed copy tests/sim/coolify-openapi.json equals the shared contract")
    sim = simlib.Sim("--seed", "5", "--deploy-time", "0", "--rate-limit", "0", "--quiet")
    try:
        run(sim, spec)
    finally:
        sim.stop()


def run(sim, spec):
    c = sim.coolify()
    routes = sim.admin().get("/_sim/routes").json
    missing = [(r["method"], r["path"]) for r in routes
               if r["method"].lower() not in spec["paths"].get(r["path"], {})]
    t.eq(missing, [], "every route the sim serves exists in the OpenAPI document (%d routes)" % len(routes))

    # fixtures
    server = c.get("/servers").json[0]["uuid"]
    project = c.post("/projects", {"name": "openapi"}).json["uuid"]
    n = [0]

    def uniq():
        n[0] += 1
        return "app-%d" % n[0]

    def dockerimage():
        return {"project_uuid": project, "server_uuid": server, "environment_name": "production",
                "environment_uuid": c.get("/projects/%s/production" % project).json["uuid"],
                "docker_registry_image_name": "nginx", "autogenerate_domain": False, "name": uniq()}

    def public():
        b = dockerimage()
        del b["docker_registry_image_name"]
        b.update({"git_repository": "https://github.com/acme/shop", "git_branch": "main", "build_pack": "nixpacks"})
        return b

    app = c.post("/applications/dockerimage", dockerimage()).json["uuid"]
    c.post("/applications/%s/envs" % app, {"key": "K", "value": "v"})
    bodies = {
        ("POST", "/projects"): lambda: {"name": "p-" + uniq()},
        ("POST", "/projects/{uuid}/environments"): lambda: {"name": "e-" + uniq()},
        ("POST", "/applications/dockerimage"): dockerimage,
        ("POST", "/applications/public"): public,
        ("POST", "/applications/{uuid}/envs"): lambda: {"key": "K_" + uniq().replace("-", "_"), "value": "1"},
        ("PATCH", "/applications/{uuid}/envs"): lambda: {"key": "K", "value": "w"},
        ("PATCH", "/applications/{uuid}/envs/bulk"): lambda: {"data": [{"key": "B", "value": "1"}]},
    }

    def url(path):
        return (path.replace("/projects/{uuid}", "/projects/" + project)
                .replace("{uuid}", app).replace("{server_uuid}", server))

    # required fields: the spec's are required by the sim too
    for (method, path), make in bodies.items():
        op = spec["paths"][path][method.lower()]
        required = schema_of(op).get("required", [])
        exc = SPEC_NOT_CODE.get((method, path), {})
        good = make()
        r = c.request(method, url(path), good)
        t.ok(r.status in (200, 201) and str(r.status) in op["responses"],
             "%s %s: a valid body -> %d (listed in the spec)" % (method, path, r.status), r)
        for f in required:
            body = make()
            body.pop(f, None)
            r = c.request(method, url(path), body)
            if f in exc.get("either", []):
                t.ok(r.status == 201, "%s %s: %s alone may be omitted [spec≠code]" % (method, path, f), r)
                continue
            if f in exc.get("optional", []):
                t.ok(r.status in (200, 201), "%s %s: %s is nullable/optional [spec≠code]" % (method, path, f), r)
                continue
            if not body:
                t.ok(r.status == 400 and r.json.get("error") == "Empty JSON.", "%s %s: without %s (empty body) -> 400" % (method, path, f), r)
                continue
            if path.endswith("/bulk"):
                t.ok(r.status == 400 and r.json == {"message": "Bulk data is required."}, "%s %s: without %s -> 400" % (method, path, f), r)
                continue
            t.ok(r.status == 422 and f in (r.json.get("errors") or {}), "%s %s: without %s -> 422" % (method, path, f), r)
        if "either" in exc:
            body = make()
            for f in exc["either"]:
                body.pop(f, None)
            r = c.request(method, url(path), body)
            t.ok(r.status == 422, "%s %s: without both %s -> 422" % (method, path, " / ".join(exc["either"])), r)

    # no field beyond the spec's (plus documented extras)
    by_route = {(r["method"], r["path"]): r for r in routes}
    for (method, path), extra in ((("POST", "/applications/dockerimage"), set()),
                                  (("POST", "/applications/public"), set()),
                                  (("PATCH", "/applications/{uuid}"), set()),
                                  (("POST", "/applications/{uuid}/envs"), ENV_EXTRA),
                                  (("PATCH", "/applications/{uuid}/envs"), ENV_EXTRA),
                                  (("POST", "/projects"), set()),
                                  (("POST", "/projects/{uuid}/environments"), set())):
        props = set(schema_of(spec["paths"][path][method.lower()]).get("properties", {}))
        allowed = set(by_route[(method, path)]["allowed"] or [])
        t.eq(sorted(allowed - props - extra), [], "%s %s: the sim accepts only fields the spec defines" % (method, path))
        if method == "PATCH" and path == "/applications/{uuid}":
            for f in sorted(PATCH_FORBIDDEN):
                r = c.patch("/applications/" + app, {f: "x"})
                t.ok(r.status == 422 and r.json["errors"].get(f) == ["This field is not allowed."],
                     "PATCH /applications/{uuid}: %s -> 422 not allowed%s" % (f, " [spec≠code]" if f in props else ""), r)

    # happy-path status of the other routes is one the spec lists
    env_uuid = c.get("/projects/%s/production" % project).json["uuid"]
    dep = c.post("/deploy?uuid=" + app).json["deployments"][0]["deployment_uuid"]
    env_var = c.get("/applications/%s/envs" % app).json[0]["uuid"]
    a2 = c.post("/applications/dockerimage", dockerimage()).json["uuid"]
    p2 = c.post("/projects", {"name": "deleteme"}).json["uuid"]
    c.post("/projects/%s/environments" % project, {"name": "gone"})
    calls = [("GET", "/health", "/health", None), ("GET", "/version", "/version", None), ("GET", "/team", "/team", None),
             ("GET", "/servers", "/servers", None), ("GET", "/servers/{uuid}", "/servers/" + server, None),
             ("GET", "/servers/{uuid}/resources", "/servers/%s/resources" % server, None),
             ("GET", "/servers/{uuid}/domains", "/servers/%s/domains" % server, None),
             ("POST", "/servers/{uuid}/validate", "/servers/%s/validate" % server, None),
             ("GET", "/servers/{server_uuid}/destinations", "/servers/%s/destinations" % server, None),
             ("GET", "/destinations", "/destinations", None), ("GET", "/projects", "/projects", None),
             ("GET", "/projects/{uuid}", "/projects/" + project, None),
             ("PATCH", "/projects/{uuid}", "/projects/" + project, {"description": "d"}),
             ("GET", "/projects/{uuid}/environments", "/projects/%s/environments" % project, None),
             ("GET", "/projects/{uuid}/{environment_name_or_uuid}", "/projects/%s/%s" % (project, env_uuid), None),
             ("PATCH", "/projects/{uuid}/environments/{environment_name_or_uuid}", "/projects/%s/environments/gone" % project, {"description": "x"}),
             ("DELETE", "/projects/{uuid}/environments/{environment_name_or_uuid}", "/projects/%s/environments/gone" % project, None),
             ("GET", "/applications", "/applications", None), ("GET", "/applications/{uuid}", "/applications/" + app, None),
             ("PATCH", "/applications/{uuid}", "/applications/" + app, {"description": "managed-by=vrsctl"}),
             ("GET", "/applications/{uuid}/envs", "/applications/%s/envs" % app, None),
             ("DELETE", "/applications/{uuid}/envs/{env_uuid}", "/applications/%s/envs/%s" % (app, env_var), None),
             ("POST", "/applications/{uuid}/stop", "/applications/%s/stop" % app, None),
             ("POST", "/applications/{uuid}/start", "/applications/%s/start" % app, None),
             ("POST", "/applications/{uuid}/restart", "/applications/%s/restart" % app, None),
             ("GET", "/deployments", "/deployments", None),
             ("GET", "/deployments/{uuid}", "/deployments/" + dep, None),
             ("GET", "/deployments/applications/{uuid}", "/deployments/applications/" + app, None),
             ("POST", "/deploy", "/deploy?uuid=" + app, None),
             ("DELETE", "/applications/{uuid}", "/applications/%s?delete_volumes=false&docker_cleanup=true" % a2, None),
             ("DELETE", "/projects/{uuid}", "/projects/" + p2, None)]
    for method, path, u, body in calls:
        op = spec["paths"][path][method.lower()]
        r = c.request(method, u, body)
        t.ok(r.status < 300 and str(r.status) in op["responses"], "%s %s -> %d (listed in the spec)" % (method, path, r.status), r)
    # cancel: needs an active deployment
    sim2 = simlib.Sim("--seed", "6", "--deploy-time", "30", "--quiet")
    try:
        c2 = sim2.coolify()
        p = c2.post("/projects", {"name": "cancel"}).json["uuid"]
        s = c2.get("/servers").json[0]["uuid"]
        a = c2.post("/applications/dockerimage", {"project_uuid": p, "server_uuid": s, "environment_name": "production",
                                                  "docker_registry_image_name": "nginx", "autogenerate_domain": False}).json["uuid"]
        d = c2.post("/deploy?uuid=" + a).json["deployments"][0]["deployment_uuid"]
        r = c2.post("/deployments/%s/cancel" % d)
        t.ok(r.status == 200 and "200" in spec["paths"]["/deployments/{uuid}/cancel"]["post"]["responses"],
             "POST /deployments/{uuid}/cancel -> 200 (listed in the spec)")
    finally:
        sim2.stop()
    # documented query parameters are accepted
    for path, method in (("/applications/{uuid}", "delete"), ("/deployments/applications/{uuid}", "get")):
        names = [p["name"] for p in spec["paths"][path][method].get("parameters", []) if p.get("in") == "query"]
        t.ok(len(names) > 0, "%s %s documents query parameters %s" % (method.upper(), path, ",".join(names)))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.ok(False, "test crashed: %s" % e)
    sys.exit(t.done())
