#!/usr/bin/python3
"""apply at a terminal shows the plan and asks: anything but "yes" changes nothing,
"yes" applies. (A pseudo-terminal stands in for the operator.) Prints TAP."""

import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World, write_calls  # noqa: E402

t = Tap()


def at_terminal(w, answer):
    """run apply with stdin, stdout and stderr on a pty; type answer at the question"""
    master, slave = pty.openpty()
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply"]
    p = subprocess.Popen(cmd, env=w.env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    asked = False
    deadline = time.time() + 60
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if not asked and b"Only 'yes' is accepted" in out:
                os.write(master, answer.encode() + b"\n")
                asked = True
        elif p.poll() is not None:
            break
    rc = p.wait(30)
    os.close(master)
    return rc, out.decode(errors="replace"), asked


def main():
    w = World(os.path.join(TOP, "specs"))
    w.reset_calls()
    rc, out, asked = at_terminal(w, "no")
    t.ok(asked, "at a terminal, apply shows the plan and asks", out[-800:])
    t.ok("+ coolify_app cafe-luna" in out, "the plan is shown before the question")
    t.eq(rc, 1, "answering 'no' exits 1")
    t.ok("cancelled" in out, "and says the apply was cancelled")
    t.eq(write_calls(w.calls()), 0, "nothing remote was changed")
    rc, out, asked = at_terminal(w, "yes")
    t.eq(rc, 0, "answering 'yes' applies")
    t.eq(sorted(w.apps_by_name()), ["cafe-luna", "pizzeria-roma"], "and the apps exist")
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
