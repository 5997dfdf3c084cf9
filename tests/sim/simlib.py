"""Helpers for the simulator's fidelity tests: start/stop the sim, HTTP clients, TAP output.

Standard library only. Used by tests/integration/t10_sim_*.py and tests/bench/sim_bench.py.
"""

import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
SIM = os.environ.get("SIM") or os.path.join(TOP, "tests", "sim", "vrs_sim.py")
TOKEN = "sim-coolify-token"


class Tap:
    """Prints "ok N - what" / "not ok N - what"; exit status 1 on any failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, what))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, what))
            if detail is not None:
                for line in str(detail).splitlines()[:20]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, what, "got:  %r\nwant: %r" % (got, want))

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


def _on_term(signum, frame):
    sys.exit(128 + signum)   # runs the atexit handlers, so the sims are stopped


class Sim:
    """A running simulator process; stop() (also at exit, and on SIGTERM) kills it."""

    def __init__(self, *args, ready_timeout=10):
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_term)
        self.dir = tempfile.mkdtemp(prefix="vrs-sim-")
        self.ready = os.path.join(self.dir, "ready.json")
        self.log = open(os.path.join(self.dir, "sim.log"), "w+")
        cmd = [sys.executable, SIM, "--coolify", "127.0.0.1:0", "--inwx", "127.0.0.1:0",
               "--ready-file", self.ready] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        deadline = time.time() + ready_timeout
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise RuntimeError("sim did not start: %s" % self.log.read())
            time.sleep(0.02)
        with open(self.ready) as f:
            ports = json.load(f)
        self.coolify_port, self.inwx_port = ports["coolify"], ports["inwx"]
        self.dns_port = ports.get("dns_port")
        # the apps' HTTPS side (sim_https.py): where probes connect, and the CA to trust
        self.https_port, self.ca_file = ports.get("https_port"), ports.get("ca_file")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def coolify(self, token=TOKEN, timeout=10):
        return Http(self.coolify_port, token, timeout)

    def inwx(self, timeout=10):
        return Inwx(self.inwx_port, timeout)

    def admin(self):
        return Http(self.coolify_port, None)


class Response:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Http:
    """Keep-alive JSON client for one port."""

    def __init__(self, port, token=None, timeout=10):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None, raw=None, prefix="/api/v1"):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        if path.startswith("/_sim") or path.startswith("/api/health"):
            prefix = ""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, prefix + path, body=data, headers=h)
                r = self.conn.getresponse()
                out = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, out)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Inwx(Http):
    """DomRobot JSON-RPC client with a cookie jar."""

    def __init__(self, port, timeout=10):
        super().__init__(port, None, timeout)
        self.cookie = None

    def call(self, method, **params):
        h = {"Cookie": self.cookie} if self.cookie else {}
        r = self.request("POST", "/jsonrpc/", {"method": method, "params": params}, headers=h, prefix="")
        sc = r.headers.get("set-cookie")
        if sc:
            self.cookie = sc.split(";")[0]
        return r.json if r.json is not None else {"code": -1, "raw": r.raw, "status": r.status}


def totp(secret, t=None, step_offset=0):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((t or time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)
