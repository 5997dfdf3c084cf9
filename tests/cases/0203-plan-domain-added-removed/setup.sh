#!/bin/sh
# setup.sh — converge specs-before/ into $STATE against a throwaway simulator
# (tests/integration/vrsenv.World), so that `plan` on specs/ shows the changes
# against a recorded state. No remote call is made by the plan itself.
exec /usr/bin/python3 - "$PWD/specs-before" "$STATE" <<'PY'
import os, shutil, sys
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "integration"))
from vrsenv import World
w = World(sys.argv[1])
p = w.apply()
if p.returncode:
    sys.stderr.write(p.stdout + p.stderr)
    sys.exit(1)
for ext in ("", "-wal", "-shm"):
    if os.path.exists(w.state + ext):
        shutil.copy(w.state + ext, sys.argv[2] + ext)
w.close()
PY
