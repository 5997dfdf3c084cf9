"""Helpers for the apply/status/log integration tests: a simulator seeded from
a spec tree, a temp state, and vrsctl run with the simulator's credentials.

Standard library only (plus tests/sim/simlib.py and seed_from_specs.py).
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "sim"))

import simlib  # noqa: E402
import seed_from_specs  # noqa: E402

from simlib import Tap  # noqa: E402,F401

VRSCTL = os.environ.get("VRSCTL") or os.path.join(TOP, "build", "vrsctl")
SANITIZED = os.environ.get("VRS_SANITIZED") == "1"
SMTP_SECRET = "s3cr3t-smtp-Value-91"

# the platform half of small spec trees: one server, one base domain, one
# project type (PLATFORM_DNS), and a Registrar for purchases (PLATFORM_REGISTRAR)
PLATFORM_DNS = """kind: Server
name: s1
coolify_uuid: "srv1"
ip_address: 203.0.113.10
---
kind: BaseDomain
domain: vrs.gmbh
display_name: VRS
default: true
---
kind: ProjectType
code: gastro
name: Gastro
"""
PLATFORM_REGISTRAR = """kind: Server
name: s1
coolify_uuid: "srv1"
ip_address: 203.0.113.10
---
kind: BaseDomain
domain: vrs.gmbh
display_name: VRS
default: true
---
kind: ProjectType
code: gastro
name: Gastro
---
kind: Registrar
contacts: {registrant: "4711", admin: "4711", tech: "4711", billing: "4711"}
nameservers: [ns.inwx.de, ns2.inwx.de]
period: 1
renewal_mode: AUTORENEW
"""


def write_specs(root, files):
    """files: {relative path: yaml text}"""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


class World:
    """A simulator seeded from a spec tree, a state file, and vrsctl pointed at both."""

    def __init__(self, specs, sim_args=(), copy_specs=True, seed_specs=None, seed_extra=None):
        self.dir = tempfile.mkdtemp(prefix="vrs-it-")
        if copy_specs:
            self.specs = os.path.join(self.dir, "specs")
            shutil.copytree(specs, self.specs)
        else:
            self.specs = specs
        self.state = os.path.join(self.dir, "vrs.db")
        seed = os.path.join(self.dir, "seed.json")
        data = seed_from_specs.seed(seed_specs or self.specs)
        for svc, extra in (seed_extra or {}).items():
            data.setdefault(svc, {}).update(extra)
        with open(seed, "w") as f:
            json.dump(data, f)
        self.sim = simlib.Sim("--seed-file", seed, "--quiet", "--seed", "42",
                              "--deploy-time", "0.2", "--rate-limit", "0", *sim_args)
        self.admin = self.sim.admin()
        self.env = dict(os.environ)
        self.env.update({
            "VRS_COOLIFY_URL": "http://127.0.0.1:%d" % self.sim.coolify_port,
            "VRS_COOLIFY_TOKEN": simlib.TOKEN,
            "VRS_INWX_URL": "http://127.0.0.1:%d/jsonrpc/" % self.sim.inwx_port,
            "VRS_INWX_USER": "sim-user",
            "VRS_INWX_PASSWORD": "sim-password",
            # every DNS question (the DNS gate) goes to the simulator's DNS server
            "VRS_NAMESERVER": "127.0.0.1:%d" % self.sim.dns_port,
            "VRS_POLL_MS": "100",
            "VRS_COOLIFY_RATE": "60000",
            "VRS_TRIGGERED_BY": "ci@example.org",
            "NO_COLOR": "1",
            # test settings: every HTTPS probe goes to the sim's TLS side, trusting its CA
            "VRS_CONNECT_TO": "127.0.0.1:%d" % self.sim.https_port,
            "VRS_CA_FILE": self.sim.ca_file,
        })
        for i in range(100):
            self.env["KUNDE_%02d_SMTP_PASSWORD" % i] = SMTP_SECRET
        self.env["ROMA_SMTP_PASSWORD"] = SMTP_SECRET
        self.outputs = []

    def run(self, *args, timeout=300, env=None, stdin=subprocess.DEVNULL):
        cmd = [VRSCTL, "--specs", self.specs, "--state", self.state] + list(args)
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run(cmd, env=e, stdin=stdin, capture_output=True, text=True, timeout=timeout)
        self.outputs.append(p.stdout + p.stderr)
        return p

    def apply(self, *args, **kw):
        return self.run("apply", "--auto-approve", *args, **kw)

    def status(self):
        p = self.run("status", "--format", "json")
        if p.returncode != 0:
            raise AssertionError("status failed: " + p.stderr)
        return {x["slug"]: x for x in json.loads(p.stdout)["projects"]}

    def sim_state(self):
        return self.admin.get("/_sim/state").json

    def calls(self):
        return self.admin.get("/_sim/calls").json

    def reset_calls(self):
        self.admin.post("/_sim/calls/reset", {})

    def faults(self, rules):
        r = self.admin.post("/_sim/faults", {"rules": rules})
        assert r.status == 200, r

    def patch(self, *ops):
        r = self.admin.post("/_sim/state", {"ops": list(ops)})
        assert r.status == 200, r

    def db(self, sql, *args):
        con = sqlite3.connect(self.state)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def apps_by_name(self):
        out = {}
        for a in self.sim_state()["coolify"]["applications"]:
            out.setdefault(a["name"], []).append(a)
        return out

    def records(self):
        out = {}
        for z in self.sim_state()["inwx"]["zones"]:
            for r in z.get("records", []):
                if r["type"] in ("SOA", "NS"):
                    continue
                out.setdefault((r["name"], r["type"]), []).append(r)
        return out

    def close(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def write_calls(calls):
    """Coolify and INWX calls that change something."""
    n = 0
    for k, v in calls.get("coolify", {}).items():
        if not k.startswith("GET "):
            n += v
    for k, v in calls.get("inwx", {}).items():
        if k.split(".")[-1] not in ("info", "list", "login", "logout", "check", "getPrices",
                                     "getRules") and not k.startswith("account."):
            n += v
    return n
