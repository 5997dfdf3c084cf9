#!/usr/bin/python3
"""watch's incremental reload (issue 15, item 2): under a running watch, files
are edited, saved unchanged, added, renamed (also into a new directory), deleted,
broken and fixed, a global document is edited, a `server: auto` project is
added, and recorded rows change in the state between two re-plans (as the
marketplace application writes them); after each, the plan the watch built
(--plan-out) is byte-identical to a fresh `vrsctl plan --format json` of the
same tree and state, the watch parsed only the files whose bytes changed, and
its plan was spliced (plan/memo.c) when only projects changed, a full one
after a global edit, and its reload stat'ed only the files the inotify events
named unless a directory changed or SIGHUP asked (its `planned` event). The watch runs without service
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

        def same(what, parsed=None, how=None, walked=None):
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
            if how is not None:
                msg = ev.get("message") or ""
                want = {"spliced": "plan spliced", "full": "full plan",
                        "spliced1": "plan spliced: 1 projects rebuilt"}[how]
                t.ok(want in msg, "%s: the watch's plan was %s" % (what, want), msg)
            if walked is not None:
                msg = ev.get("message") or ""
                want = "tree walked" if walked else "the files named stat'ed"
                t.ok(want in msg, "%s: the reload: %s" % (what, want), msg)
        same.n = 0

        # the first reconcile refreshes, which needs the credentials: it fails before planning
        t0 = time.time()
        while time.time() - t0 < 15 and not any(e.get("event") == "reconcile_finished" for e in wt.events()):
            time.sleep(0.05)
        wt.p.send_signal(signal.SIGHUP)
        same("SIGHUP (a reload, nothing changed)", 0, "full", True)
        t.eq(stat.S_IMODE(os.stat(planfile).st_mode), 0o600, "the watch's --plan-out file is 0600")
        with open(luna) as f:
            text = f.read()
        with open(luna, "w") as f:
            f.write(text.replace("vrs-core:1.4.2", "vrs-core:1.5.0"))
        same("an edit of one file", 1, "spliced", False)

        with open(luna) as f:
            cur = f.read()
        with open(luna, "w") as f:  # saved again unchanged: read (a new mtime), not parsed
            f.write(cur)
        same("a save of the same bytes", 0, "spliced", False)

        with open(os.path.join(projects, "neu.yaml"), "w") as f:
            f.write("kind: Project\nslug: neu\nname: Neu\nowner_email: n@example.org\n"
                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains:\n  - subdomain: neu\n")
        same("a new file", 1, "spliced", False)

        tmp = os.path.join(projects, ".neu.yaml.swp")  # an editor's atomic save: a temp file renamed over
        with open(tmp, "w") as f:
            f.write(open(os.path.join(projects, "neu.yaml")).read().replace("name: Neu", "name: Neu Eins"))
        os.rename(tmp, os.path.join(projects, "neu.yaml"))
        same("an atomic save (a hidden temp file renamed over)", 1, "spliced", False)

        os.rename(os.path.join(projects, "neu.yaml"), os.path.join(projects, "a-neu.yaml"))
        same("a rename (the positions move)", 1, "spliced", False)

        sub = os.path.join(projects, "sub")
        os.makedirs(sub)
        os.rename(os.path.join(projects, "pizzeria-roma.yaml"), os.path.join(sub, "roma.yaml"))
        same("a move into a new directory", 1, "spliced", True)

        os.unlink(luna)
        same("a deletion (the project is to be archived)", 0, "spliced", False)

        w.db("UPDATE marketplace_project SET name = ? WHERE slug = ?", "Roma (app)", "pizzeria-roma")
        wt.p.send_signal(signal.SIGHUP)
        same("a recorded row changed by the application", 0, "spliced1", True)
        w.db("UPDATE marketplace_project SET provisioning_status = 'provisioning' WHERE slug = ?",
                "pizzeria-roma")
        wt.p.send_signal(signal.SIGHUP)
        same("the same row changed again", 0, "spliced1")

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
        same("the fix", 1, "spliced", False)

        platform = os.path.join(w.specs, "platform.yaml")
        with open(platform) as f:
            ptext = f.read()
        with open(platform, "w") as f:
            f.write(ptext.replace("display_name: VRS GmbH", "display_name: VRS GmbH & Co"))
        same("an edit of the global documents", 1, "full", False)

        with open(luna, "w") as f:
            f.write(text)
        same("a file back", 1, "spliced")

        with open(os.path.join(projects, "b-auto.yaml"), "w") as f:
            f.write("kind: Project\nslug: b-auto\nname: Auto\nowner_email: b@example.org\n"
                    "project_type: gastro\nserver: auto\n"
                    "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains:\n  - subdomain: b-auto\n")
        same("a `server: auto` project added", 1)
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
