#!/usr/bin/env python3
"""t16_standby.py — hot-standby watch and the NOTIFY wake-up on PostgreSQL
(issue 14, items 3-4), under tests/pg.sh.

Two watches on one state: the second waits as a standby (status and the
metrics name the leader); the leader is killed with kill -9 in the middle of
an apply of 30 projects and the standby takes over (the time from the kill to
its first API call is printed), finishing with exactly one app and one DNS
record set per project. A third watch waits; the leader's sessions are then
terminated (pg_terminate_backend) in the middle of a reconcile of 10 more
projects: the old leader stops (no action after it lost the lock) and waits
as a standby, the waiting one takes over and the reconcile ends without a
duplicate. The application's NOTIFY vrsctl, 'slug' after it suspended a
project makes the leader reconcile at once (--interval 1h; the time to the
first API call is printed); a burst of NOTIFYs gives one reconcile; an
unknown slug is logged and ignored. SIGTERM stops a waiting standby (exit 0).
Without VRS_TEST_PG it only says it was skipped. Prints TAP.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, VRSCTL, World  # noqa: E402

KEY = 1987011379


class Watch:
    """a vrsctl watch with JSON events in a log file"""

    def __init__(self, w, name, *args):
        self.w = w
        self.logpath = os.path.join(w.dir, "watch-%s.log" % name)
        self.metrics = os.path.join(w.dir, "metrics-%s.prom" % name)
        self.log = open(self.logpath, "w+")
        cmd = [VRSCTL, "--specs", w.specs, "--state", w.state, "--log-format", "json", "watch",
               "--debounce", "100ms", "--interval", "1h", "--metrics-file", self.metrics] + list(args)
        self.p = subprocess.Popen(cmd, env=w.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.name = "vrsctl@%s:%d" % (os.uname().nodename, self.p.pid)

    def events(self):
        self.log.flush()
        return vrsenv.json_log_events(self.logpath)

    def count(self, event, action=None):
        return sum(1 for e in self.events()
                   if e.get("event") == event and (action is None or e.get("action") == action))

    def metric(self, name):
        try:
            with open(self.metrics) as f:
                return [ln for ln in f.read().splitlines() if ln.startswith(name)]
        except OSError:
            return []

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()

    def tail(self):
        with open(self.logpath) as f:
            return f.read()[-4000:]


def wait_for(pred, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    return None


def holder(w):
    rows = w.db("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON "
                "a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objid = ?", KEY)
    return rows[0][0] if rows else None


def first_call_after(w, t0):
    """the first Coolify call that arrived after t0 (unix seconds), or None"""
    times = w.admin.get("/_sim/calls/times").json["coolify"]
    later = [x for v in times.values() for x in v if x >= t0]
    return min(later) if later else None


def converged(t, w, n, what):
    apps = w.apps_by_name()
    t.ok(len(apps) == n and all(len(v) == 1 for v in apps.values()),
         "%s: exactly one app per project (%d)" % (what, n), {k: len(v) for k, v in apps.items()
                                                              if len(v) != 1} or len(apps))
    recs = w.records()
    t.ok(len(recs) >= n and all(len(v) == 1 for v in recs.values()),
         "%s: exactly one record set each" % what, len(recs))
    open_rows = w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0]
    t.eq(open_rows, 0, "%s: no journal entry left open" % what)
    # (gen_specs' base domain without a display_name always shows one change:
    # not this test's subject)
    p = w.run("plan")
    t.ok(p.returncode == 0 and ("No changes." in p.stdout or (
        "Plan: 0 to create, " in p.stdout and " 0 to delete" in p.stdout))
         and "# project" not in p.stdout, "%s: a plan has no project left to do" % what,
         p.stdout[-1500:] + p.stderr[-500:])


def main():
    t = Tap()
    if not vrsenv.PG_URL:
        t.ok(True, "# SKIP no PostgreSQL server (run under tests/pg.sh; run.sh does)")
        return t.done()
    d = tempfile.mkdtemp(prefix="vrs-standby-")
    specs = os.path.join(d, "specs")
    more = os.path.join(d, "more")
    gen = os.path.join(TOP, "tests", "bench", "gen_specs.py")
    subprocess.run(["/usr/bin/python3", gen, "30", specs], check=True, capture_output=True)
    subprocess.run(["/usr/bin/python3", gen, "40", more], check=True, capture_output=True)
    # the simulator knows all 40 projects' zones; the specs start with 30
    w = World(specs, sim_args=("--latency", "20", "--jitter", "10"), seed_specs=more)
    watches = []
    try:
        for i in range(40):
            w.env["SMTP_PASSWORD_%d" % i] = vrsenv.SMTP_SECRET
        takeover(t, w, watches)
        dropped(t, w, watches, more)
        notify(t, w, watches)
        for x in watches:
            if x.p.poll() is None:
                rc = x.stop()
                t.ok(rc == 0, "SIGTERM stops %s (exit 0, got %s)" % (x.role, rc), x.tail())
    finally:
        for x in watches:
            if x.p.poll() is None:
                x.p.kill()
                x.p.wait()
        w.close()
        shutil.rmtree(d, ignore_errors=True)
    return t.done()


def takeover(t, w, watches):
    a = Watch(w, "a")
    a.role = "the first leader"
    watches.append(a)
    t.ok(wait_for(lambda: holder(w) == a.name, 20), "the first watch takes the writer lock")
    b = Watch(w, "b")
    b.role = "the standby"
    watches.append(b)
    t.ok(wait_for(lambda: b.count("standby"), 20), "the second watch waits as a standby",
         b.tail())
    t.ok(b.p.poll() is None, "a standby does not exit 3")
    t.ok(wait_for(lambda: any('vrsctl_leader{holder="%s"} 0' % a.name == m
                              for m in b.metric("vrsctl_leader")), 5),
         "the standby's metrics: vrsctl_leader 0, naming the leader", b.metric("vrsctl_leader"))
    # the leader migrates the schema under the lock it just took: until it has,
    # a read-only status says "needs migration" (and exits 1), which is not wrong
    p = wait_for(lambda: (lambda q: q if q.returncode == 0 or "needs migration" not in q.stderr
                          else None)(w.run("status", "--format", "json")), 10) or \
        w.run("status", "--format", "json")
    t.eq(json.loads(p.stdout).get("leader") if p.returncode == 0 else p.stderr, a.name,
         "status --format json names the leader")
    p = w.run("status")
    t.ok("Leader: %s" % a.name in p.stdout, "status names the leader", p.stdout[:300])
    # kill -9 in the middle of the apply: some apps exist, not all
    n = wait_for(lambda: 3 <= len(w.apps_by_name()) < 30 and len(w.apps_by_name()), 60)
    a.p.kill()
    a.p.wait()
    t0 = time.time()  # after its end: a call arriving later is the standby's
    t.ok(n and n < 30, "the leader is killed (kill -9) in the middle of the apply (%s of 30 apps)" % n)
    t.ok(wait_for(lambda: b.count("leading"), 15), "the standby takes the lock", b.tail())
    first = wait_for(lambda: first_call_after(w, t0), 30)
    t.ok(first is not None, "the standby calls the API")
    if first is not None:
        took = first - t0
        print("# take-over: %.1f s" % took)
        t.ok(took < 1 + 5, "within --interval + 5 s of the kill (%.1f s; the interval is 1h, "
             "the poll 1 s)" % took)
    t.ok(wait_for(lambda: b.count("reconcile_finished"), 90), "the new leader's reconcile ends",
         b.tail())
    converged(t, w, 30, "after the take-over")
    t.ok(wait_for(lambda: 'vrsctl_leader{holder="%s"} 1' % b.name in b.metric("vrsctl_leader"), 5),
         "the new leader's metrics: vrsctl_leader 1, naming itself", b.metric("vrsctl_leader"))
    p = w.run("status", "--format", "json")
    t.eq(json.loads(p.stdout).get("leader") if p.returncode == 0 else p.stderr, b.name,
         "status names the new leader")


def dropped(t, w, watches, more):
    b = watches[1]
    c = Watch(w, "c")
    c.role = "the third watch"
    watches.append(c)
    t.ok(wait_for(lambda: c.count("standby"), 20), "a third watch waits", c.tail())
    before = len(b.events())
    # ten more projects: the leader's reconcile (debounced inotify) creates them
    src = os.path.join(more, "projects", "00")
    for name in sorted(os.listdir(src)):
        dst = os.path.join(w.specs, "projects", "00", name)
        if not os.path.exists(dst):
            shutil.copy(os.path.join(src, name), dst + ".tmp")
            os.rename(dst + ".tmp", dst)
    n = wait_for(lambda: 32 <= len(w.apps_by_name()) < 40 and len(w.apps_by_name()), 60)
    drop = time.time()
    killed = w.db("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                  "application_name = ?", b.name)[0][0]
    t.ok(n and killed >= 1, "the leader's sessions are terminated mid-reconcile (%s of 40 apps, "
         "%d sessions)" % (n, killed))
    t.ok(wait_for(lambda: b.count("leadership_lost"), 20), "the old leader says it lost the lock",
         b.tail())
    t.ok(b.p.poll() is None, "and keeps running")
    t.ok(wait_for(lambda: c.count("leading"), 15), "the waiting watch takes over", c.tail())
    led = time.time() - drop
    t.ok(wait_for(lambda: holder(w) == c.name, 5), "it holds the writer lock")
    ev = b.events()[before:]
    lost = next(i for i, e in enumerate(ev) if e.get("event") == "leadership_lost")
    after = [e for e in ev[lost + 1:] if e.get("event") in ("action", "reconcile_started")]
    t.eq(after, [], "the old leader runs nothing after it lost the lock")
    t.ok(any(e.get("event") == "standby" for e in ev[lost + 1:]) or
         wait_for(lambda: b.count("standby") >= 2, 10), "it waits as a standby again")
    t.ok(wait_for(lambda: c.count("reconcile_finished"), 90), "the new leader's reconcile ends",
         c.tail())
    t.ok(wait_for(lambda: len(w.apps_by_name()) >= 40, 30), "all 40 apps exist")
    converged(t, w, 40, "after the dropped session")
    print("# dropped session: the waiting watch led %.1f s after the drop" % led)


def notify(t, w, watches):
    c = watches[2]
    slug = "project-00007"
    busy = wait_for(lambda: c.count("reconcile_finished") >= 1, 5)
    time.sleep(0.5)  # let the leader go idle
    before = c.count("reconcile_started")
    w.reset_calls()
    t0 = time.time()
    w.db("UPDATE marketplace_project SET provisioning_status = 'suspended' WHERE slug = ?; "
         "NOTIFY vrsctl, '%s'" % slug, slug)
    first = wait_for(lambda: first_call_after(w, t0), 10)
    t.ok(busy and first is not None, "NOTIFY vrsctl, '%s' after a suspension: the leader calls "
         "the API (--interval 1h)" % slug, c.tail())
    if first is not None:
        print("# notify reaction: %d ms (debounce 100 ms)" % round((first - t0) * 1000))
    t.ok(wait_for(lambda: c.count("reconcile_started", "notify") >= 1 and
                  c.count("reconcile_finished") > before, 20), "one reconcile, for the notify")
    def app_status():
        return str(w.apps_by_name().get(slug, [{}])[0].get("status"))
    t.ok(wait_for(lambda: app_status().startswith("exited"), 20),
         "the suspended project's app is stopped", (app_status(), sorted(w.apps_by_name())[:5],
                                                    c.tail()))
    # a burst: one reconcile
    time.sleep(0.5)
    before = c.count("reconcile_started")
    for _ in range(5):
        w.db("SELECT pg_notify('vrsctl', ?)", slug)
    time.sleep(1.5)
    t.eq(c.count("reconcile_started") - before, 1, "a burst of 5 NOTIFYs gives one reconcile")
    w.db("SELECT pg_notify('vrsctl', ?)", "no-such\nproject")
    t.ok(wait_for(lambda: c.count("notify_ignored"), 5), "an unknown slug is logged and ignored",
         c.tail())
    msgs = [e.get("message") for e in c.events() if e.get("event") == "notify_ignored"]
    t.ok(msgs and "'no-such?project'" in msgs[0], "naming it without its control characters",
         msgs)
    time.sleep(0.5)
    t.ok(c.p.poll() is None and holder(w) == c.name, "the leader keeps leading")


if __name__ == "__main__":
    sys.exit(main())
