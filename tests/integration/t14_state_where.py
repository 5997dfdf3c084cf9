#!/usr/bin/env python3
"""t14_state_where.py — what --state names and how long a writer waits.

A --state that looks like a URL of a scheme vrsctl does not know is an error
(never a directory named after the scheme), and the error does not repeat
the rest of the URL (it may hold a password); a file with a colon in its
name is reachable as ./name. --lock-timeout: 0 exits 3 at once naming the
holder; a timeout that ends while the lock is held exits 3 after waiting;
a waiting writer goes on once the holder lets go. Prints TAP.
"""
import fcntl
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vrsenv import Tap, VRSCTL  # noqa: E402


def run(cwd, *args, env_state=None, timeout=60):
    env = dict(os.environ)
    env.pop("VRS_STATE", None)
    if env_state is not None:
        env["VRS_STATE"] = env_state
    return subprocess.run([VRSCTL] + list(args), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def hold_lock(path):
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.write(fd, b"%d\n" % os.getpid())
    return fd


def main():
    t = Tap()
    with tempfile.TemporaryDirectory() as d:
        for bad in ("foo://user:hunter2@db/x", "postgres:hunter2", "sqlite:x.db"):
            p = run(d, "--state", bad, "status")
            t.eq(p.returncode, 1, "--state %s is an error" % bad.split(":")[0])
            t.ok("does not know" in p.stderr and "hunter2" not in p.stderr,
                 "the error names the scheme, not the rest of the URL", p.stderr)
        p = run(d, "status", env_state="foo://h/x")
        t.eq(p.returncode, 1, "VRS_STATE=foo://... is an error too")
        p = run(d, "--state", "foo://h/x", "retry", "nosuch")
        t.eq(p.returncode, 1, "a writing command refuses it before taking a lock")
        t.eq(sorted(os.listdir(d)), [], "nothing was created for an unknown URL")
        p = run(d, "--state", "./a:b.db", "retry", "nosuch")
        t.ok(os.path.exists(os.path.join(d, "a:b.db")), "./a:b.db is a file path",
             p.stderr)

        st = os.path.join(d, "vrs.db")
        fd = hold_lock(st)
        try:
            p = run(d, "--state", st, "retry", "nosuch")
            t.eq(p.returncode, 3, "locked state, no --lock-timeout: exit 3")
            t.ok("pid %d" % os.getpid() in p.stderr, "the error names the holder", p.stderr)
            t0 = time.monotonic()
            p = run(d, "--state", st, "--lock-timeout", "1s", "retry", "nosuch")
            spent = time.monotonic() - t0
            t.eq(p.returncode, 3, "--lock-timeout 1s while the lock stays held: exit 3")
            t.ok(spent >= 1.0, "it waited the timeout out first (%.2fs)" % spent)
            p = run(d, "--state", st, "--lock-timeout", "x", "retry", "nosuch")
            t.eq(p.returncode, 1, "--lock-timeout x is a usage error")
            w = subprocess.Popen([VRSCTL, "--state", st, "--lock-timeout", "60s", "retry",
                                  "nosuch"], cwd=d, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)
            t.ok(w.poll() is None, "a writer with --lock-timeout 60s waits while locked")
        finally:
            os.close(fd)
        out, err = w.communicate(timeout=60)
        t.ok(w.returncode not in (3, None) and "no project" in err,
             "once the holder lets go it takes the lock and runs (exit %s)" % w.returncode,
             err)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
