#!/usr/bin/python3
"""apply_bench.py — apply and watch against the simulator; prints ROW lines for
tests/bench/table.py.

  apply:   N projects with 50 ms latency and no rate limit: wall time beside the plan's
           critical path (from `plan --format json`, not from the run's calls); calls
           made beside the plan's minimum; Coolify calls per new project. With
           Coolify's limit of 200/min per user and a load of more than 200 calls: wall
           time beside (minimum calls) / budget and the 429s, paced, then the same load
           unpaced (VRS_BENCH_UNPACED=1), which does get 429s.
  watch:   reaction time from a file save to the first API call; CPU used by an idle
           watch; for N converged projects with a zone each: plan --refresh's reads, a
           watch tick's calls and time at 50 ms latency (--refresh-zones 50), an edit
           saved during a tick (save -> first API call); peak RSS of a watch holding N.

  refresh: the refresh rows of `watch` only (no reaction or idle rows).

Env: BENCH_N (apply, default 200), BENCH_BUDGET_N (default 200), BENCH_IDLE_S (default 60),
BENCH_REFRESH_NS (default "100,1000"; 10000 by hand: `BENCH_REFRESH_NS=10000 apply_bench.py
refresh`). A refresh world of N > BENCH_REFRESH_N0 (default 100) projects is a real apply of
N0 copied N/N0 times (replicate.py: minutes, where the apply of 10,000 new projects runs for
hours against the simulator, whose list answers grow with N); BENCH_REFRESH_SETUP=apply sets
up every N by a real apply instead. Both are checked: plan and plan --refresh exit 0.
Standard library only.
"""
import calendar
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import vrsenv  # noqa: E402
import replicate  # noqa: E402

LAT_MS = 50
DEPLOY_BATCH = 20  # src/engine/deploy_int.h DEPLOY_BATCH_MAX


def gen(n, root, servers=4, own_zone=False, only=None):
    """n projects' specs (only the first `only` project files, the platform of n, if given)"""
    files = {"platform.yaml": "".join(
        "kind: Server\nname: s%d\ncoolify_uuid: \"srv%d\"\nip_address: 203.0.113.%d\nmax_projects: %d\n---\n"
        % (i, i, 10 + i, n) for i in range(servers)) + """kind: BaseDomain
domain: vrs.gmbh
display_name: VRS
default: true
---
kind: BaseDomain
domain: vrs-preview.de
display_name: Preview
---
kind: ProjectType
code: gastro
name: Gastro
"""}
    for i in range(n if only is None else only):
        # every other project on the second base domain: two zones; or a zone of its own
        base = "\n    base: vrs-preview.de" if i % 2 else ""
        dom = "subdomain: b%05d%s" % (i, base)
        if own_zone:
            dom = "domain: b%05d.de\n    type: owned\n    primary: true" % i
        files["p/%05d.yaml" % i] = ("kind: Project\nslug: b%05d\nname: B\nowner_email: b@example.org\n"
                                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                                    "domains:\n  - %s\n" % (i, dom))
    vrsenv.write_specs(root, files)


def coolify_writes(calls):
    return sum(v for k, v in calls.get("coolify", {}).items() if not k.startswith("GET "))


def plan_needs(w, lat_s, deploy_s, par):
    """What the plan needs at least, from `plan --format json` (not from the run's own calls):
    one call per Coolify and INWX action; the critical path over `requires` (a remote action
    costs one latency, a deployment also its deploy time and one poll); the INWX session is
    serial; the Coolify calls spread over the parallelism. Returns (coolify_actions,
    inwx_actions, floor_s, min_coolify_calls): the last is what the Coolify API needs for
    those actions: one call per write but the deploys, which go DEPLOY_BATCH (20) apps to a
    POST /deploy; one GET /deployments/{uuid} per deployment for its outcome (GET /deployments
    lists only queued and running ones); one GET /servers/{uuid}/destinations per server an
    app is created on; and for each batch one GET /deployments (to see its deployments end)
    and one GET /applications (to see its apps healthy)."""
    p = w.run("plan", "--format", "json", timeout=600)
    acts = json.loads(p.stdout)["actions"]
    cost, done = {}, {}
    for a in acts:
        c = 0.0 if a["service"] == "local" else lat_s
        if a["op"] == "deploy":
            c += deploy_s + lat_s
        cost[a["id"]] = c
    for a in acts:  # ids are in a topological order: requires point backwards
        done[a["id"]] = cost[a["id"]] + max([done[r] for r in a["requires"]] or [0.0])
    ncool = sum(a["service"] == "coolify" for a in acts)
    ninwx = sum(a["service"] == "inwx" for a in acts)
    floor = max(max(done.values() or [0.0]), ninwx * lat_s, ncool * lat_s / par)
    ndeploy = sum(a["service"] == "coolify" and a["op"] == "deploy" for a in acts)
    servers = len(set(c["new"] for a in acts if a["resource"] == "coolify_app" and a["op"] == "create"
                      for c in a["changes"] if c["field"] == "server"))
    batches = math.ceil(ndeploy / DEPLOY_BATCH)
    minc = ncool - ndeploy + batches + ndeploy + servers + 2 * batches
    return ncool, ninwx, floor, minc


def sent(calls, svc):
    return sum(calls.get(svc, {}).values())


def apply_rows():
    """ROW lines: an apply at 50 ms latency without a rate limit, and an apply at Coolify's
    200/min whose load is more than 200 calls (more than the limit in one window), paced and
    then unpaced (VRS_BENCH_UNPACED=1, a bench setting). Both at vrsctl's default poll tick
    (2 s): VRS_POLL_MS, which the tests set to 100 ms, is unset."""
    n = int(os.environ.get("BENCH_N", "200"))
    rows = []
    deploy_s, par = 0.3, 10
    if n > 0:
        specs = tempfile.mkdtemp()
        gen(n, specs)
        w = vrsenv.World(specs, copy_specs=False, sim_args=("--latency", str(LAT_MS), "--deploy-time", str(deploy_s)))
        w.env.pop("VRS_POLL_MS", None)
        ncool, ninwx, floor, minc = plan_needs(w, LAT_MS / 1000.0, deploy_s, par)
        w.reset_calls()
        t0 = time.time()
        p = w.apply("-q", "--parallelism", str(par), timeout=3600)
        wall = time.time() - t0
        c = w.calls()
        mincool = minc
        print("apply %d: Coolify calls %s" % (n, json.dumps(c.get("coolify", {}), sort_keys=True)))
        rows.append(("apply, no rate limit, parallelism %d" % par, str(n), "%d ms" % LAT_MS, "off",
                     "%.1f s" % wall, "plan's critical path %.1f s" % floor, "%.2fx" % (wall / floor),
                     "calls: Coolify %d (min %d), INWX %d (min %d); rc %d" % (
                         sent(c, "coolify"), mincool, sent(c, "inwx"), ninwx, p.returncode)))
        rows.append(("Coolify calls per new project, all reads included", str(n), "%d ms" % LAT_MS, "off",
                     "%.2f (%.2f writes)" % (sent(c, "coolify") / n, coolify_writes(c) / n),
                     "min %.2f (the API's calls for the plan's actions)" % (mincool / n),
                     "%.2fx" % (sent(c, "coolify") / mincool), "goal <= 4.3"))
        w.close()

    nb = int(os.environ.get("BENCH_BUDGET_N", "200"))
    if nb <= 0:
        return rows
    budget = 200
    for paced in (True, False):
        specs = tempfile.mkdtemp()
        gen(nb, specs)
        w = vrsenv.World(specs, copy_specs=False, sim_args=("--rate-limit", str(budget), "--deploy-time", str(deploy_s)))
        w.env["VRS_COOLIFY_RATE"] = str(budget)
        w.env.pop("VRS_POLL_MS", None)
        if not paced:
            w.env["VRS_BENCH_UNPACED"] = "1"
        _, _, _, minc = plan_needs(w, 0.0, deploy_s, par)
        w.reset_calls()
        rate = budget / 60.0
        # the budget's floor: the API's calls for the plan's actions at the budget's rate
        bfloor = minc / rate
        bmin = minc
        t0 = time.time()
        p = w.apply("-q", timeout=3600)
        wall = time.time() - t0
        c = w.calls()
        n429 = w.sim_state().get("meta", {}).get("rate_limited", 0)
        print("budget %d paced %s: Coolify calls %s" % (nb, paced, json.dumps(c.get("coolify", {}), sort_keys=True)))
        rows.append(("apply, Coolify limit %d/min per user, pacing %s" % (
            budget, "on" if paced else "off (VRS_BENCH_UNPACED)"), str(nb), "0", "%d/min" % budget,
            "%.1f s" % wall, "min calls / budget %.1f s" % bfloor, "%.2fx" % (wall / bfloor),
            "%d x 429; Coolify calls %d (min %d, > %d: more than one window's limit); rc %d" % (
                n429, sent(c, "coolify"), bmin, budget, p.returncode)))
        w.close()
    return rows


def rss_of(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def cpu_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / tick


def watch_rows():
    rows = []
    specs = tempfile.mkdtemp()
    gen(20, specs)
    w = vrsenv.World(specs, copy_specs=False)
    w.apply("-q")
    log = open(os.path.join(w.dir, "watch.log"), "w")
    wp = subprocess.Popen([vrsenv.VRSCTL, "--specs", specs, "--state", w.state, "watch", "--interval", "1h",
                           "--debounce", "300ms"], env=w.env, stdout=log, stderr=log)
    time.sleep(2)
    # reaction: save a file, time until the simulator sees the first call
    samples = []
    for k in range(5):
        w.reset_calls()
        path = os.path.join(specs, "p", "%05d.yaml" % k)
        with open(path) as f:
            s = f.read()
        t0 = time.time()
        with open(path, "w") as f:
            f.write(s.replace("1.4.2", "1.4.9"))
        while time.time() - t0 < 10:
            c = w.calls()
            if sum(c.get("coolify", {}).values()) > 0:
                break
            time.sleep(0.002)
        samples.append(time.time() - t0)
        time.sleep(1.0)
    samples.sort()
    rows.append(("watch: file save -> first API call (median of 5)", "20", "0", "off",
                 "%.0f ms" % (samples[2] * 1000), "debounce 300 ms", "%.2fx" % (samples[2] / 0.3),
                 "+%.0f ms over the debounce" % ((samples[2] - 0.3) * 1000)))
    idle = float(os.environ.get("BENCH_IDLE_S", "60"))
    c0 = cpu_of(wp.pid)
    time.sleep(idle)
    c1 = cpu_of(wp.pid)
    rows.append(("watch: CPU used while idle for %.0f s" % idle, "20", "0", "off", "%.3f s" % (c1 - c0),
                 "0", "-", "no floor but zero"))
    wp.send_signal(signal.SIGTERM)
    wp.wait(15)
    w.close()
    return rows + refresh_bench_rows()


def applied_world(n):
    """n converged projects with a zone each by a real apply of n new projects (hours at
    10,000), checked like replicate.py's copies; returns what replicate.converged_world does"""
    t0 = time.time()
    specs = tempfile.mkdtemp()
    gen(n, specs, servers=8, own_zone=True)
    w = vrsenv.World(specs, copy_specs=False)
    p = w.apply("-q", "--parallelism", "20", timeout=7200)
    ta = time.time() - t0
    p1 = w.run("plan", "--detailed-exitcode", timeout=1800)
    w.reset_calls()
    t1 = time.time()
    p2 = w.run("plan", "--refresh", "--detailed-exitcode", timeout=3600)
    refresh = (w.calls(), time.time() - t1)
    if p.returncode or p1.returncode or p2.returncode:
        w.close()
        raise replicate.SetupError("the apply of %d: rc %d, then plan rc %d, plan --refresh rc %d"
                                   % (n, p.returncode, p1.returncode, p2.returncode))
    return w, specs, refresh, "setup: apply of %d (%.0f s), checked: plan and plan --refresh exit 0" % (n, ta)


def refresh_bench_rows():
    """the refresh rows for each N of BENCH_REFRESH_NS: a world of N converged projects with a
    zone each, by a real apply when N <= BENCH_REFRESH_N0 (default 100) or BENCH_REFRESH_SETUP
    is "apply", else copied from a real apply of N0 (replicate.py); either is checked (plan and
    plan --refresh exit 0) and a world that is not converged ends the rows with an error row"""
    ns = [int(x) for x in os.environ.get("BENCH_REFRESH_NS", "100,1000").split(",")]
    n0 = int(os.environ.get("BENCH_REFRESH_N0", "100"))
    real = os.environ.get("BENCH_REFRESH_SETUP", "copy") == "apply"
    rows = []
    for n in ns:
        try:
            if real or n <= n0:
                w, specs, refreshed, note = applied_world(n)
            else:
                w, specs, refreshed, note = replicate.converged_world(n, gen, n0=n0)
        except replicate.SetupError as e:
            print("refresh setup %d: %s" % (n, e))
            rows.append(("ERROR: refresh setup", str(n), "-", "-", "not converged", "-", "-", str(e)[:300]))
            break
        rows += refresh_rows(w, specs, n, refreshed, note, n == max(ns))
        w.close()
        shutil.rmtree(specs, ignore_errors=True)
    return rows


def zone_calls(c):
    return sum(v for k, v in c.get("coolify", {}).items() if k.startswith("GET ")) + \
        sum(v for k, v in c.get("inwx", {}).items() if k in ("nameserver.info", "nameserver.list"))


def wait_events(path, pred, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        ev = []
        with open(path) as f:
            for line in f:
                try:
                    ev.append(json.loads(line))
                except ValueError:
                    pass
        if pred(ev):
            return ev
        time.sleep(0.05)
    return None


def refresh_rows(w, specs, n, refreshed, note, rss):
    """N converged projects, one zone each: plan --refresh (every zone: the setup's check,
    `refreshed` = (calls, seconds)), then a watch's ticks at LAT_MS latency with
    --refresh-zones 50 (calls and time per tick), and a spec edit saved while a tick reads
    zones, then one saved while it reads the Coolify lists (save -> the edit's first write)."""
    rows = []
    share, iv, debounce = 50, 5, 0.3
    rows.append(("plan --refresh, one zone per project (reads every zone)", str(n), "0", "off",
                 "%d read calls, %.1f s" % (zone_calls(refreshed[0]), refreshed[1]), "-", "-",
                 "2 Coolify lists + N zones; %s" % note))
    logp = os.path.join(w.dir, "watch-bench.log")
    log = open(logp, "w")
    wp = subprocess.Popen([vrsenv.VRSCTL, "--specs", specs, "--state", w.state, "--log-format", "json",
                           "watch", "--interval", "%ds" % iv, "--refresh-zones", str(share),
                           "--debounce", "%dms" % int(debounce * 1000)], env=w.env, stdout=log, stderr=log)
    try:
        # the first reconcile reads every zone (at no latency here: the ticks are measured)
        fin = lambda ev: [e for e in ev if e.get("event") == "reconcile_finished"]  # noqa: E731
        wait_events(logp, lambda ev: len(fin(ev)) >= 1, 3600)
        if rss:
            rows.append(("watch holding the projects: peak RSS", str(n), "0", "off",
                         "%.1f MB" % rss_of(wp.pid), "-", "-", "goal <= 100 MB"))
        # what the simulator itself spends on one list answer of N apps (no latency yet)
        t1 = time.time()
        w.sim.coolify(timeout=600).get("/applications")
        list_s = time.time() - t1
        w.faults([{"match": "*", "kind": "latency", "ms": LAT_MS}])
        k = len(fin(wait_events(logp, lambda ev: True, 5)))
        ev = wait_events(logp, lambda ev: len(fin(ev)) >= k + 3, 600) or []
        ticks = [e for e in fin(ev)[k:] if e.get("action") == "interval"]
        reads = []
        for e in ticks:
            m = (e.get("message") or "").split("refresh: ", 1)
            if len(m) == 2:
                reads.append(int(m[1].split()[0]))
        if ticks and reads:
            calls = sum(reads) / len(reads)
            dur = sum(e["duration"] for e in ticks) / len(ticks)
            floor = calls * LAT_MS / 1000.0
            rows.append(("watch tick, one zone per project, --refresh-zones %d" % share, str(n),
                         "%d ms" % LAT_MS, "off", "%.0f calls, %.2f s per tick" % (calls, dur),
                         "calls x latency %.2f s" % floor, "%.2fx" % (dur / floor),
                         "bounded: 2 Coolify lists + %d zones (+ the period's share: N x %d s / 1 h); "
                         "the simulator answers GET /applications of %d apps in %.2f s" % (share, iv, n, list_s)))
        # an edit saved while a tick reads its zones, and one saved while it reads the Coolify
        # lists (a refresh yields between zone reads only)
        for phase in ("zones", "lists"):
            row = edit_during_tick(w, logp, specs, n, debounce, phase)
            if row:
                rows.append(row)
    finally:
        wp.send_signal(signal.SIGTERM)
        try:
            wp.wait(60)
        except subprocess.TimeoutExpired:
            wp.kill()
    return rows


def ev_time(e):
    """a log event's time ("2026-12-08T02:48:39.357Z") in seconds since the epoch"""
    t = e["time"]
    return calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + t[19:].rstrip("Z"))


def first_call(w, since, pred, timeout):
    """the arrival time of the first call after `since` that pred(call) holds for, or None"""
    t0 = time.time()
    while time.time() - t0 < timeout:
        for c in w.call_log():
            if c[0] >= since and pred(c):
                return c[0]
        time.sleep(0.01)
    return None


def edit_during_tick(w, logp, specs, n, debounce, phase):
    """a spec edit saved as soon as a tick's first zone read ("zones") or first Coolify list
    read ("lists") arrives at the simulator -> the edit's first Coolify write; None (and a
    line saying so) when no tick was seen reaching that phase"""
    w.reset_calls()
    k = len(wait_events(logp, lambda ev: True, 5))
    started = wait_events(logp, lambda ev: any(e.get("event") == "reconcile_started" and e.get("action") ==
                                               "interval" for e in ev[k:]), 60)
    want = (lambda c: c[2] == "nameserver.info") if phase == "zones" else \
        (lambda c: c[1] == "coolify" and c[2].startswith("GET "))
    tick = [e for e in (started or [])[k:] if e.get("event") == "reconcile_started"]
    seen = tick and first_call(w, ev_time(tick[0]), want, 60)
    if not seen:
        print("refresh %d: no tick reached its %s reads" % (n, phase))
        return None
    path = os.path.join(specs, "p", "%05d.yaml" % 0)
    with open(path) as f:
        s = f.read()
    t0 = time.time()
    with open(path, "w") as f:
        f.write(s.replace("1.4.2", "1.4.9") if "1.4.2" in s else s.replace("1.4.9", "1.4.2"))
    first = first_call(w, t0, lambda c: c[1] == "coolify" and not c[2].startswith("GET "), 60)
    # the tick yielded to the edit (refresh_yielded, then its reconcile_finished: it applied the
    # edit) and the next reconcile read the zones it had left
    def after_yield(ev):
        y = [i for i, e in enumerate(ev) if i >= k and e.get("event") == "refresh_yielded"]
        return y and sum(e.get("event") == "reconcile_finished" for e in ev[y[0] + 1:]) >= 2
    ev = wait_events(logp, after_yield, 60) or wait_events(logp, lambda ev: True, 5)
    if not first:
        print("refresh %d: the edit saved during the %s reads made no Coolify write in 60 s" % (n, phase))
        return None
    ev = ev[k:]
    y = [i for i, e in enumerate(ev) if e.get("event") == "refresh_yielded"]
    planned = [e for e in ev if e.get("event") == "planned" and t0 < ev_time(e) <= first + 0.01]
    note = "goal <= debounce + 100 ms; "
    if planned:
        note += "the edit's plan %.2f s (%s); " % (planned[0].get("duration") or 0,
                                                  (planned[0].get("message") or "").split("; ")[-1])
    if y:
        end = [e for e in ev[y[0] + 1:] if e.get("event") == "reconcile_finished"]
        end = ev_time(end[1]) if len(end) > 1 else time.time()
        after = [c for c in w.call_log() if c[2] == "nameserver.info" and first < c[0] <= end]
        note += "the tick yielded (%s); %d zone reads came after the edit's first call" % (
            ev[y[0]].get("message") or "", len(after))
    else:
        note += "no refresh_yielded: the edit waited for the tick"
    what = "zone reads" if phase == "zones" else "Coolify list reads"
    return ("watch: edit saved during a tick's %s -> first API call" % what, str(n), "%d ms" % LAT_MS, "off",
            "%.0f ms" % ((first - t0) * 1000), "debounce %d ms" % int(debounce * 1000),
            "%.2fx" % ((first - t0) / debounce), note)


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    rows = []
    if which in ("all", "apply"):
        rows += apply_rows()
    if which in ("all", "watch"):
        rows += watch_rows()
    if which == "refresh":
        rows += refresh_bench_rows()
    # ROW lines for tests/bench/table.py: benchmark|N|latency|budget|result|floor|ratio|note
    for r in rows:
        print("ROW|" + "|".join(r))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
