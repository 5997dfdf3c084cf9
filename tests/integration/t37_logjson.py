#!/usr/bin/python3
"""--log-format json: every command's messages on stderr are JSON lines
({"time", "level", ["file", "line", "col",] "message"}), errors with their
spec position, apply's progress too; text mode keeps its lines. Prints TAP."""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrsenv import TOP, Tap, World, write_specs  # noqa: E402

t = Tap()


def lines_json(err):
    """the stderr lines, parsed; None for a line that is not a JSON object"""
    out = []
    for ln in err.splitlines():
        try:
            o = json.loads(ln)
        except ValueError:
            o = None
        out.append(o if isinstance(o, dict) else None)
    return out


def all_json(what, p, level=None):
    objs = lines_json(p.stderr)
    t.ok(objs and all(o is not None and {"time", "level", "message"} <= set(o) for o in objs),
         "%s: every stderr line is a JSON message" % what, p.stderr[-600:])
    if level:
        t.ok(any(o and o["level"] == level for o in objs), "%s: a %s message" % (what, level), p.stderr[-400:])
    return [o for o in objs if o]


def main():
    w = World(os.path.join(TOP, "specs"))
    broken = tempfile.mkdtemp(prefix="vrs-json-")
    write_specs(broken, {"p.yaml": "kind: Project\nslug: x\nname: X\nowner_mail: a@b.de\n"})
    p = w.run("--log-format", "json", "--specs", broken, "validate")
    t.eq(p.returncode, 1, "validate of broken specs exits 1")
    objs = all_json("validate", p, "error")
    pos = [o for o in objs if o.get("file")]
    t.ok(pos and all(o["file"].endswith("p.yaml") and o["line"] >= 1 and o["col"] >= 1 for o in pos),
         "errors carry file, line and col", p.stderr[-400:])
    t.ok(any("owner_mail" in o["message"] for o in pos), "the unknown key is named")
    p = w.run("--specs", broken, "validate")
    t.ok(p.stderr.splitlines()[0].startswith(broken) and ": error: " in p.stderr,
         "text mode: FILE:LINE:COL: error: lines as before", p.stderr[-300:])

    p = w.run("--log-format", "json", "plan", "--format", "xml")
    t.eq(p.returncode, 1, "a usage error exits 1")
    objs = all_json("usage error", p, "error")
    t.ok("--format" in objs[0]["message"], "and names the flag")
    p = w.run("--log-format", "json", "frobnicate")
    all_json("unknown command", p, "error")
    p = w.run("--log-format", "json")
    t.eq(p.returncode, 1, "no command exits 1")
    all_json("no command", p, "error")
    p = w.run()
    t.ok(p.returncode == 1 and p.stderr.startswith("usage: vrsctl"), "text mode: no command prints the usage",
         p.stderr[:200])
    p = w.run("--log-format", "json", "status", "no-such-project")
    all_json("status of an unknown project", p, "error")
    p = w.run("--log-format", "json", "apply")
    t.eq(p.returncode, 1, "apply without a terminal and --auto-approve exits 1")
    all_json("apply without --auto-approve", p, "error")

    p = w.run("--log-format", "json", "apply", "--auto-approve")
    t.ok(p.returncode == 0, "apply converges", p.stderr[-400:])
    objs = all_json("apply's progress", p, "info")
    t.ok(len(objs) >= 5 and any("pizzeria-roma" in o["message"] for o in objs),
         "progress lines name the projects", p.stderr[-400:])
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
