#!/usr/bin/env python3
"""t15_postgres.py — a PostgreSQL state (issue 14), under tests/pg.sh.

examples/multi-server converges on --state postgresql://... and a second
plan has nothing to do; a reader of an empty database creates nothing;
a password in the URL never reaches the output; a second writer exits 3
naming the holder's application_name (vrsctl@HOST:PID); the model's enum
types hold the lower-case values vrsctl wrote. Prints the time of a
1,000-project plan (tests/bench/gen_specs.py) on each backend. Without
VRS_TEST_PG (no tests/pg.sh) it only says it was skipped. Prints TAP.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, VRSCTL, World  # noqa: E402


def main():
    t = Tap()
    if not vrsenv.PG_URL:
        t.ok(True, "# SKIP no PostgreSQL server (run under tests/pg.sh; run.sh does)")
        return t.done()
    w = World(os.path.join(TOP, "examples", "multi-server"))
    try:
        empty = vrsenv.pg_new_db()
        p = subprocess.run([VRSCTL, "--specs", w.specs, "--state", empty, "status"],
                           capture_output=True, text=True, env=w.env)
        t.ok(p.returncode == 0, "status on an empty PostgreSQL database", p.stderr[-400:])
        n = vrsenv.pg_query(empty, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                            "current_schema()", ())[0][0]
        t.eq(n, 0, "a reader creates nothing")

        t0 = time.monotonic()
        p = w.apply()
        took = time.monotonic() - t0
        t.ok(p.returncode == 0, "examples/multi-server converges on PostgreSQL", p.stderr[-600:])
        print("# apply of examples/multi-server on PostgreSQL: %.1fs" % took)
        p = w.run("plan", "--detailed-exitcode")
        t.ok(p.returncode == 0, "a second plan has nothing to do", p.stdout[-600:])
        rows = w.db("SELECT DISTINCT provisioning_status::text FROM marketplace_project")
        t.ok(rows and all(r[0] == r[0].lower() for r in rows),
             "provisioning_status is the enum type with lower-case values", rows)
        typ = w.db("SELECT data_type, udt_name FROM information_schema.columns WHERE "
                   "table_name = 'marketplace_project' AND column_name = 'provisioning_status'")
        t.eq(typ, [("USER-DEFINED", "provisioningstatus")], "the column's type is the model's")

        release = w.hold_lock()
        p = w.apply()
        release()
        t.eq(p.returncode, 3, "a second writer exits 3")
        t.ok("vrsctl@%s:%d" % (socket.gethostname(), os.getpid()) in p.stderr,
             "naming the holder's host and pid", p.stderr)

        sock = vrsenv.PG_SOCK
        p = subprocess.run([VRSCTL, "--specs", w.specs, "--state",
                            "postgresql://vrs:hunter2@/nosuchdb?host=%s" % sock, "status"],
                           capture_output=True, text=True, env=w.env)
        t.eq(p.returncode, 1, "an unreachable database is an error")
        t.ok("hunter2" not in p.stdout + p.stderr and "nosuchdb" in p.stderr,
             "naming the database without the URL's password", p.stderr)
        t.ok("hunter2" not in "\n".join(w.outputs), "no password in any output")

        bench(t, w)
    finally:
        w.close()
    return t.done()


def bench(t, w):
    d = tempfile.mkdtemp(prefix="vrs-bench-")
    try:
        specs = os.path.join(d, "specs")
        subprocess.run(["/usr/bin/python3", os.path.join(TOP, "tests", "bench", "gen_specs.py"),
                        "1000", specs], check=True, capture_output=True)
        times = {}
        for name, state in (("sqlite", os.path.join(d, "vrs.db")), ("postgresql", vrsenv.pg_new_db())):
            # a written, empty state first: the plan then reads a real schema
            subprocess.run([VRSCTL, "--specs", specs, "--state", state, "retry", "x"],
                           capture_output=True, env=w.env)
            t0 = time.monotonic()
            p = subprocess.run([VRSCTL, "--specs", specs, "--state", state, "plan"],
                               capture_output=True, text=True, env=w.env)
            times[name] = time.monotonic() - t0
            t.ok(p.returncode == 0, "a 1,000-project plan on %s" % name, p.stderr[-400:])
        print("# 1,000-project plan (empty recorded state): sqlite %.2fs, postgresql %.2fs"
              % (times["sqlite"], times["postgresql"]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
