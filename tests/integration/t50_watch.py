#!/usr/bin/python3
"""vrsctl watch against the simulator, with a real watch process: a spec edit is
applied within debounce + 1 s; a write-and-rename save and a git checkout of 50
files each give exactly one reconcile; a broken edit is reported with its
position and applies nothing until fixed; a new subdirectory is picked up; drift
is healed at the next tick while unmanaged records stay; SIGHUP reloads; a second
watch exits 3; SIGTERM during an apply exits 0 within 10 s and the next apply
converges without duplicates; --once; metrics. Prints TAP."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
DEBOUNCE = 0.3


class Watch(vrsenv.JsonWatch):
    def __init__(self, w, *args):
        super().__init__(w, ["--debounce", "%dms" % int(DEBOUNCE * 1000)] + list(args))


def image_of(w, name):
    a = w.apps_by_name().get(name)
    return a[0]["docker_registry_image_tag"] if a else None


def edit(path, old, new):
    with open(path) as f:
        s = f.read()
    assert old in s, (path, old)
    with open(path, "w") as f:
        f.write(s.replace(old, new))


def main():
    w = World(os.path.join(TOP, "specs"))
    # room for the ~100 projects this test adds
    edit(os.path.join(w.specs, "platform.yaml"), "max_projects: 20", "max_projects: 200")
    luna = os.path.join(w.specs, "projects", "cafe-luna.yaml")
    wt = Watch(w, "--interval", "2s", "--metrics-file", os.path.join(w.dir, "metrics.prom"))
    t.ok(wt.wait_for(lambda: wt.count("reconcile_finished") >= 1, 30) is not None, "watch starts and converges")
    t.ok(wt.wait_for(lambda: len(w.status()) == 2 and all(v["status"] == "active" for v in w.status().values()), 10) is not None,
         "both projects are active")
    wt.idle()

    # an edit is applied within debounce + 1 s
    edit(luna, "vrs-core:1.4.2", "vrs-core:1.4.3")
    dt = wt.wait_for(lambda: image_of(w, "cafe-luna") == "1.4.3", 10)
    t.ok(dt is not None and dt <= DEBOUNCE + 1.0, "a spec edit reaches Coolify within debounce + 1 s (%.2fs)" % (dt or -1))
    wt.idle()

    # an editor's save: write a temp file, rename it over the original -> one reconcile
    before = wt.count("reconcile_started", "specs changed")
    tmp = luna + ".swp~"
    with open(luna) as f:
        s = f.read().replace("1.4.3", "1.4.4")
    with open(tmp, "w") as f:
        f.write(s)
    os.rename(tmp, luna)
    wt.wait_for(lambda: image_of(w, "cafe-luna") == "1.4.4", 10)
    wt.idle()
    t.eq(wt.count("reconcile_started", "specs changed") - before, 1, "a write-and-rename save gives one reconcile")

    # a git checkout changing 50 files -> one reconcile
    gitenv = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
                  GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    many = os.path.join(w.specs, "many")
    os.makedirs(many)
    wt.idle()
    subprocess.run(["git", "init", "-q", w.specs], check=True, env=gitenv)
    subprocess.run(["git", "-C", w.specs, "add", "-A"], check=True, env=gitenv)
    subprocess.run(["git", "-C", w.specs, "commit", "-qm", "base"], check=True, env=gitenv)
    subprocess.run(["git", "-C", w.specs, "checkout", "-qb", "fifty"], check=True, env=gitenv)
    for i in range(50):
        with open(os.path.join(many, "p%02d.yaml" % i), "w") as f:
            f.write("kind: Project\nslug: git-%02d\nname: G %d\nowner_email: g@example.org\n"
                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains:\n  - subdomain: git-%02d\n" % (i, i, i))
    subprocess.run(["git", "-C", w.specs, "add", "-A"], check=True, env=gitenv)
    subprocess.run(["git", "-C", w.specs, "commit", "-qm", "fifty"], check=True, env=gitenv)
    subprocess.run(["git", "-C", w.specs, "checkout", "-q", "master" if subprocess.run(
        ["git", "-C", w.specs, "rev-parse", "--verify", "-q", "master"], capture_output=True).returncode == 0 else "main"],
        check=True, env=gitenv)
    wt.idle(quiet=1.5)
    before = wt.count("reconcile_started", "specs changed")
    subprocess.run(["git", "-C", w.specs, "checkout", "-q", "fifty"], check=True, env=gitenv)
    wt.wait_for(lambda: len(w.status()) == 52, 30)
    wt.idle(quiet=1.5)
    t.eq(wt.count("reconcile_started", "specs changed") - before, 1, "a git checkout of 50 files gives one reconcile")
    wt.wait_for(lambda: len([k for k in w.apps_by_name() if k.startswith("git-")]) == 50, 20)
    t.eq(len([k for k in w.apps_by_name() if k.startswith("git-")]), 50, "and applies all 50 projects")
    rows = w.db("SELECT DISTINCT triggered_by FROM marketplace_provisioning_log l JOIN marketplace_project p "
                "ON p.id = l.project_id WHERE p.slug = 'git-00'")
    t.eq(rows, [("ci@example.org",)], "triggered_by from VRS_TRIGGERED_BY")
    meta = w.db("SELECT metadata_json FROM marketplace_provisioning_log l JOIN marketplace_project p "
                "ON p.id = l.project_id WHERE p.slug = 'git-00' LIMIT 1")[0][0]
    head = subprocess.run(["git", "-C", w.specs, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    t.ok(head in meta, "metadata_json carries the spec commit", meta)

    # a broken edit: reported with its position, nothing applied, the good specs stay
    edit(luna, "vrs-core:1.4.4", "vrs-core:1.4.5\n  bogus_key: 1")
    t.ok(wt.wait_for(lambda: wt.count("spec_error") >= 1, 5) is not None, "a broken edit is reported")
    errs = [e["message"] for e in wt.events() if e.get("event") == "spec_error"]
    t.ok(any(re_pos(m, "cafe-luna.yaml") for m in errs), "with its file:line:col", errs)
    wt.idle()
    t.eq(image_of(w, "cafe-luna"), "1.4.4", "nothing of the broken specs is applied")
    w.patch({"op": "delete_app", "name": "pizzeria-roma"})
    t.ok(wt.wait_for(lambda: len(w.apps_by_name().get("pizzeria-roma", [])) == 1, 10) is not None,
         "meanwhile the last good specs stay in force (drift healed at the tick)")
    edit(luna, "vrs-core:1.4.5\n  bogus_key: 1", "vrs-core:1.4.6")
    t.ok(wt.wait_for(lambda: image_of(w, "cafe-luna") == "1.4.6", 10) is not None, "fixing the spec applies it")

    # a new subdirectory with specs is picked up
    sub = os.path.join(w.specs, "neu", "tief")
    os.makedirs(sub)
    time.sleep(0.2)
    with open(os.path.join(sub, "neu.yaml"), "w") as f:
        f.write("kind: Project\nslug: neu-projekt\nname: Neu\nowner_email: n@example.org\n"
                "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                "domains:\n  - subdomain: neu-projekt\n")
    t.ok(wt.wait_for(lambda: len(w.apps_by_name().get("neu-projekt", [])) == 1, 10) is not None,
         "a project in a new subdirectory is applied")

    # drift at the next tick: a changed managed record is set back, an unmanaged one stays
    wt.idle()
    w.patch({"op": "set_record", "zone": "vrs.gmbh", "name": "luna.vrs.gmbh", "type": "A",
             "fields": {"content": "198.51.100.7"}},
            {"op": "add_record", "zone": "vrs.gmbh", "name": "extern.vrs.gmbh", "type": "A", "content": "192.0.2.77"})
    ok = wt.wait_for(lambda: [r["content"] for r in w.records().get(("luna.vrs.gmbh", "A"), [])] == ["203.0.113.10"], 10)
    t.ok(ok is not None, "a changed managed record is set back at the next tick")
    t.eq(len(w.records().get(("extern.vrs.gmbh", "A"), [])), 1, "an unmanaged record in the same zone is left alone")
    acts = {r[0] for r in w.db("SELECT action FROM marketplace_provisioning_log")}
    t.ok("drift_detected" in acts and "drift_healed" in acts, "drift_detected and drift_healed are logged")

    # metrics
    with open(os.path.join(w.dir, "metrics.prom")) as f:
        prom = f.read()
    t.ok('vrsctl_projects{status="active"}' in prom and "vrsctl_reconcile_duration_seconds" in prom
         and "vrsctl_last_success_timestamp_seconds" in prom, "metrics file in Prometheus text format", prom[:400])
    t.ok('vrsctl_leader{holder="vrsctl@%s:%d"} 1' % (os.uname().nodename, wt.p.pid) in prom,
         "the metrics say this watch leads", prom[-300:])

    # SIGHUP reloads now
    n = wt.count("reload")
    wt.p.send_signal(signal.SIGHUP)
    t.ok(wt.wait_for(lambda: wt.count("reload") == n + 1, 5) is not None, "SIGHUP reloads")

    # a second watch (or apply) exits 3
    p = w.run("watch", "--once")
    t.eq(p.returncode, 3, "a second watch exits 3")
    t.ok(str(wt.p.pid) in p.stderr, "naming the holder's pid", p.stderr)
    rc = wt.stop()
    t.eq(rc, 0, "SIGTERM stops an idle watch with 0")

    # SIGTERM in the middle of an apply: exit 0 within 10 s, then an apply converges
    big = os.path.join(w.specs, "big")
    os.makedirs(big)
    w.faults([{"match": "*", "kind": "latency", "ms": 30}])
    wt2 = Watch(w, "--interval", "10m")
    wt2.wait_for(lambda: wt2.count("reconcile_finished") >= 1, 30)
    for i in range(40):
        with open(os.path.join(big, "b%02d.yaml" % i), "w") as f:
            f.write("kind: Project\nslug: big-%02d\nname: B\nowner_email: b@example.org\n"
                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                    "domains:\n  - subdomain: big-%02d\n" % (i, i))
    wt2.wait_for(lambda: wt2.count("action") > 20 and any(e.get("event") == "action" and (e.get("project") or "").startswith("big-") for e in wt2.events()), 20)
    t0 = time.time()
    rc = wt2.stop(timeout=12)
    took = time.time() - t0
    t.ok(rc == 0 and took <= 10, "SIGTERM during an apply exits 0 within 10 s (%s after %.1fs)" % (rc, took))
    done = len([k for k in w.apps_by_name() if k.startswith("big-")])
    t.ok(done < 40, "the watch was stopped mid-apply (%d of 40 apps created)" % done)
    w.faults([])
    p = w.apply()
    t.eq(p.returncode, 0, "the next apply converges")
    apps = w.apps_by_name()
    t.eq(sorted(k for k, v in apps.items() if len(v) != 1), [], "with no duplicate app")
    t.eq(len([k for k in apps if k.startswith("big-")]), 40, "and every new project")
    t.eq(w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0], 0, "no journal row left open")

    # --once: one reconcile with refresh, then exit
    w.patch({"op": "delete_app", "name": "big-03"})
    p = w.run("watch", "--once")
    t.eq(p.returncode, 0, "watch --once exits 0")
    t.eq(len(w.apps_by_name().get("big-03", [])), 1, "and healed the drift it found")
    everything = "\n".join(w.outputs) + "".join(open(x.logpath).read() for x in (wt, wt2))
    t.ok(vrsenv.SMTP_SECRET not in everything and "sim-password" not in everything,
         "no secret in the watch logs")
    w.close()
    return t.done()


def re_pos(msg, fname):
    import re
    return re.search(re.escape(fname) + r":\d+:\d+: error: ", msg) is not None


if __name__ == "__main__":
    sys.exit(main())
