#!/usr/bin/python3
"""Broken specs against an existing state: validate, plan and apply exit 1 with the
error's position and leave the state byte-identical (and make no remote call);
against no state they create none. Hostile trees (a symlink loop, a FIFO, garbage)
get a clear error. Prints TAP."""

import hashlib
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World, write_calls  # noqa: E402

t = Tap()

BROKEN = {
    "syntax": ("projects/cafe-luna.yaml", "kind: Project\nslug: [unclosed\n", r"cafe-luna.yaml:3:1"),
    "unknown key": ("projects/cafe-luna.yaml", None, r"cafe-luna.yaml:"),
    "wrong type": ("platform.yaml", None, r"platform.yaml:"),
    "broken reference": ("projects/cafe-luna.yaml", None, r"cafe-luna.yaml:"),
    "duplicate slug": ("projects/copy.yaml", None, r"copy.yaml:"),
    "garbage": ("projects/garbage.yaml", "\x00\x01\xff\xfe binary", r"garbage.yaml"),
}


def digest(path):
    h = hashlib.sha256()
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def breaks(specs, kind):
    luna = os.path.join(specs, "projects", "cafe-luna.yaml")
    with open(luna) as f:
        s = f.read()
    if kind == "syntax":
        with open(luna, "w") as f:
            f.write(BROKEN[kind][1])
    elif kind == "unknown key":
        with open(luna, "w") as f:
            f.write(s.replace("name: Café Luna", "name: Café Luna\nowner_mail: x@example.org"))
    elif kind == "wrong type":
        p = os.path.join(specs, "platform.yaml")
        with open(p) as f:
            ps = f.read()
        with open(p, "w") as f:
            f.write(ps.replace("max_projects: 20", "max_projects: twenty"))
    elif kind == "broken reference":
        with open(luna, "w") as f:
            f.write(s.replace("bundle: gastro-basic", "bundle: no-such-bundle"))
    elif kind == "duplicate slug":
        with open(os.path.join(specs, "projects", "copy.yaml"), "w") as f:
            f.write(s.replace("subdomain: luna", "subdomain: luna2"))
    elif kind == "garbage":
        with open(os.path.join(specs, "projects", "garbage.yaml"), "wb") as f:
            f.write(BROKEN[kind][1].encode("latin-1"))


def main():
    w = World(os.path.join(TOP, "specs"))
    p = w.apply()
    t.eq(p.returncode, 0, "specs/ converge")
    good = os.path.join(w.dir, "good-specs")
    shutil.copytree(w.specs, good)
    for kind in BROKEN:
        shutil.rmtree(w.specs)
        shutil.copytree(good, w.specs)
        breaks(w.specs, kind)
        before = digest(w.state)
        w.reset_calls()
        for cmd in (["validate"], ["plan"], ["apply", "--auto-approve"]):
            p = w.run(*cmd)
            where = BROKEN[kind][2]
            t.ok(p.returncode == 1 and where in p.stderr and ": error: " in p.stderr,
                 "%s: %s exits 1 naming %s" % (kind, cmd[0], where), p.stderr[-400:])
        t.eq(digest(w.state), before, "%s: the state is byte-identical" % kind)
        t.eq(write_calls(w.calls()), 0, "%s: nothing remote was called" % kind)
    # no state yet: nothing is created
    fresh = os.path.join(w.dir, "fresh.db")
    p = w.run("plan", "--state", fresh)
    t.ok(p.returncode == 1 and not os.path.exists(fresh), "plan of broken specs creates no state")
    p = w.run("apply", "--auto-approve", "--state", fresh)
    t.ok(p.returncode == 1 and not os.path.exists(fresh), "apply of broken specs creates no state")
    # hostile trees
    hostile = tempfile.mkdtemp(prefix="vrs-hostile-")
    shutil.copytree(good, os.path.join(hostile, "s"))
    os.symlink(os.path.join(hostile, "s"), os.path.join(hostile, "s", "loop"))
    os.mkfifo(os.path.join(hostile, "s", "pipe.yaml"))
    p = w.run("validate", "--specs", os.path.join(hostile, "s"), timeout=30)
    t.eq(p.returncode, 1, "a tree with a symlink loop and a FIFO exits 1 (no hang)")
    t.ok("pipe.yaml" in p.stderr, "naming the FIFO", p.stderr[-400:])
    p = w.run("validate", "--specs", os.path.join(hostile, "missing"))
    t.ok(p.returncode == 1 and "missing" in p.stderr, "a missing specs directory is a clear error", p.stderr)
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
