#!/usr/bin/python3
"""apply --parallelism N is the Coolify calls in flight, also above the client's
default cap of 10: the simulator counts the requests it answers at once.
Prints TAP."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
N = 24


def peak(parallelism):
    specs = tempfile.mkdtemp(prefix="vrs-par-specs-")
    subprocess.run([sys.executable, os.path.join(TOP, "tests", "bench", "gen_specs.py"), str(N), specs],
                   check=True, stdout=subprocess.DEVNULL)
    # latency makes the calls overlap: the peak is the client's cap, not luck
    w = World(specs, sim_args=("--latency", "100"))
    for i in range(N):
        w.env["SMTP_PASSWORD_%d" % i] = vrsenv.SMTP_SECRET
    p = w.apply("-q", "--parallelism", str(parallelism), timeout=600)
    st = w.sim_state()
    apps = len(st["coolify"]["applications"])
    w.close()
    return p.returncode, apps, st["meta"].get("coolify_max_in_flight", 0), p.stdout + p.stderr


def main():
    rc, apps, hi, out = peak(25)
    t.ok(rc == 0, "apply --parallelism 25 of %d projects converges" % N, out[-600:])
    t.eq(apps, N, "every app is created")
    t.ok(hi > 10, "more than 10 Coolify calls in flight at once (saw %d)" % hi)
    t.ok(hi <= 25, "never more than --parallelism 25 (saw %d)" % hi)
    rc, apps, hi, out = peak(4)
    t.ok(rc == 0, "apply --parallelism 4 converges", out[-600:])
    t.ok(1 < hi <= 4, "at most 4 Coolify calls in flight, and calls overlap (saw %d)" % hi)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
