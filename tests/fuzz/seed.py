#!/usr/bin/python3
"""tests/fuzz/seed.py — seed the fuzz corpora from real answers of the simulator.

Starts tests/sim/vrs_sim.py seeded from specs/, puts a small recording proxy in
front of its Coolify and INWX ports, and drives build/vrsctl through plan
--out, apply (a converge, then with faults on: 5xx, 429 with Retry-After,
INWX 2400, HTML and truncated bodies) and status. It saves:
  fuzz_coolify/  each answer body, its first byte the parser the client uses
                 for that endpoint (coolify_kind), or the error reader
  fuzz_inwx/     each JSON-RPC answer, its first byte the method's inwx_kind
  fuzz_headers/  each answer's header block as the client receives it
  fuzz_plan/     the saved plan files
  fuzz_dns/      answers of the simulator's DNS server to A/AAAA/NS/SOA/CNAME
into build/fuzz/seeds/<target>/, then merges them into the committed corpus
tests/fuzz/corpus/<target>/ with libFuzzer's -merge=1 when build/fuzz/<target>
exists (run tests/fuzz/run.sh once first), else copies them.
Usage: /usr/bin/python3 tests/fuzz/seed.py
"""

import hashlib
import http.client
import http.server
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import vrsenv  # noqa: E402

SEEDS = os.path.join(TOP, "build", "fuzz", "seeds")
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")

# coolify_calls.c's endpoint table: (method, path regex) -> enum coolify_kind
K = {n: i for i, n in enumerate(
    "TEXT SERVER SERVERS PROJECT PROJECTS ENVIRONMENT APP APPS ACK ENV ENVS "
    "DEPLOY_RESULT DEPLOYMENT DEPLOYMENTS APP_DEPLOYMENTS".split())}
FC_ERR = len(K)  # fuzz_coolify.c: the error reader
STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503]
COOLIFY = [
    ("GET", r"/version|/health", "TEXT"), ("GET", r"/servers", "SERVERS"),
    ("GET", r"/servers/[^/]+/destinations", "SERVERS"), ("GET", r"/servers/[^/]+", "SERVER"),
    ("GET", r"/projects", "PROJECTS"), ("GET", r"/projects/[^/]+", "PROJECT"),
    ("GET", r"/projects/[^/]+/[^/]+", "ENVIRONMENT"), ("GET", r"/applications", "APPS"),
    ("GET", r"/applications/[^/]+/envs", "ENVS"), ("PATCH", r"/applications/[^/]+/envs/bulk", "ENVS"),
    ("PATCH", r"/applications/[^/]+/envs", "ENV"), ("GET", r"/applications/[^/]+", "APP"),
    ("POST", r"/deploy", "DEPLOY_RESULT"), ("GET", r"/deployments", "DEPLOYMENTS"),
    ("GET", r"/deployments/applications/[^/]+", "APP_DEPLOYMENTS"),
    ("GET", r"/deployments/[^/]+", "DEPLOYMENT"),
]
INWX = {"account.info": 2, "account.logout": 1, "nameserver.list": 3, "nameserver.create": 5,
        "nameserver.info": 4, "nameserver.createRecord": 5, "nameserver.updateRecord": 1,
        "nameserver.deleteRecord": 1, "domain.check": 6, "domain.getPrices": 7,
        "domain.create": 8, "domain.transfer": 8, "domain.getRules": 12, "domain.info": 9,
        "domain.list": 10, "contact.list": 11, "account.login": 0}


def save(target, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def coolify_kind(method, path):
    path = re.sub(r"^/api/v1", "", path.split("?")[0])
    for m, rx, k in COOLIFY:
        if m == method and re.fullmatch(rx, path):
            return K[k]
    return K["ACK"]


def record(service, method, path, reqbody, status, headers, body):
    hdr = "HTTP/1.1 %d X\r\n" % status + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n"
    save("fuzz_headers", hdr.encode())
    if service == "coolify":
        if 200 <= status < 300:
            save("fuzz_coolify", bytes([coolify_kind(method, path)]) + body)
        else:
            i = STATUSES.index(status) if status in STATUSES else 7
            html = any(k.lower() == "content-type" and "html" in v for k, v in headers)
            save("fuzz_coolify", bytes([(FC_ERR + 32 * i) | (0x80 if html else 0)]) + body)
    else:
        try:
            meth = json.loads(reqbody or b"{}").get("method", "")
        except ValueError:
            meth = ""
        save("fuzz_inwx", bytes([INWX.get(meth, 0)]) + body)


def proxy(service, port):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def any(self):
            n = int(self.headers.get("Content-Length") or 0)
            req = self.rfile.read(n) if n else b""
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            try:
                c.request(self.command, self.path, body=req or None, headers=hdrs)
                r = c.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException):
                self.close_connection = True
                return  # a dropped or timed-out answer: pass the drop on
            finally:
                c.close()
            record(service, self.command, self.path, req, r.status, r.getheaders(), body)
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def dns_ask(port, name, qtype):
    q = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"
    q += struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(q, ("127.0.0.1", port))
        save("fuzz_dns", s.recvfrom(65535)[0])
    except OSError:
        pass
    finally:
        s.close()


def merge():
    for t in sorted(os.listdir(SEEDS)):
        keep, new, fz = os.path.join(CORPUS, t), os.path.join(SEEDS, t), os.path.join(TOP, "build", "fuzz", t)
        os.makedirs(keep, exist_ok=True)
        if os.access(fz, os.X_OK):
            subprocess.run([fz, "-merge=1", "-max_len=65536", keep, new],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        else:
            for f in os.listdir(new):
                shutil.copy(os.path.join(new, f), keep)
        print("%-13s %3d seeds, corpus %d files" % (t, len(os.listdir(new)), len(os.listdir(keep))))


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
    w = vrsenv.World(os.path.join(TOP, "specs"))
    pc, pi = proxy("coolify", w.sim.coolify_port), proxy("inwx", w.sim.inwx_port)
    w.env["VRS_COOLIFY_URL"] = "http://127.0.0.1:%d" % pc.server_address[1]
    w.env["VRS_INWX_URL"] = "http://127.0.0.1:%d/jsonrpc/" % pi.server_address[1]
    try:
        plan = os.path.join(w.dir, "p.json")
        w.run("plan", "--out", plan)
        if os.path.exists(plan):
            save("fuzz_plan", open(plan, "rb").read())
        w.apply()
        w.run("status")
        w.run("plan", "--out", plan)
        save("fuzz_plan", open(plan, "rb").read())
        # answers the client meets on a bad day
        w.faults([{"match": "GET /applications", "kind": "http503", "count": 1},
                  {"match": "GET /projects", "kind": "http429", "retry_after": 1, "count": 1},
                  {"match": "GET /servers", "kind": "html", "status": 502, "count": 1},
                  {"match": "GET /deployments*", "kind": "malformed", "count": 1},
                  {"match": "nameserver.info", "kind": "inwx2400", "count": 1},
                  {"match": "nameserver.list", "kind": "malformed", "count": 1}])
        w.apply()
        for (name, _t) in w.records():
            for qt in (1, 28, 5, 2, 6):
                dns_ask(w.sim.dns_port, name, qt)
        for zone in ("vrs.gmbh", "nowhere.invalid"):
            for qt in (2, 6, 1):
                dns_ask(w.sim.dns_port, zone, qt)
    finally:
        pc.shutdown()
        pi.shutdown()
        w.close()
    # a Retry-After as an HTTP date and Set-Cookie lines with attributes
    save("fuzz_headers", b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n"
         b"Content-Type: application/json\r\n\r\n")
    save("fuzz_headers", b"HTTP/1.1 200 OK\r\nSet-Cookie: domrobot=abc123; path=/; HttpOnly\r\n"
         b"Set-Cookie: lb=7; Max-Age=60\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: domrobot=def\r\n\r\n")
    merge()


if __name__ == "__main__":
    main()
