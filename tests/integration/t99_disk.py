#!/usr/bin/python3
"""A state that cannot be written (issue 16, item 4).

(a) The disk fills up mid-apply, once the first remote write has landed:
  (a1) the state lives on a tmpfs in a private mount namespace (`unshare -m`;
       root in a container needs no other privilege for it) which the test
       fills to the last byte;
  (a2) a file-size limit set on the running vrsctl (prlimit RLIMIT_FSIZE at
       the WAL's size, SIGXFSZ ignored, so write() fails with EFBIG) — works
       where unshare is refused.
  vrsctl stops with an error naming the state file and the cause, exits 1;
  the state left behind is intact; `status` lists the calls left open in the
  journal (they may have happened); the next apply on a healthy disk adopts
  them: exactly one app, Coolify project and record each, nothing left open.
(b) the state's directory is a read-only mount; (c) the directory is read-only
  but the file itself writable (SQLite cannot create -wal/-shm); (d) the file
  is immutable (chattr +i: root cannot write it, SQLite would open it
  read-only): vrsctl says the state cannot be written before any remote call —
  the simulator sees no write — changes nothing and exits 1.

Prints TAP; a variant the kernel refuses (unshare, chattr) is a TAP skip line
naming why."""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
N = 10

# run inside `unshare -m`: a tmpfs at argv[1] holding a copy of argv[2]; vrsctl
# (argv[4:], stderr to argv[3]) runs on it; "fill" on stdin fills the tmpfs;
# then vrsctl's files are copied to argv[3]'s directory
HELPER = r"""
import os, shutil, subprocess, sys
mnt, base, errf = sys.argv[1:4]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt], check=True)
shutil.copyfile(base, os.path.join(mnt, "vrs.db"))
with open(errf, "w") as err:
    p = subprocess.Popen(sys.argv[4:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    print("started", flush=True)
    if sys.stdin.readline().strip() == "fill":
        # unbuffered, and the close inside the try: a buffered file's close
        # flushed what the full disk had refused and raised, ending this
        # helper before it waited for vrsctl and copied its state back
        try:
            with open(os.path.join(mnt, "filler"), "wb", buffering=0) as f:
                while True:
                    f.write(b"\0" * 65536)
        except OSError:
            pass
        print("full", flush=True)
    rc = p.wait()
for n in os.listdir(mnt):
    if n.startswith("vrs.db"):
        shutil.copyfile(os.path.join(mnt, n), os.path.join(os.path.dirname(errf), n))
sys.exit(rc)
"""


def skip(why):
    t.n += 1
    print("ok %d # SKIP %s" % (t.n, why))


def can_unshare():
    p = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                       capture_output=True, text=True)
    return p.returncode == 0, (p.stderr or p.stdout).strip() or "exit %d" % p.returncode


def wait_first_write(w, proc):
    """until the simulator saw a remote write (or vrsctl ended): True if it did"""
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if vrsenv.write_calls(w.calls()) > 0:
            return True
        time.sleep(0.005)
    return False


def restore(w, base):
    w.admin.post("/_sim/reset", {})
    w.reset_state()
    shutil.copyfile(base, w.state)


def after_full(w, what, rc, stderr, state_path, cause):
    """the checks after a run that met a full disk, then the healthy run"""
    t.ok(rc == 1, "%s: vrsctl exits 1 (%s)" % (what, rc), stderr[-800:])
    t.ok(state_path in stderr and cause in stderr and "the run stopped" in stderr,
         "%s: the error names the state file and the cause (%s)" % (what, cause), stderr[-800:])
    t.eq(w.db("PRAGMA integrity_check")[0][0], "ok", "%s: the state left behind is intact" % what)
    opened = w.db("SELECT op, resource, key FROM vrs_journal WHERE completed_at IS NULL ORDER BY id")
    st = w.run("status")
    listed = [ln for ln in st.stdout.split("Calls that may have happened", 1)[-1].splitlines()[1:]
              if ln.startswith("  ")] if "Calls that may have happened" in st.stdout else []
    t.ok(len(opened) >= 1 and len(listed) == len(opened) and
         all(("%s %s %s " % r) in ln for r, ln in zip(opened, listed)),
         "%s: status lists the %d calls left open in the journal" % (what, len(opened)), st.stdout[-800:])
    js = w.run("status", "--format", "json")
    t.eq(len(json.loads(js.stdout).get("journal_open", [])), len(opened),
         "%s: status --format json has them as journal_open" % what)
    p = w.apply("-q")
    t.ok(p.returncode == 0, "%s: the next apply on a healthy disk converges" % what, p.stderr[-600:])
    apps = w.apps_by_name()
    projects = {}
    for pr in w.sim_state()["coolify"]["projects"]:
        projects[pr["name"]] = projects.get(pr["name"], 0) + 1
    recs = w.records()
    st = w.status()
    t.ok(len(apps) == N and all(len(v) == 1 for v in apps.values()) and
         len(projects) == N and all(v == 1 for v in projects.values()) and
         len(recs) == N * 9 and all(len(v) == 1 for v in recs.values()),
         "%s: one app, one Coolify project and each record once" % what,
         ({k: len(v) for k, v in apps.items()}, projects, len(recs)))
    t.ok(all(v["status"] == "active" for v in st.values()) and len(st) == N,
         "%s: every project active" % what, {k: v["status"] for k, v in st.items()})
    t.eq(w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0], 0,
         "%s: the open calls were looked up: none left open" % what)
    return len(opened)


def full_tmpfs(w, base):
    restore(w, base)
    mnt = os.path.join(w.dir, "mnt")
    os.makedirs(mnt, exist_ok=True)
    errf = os.path.join(w.dir, "stderr.txt")
    os.unlink(w.state)
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", os.path.join(mnt, "vrs.db"), "apply",
           "--auto-approve"]
    h = subprocess.Popen(["unshare", "-m", "/usr/bin/python3", "-c", HELPER, mnt, base, errf] + cmd,
                         env=w.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    h.stdout.readline()
    landed = wait_first_write(w, h)
    h.stdin.write("fill\n")
    h.stdin.flush()
    rc = h.wait(timeout=300)
    with open(errf) as f:
        stderr = f.read()
    t.ok(landed, "full tmpfs: the disk filled after the first remote write")
    return after_full(w, "full tmpfs", rc, stderr, os.path.join(mnt, "vrs.db"), "database or disk is full")


def file_limit(w, base):
    restore(w, base)
    errf = os.path.join(w.dir, "stderr.txt")
    with open(errf, "w") as err:
        p = subprocess.Popen([vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve"],
                             env=w.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                             restore_signals=False,
                             preexec_fn=lambda: signal.signal(signal.SIGXFSZ, signal.SIG_IGN))
        landed = wait_first_write(w, p)
        wal = w.state + "-wal"
        size = os.path.getsize(wal if os.path.exists(wal) else w.state)
        try:
            resource.prlimit(p.pid, resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
        except (OSError, ProcessLookupError):
            landed = False
        rc = p.wait(timeout=300)
    with open(errf) as f:
        stderr = f.read()
    t.ok(landed, "file size limit: set after the first remote write (at %d bytes)" % size)
    return after_full(w, "file size limit", rc, stderr, w.state, "File too large")


def refused(w, base, what, argv, cause, check_bytes=None):
    """a state that cannot be written: refused before any remote call"""
    restore(w, base)
    w.reset_calls()
    before = open(check_bytes or w.state, "rb").read()
    p = subprocess.run(argv, env=w.env, capture_output=True, text=True, timeout=120)
    t.ok(p.returncode == 1 and "cannot be written" in p.stderr and cause in p.stderr and
         "nothing was changed" in p.stderr,
         "%s: vrsctl exits 1 saying the state cannot be written (%s)" % (what, cause), p.stderr[-600:])
    t.eq(vrsenv.write_calls(w.calls()), 0, "%s: no remote write happened" % what)
    t.ok(open(check_bytes or w.state, "rb").read() == before, "%s: the state is unchanged" % what)


def main():
    specs = tempfile.mkdtemp(prefix="vrs-disk-specs-")
    subprocess.run([sys.executable, os.path.join(TOP, "tests", "bench", "gen_specs.py"), str(N), specs],
                   check=True)
    w = World(specs, sim_args=("--latency", "2"))
    shutil.rmtree(specs, ignore_errors=True)
    for i in range(N):
        w.env["SMTP_PASSWORD_%d" % i] = vrsenv.SMTP_SECRET
    # a migrated state with the platform only: the projects' apply is the one cut
    plat = os.path.join(w.dir, "platform")
    os.makedirs(plat)
    shutil.copy(os.path.join(w.specs, "base.yaml"), plat)
    p = subprocess.run([vrsenv.VRSCTL, "--specs", plat, "--state", w.state, "apply", "--auto-approve", "-q"],
                       env=w.env, capture_output=True, text=True)
    t.ok(p.returncode == 0, "the platform alone applies: a migrated state to start from", p.stderr)
    w.db("PRAGMA wal_checkpoint(TRUNCATE)")
    base = os.path.join(w.dir, "base.db")
    shutil.copyfile(w.state, base)
    ns_ok, ns_why = can_unshare()
    counts = {}
    if ns_ok:
        counts["tmpfs"] = full_tmpfs(w, base)
    else:
        skip("full tmpfs: unshare -m refused here (%s)" % ns_why)
    counts["rlimit"] = file_limit(w, base)
    print("# calls left open by the full disk: %s" % counts)
    apply = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve", "-q"]
    d = w.dir
    if ns_ok:
        refused(w, base, "read-only mount", ["unshare", "-m", "sh", "-c",
                'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"', "sh", d] + apply,
                "Read-only file system")
        # the file writable through its own bind mount, its directory not
        rw = tempfile.mkdtemp(prefix="vrs-disk-rw-")
        try:
            shutil.copyfile(base, os.path.join(rw, "vrs.db"))
            open(os.path.join(rw, "vrs.db.lock"), "w").close()
            open(w.state + ".lock", "a").close()
            refused(w, base, "read-only directory", ["unshare", "-m", "sh", "-c",
                    'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && '
                    'mount --bind "$2/vrs.db" "$1/vrs.db" && mount --bind "$2/vrs.db.lock" "$1/vrs.db.lock" && '
                    'shift 2 && exec "$@"', "sh", d, rw] + apply,
                    "its directory", check_bytes=os.path.join(rw, "vrs.db"))
        finally:
            shutil.rmtree(rw, ignore_errors=True)
    else:
        skip("read-only mount: unshare -m refused here (%s)" % ns_why)
        skip("read-only directory: unshare -m refused here (%s)" % ns_why)
    restore(w, base)
    c = subprocess.run(["chattr", "+i", w.state], capture_output=True, text=True)
    if c.returncode != 0:
        skip("immutable file: chattr +i refused here (%s)" % (c.stderr.strip() or c.returncode))
    else:
        try:
            w.reset_calls()
            p = subprocess.run(apply, env=w.env, capture_output=True, text=True, timeout=120)
            t.ok(p.returncode == 1 and "cannot be written" in p.stderr and "Operation not permitted" in p.stderr,
                 "immutable file: vrsctl exits 1 saying the state cannot be written", p.stderr[-600:])
            t.eq(vrsenv.write_calls(w.calls()), 0, "immutable file: no remote write happened")
        finally:
            subprocess.run(["chattr", "-i", w.state])
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
