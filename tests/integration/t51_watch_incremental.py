#!/usr/bin/python3
"""watch's incremental reload (issue 15, item 2): under a running watch, files
are edited, saved unchanged, added, renamed (also into a new directory), deleted,
broken and fixed, and a global document is edited; after each, the plan the
watch built (--plan-out) is byte-identical to a fresh `vrsctl plan --format
json` of the same tree and state, and the watch parsed only the files whose
bytes changed (its `planned` event). The watch runs without service
credentials, so it plans and cannot apply: the state stays the one both plans
read. Prints TAP."""

import json
import os
import re
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
CREDS = ("VRS_COOLIFY_TOKEN", "VRS_COOLIFY_URL", "VRS_INWX_USER", "VRS_INWX_PASSWORD", "VRS_INWX_URL")


class Watch(vrsenv.JsonWatch):
    def __init__(self, w, planfile):
        env = {k: v for k, v in w.env.items() if k not in CREDS}
        super().__init__(w, ["--debounce", "100ms", "--interval", "1h", "--plan-out", planfile], env)

    def planned(self):
        return self.events("planned")

    def settle(self, n_before, what, timeout=15.0):
        """wait for a plan after n_before plans, then for quiet; the last planned event"""
        t0 = time.time()
        while time.time() - t0 < timeout and len(self.planned()) <= n_before:
            time.sleep(0.02)
        self.idle(0.4, max(timeout - (time.time() - t0), 0.5))
        p = self.planned()
        return p[-1] if len(p) > n_before else None


def counts(ev):
    m = re.search(r"(\d+) spec files, (\d+) read, (\d+) parsed", ev.get("message") or "")
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    os.umask(0o022)  # a usual umask: the plan file is private all the same (issue 13)
    w = World(os.path.join(TOP, "specs"))
    planfile = os.path.join(w.dir, "watch-plan.json")
    wt = None
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "the first apply converges the two projects")
        projects = os.path.join(w.specs, "projects")
        luna = os.path.join(projects, "cafe-luna.yaml")
        wt = Watch(w, planfile)

        def same(what, parsed=None):
            ev = wt.settle(same.n, what)
            same.n = len(wt.planned())
            if not t.ok(ev is not None, "%s: the watch planned" % what, wt.events()[-5:]):
                return
            with open(planfile) as f:
                mine = f.read()
            full = w.run("plan", "--format", "json", env={k: "" for k in CREDS})
            t.ok(full.returncode == 0 and mine == full.stdout,
                 "%s: the watch's plan is identical to a full plan" % what,
                 (full.stderr, mine[:400], full.stdout[:400]))
            if parsed is not None:
                t.eq(counts(ev)[2], parsed, "%s: files parsed again" % what)
        same.n = 0

        # the first reconcile refreshes, which needs the credentials: it fails before planning
        t0 = time.time()
        while time.time() - t0 < 15 and not any(e.get("event") == "reconcile_finished" for e in wt.events()):
            time.sleep(0.05)
        wt.p.send_signal(signal.SIGHUP)
        same("SIGHUP (a reload, nothing changed)", 0)
        t.eq(stat.S_IMODE(os.stat(planfile).st_mode), 0o600, "the watch's --plan-out file is 0600")
        with open(luna) as f:
            text = f.read()
        with open(luna, "w") as f:
            f.write(text.replace("vrs-core:1.4.2", "vrs-core:1.5.0"))
        same("an edit of one file", 1)

        with open(luna) as f:
            cur = f.read()
        with open(luna, "w") as f:  # saved again unchanged: read (a new mtime), not parsed
            f.write(cur)
        same("a save of the same bytes", 0)

        with open(os.path.join(projects, "neu.yaml"), "w") as f:
            f.write("kind: Project\nslug: neu\nname: Neu\nowner_email: n@example.org\n"
                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains:\n  - subdomain: neu\n")
        same("a new file", 1)

        os.rename(os.path.join(projects, "neu.yaml"), os.path.join(projects, "a-neu.yaml"))
        same("a rename (the positions move)", 1)

        sub = os.path.join(projects, "sub")
        os.makedirs(sub)
        os.rename(os.path.join(projects, "pizzeria-roma.yaml"), os.path.join(sub, "roma.yaml"))
        same("a move into a new directory", 1)

        os.unlink(luna)
        same("a deletion (the project is to be archived)", 0)

        bad = os.path.join(projects, "a-neu.yaml")
        with open(bad) as f:
            neu = f.read()
        n_invalid = sum(1 for e in wt.events() if e.get("event") == "specs_invalid")
        with open(bad, "w") as f:
            f.write(neu.replace("slug: neu", "slug: Neu!"))
        wt.settle(same.n, "broken", timeout=3)
        t.ok(sum(1 for e in wt.events() if e.get("event") == "specs_invalid") > n_invalid,
             "a broken edit is reported as invalid specs")
        with open(bad, "w") as f:
            f.write(neu.replace("name: Neu", "name: Neu Zwei"))
        same("the fix", 1)

        platform = os.path.join(w.specs, "platform.yaml")
        with open(platform) as f:
            ptext = f.read()
        with open(platform, "w") as f:
            f.write(ptext.replace("display_name: VRS GmbH", "display_name: VRS GmbH & Co"))
        same("an edit of the global documents", 1)

        with open(luna, "w") as f:
            f.write(text)
        same("a file back", 1)
        t.eq(wt.stop(), 0, "the watch stops on SIGTERM")
        t.ok(not any("Sanitizer" in e.get("message", "") or "runtime error:" in e.get("message", "")
                     for e in wt.events() if e.get("event") == "raw"), "no sanitizer report from the watch")
    finally:
        if wt is not None:
            wt.stop()
            if t.failed:
                for e in wt.events()[-12:]:
                    print("# " + json.dumps(e))
        w.close()
    sys.exit(t.done())


main()
