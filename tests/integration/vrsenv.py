"""Helpers for the apply/status/log integration tests: a simulator seeded from
a spec tree, a temp state, and vrsctl run with the simulator's credentials.

Standard library only (plus tests/sim/simlib.py and seed_from_specs.py).
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

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


# tests/pg.sh sets VRS_TEST_PG (a server with a role "vrs"); World then gives
# every test its own database on it, read back through psycopg2
PG_URL = os.environ.get("VRS_TEST_PG") or None
PG_SOCK = os.environ.get("VRS_TEST_PG_SOCK") or None
_pg_count = [0]


def _pg_connect(db, user="vrs"):
    import psycopg2
    import psycopg2.extensions
    import psycopg2.extras
    # values as the SQLite tests expect them: JSON and timestamps as text, on this
    # connection only (t96 loads the models through psycopg2 in the same process)
    con = psycopg2.connect(host=PG_SOCK, dbname=db, user=user)
    psycopg2.extras.register_default_json(con, loads=lambda v: v)
    psycopg2.extensions.register_type(
        psycopg2.extensions.new_type((1114,), "TS_TEXT", lambda v, c: v), con)
    return con


def pg_new_db():
    _pg_count[0] += 1
    name = "t%d_%d" % (os.getpid(), _pg_count[0])
    con = _pg_connect("postgres", "postgres")
    con.autocommit = True
    con.cursor().execute("CREATE DATABASE %s OWNER vrs" % name)
    con.close()
    return "postgresql:///%s?host=%s&user=vrs" % (name, PG_SOCK)


def pg_query(url, sql, args):
    """w.db on PostgreSQL: ? placeholders; PRAGMA integrity_check is SQLite's own"""
    if sql.strip().upper().startswith("PRAGMA INTEGRITY_CHECK"):
        return [("ok",)]
    db = url.split("///", 1)[1].split("?", 1)[0]
    con = _pg_connect(db)
    try:
        cur = con.cursor()
        cur.execute(sql.replace("%", "%%").replace("?", "%s"), args)
        rows = cur.fetchall() if cur.description else []
        con.commit()
        return rows
    finally:
        con.close()


def json_log_events(path):
    """the events of a `--log-format json` log file; a line that is not JSON (a
    sanitizer report, a crash) is kept as {"event": "raw", "message": line}"""
    out = []
    with open(path) as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": "raw", "message": line.rstrip("\n")})
    return out


class JsonWatch:
    """a `vrsctl --log-format json watch` of a World, its log in the World's
    directory: events, waiting for them, quiet, and SIGTERM"""

    def __init__(self, w, args, env=None):
        self.w = w
        self.logpath = os.path.join(w.dir, "watch-%d.log" % time.time_ns())
        self.log = open(self.logpath, "w+")
        cmd = [VRSCTL, "--specs", w.specs, "--state", w.state, "--log-format", "json",
               "watch"] + list(args)
        self.p = subprocess.Popen(cmd, env=env or w.env, stdout=self.log, stderr=subprocess.STDOUT)

    def events(self, name=None):
        self.log.flush()
        return [e for e in json_log_events(self.logpath) if name is None or e.get("event") == name]

    def count(self, event, action=None):
        return sum(1 for e in self.events(event) if action is None or e.get("action") == action)

    def wait_for(self, pred, timeout=10.0):
        """seconds until pred() held (never 0), or None at the timeout"""
        t0 = time.time()
        while time.time() - t0 < timeout:
            if pred():
                return max(time.time() - t0, 1e-6)
            time.sleep(0.02)
        return None

    def idle(self, quiet=1.0, timeout=20.0):
        """wait until no reconcile runs and none started for `quiet` seconds"""
        t0 = time.time()
        while time.time() - t0 < timeout:
            n = len(self.events())
            time.sleep(quiet)
            ev = self.events()
            started = sum(1 for e in ev if e.get("event") == "reconcile_started")
            finished = sum(1 for e in ev if e.get("event") == "reconcile_finished")
            if len(ev) == n and started == finished:
                return True
        return False

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return None


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
        # tests/pg.sh: the same test on a fresh PostgreSQL database
        self.pg = PG_URL is not None
        if self.pg:
            self.state = pg_new_db()
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

    def call_log(self):
        """every call in arrival order: [time, service, key, subject]"""
        return self.admin.get("/_sim/calls/log").json

    def reset_calls(self):
        self.admin.post("/_sim/calls/reset", {})

    def faults(self, rules):
        r = self.admin.post("/_sim/faults", {"rules": rules})
        assert r.status == 200, r

    def patch(self, *ops):
        r = self.admin.post("/_sim/state", {"ops": list(ops)})
        assert r.status == 200, r

    def db(self, sql, *args):
        if self.pg:
            return pg_query(self.state, sql, args)
        con = sqlite3.connect(self.state)
        try:
            rows = con.execute(sql, args).fetchall()
            con.commit()  # a write stays, as on PostgreSQL
            return rows
        finally:
            con.close()

    def hold_lock(self):
        """hold the writer lock as another vrsctl would: the lock file's flock
        with our pid, or PostgreSQL's advisory lock under application_name
        vrsctl@HOST:PID; release by calling what this returns"""
        if self.pg:
            import socket
            db = self.state.split("///", 1)[1].split("?", 1)[0]
            con = _pg_connect(db)
            con.autocommit = True
            cur = con.cursor()
            cur.execute("SET application_name = %s",
                        ("vrsctl@%s:%d" % (socket.gethostname(), os.getpid()),))
            cur.execute("SELECT pg_advisory_lock(1987011379)")
            return con.close
        import fcntl
        f = open(self.state + ".lock", "a+")
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write("%d\n" % os.getpid())
        f.flush()
        return f.close

    def reset_state(self):
        """back to no state at all (the same --state value)"""
        if self.pg:
            pg_query(self.state, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; "
                     "CREATE SCHEMA public", ())
            return
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.state + suffix):
                os.unlink(self.state + suffix)

    def dump(self):
        """every byte the state holds (the file; on PostgreSQL every row as text)"""
        if not self.pg:
            with open(self.state, "rb") as f:
                return f.read()
        tables = [r[0] for r in self.db(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        return "\n".join(str(r[0]) for tb in tables
                         for r in self.db("SELECT t::text FROM %s t" % tb)).encode()

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
