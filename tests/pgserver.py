#!/usr/bin/env python3
"""pgserver.py — a throwaway PostgreSQL server for the tests.

Debian's real server (initdb and pg_ctl from `pg_config --bindir`), in a
temporary directory, listening on a Unix socket only (listen_addresses='',
no TCP), run as the `postgres` user when we are root. It has a login role
`vrs` that owns a database `vrs`; the URL is
postgresql:///vrs?host=SOCKDIR&user=vrs. Stopped (and removed) at exit, also
after a failure or a signal.

  as a module:  srv = pgserver.Server(); srv.url; srv.new_db("t1"); srv.stop()
  tests/pg.sh CMD...   runs CMD with VRS_TEST_PG set to the URL
"""
import atexit
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile


def bindir():
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                           check=True).stdout.strip()
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    except (OSError, subprocess.CalledProcessError):
        pass
    # Debian: pg_config (libpq-dev) may name /usr/bin; the server lives here
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    return None


class Server:
    def __init__(self):
        self.bin = bindir()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server (initdb) found; run make deps")
        self.dir = tempfile.mkdtemp(prefix="vrs-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir
        self.user = None
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.user = "postgres"
        self.running = False
        atexit.register(self.stop)
        self._sh("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync",
                 "-E", "UTF8", "--locale=C.UTF-8")
        self._sh("pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.dir, "log"), "-o",
                 "-c listen_addresses='' -k %s -c fsync=off -c synchronous_commit=off "
                 "-c full_page_writes=off -c max_connections=60" % self.sock, "start")
        self.running = True
        self.psql("CREATE ROLE vrs LOGIN")
        self.psql("CREATE DATABASE vrs OWNER vrs")
        self.url = self.url_of("vrs")

    def url_of(self, db, user="vrs"):
        return "postgresql:///%s?host=%s&user=%s" % (db, self.sock, user)

    def _sh(self, prog, *args):
        cmd = [os.path.join(self.bin, prog)] + list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if p.returncode != 0:
            raise RuntimeError("%s failed: %s%s" % (prog, p.stdout, p.stderr))
        return p.stdout

    def psql(self, sql, db="postgres", user="postgres"):
        return self._sh("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                        self.sock, "-U", user, "-d", db, "-c", sql)

    def new_db(self, name):
        """a fresh empty database owned by vrs; its URL"""
        self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        self.psql("CREATE DATABASE %s OWNER vrs" % name)
        return self.url_of(name)

    def stop(self):
        if self.running:
            self.running = False
            try:
                self._sh("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        if os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)


def main(argv):
    if len(argv) < 2:
        print("usage: pgserver.py CMD...", file=sys.stderr)
        return 2
    srv = Server()

    def on_term(signum, frame):
        srv.stop()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    env = dict(os.environ, VRS_TEST_PG=srv.url, VRS_TEST_PG_SOCK=srv.sock)
    try:
        return subprocess.run(argv[1:], env=env).returncode
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
