#!/usr/bin/python3
"""sim_bench — requests/s of tests/sim/vrs_sim.py at latency 0 with N concurrent keep-alive clients.

  python3 tests/bench/sim_bench.py [--seconds S] [--clients 1,4,16] [--max-rps-check N]

Each client is a thread with one http.client keep-alive connection. Measured mixes:
Coolify GET /applications/{uuid} (read), Coolify PATCH /applications/{uuid} (write) and INWX
nameserver.info (JSON-RPC with a session cookie). Prints a table; with --max-rps-check N exits 1
if the best Coolify read rate is below N requests/s.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time

TOP = os.environ.get("TOP") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(TOP, "tests", "sim"))
import simlib  # noqa: E402


def worker(port, make, seconds, out, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        method, path, body, headers = make()
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status >= 300:
                errors.append(r.status)
            n += 1
        except (OSError, http.client.HTTPException) as e:
            errors.append(str(e))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()
    out.append(n)


def measure(port, make, clients, seconds):
    out, errors = [], []
    threads = [threading.Thread(target=worker, args=(port, make, seconds, out, errors)) for _ in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(out) / (time.time() - t0), len(errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--max-rps-check", type=float, default=0)
    args = ap.parse_args()
    sim = simlib.Sim("--rate-limit", "0", "--quiet")
    try:
        c = sim.coolify()
        s = c.get("/servers").json[0]["uuid"]
        p = c.post("/projects", {"name": "bench"}).json["uuid"]
        app = c.post("/applications/dockerimage", {"project_uuid": p, "server_uuid": s, "environment_name": "production",
                                                   "docker_registry_image_name": "nginx", "autogenerate_domain": False}).json["uuid"]
        auth = {"Authorization": "Bearer " + simlib.TOKEN, "Accept": "application/json"}
        wauth = dict(auth, **{"Content-Type": "application/json"})
        i = sim.inwx()
        i.call("account.login", user="sim-user", **{"pass": "sim-password"})
        i.call("nameserver.create", domain="bench.example", type="MASTER")
        for k in range(20):
            i.call("nameserver.createRecord", domain="bench.example", name="r%d" % k, type="A", content="192.0.2.%d" % (k + 1))
        ih = {"Content-Type": "application/json", "Cookie": i.cookie}
        ibody = json.dumps({"method": "nameserver.info", "params": {"domain": "bench.example"}}).encode()
        pbody = json.dumps({"description": "bench"}).encode()
        mixes = [
            ("coolify GET /applications/{uuid}", sim.coolify_port, lambda: ("GET", "/api/v1/applications/" + app, None, auth)),
            ("coolify PATCH /applications/{uuid}", sim.coolify_port, lambda: ("PATCH", "/api/v1/applications/" + app, pbody, wauth)),
            ("inwx nameserver.info (24 records)", sim.inwx_port, lambda: ("POST", "/jsonrpc/", ibody, ih)),
        ]
        clients = [int(x) for x in args.clients.split(",")]
        print("%-38s %s" % ("requests/s (latency 0, keep-alive)", "".join("%12s" % ("%d clients" % n) for n in clients)))
        best_read = 0.0
        for name, port, make in mixes:
            row = []
            for n in clients:
                rps, errs = measure(port, make, n, args.seconds)
                row.append("%12s" % ("%.0f%s" % (rps, "*" if errs else "")))
                if name.startswith("coolify GET"):
                    best_read = max(best_read, rps)
            print("%-38s %s" % (name, "".join(row)))
        print("(* = some requests failed)")
    finally:
        sim.stop()
    if args.max_rps_check and best_read < args.max_rps_check:
        print("sim_bench: best read rate %.0f < %.0f requests/s" % (best_read, args.max_rps_check), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
