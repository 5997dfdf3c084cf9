#!/usr/bin/python3
"""A 25-second smoke of the fault soak (tests/soak/soak.py, `make soak`): a
watch on 10 projects with 30 % faults of every kind and a spec edit every 3 s
(all eight kinds once), then faults off: converged, no duplicate, no orphan.
In the plain pass only (the soak's loops are long under the sanitizers). TAP."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402


def main():
    if vrsenv.SANITIZED:
        print("ok 1 - the soak smoke runs in the plain pass only # SKIP")
        print("1..1")
        return 0
    env = dict(os.environ, SOAK_SECONDS="25", SOAK_PROJECTS="10", SOAK_EDIT_SECONDS="3",
               SOAK_SAMPLE_SECONDS="2", SOAK_INTERVAL="5s")
    env.pop("SOAK_BIN", None)
    p = subprocess.run([sys.executable, os.path.join(vrsenv.TOP, "tests", "soak", "soak.py")],
                       env=env, capture_output=True, text=True, timeout=400)
    sys.stdout.write(p.stdout + p.stderr)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
