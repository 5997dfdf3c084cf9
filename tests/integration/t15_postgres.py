#!/usr/bin/env python3
"""t15_postgres.py — a PostgreSQL state (issue 14), under tests/pg.sh.

examples/multi-server converges on --state postgresql://... and a second
plan has nothing to do; a reader of an empty database creates nothing;
a password in the URL never reaches the output; a second writer exits 3
naming the holder's application_name (vrsctl@HOST:PID); the model's enum
types hold the lower-case values vrsctl wrote; an apply whose lock session
is terminated (pg_terminate_backend) stops writing and exits 3, and the next
writer converges without a duplicate; a writer through a transaction-pooling
pgbouncer is refused (the server session changed). Prints the time of a
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
    dropped(t)
    pooled(t)
    return t.done()


def pooled(t):
    """a transaction-pooling pgbouncer in front: the lock's session is not
    vrsctl's, which notices the server session change and refuses"""
    if not os.path.exists("/usr/sbin/pgbouncer"):
        t.ok(True, "# SKIP no pgbouncer (make deps installs it)")
        return
    import pwd
    d = tempfile.mkdtemp(prefix="vrs-pgb-")
    os.chmod(d, 0o755)
    url = vrsenv.pg_new_db()
    db = url.split("///", 1)[1].split("?", 1)[0]
    port = 6400 + os.getpid() % 500
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write("[databases]\n%s = host=%s user=vrs\n[pgbouncer]\nlisten_addr =\n"
                "unix_socket_dir = %s\nlisten_port = %d\nauth_type = any\n"
                "pool_mode = transaction\nserver_round_robin = 1\ndefault_pool_size = 4\n"
                "logfile = %s/log\npidfile = %s/pid\n" % (db, vrsenv.PG_SOCK, d, port, d, d))
    cmd = ["/usr/sbin/pgbouncer", os.path.join(d, "pgbouncer.ini")]
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(d, pw.pw_uid, pw.pw_gid)
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import psycopg2
        cons = []
        for _ in range(50):
            try:
                cons.append(psycopg2.connect(host=d, port=port, dbname=db, user="vrs"))
                break
            except psycopg2.OperationalError:
                time.sleep(0.1)
        # three server sessions in the pool (three transactions at once), so
        # that its round robin hands consecutive statements to different ones
        cons += [psycopg2.connect(host=d, port=port, dbname=db, user="vrs") for _ in range(2)]
        for c in cons:
            c.cursor().execute("SELECT 1")
        for c in cons:
            c.commit()
            c.close()
        via = "postgresql:///%s?host=%s&port=%d&user=vrs" % (db, d, port)
        specs = os.path.join(TOP, "examples", "multi-server")
        p = subprocess.run([VRSCTL, "--specs", specs, "--state", via, "retry", "x"],
                           capture_output=True, text=True)
        t.eq(p.returncode, 1, "a writer through a transaction-pooling pgbouncer is refused")
        t.ok("server session changed" in p.stderr and "direct connection" in p.stderr,
             "saying a direct connection is needed", p.stderr[-500:])
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def dropped(t):
    """the lock's session ends mid-apply (pg_terminate_backend): the writer stops"""
    specs = tempfile.mkdtemp(prefix="vrs-drop-specs-")
    subprocess.run(["/usr/bin/python3", os.path.join(TOP, "tests", "bench", "gen_specs.py"), "30",
                    specs], check=True, capture_output=True)
    w = World(specs, sim_args=("--latency", "4", "--jitter", "3"))
    try:
        for i in range(30):
            w.env["SMTP_PASSWORD_%d" % i] = vrsenv.SMTP_SECRET
        proc = subprocess.Popen([VRSCTL, "--specs", w.specs, "--state", w.state, "apply",
                                 "--auto-approve", "-q"], env=w.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        holder = []
        deadline = time.monotonic() + 60
        while not holder and proc.poll() is None and time.monotonic() < deadline:
            holder = w.db("SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                          "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = 1987011379 "
                          "AND a.application_name "
                          "LIKE ?", "vrsctl@%%:%d" % proc.pid)
            time.sleep(0.05)
        t.ok(holder, "the apply holds the advisory lock under its application_name")
        if holder:
            # as soon as it has written something: the first journal row
            while proc.poll() is None and time.monotonic() < deadline and not w.db(
                    "SELECT count(*) FROM pg_tables WHERE tablename = 'vrs_journal'")[0][0]:
                time.sleep(0.05)
            w.db("SELECT pg_terminate_backend(?)", holder[0][0])
        err = proc.communicate(timeout=120)[1]
        t.eq(proc.returncode, 3, "the writer whose lock session ended exits 3 (a lock problem)")
        t.ok("no longer holds the writer lock" in err, "saying it no longer holds the lock", err[-600:])
        p = w.apply("-q")
        t.ok(p.returncode == 0, "the next writer converges", p.stderr[-600:])
        apps = w.apps_by_name()
        t.ok(len(apps) == 30 and all(len(v) == 1 for v in apps.values()),
             "exactly one app per project", {k: len(v) for k, v in apps.items()})
        t.ok(all(len(v) == 1 for v in w.records().values()), "exactly one record set each")
    finally:
        w.close()
        shutil.rmtree(specs, ignore_errors=True)


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
