#!/usr/bin/python3
"""Fidelity test of the Coolify half of tests/sim/vrs_sim.py (TAP)."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."), "tests", "sim"))
import simlib  # noqa: E402

t = simlib.Tap()


def main():
    sim = simlib.Sim("--seed", "1", "--deploy-time", "0.3", "--quiet")
    try:
        run(sim)
        rate_limit()
        sensitive_and_state()
        fuzz_and_queue()
        build_queue()
        cli_checks()
    finally:
        sim.stop()


def run(sim):
    c = sim.coolify()
    adm = sim.admin()

    # meta
    r = c.get("/api/health", headers={"Authorization": ""})
    t.ok(r.status == 200 and r.raw == b"OK", "GET /api/health is OK without auth")
    t.ok("x-ratelimit-limit" in r.headers, "health carries X-RateLimit headers")
    r = c.get("/version")
    t.ok(r.status == 200 and r.raw == b"4.3.11" and r.headers["content-type"].startswith("text/html"), "GET /version bare string")
    t.ok(c.get("/team").json.get("name") is not None, "GET /team")
    r = simlib.Http(sim.coolify_port, "bad|token").get("/version")
    t.eq((r.status, r.json), (401, {"message": "Unauthenticated."}), "bad token -> 401 Unauthenticated.")
    r = simlib.Http(sim.coolify_port, None).get("/servers")
    t.eq(r.status, 401, "missing token -> 401")
    r = c.get("/nope/nothing")
    t.eq((r.status, r.json), (404, {"message": "Not found."}), "unknown route -> 404 JSON")
    r = c.get("/nope", headers={"Accept": "*/*"})
    t.ok(r.status == 404 and r.headers["content-type"].startswith("text/html"), "unknown route without Accept json -> HTML")
    t.ok("x-ratelimit-remaining" in r.headers, "X-RateLimit-Remaining on every response")

    # servers
    servers = c.get("/servers").json
    t.ok(isinstance(servers, list) and len(servers) == 1 and servers[0]["is_usable"] is True, "GET /servers lists the default server")
    s = servers[0]["uuid"]
    t.ok(len(s) == 24 and s.isalnum() and s == s.lower(), "uuids are 24 lowercase alphanumerics")
    r = c.get("/servers/" + s)
    t.ok(r.status == 200 and r.json["settings"]["is_reachable"] and "proxy" in r.json, "GET /servers/{uuid} with settings and proxy")
    t.eq(c.get("/servers/xxx").json, {"message": "Server not found."}, "unknown server -> 404 Server not found.")
    t.eq(c.get("/servers/%s/destinations" % s).status, 200, "GET /servers/{uuid}/destinations")
    t.eq(len(c.get("/destinations").json), 1, "GET /destinations")
    t.eq(c.post("/servers/%s/validate" % s, raw=b"", headers={"Content-Type": "application/json"}).status, 201, "POST /servers/{uuid}/validate -> 201")

    # body strictness
    r = c.post("/projects", raw=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq((r.status, r.json), (400, {"message": "Invalid request.", "error": "Content-Type must be application/json."}), "form body -> 400 Content-Type")
    r = c.post("/projects", raw=b"{nope", headers={"Content-Type": "application/json"})
    t.eq((r.status, r.json.get("error")), (400, "Invalid JSON."), "bad JSON -> 400 Invalid JSON.")
    r = c.post("/projects", {})
    t.eq((r.status, r.json.get("error")), (400, "Empty JSON."), "{} -> 400 Empty JSON.")
    r = c.post("/projects", {"name": "x1", "color": "red"})
    t.ok(r.status == 422 and r.json["errors"]["color"] == ["This field is not allowed."], "unknown project field -> 422", r)
    r = c.post("/projects", {"name": 7})
    t.ok(r.status == 422 and "name" in r.json["errors"], "wrong type -> 422 (no crash)", r)

    # projects / environments
    r = c.post("/projects", {"name": "vrs-shop", "description": "managed-by=vrsctl"})
    t.ok(r.status == 201 and len(r.json["uuid"]) == 24, "POST /projects -> 201 {uuid}")
    p = r.json["uuid"]
    pj = c.get("/projects/" + p).json
    t.ok([e["name"] for e in pj["environments"]] == ["production"], "new project has environment production")
    t.ok(any(x["uuid"] == p for x in c.get("/projects").json), "GET /projects lists it")
    r = c.patch("/projects/" + p, {"description": "managed-by=vrsctl v2"})
    t.ok(r.status == 201 and r.json["description"] == "managed-by=vrsctl v2", "PATCH /projects/{uuid} -> 201")
    r = c.post("/projects/%s/environments" % p, {"name": "staging"})
    t.eq(r.status, 201, "POST environments -> 201")
    r = c.post("/projects/%s/environments" % p, {"name": "staging"})
    t.eq((r.status, r.json), (409, {"message": "Environment with this name already exists."}), "duplicate environment -> 409")
    t.eq(sorted(e["name"] for e in c.get("/projects/%s/environments" % p).json), ["production", "staging"], "GET environments")
    t.eq(c.delete("/projects/%s/environments/staging" % p).status, 200, "DELETE empty environment")
    env = c.get("/projects/%s/production" % p).json
    t.ok(env["applications"] == [] and "services" in env, "GET /projects/{uuid}/production -> environment with applications[]")
    t.eq(c.get("/projects/%s/nope" % p).json, {"message": "Environment not found."}, "unknown environment -> 404")
    env_uuid = env["uuid"]

    # applications: create
    base = {"project_uuid": p, "server_uuid": s, "environment_name": "production",
            "docker_registry_image_name": "ghcr.io/acme/shop", "docker_registry_image_tag": "1.4.2",
            "ports_exposes": "3000", "name": "shop", "domains": "https://shop.example.com",
            "autogenerate_domain": False, "instant_deploy": False, "tags": ["vrs-shop"]}
    r = c.post("/applications/dockerimage", dict(base, fqdn="https://x.example.com"))
    t.ok(r.status == 422 and r.json["errors"] == {"fqdn": ["This field is not allowed."]}, "fqdn in create -> 422 not allowed", r)
    r = c.post("/applications/dockerimage", {k: v for k, v in base.items() if k != "project_uuid"})
    t.ok(r.status == 422 and "project_uuid" in r.json["errors"], "missing project_uuid -> 422", r)
    nb = {k: v for k, v in base.items() if k != "environment_name"}
    r = c.post("/applications/dockerimage", nb)
    t.ok(r.status == 422 and "environment_name" in r.json["errors"], "neither environment_name nor _uuid -> 422")
    r = c.post("/applications/dockerimage", dict(base, domains="shop.example.com"))
    t.ok(r.status == 422 and isinstance(r.json["errors"], list), "bare host domain -> 422 with errors array", r)
    r = c.post("/applications/dockerimage", dict(base, project_uuid="nope"))
    t.eq((r.status, r.json), (404, {"message": "Project not found."}), "unknown project -> 404")
    r = c.post("/applications/dockerimage", base)
    t.ok(r.status == 201 and r.json["domains"] == "https://shop.example.com", "POST /applications/dockerimage -> 201 {uuid,domains}", r)
    a = r.json["uuid"]
    r = c.post("/applications/dockerimage", dict(nb, environment_uuid=env_uuid, name="shop2"))
    t.ok(r.status == 409 and r.json["conflicts"][0]["resource_uuid"] == a and "warning" in r.json, "domain conflict -> 409 naming the owner", r)
    r = c.post("/applications/dockerimage", dict(nb, environment_uuid=env_uuid, name="internal", domains="",
                                                 autogenerate_domain=True, tags=[]))
    t.ok(r.status == 201 and "sslip.io" in (r.json["domains"] or ""), "autogenerate_domain -> sslip.io URL", r)
    a2 = r.json["uuid"]

    # list / get
    app = c.get("/applications/" + a).json
    t.ok(app["fqdn"] == "https://shop.example.com" and app["status"] == "exited:unhealthy"
         and app["build_pack"] == "dockerimage" and "project_uuid" not in app and "envs" not in app,
         "GET /applications/{uuid} has API fields only", app)
    t.eq(c.get("/applications/nope").json, {"message": "Application not found."}, "unknown app -> 404")
    t.eq([x["uuid"] for x in c.get("/applications?tag=vrs-shop").json], [a], "GET /applications?tag= filters")
    t.eq(len(c.get("/applications").json), 2, "GET /applications lists all")
    t.eq([x["name"] for x in c.get("/projects/%s/%s" % (p, env_uuid)).json["applications"]], ["shop", "internal"],
         "environment by uuid lists its applications")

    # patch
    r = c.patch("/applications/" + a, {"project_uuid": p})
    t.ok(r.status == 422 and r.json["errors"]["project_uuid"] == ["This field is not allowed."], "PATCH forbidden field -> 422")
    r = c.patch("/applications/" + a, {"docker_registry_image_name": "ghcr.io/acme/shop:1.2"})
    t.eq(r.status, 422, "PATCH image name with :tag -> 422")
    r = c.patch("/applications/" + a, {"docker_registry_image_tag": "1.4.3",
                                       "domains": "https://shop.example.com,https://www.shop.example.com"})
    t.eq((r.status, r.json), (200, {"uuid": a}), "PATCH -> 200 {uuid}")
    app = c.get("/applications/" + a).json
    t.ok(app["docker_registry_image_tag"] == "1.4.3" and app["fqdn"].endswith("www.shop.example.com"), "PATCH applied")
    c.patch("/applications/" + a, {"domains": ""})
    t.ok(c.get("/applications/" + a).json["fqdn"] != "", "PATCH domains \"\" is ignored (contract pitfall 4)")
    r = c.patch("/applications/" + a2, {"domains": "https://shop.example.com"})
    t.eq(r.status, 409, "PATCH to another app's domain -> 409")
    t.eq(c.patch("/applications/" + a, raw=b"", headers={"Content-Type": "application/json"}).status, 400, "PATCH empty body -> 400")

    # envs
    r = c.post("/applications/%s/envs" % a, {"key": "PORT", "value": "3000", "is_preview": False})
    t.ok(r.status == 201 and "uuid" in r.json, "POST envs -> 201")
    r = c.post("/applications/%s/envs" % a, {"key": "PORT", "value": "3001"})
    t.eq((r.status, r.json), (409, {"message": "Environment variable already exists. Use PATCH request to update it."}), "duplicate env -> 409")
    r = c.post("/applications/%s/envs" % a, {"key": "X", "value": "1", "is_build_time": True})
    t.ok(r.status == 422 and "is_build_time" in r.json["errors"], "is_build_time -> 422 not allowed")
    r = c.post("/applications/%s/envs" % a, {"key": "1BAD", "value": "1"})
    t.eq(r.status, 422, "bad env key -> 422")
    envs = c.get("/applications/%s/envs" % a).json
    t.eq([(e["key"], e["is_preview"]) for e in envs], [("PORT", False), ("PORT", True)], "preview twin: key listed twice, non-preview first")
    t.ok(all("value" not in e and "real_value" not in e for e in envs), "values omitted without read:sensitive")
    r = c.patch("/applications/%s/envs" % a, {"key": "PORT", "value": "4000"})
    t.ok(r.status == 201 and r.json["key"] == "PORT" and "value" not in r.json, "PATCH envs by key -> 201 masked object")
    r = c.patch("/applications/%s/envs" % a, {"key": "MISSING", "value": "1"})
    t.eq((r.status, r.json), (404, {"message": "Environment variable not found."}), "PATCH unknown key -> 404")
    r = c.patch("/applications/%s/envs/bulk" % a, {"data": [{"key": "A", "value": "1", "junk": 1}, {"key": "PORT", "value": "5000"}]})
    t.ok(r.status == 201 and [e["key"] for e in r.json] == ["A", "PORT"], "bulk upsert -> 201 array, unknown item fields dropped", r)
    r = c.patch("/applications/%s/envs/bulk" % a, {"nodata": 1})
    t.ok(r.status in (400, 422), "bulk without data -> error")
    r = c.patch("/applications/%s/envs/bulk" % a, {"data": [{"key": "B", "value": "2"}, {"key": "9x", "value": "2"}]})
    t.eq(r.status, 422, "bulk stops at the first bad item")
    state = adm.get("/_sim/state").json
    sa = next(x for x in state["coolify"]["applications"] if x["uuid"] == a)
    real = {(e["key"], e["is_preview"]): e["value"] for e in sa["envs"]}
    t.ok(real[("PORT", False)] == "5000" and real[("A", False)] == "1" and ("B", False) in real and ("PORT", True) in real,
         "admin state shows real env values; earlier bulk items kept", real)
    t.ok(sa["project_uuid"] == p and sa["server_uuid"] == s and sa["environment_uuid"] == env_uuid, "admin state has sim-only uuids")
    pv = next(e for e in envs if e["is_preview"])
    t.eq(c.delete("/applications/%s/envs/%s" % (a, pv["uuid"])).status, 200, "DELETE env by uuid")
    t.eq(c.delete("/applications/%s/envs/%s" % (a, pv["uuid"])).status, 404, "DELETE env again -> 404")

    # deployments
    t.eq(c.get("/applications/%s/start" % a).status, 405, "GET start -> 405")
    r = c.get("/deploy?uuid=" + a)
    t.ok(r.status == 405 and r.json == {"message": "This endpoint has changed to a POST request."} and r.headers.get("allow") == "POST",
         "GET /deploy -> 405 with Allow: POST")
    t.eq(c.post("/deploy").json, {"message": "You must provide uuid or tag."}, "deploy without uuid -> 400")
    t.eq(c.post("/deploy?uuid=nope").status, 404, "deploy unknown uuid -> 404 No resources found.")
    r = c.post("/deploy?uuid=" + a)
    d = r.json["deployments"][0]
    t.ok(r.status == 200 and d["resource_uuid"] == a and d["message"] == "Application shop deployment queued.", "POST /deploy -> deployment queued", r)
    dep = c.get("/deployments/" + d["deployment_uuid"]).json
    t.eq(dep["status"], "queued", "deployment starts queued")
    t.ok("logs" not in dep and dep["deployment_url"].endswith(d["deployment_uuid"]), "deployment object without logs (no read:sensitive)")
    r = c.post("/deploy", {"uuid": a})
    t.eq(r.json["deployments"][0]["message"], "Deployment already queued for this commit.", "second deploy (body) -> already queued")
    t.eq(c.get("/deployments/" + r.json["deployments"][0]["deployment_uuid"]).status, 404, "the skipped deploy's id does not exist")
    t.eq(c.post("/applications/%s/start" % a).json, {"message": "Deployment already queued for this commit."}, "start while queued -> no deployment_uuid")
    t.eq(c.get("/applications/" + a).json["status"], "running:unknown", "app running:unknown while deploying")
    t.ok(any(x["deployment_uuid"] == d["deployment_uuid"] for x in c.get("/deployments").json), "GET /deployments lists active")
    time.sleep(0.15)
    t.eq(c.get("/deployments/" + d["deployment_uuid"]).json["status"], "in_progress", "then in_progress")
    time.sleep(0.25)
    t.eq(c.get("/deployments/" + d["deployment_uuid"]).json["status"], "finished", "then finished")
    t.eq(c.get("/applications/" + a).json["status"], "running:healthy", "app running:healthy after deployment")
    t.eq(c.get("/deployments").json, [], "GET /deployments lists only active ones")
    r = c.get("/deployments/applications/%s?skip=0&take=10" % a).json
    t.ok(r["count"] == 1 and r["deployments"][0]["deployment_uuid"] == d["deployment_uuid"], "GET /deployments/applications/{uuid} -> {count,deployments}")
    r = c.post("/applications/%s/stop" % a)
    t.eq(r.json, {"message": "Application stopping request queued."}, "stop")
    t.eq(c.get("/applications/" + a).json["status"], "exited:unhealthy", "app exited:unhealthy after stop")
    r = c.post("/applications/%s/restart" % a)
    t.ok(r.json["message"] == "Restart request queued." and r.json["deployment_uuid"], "restart -> deployment_uuid")
    r2 = c.post("/deployments/%s/cancel" % r.json["deployment_uuid"])
    t.eq(r2.json["status"], "cancelled-by-user", "cancel deployment")
    t.eq(c.post("/deployments/%s/cancel" % r.json["deployment_uuid"]).status, 400, "cancel terminal -> 400")
    r = c.post("/applications/%s/start" % a)
    t.ok(r.json["message"] == "Deployment request queued." and r.json["deployment_uuid"], "start -> deployment_uuid")
    first = r.json["deployment_uuid"]
    lst = c.get("/deployments").json
    t.ok(isinstance(lst, list) and len(lst) == 1, "GET /deployments with one active: a list", lst)
    time.sleep(0.15)  # first is in_progress now (an updated row: behind the untouched ones)
    r = c.post("/deploy?uuid=%s&force=true" % a)
    t.eq(r.json["deployments"][0]["message"], "Application shop deployment queued.", "force=true always enqueues")
    second = r.json["deployments"][0]["deployment_uuid"]
    lst = c.get("/deployments").json
    t.ok(isinstance(lst, dict) and list(lst) == ["1", "0"] and lst["1"]["deployment_uuid"] == first
         and lst["0"]["deployment_uuid"] == second and lst["1"]["status"] == "in_progress",
         "GET /deployments: sortBy('id') without values() -> an object keyed by row position", lst)
    adm.post("/_sim/state", {"op": "finish_deployments"})
    t.eq(c.get("/applications/" + a).json["status"], "running:healthy", "admin finish_deployments")
    r = c.post("/deploy?tag=vrs-shop")
    t.eq(r.json["deployments"][0]["resource_uuid"], a, "deploy by tag")
    adm.post("/_sim/state", {"op": "finish_deployments"})

    # admin patches
    adm.post("/_sim/state", {"op": "set_app", "name": "shop", "fields": {"status": "exited:unhealthy"}})
    t.eq(c.get("/applications/" + a).json["status"], "exited:unhealthy", "admin set_app")
    adm.post("/_sim/state", {"op": "set_server", "uuid": s, "fields": {"is_reachable": False}})
    t.ok(c.get("/servers/" + s).json["settings"]["is_reachable"] is False, "admin set_server is_reachable=false")
    adm.post("/_sim/state", {"op": "set_server", "uuid": s, "fields": {"is_reachable": True}})
    r = adm.post("/_sim/state", {"op": "nope"})
    t.eq(r.status, 400, "admin unknown op -> 400")
    adm.post("/_sim/state", {"op": "delete_app", "name": "internal"})
    t.eq(c.get("/applications/" + a2).status, 404, "admin delete_app behind vrsctl's back")

    # delete
    t.eq(c.delete("/projects/" + p).json, {"message": "Project has resources, so it cannot be deleted."}, "delete non-empty project -> 400")
    t.eq(c.delete("/applications/%s?delete_volumes=false" % a).json, {"message": "Application deletion request queued."}, "DELETE app with flags")
    # the deletion is queued (DeleteResourceJob): the app stays for --delete-time (1 s)
    t.eq(c.get("/applications/" + a).status, 200, "a queued deletion: the app still answers")
    t.ok(any(x["uuid"] == a for x in c.get("/applications").json), "and is still listed")
    t.eq(c.delete("/projects/" + p).json, {"message": "Project has resources, so it cannot be deleted."},
         "its project meanwhile -> 400 has resources")
    t.eq(adm.get("/_sim/state").json["meta"]["app_deletions"][-1]["query"], {"delete_volumes": "false"},
         "the DELETE's query flags are recorded")
    time.sleep(1.2)
    t.eq(c.get("/applications/" + a).status, 404, "after the job ran the app is gone")
    t.eq(c.delete("/applications/" + a).status, 404, "deleted app -> 404")
    t.eq(c.delete("/projects/" + p).json, {"message": "Project deleted."}, "delete empty project")

    # calls
    calls = adm.get("/_sim/calls").json["coolify"]
    t.ok(calls.get("POST /applications/dockerimage", 0) >= 7 and calls.get("PATCH /applications/{uuid}", 0) >= 5
         and calls.get("DELETE /applications/{uuid}/envs/{env_uuid}") == 2, "calls counted by template", calls)
    adm.post("/_sim/calls/reset")
    t.eq(adm.get("/_sim/calls").json, {"coolify": {}, "inwx": {}}, "calls reset")

    faults(sim, c, adm, s)


def faults(sim, c, adm, s):
    p = c.post("/projects", {"name": "faults"}).json["uuid"]
    body = {"project_uuid": p, "server_uuid": s, "environment_name": "production",
            "docker_registry_image_name": "nginx", "ports_exposes": "80", "autogenerate_domain": False}
    adm.post("/_sim/faults", {"rules": [{"match": "POST /applications/dockerimage", "kind": "http500", "count": 2}]})
    st = [c.post("/applications/dockerimage", dict(body, name="f%d" % i)).status for i in range(3)]
    t.eq(st, [500, 500, 201], "fault count=2: next two calls fail, then success")
    t.eq(adm.get("/_sim/faults").json["rules"][0]["remaining"], 0, "GET /_sim/faults shows remaining")
    adm.post("/_sim/faults", {"rules": [{"match": "POST /applications/dockerimage", "kind": "http500", "name": "kunde-7"}]})
    st = [c.post("/applications/dockerimage", dict(body, name=n)).status for n in ("kunde-7", "kunde-8", "kunde-7")]
    t.eq(st, [500, 201, 500], "permanent name fault hits only kunde-7")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /applications/{uuid}", "kind": "http503", "name": "kunde-8"}]})
    u8 = next(x["uuid"] for x in c.get("/applications").json if x["name"] == "kunde-8")
    t.eq(c.get("/applications/" + u8).status, 503, "name fault resolves app uuid from the path")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "http429", "retry_after": 3, "count": 1}]})
    r = c.get("/servers")
    t.ok(r.status == 429 and r.headers.get("retry-after") == "3", "http429 fault with Retry-After")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "malformed", "count": 1}]})
    r = c.get("/servers")
    t.ok(r.status == 200 and r.json is None and r.raw.startswith(b"[{"), "malformed: truncated JSON")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "html", "count": 1}]})
    r = c.get("/servers")
    t.ok(r.headers["content-type"].startswith("text/html"), "html: wrong content type")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "huge", "bytes": 5000000, "count": 1}]})
    r = c.get("/servers")
    t.eq(len(r.raw), 5000000, "huge body")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "drop", "count": 1}]})
    c.close()
    try:
        c.conn = __import__("http.client").client.HTTPConnection("127.0.0.1", sim.coolify_port, timeout=5)
        c.conn.request("GET", "/api/v1/servers", headers={"Authorization": "Bearer " + simlib.TOKEN})
        c.conn.getresponse()
        dropped = False
    except Exception:
        dropped = True
    c.close()
    t.ok(dropped, "drop: connection closed without answer")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /servers", "kind": "timeout", "seconds": 0.5, "count": 1}]})
    t0 = time.time()
    try:
        conn = __import__("http.client").client.HTTPConnection("127.0.0.1", sim.coolify_port, timeout=5)
        conn.request("GET", "/api/v1/servers", headers={"Authorization": "Bearer " + simlib.TOKEN})
        conn.getresponse()
        to = False
    except Exception:
        to = True
    conn.close()
    t.ok(to and time.time() - t0 >= 0.45, "timeout: held then closed")
    adm.post("/_sim/faults", {"rules": [{"match": "*", "kind": "latency", "ms": 100, "jitter": 10}]})
    t0 = time.time()
    c.get("/version")
    t.ok(time.time() - t0 >= 0.08, "latency rule delays requests")
    adm.post("/_sim/faults", {"rules": [{"match": "POST /projects", "kind": "http502", "apply": True, "count": 1}]})
    n0 = len(c.get("/projects").json)
    r = c.post("/projects", {"name": "landed"})
    t.ok(r.status == 502 and len(c.get("/projects").json) == n0 + 1, "apply:true -> the write landed, answer lost")
    adm.post("/_sim/faults", {"rules": [{"match": "*", "kind": "deploy_failed", "name": "kunde-8"}]})
    d = c.post("/deploy?uuid=" + u8).json["deployments"][0]["deployment_uuid"]
    time.sleep(0.35)
    t.eq(c.get("/deployments/" + d).json["status"], "failed", "deploy_failed fault -> deployment failed")
    t.eq(c.get("/applications/" + u8).json["status"], "exited:unhealthy", "failed deployment -> exited:unhealthy")
    r = adm.post("/_sim/faults", {"rules": [{"kind": "bogus"}]})
    t.eq(r.status, 400, "bad fault JSON -> 400")
    adm.post("/_sim/faults", {"rules": [{"match": "GET /version", "kind": "http500", "rate": 0.5}]})
    seq1 = [c.get("/version").status for _ in range(20)]
    adm.post("/_sim/faults", {"rules": []})
    t.ok(0 < seq1.count(500) < 20, "rate=0.5 fails some calls", seq1)
    adm.post("/_sim/reset")
    t.eq(c.get("/applications").json, [], "POST /_sim/reset empties the state")
    t.eq(c.get("/servers").json[0]["uuid"], s, "reset keeps the seeded server uuid (same seed)")


def rate_limit():
    sim = simlib.Sim("--rate-limit", "5", "--quiet")
    try:
        c = sim.coolify()
        st = [c.get("/version") for _ in range(6)]
        t.eq([r.status for r in st], [200] * 5 + [429], "rate limit 5/min: sixth call -> 429")
        r = st[-1]
        t.ok(r.json == {"message": "Too Many Attempts."} and int(r.headers["retry-after"]) > 0
             and "x-ratelimit-reset" in r.headers and r.headers["x-ratelimit-remaining"] == "0", "429 body and headers")
        t.eq(st[2].headers["x-ratelimit-remaining"], "2", "X-RateLimit-Remaining counts down")
    finally:
        sim.stop()
    # Coolify keys the window by user (RouteServiceProvider ->by($request->user()?->id)):
    # two tokens of one user share it; another user's token has its own
    sim = simlib.Sim("--rate-limit", "4", "--coolify-token", "a", "--coolify-token", "b",
                     "--coolify-token", "c", "--token-user", "c:7", "--quiet")
    try:
        a, b, c = sim.coolify("a"), sim.coolify("b"), sim.coolify("c")
        st = [x.get("/version").status for x in (a, b, a, b, b, a)]
        t.eq(st, [200] * 4 + [429, 429], "rate limit per user: two tokens of one user share 4/min")
        t.eq([c.get("/version").status for _ in range(5)], [200] * 4 + [429],
             "another user's token has its own window")
    finally:
        sim.stop()


def sensitive_and_state():
    d = tempfile.mkdtemp()
    seed = {"coolify": {"servers": [{"name": "s1", "ip": "203.0.113.5", "destinations": 2},
                                    {"name": "s2", "ip": "203.0.113.6", "proxy": {"type": "none"}}]}}
    seedf, statef = os.path.join(d, "seed.json"), os.path.join(d, "state.json")
    with open(seedf, "w") as f:
        json.dump(seed, f)
    sim = simlib.Sim("--coolify-sensitive", "--seed-file", seedf, "--state-file", statef, "--quiet", "--deploy-time", "0")
    try:
        c = sim.coolify()
        servers = c.get("/servers").json
        t.eq([x["name"] for x in servers], ["s1", "s2"], "seed file servers")
        p = c.post("/projects", {"name": "sens"}).json["uuid"]
        body = {"project_uuid": p, "server_uuid": servers[0]["uuid"], "environment_name": "production",
                "docker_registry_image_name": "nginx", "name": "n1", "autogenerate_domain": False}
        r = c.post("/applications/dockerimage", body)
        t.eq(r.json, {"message": "Server has multiple destinations and you do not set destination_uuid."}, "multiple destinations -> 400")
        dest = c.get("/servers/%s/destinations" % servers[0]["uuid"]).json[1]["uuid"]
        r = c.post("/applications/dockerimage", dict(body, destination_uuid=dest, domains="https://d.example.com"))
        t.eq(r.status, 201, "create with destination_uuid")
        a = r.json["uuid"]
        r = c.post("/applications/dockerimage", dict(body, server_uuid=servers[1]["uuid"], name="n2", domains="https://d.example.com"))
        t.eq(r.status, 201, "no domain conflict check when the server proxy is none")
        c.post("/applications/%s/envs" % a, {"key": "SECRET", "value": "s3"})
        envs = c.get("/applications/%s/envs" % a).json
        t.ok(envs[0]["value"] == "s3" and envs[0]["real_value"] == "s3", "--coolify-sensitive returns values")
        r = c.post("/deploy?uuid=" + a).json["deployments"][0]["deployment_uuid"]
        t.eq(c.get("/deployments/" + r).json["status"], "finished", "--deploy-time 0 finishes at once")
        time.sleep(0.5)
        with open(statef) as f:
            live = json.load(f)
        t.eq(len(live["coolify"]["applications"]), 2, "state file saved shortly after mutations (sim still running)")
        adm = sim.admin()
        adm.post("/_sim/state", {"op": "set_server", "name": "s1", "fields": {"is_reachable": False}})
        r = c.post("/deploy?uuid=" + a).json["deployments"][0]["deployment_uuid"]
        t.eq(c.get("/deployments/" + r).json["status"], "failed", "deployment on an unreachable server fails")
        adm.post("/_sim/state", {"op": "set_server", "name": "s1", "fields": {"is_reachable": True}})
    finally:
        sim.stop()
    with open(statef) as f:
        saved = json.load(f)
    t.eq(len(saved["coolify"]["applications"]), 2, "state file saved at exit")
    sim = simlib.Sim("--seed-file", seedf, "--state-file", statef, "--quiet")
    try:
        t.eq(sorted(x["name"] for x in sim.coolify().get("/applications").json), ["n1", "n2"], "state file loaded at start")
        t.ok(all("value" not in e for e in sim.coolify().get("/applications/%s/envs" % a).json), "default token masks values")
    finally:
        sim.stop()


def fuzz_and_queue():
    """Wrong types in every body field of every write route: 4xx, never 500; deploy queue limit."""
    sim = simlib.Sim("--seed", "8", "--rate-limit", "0", "--deploy-time", "30", "--quiet")
    try:
        c, adm = sim.coolify(), sim.admin()
        s = c.get("/servers").json[0]["uuid"]
        p = c.post("/projects", {"name": "fuzz"}).json["uuid"]
        mk = {"project_uuid": p, "server_uuid": s, "environment_name": "production",
              "docker_registry_image_name": "nginx", "autogenerate_domain": False}
        a = c.post("/applications/dockerimage", dict(mk, name="fa")).json["uuid"]
        b = c.post("/applications/dockerimage", dict(mk, name="fb")).json["uuid"]
        routes = adm.get("/_sim/routes").json
        values = [None, [], {}, [1, {}], True, -1, 1e308, "", "x" * 3000, "\u0000\ud800", {"a": [None]}]
        bad = []
        for r in routes:
            if r["method"] not in ("POST", "PATCH"):
                continue
            url = r["path"].replace("{uuid}", a if "/applications" in r["path"] or "/deployments" in r["path"] else p)
            url = url.replace("{server_uuid}", s).replace("{environment_name_or_uuid}", "production")
            keys = sorted(set((r["allowed"] or [])[:40] + ["project_uuid", "key", "data", "name", "domains", "uuid", "tag"]))
            for k in keys:
                for v in values:
                    body = dict(mk, key="K", value="v", data=[{"key": "A", "value": "1"}], name="f-%d" % len(bad))
                    body[k] = v
                    res = c.request(r["method"], url, body)
                    if res.status >= 500 or res.json is None and r["path"] not in ("/health", "/version"):
                        bad.append((r["method"], r["path"], k, repr(v)[:20], res.status))
        t.eq(bad[:5], [], "fuzzed body fields on every write route -> 4xx/2xx, never 500 or non-JSON")
        t.eq(c.get("/version").status, 200, "sim alive after fuzzing")
        adm.post("/_sim/state", {"op": "set_server", "uuid": s, "fields": {"settings": {"deployment_queue_limit": 1}}})
        c.post("/deploy?uuid=%s&force=true" % a)
        r = c.post("/deploy?uuid=" + b)
        t.ok(r.status == 429 and r.headers.get("retry-after") == "60" and "queue is full" in r.json["message"],
             "deploy queue full -> 429 Retry-After 60", r)
    finally:
        sim.stop()


def build_queue():
    """Coolify's build queue: settings.concurrent_builds (2) per server, one per app; a full
    queue (deployment_queue_limit queued) answers 429 and a batch keeps what it queued before."""
    sim = simlib.Sim("--seed", "9", "--rate-limit", "0", "--deploy-time", "0.9", "--quiet")
    try:
        c, adm = sim.coolify(), sim.admin()
        s = c.get("/servers").json[0]["uuid"]
        p = c.post("/projects", {"name": "queue"}).json["uuid"]
        mk = {"project_uuid": p, "server_uuid": s, "environment_name": "production",
              "docker_registry_image_name": "nginx", "autogenerate_domain": False}
        apps = [c.post("/applications/dockerimage", dict(mk, name="q%d" % i)).json["uuid"] for i in range(3)]
        r = c.post("/deploy?uuid=" + ",".join(apps)).json["deployments"]
        deps = [x["deployment_uuid"] for x in r]
        time.sleep(0.45)
        st = [c.get("/deployments/" + d).json["status"] for d in deps]
        t.eq(st, ["in_progress", "in_progress", "queued"], "2 builds at a time per server: the third waits queued")
        time.sleep(0.5)
        st = [c.get("/deployments/" + d).json["status"] for d in deps]
        t.eq(st, ["finished", "finished", "in_progress"], "it starts when a build slot frees")
        adm.post("/_sim/state", {"op": "finish_deployments"})
        # by_uuids skips an unknown uuid of a batch silently: one item per known app
        r = c.post("/deploy?uuid=%s,nope0000&force=true" % apps[2])
        t.eq((r.status, [x["resource_uuid"] for x in r.json.get("deployments", [])]), (200, [apps[2]]),
             "a batch naming an unknown uuid deploys the known app and skips the other")
        adm.post("/_sim/state", {"op": "finish_deployments"})
        adm.post("/_sim/state", {"op": "set_server", "uuid": s,
                                 "fields": {"settings": {"deployment_queue_limit": 1, "concurrent_builds": 1}}})
        r = c.post("/deploy?uuid=%s,%s&force=true" % (apps[0], apps[1]))
        t.ok(r.status == 429 and "queue is full" in r.json["message"], "a batch that fills the queue -> 429", r)
        active = c.get("/deployments").json
        active = list(active.values()) if isinstance(active, dict) else active
        t.eq([d["application_name"] for d in active], ["q0"], "but the batch's first app was queued (partial batch)")
        t.ok(adm.get("/_sim/state").json["meta"].get("deploy_queue_full", 0) >= 1, "queue-full answers are counted")
    finally:
        sim.stop()


def cli_checks():
    r = subprocess.run([sys.executable, simlib.SIM, "--coolify", "0.0.0.0:0", "--quiet"], capture_output=True, text=True, timeout=10)
    t.ok(r.returncode != 0 and "loopback" in r.stderr, "non-loopback bind refused")
    f = simlib.Sim("--quiet", "--latency", "60", "--jitter", "5",
                   "--fault", '{"match":"GET /version","kind":"http503","count":1}',
                   "--fault", '{"rules":[{"match":"GET /team","kind":"http500"}]}')
    try:
        fc = f.coolify()
        t0 = time.time()
        st = [fc.get("/version").status, fc.get("/version").status, fc.get("/team").status]
        t.ok(st == [503, 200, 500] and time.time() - t0 >= 0.15, "--fault and --latency flags", st)
        f.admin().post("/_sim/faults", {"rules": []})
        f.admin().post("/_sim/reset")
        t.eq(len(f.admin().get("/_sim/faults").json["rules"]), 3, "/_sim/reset restores the flag faults")
    finally:
        f.stop()
    sim = simlib.Sim("--seed", "42", "--quiet")
    sim2 = simlib.Sim("--seed", "42", "--quiet")
    try:
        t.eq(sim.coolify().get("/servers").json[0]["uuid"], sim2.coolify().get("/servers").json[0]["uuid"], "--seed makes uuids reproducible")
        # robustness: garbage must not kill the server
        s = socket.create_connection(("127.0.0.1", sim.coolify_port))
        s.sendall(b"GARBAGE\r\n\r\n")
        s.recv(100)
        s.close()
        r = sim.coolify().post("/applications/dockerimage", raw=b"[1,2]", headers={"Content-Type": "application/json"})
        t.ok(r.status in (400, 422) and sim.coolify().get("/version").status == 200, "garbage input answered, server alive")
    finally:
        sim.stop()
        sim2.stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a crash is a failure, with a TAP line
        import traceback
        traceback.print_exc()
        t.ok(False, "test crashed: %s" % e)
    sys.exit(t.done())
