#!/usr/bin/python3
"""tests/soak/soak.py — the fault soak of `vrsctl watch` (issue 16, item 5; `make soak`).

A simulator seeded from a generated spec tree of SOAK_PROJECTS (40) projects
with domains, and one `vrsctl watch` on it, for SOAK_MINUTES (default 30; or
SOAK_SECONDS) with SOAK_FAULT_RATE (default 0.3) of the Coolify and INWX calls
answered by a fault of every kind the simulator has (5xx, 429 + Retry-After,
timeout, dropped connections before and after the write landed, malformed,
HTML and huge bodies, INWX 2400/2500), and a spec edit every SOAK_EDIT_SECONDS
(60), cycling through: add a project, change an image, change an env value,
add a domain, remove it, suspend, resume, remove a project. The watch's RSS
(/proc/PID/status VmRSS) and open fds (/proc/PID/fd) are sampled every 10 s.

At the end: faults off, one more reconcile (SIGHUP), the watch stopped; the
projects whose tries ran out (they wait for `vrsctl retry`, by design) are
retried as an operator would, then one `watch --once`. Checks: the plan is
empty (--refresh), the simulator's apps, projects and records are exactly
the specs' (one of each, nothing orphaned), RSS growth <= 5 % over the last
two thirds, open fds flat, no sanitizer report (SOAK_BIN=build/asan/vrsctl).
Prints a table of the faults injected (the simulator's /_sim/faults/stats)
and what vrsctl did (its metrics file, its events, `vrsctl log`); exits 1
when a check fails. Standard library only (plus tests/sim and vrsenv).
"""

import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
os.environ.setdefault("TOP", TOP)
if os.environ.get("SOAK_BIN"):
    os.environ["VRSCTL"] = os.path.abspath(os.environ["SOAK_BIN"])

import vrsenv  # noqa: E402
from vrsenv import World  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS") or float(os.environ.get("SOAK_MINUTES") or 30) * 60)
NPROJ = int(os.environ.get("SOAK_PROJECTS") or 40)
RATE = float(os.environ.get("SOAK_FAULT_RATE") or 0.3)
EDIT_S = float(os.environ.get("SOAK_EDIT_SECONDS") or 60)
SAMPLE_S = float(os.environ.get("SOAK_SAMPLE_SECONDS") or 10)
INTERVAL = os.environ.get("SOAK_INTERVAL") or "30s"
# fds allowed above the first sample after warm-up: the Coolify connections
# (--parallelism 10), INWX's one, the DNS gate's c-ares sockets (UDP + TCP) and
# the health probe's connection can all be open at the moment of a sample
FD_SLACK = 14
RSS_GROWTH = 0.05
SERVER_IP = "203.0.113.10"
IMAGE = "ghcr.io/vrs-gmbh/vrs-core"

# each kind's share of the faulted calls (normalised to RATE per service)
COOLIFY_FAULTS = [
    ({"kind": "http500"}, 3), ({"kind": "http502"}, 2), ({"kind": "http503"}, 2),
    ({"kind": "http429", "retry_after": 1}, 3), ({"kind": "timeout", "seconds": 2}, 1),
    ({"kind": "drop"}, 2), ({"kind": "drop", "apply": True}, 2),
    ({"kind": "http500", "apply": True}, 1), ({"kind": "malformed"}, 2),
    ({"kind": "html", "status": 502}, 1), ({"kind": "huge", "bytes": 9 * 1024 * 1024}, 1),
]
INWX_FAULTS = [
    ({"kind": "inwx2400"}, 4), ({"kind": "inwx2500"}, 3), ({"kind": "http502"}, 2),
    ({"kind": "http429", "retry_after": 1}, 1), ({"kind": "timeout", "seconds": 2}, 1),
    ({"kind": "drop"}, 2), ({"kind": "drop", "apply": True}, 2), ({"kind": "malformed"}, 2),
    ({"kind": "html", "status": 502}, 1), ({"kind": "huge", "bytes": 9 * 1024 * 1024}, 1),
]


def fault_rules(rate):
    """rules whose chained probabilities give `rate` in total per service: a
    rule fires with its rate only when the ones before it did not"""
    rules = []
    for svc, table in (("coolify", COOLIFY_FAULTS), ("inwx", INWX_FAULTS)):
        total = sum(w for _, w in table)
        left = rate
        for rule, w in table:
            share = rate * w / total
            r = dict(rule, match=svc + ":*", rate=min(1.0, share / (1.0 - (rate - left))))
            left -= share
            rules.append(r)
    return rules


# ---- the spec tree -------------------------------------------------------------------------

PLATFORM = """kind: Server
name: s1
coolify_uuid: "srv1"
ip_address: %s
max_projects: 500
---
kind: BaseDomain
domain: vrs.gmbh
display_name: VRS
default: true
---
kind: BaseDomain
domain: vrs-preview.de
display_name: VRS Preview
sort_order: 2
---
kind: ProjectType
code: gastro
name: Gastro
""" % SERVER_IP


def project_yaml(p):
    out = ["kind: Project", "slug: %s" % p["slug"], "name: Soak %s" % p["slug"],
           "owner_email: owner@example.org", "project_type: gastro"]
    if p["suspended"]:
        out.append("lifecycle: suspended")
    out.append("app:")
    out.append("  image: \"%s:%s\"" % (IMAGE, p["tag"]))
    out.append("  env:")
    for k, v in sorted(p["env"].items()):
        out.append("    %s: \"%s\"" % (k, v))
    out.append("domains:")
    for sub, base in p["domains"]:
        out.append("  - subdomain: %s" % sub + ("\n    base: %s" % base if base != "vrs.gmbh" else ""))
    return "\n".join(out) + "\n"


class Specs:
    """the desired world as Python data, written to the spec tree after each edit"""

    def __init__(self, root):
        self.root = root
        self.projects = {}
        self.rng = random.Random(16)
        self.n_new = 0
        self.edits = {}
        os.makedirs(os.path.join(root, "projects"), exist_ok=True)
        with open(os.path.join(root, "platform.yaml"), "w") as f:
            f.write(PLATFORM)
        for i in range(NPROJ):
            slug = "soak-%02d" % i
            doms = [(slug, "vrs.gmbh")]
            if i % 4 == 0:
                doms.append((slug, "vrs-preview.de"))
            self.projects[slug] = {"slug": slug, "tag": "1.0.%d" % (i % 5), "suspended": False,
                                   "env": {"VRS_LOCALE": "de_DE", "VRS_THEME": "t%d" % (i % 3)},
                                   "domains": doms}
            self.write(slug)

    def path(self, slug):
        return os.path.join(self.root, "projects", slug + ".yaml")

    def write(self, slug):
        tmp = self.path(slug) + ".tmp~"
        with open(tmp, "w") as f:
            f.write(project_yaml(self.projects[slug]))
        os.rename(tmp, self.path(slug))

    def pick(self, pred=lambda p: True):
        c = sorted(s for s, p in self.projects.items() if pred(p))
        return self.rng.choice(c) if c else None

    KINDS = ("add project", "change image", "change env", "add domain", "remove domain",
             "suspend", "resume", "remove project")

    def edit(self, n):
        """the n-th edit: the kinds in turn; returns a description"""
        kind = self.KINDS[n % len(self.KINDS)]
        slug = None
        if kind == "add project":
            self.n_new += 1
            slug = "soak-new-%02d" % self.n_new
            self.projects[slug] = {"slug": slug, "tag": "2.0.0", "suspended": False,
                                   "env": {"VRS_LOCALE": "en_US"}, "domains": [(slug, "vrs.gmbh")]}
        elif kind == "change image":
            slug = self.pick(lambda p: not p["suspended"])
            p = self.projects[slug]
            a, b, c = p["tag"].split(".")
            p["tag"] = "%s.%s.%d" % (a, b, int(c) + 1)
        elif kind == "change env":
            slug = self.pick(lambda p: not p["suspended"])
            self.projects[slug]["env"]["VRS_EDIT"] = "e%d" % n
        elif kind == "add domain":
            slug = self.pick(lambda p: not p["suspended"] and len(p["domains"]) < 3)
            self.projects[slug]["domains"].append((slug + "-x%d" % n, "vrs.gmbh"))
        elif kind == "remove domain":
            slug = self.pick(lambda p: len(p["domains"]) > 1)
            self.projects[slug]["domains"].pop()
        elif kind == "suspend":
            slug = self.pick(lambda p: not p["suspended"])
            self.projects[slug]["suspended"] = True
        elif kind == "resume":
            slug = self.pick(lambda p: p["suspended"])
            if slug:
                self.projects[slug]["suspended"] = False
        elif kind == "remove project":
            slug = self.pick(lambda p: not p["suspended"])
            del self.projects[slug]
            os.unlink(self.path(slug))
            self.edits[kind] = self.edits.get(kind, 0) + 1
            return "%s %s" % (kind, slug)
        if slug is None:
            return "%s: nothing to do" % kind
        self.write(slug)
        self.edits[kind] = self.edits.get(kind, 0) + 1
        return "%s %s" % (kind, slug)


# ---- the watch -----------------------------------------------------------------------------

class Watch:
    def __init__(self, w, logpath, *args):
        self.logpath = logpath
        self.log = open(logpath, "a")
        cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "--log-format", "json",
               "watch"] + list(args)
        self.p = subprocess.Popen(cmd, env=w.env, stdout=self.log, stderr=subprocess.STDOUT)

    def events(self):
        return vrsenv.json_log_events(self.logpath)

    def count(self, event):
        return sum(1 for e in self.events() if e.get("event") == event)

    def sample(self):
        """(VmRSS kB, open fds) of the watch, or None when it is gone"""
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            return rss, len(os.listdir("/proc/%d/fd" % self.p.pid))
        except (OSError, AttributeError):
            return None

    def stop(self, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def wait_for(pred, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


# ---- the end checks ------------------------------------------------------------------------

def expected(specs):
    """apps {slug: (tag, suspended, env, fqdns)}, records {(zone, name, type): content}"""
    apps, recs = {}, {}
    for slug, p in specs.projects.items():
        fq = set()
        for sub, base in p["domains"]:
            fq.add("%s.%s" % (sub, base))
            recs[(base, sub, "A")] = SERVER_IP
            recs[(base, "www." + sub, "CNAME")] = "%s.%s" % (sub, base)
        apps[slug] = (p["tag"], p["suspended"], dict(p["env"]), fq)
    return apps, recs


def world_problems(w, specs):
    """what differs between the simulator and the specs (empty: converged, no duplicate)"""
    st = w.sim_state()
    want_apps, want_recs = expected(specs)
    bad = []
    by_name = {}
    for a in st["coolify"]["applications"]:
        by_name.setdefault(a["name"], []).append(a)
    for name, v in sorted(by_name.items()):
        if len(v) > 1:
            bad.append("app %s: %d copies" % (name, len(v)))
        if name not in want_apps:
            bad.append("app %s: orphaned (not in the specs)" % name)
    for slug, (tag, susp, env, fq) in sorted(want_apps.items()):
        v = by_name.get(slug)
        if not v:
            bad.append("app %s: missing" % slug)
            continue
        a = v[0]
        if a.get("docker_registry_image_tag") != tag:
            bad.append("app %s: tag %s, want %s" % (slug, a.get("docker_registry_image_tag"), tag))
        running = str(a.get("status", "")).startswith("running")
        if running == susp:
            bad.append("app %s: status %s, suspended %s" % (slug, a.get("status"), susp))
        got_env = {e["key"]: e.get("real_value", e.get("value")) for e in a.get("envs", [])}
        for k, val in env.items():
            if got_env.get(k) != val:
                bad.append("app %s: env %s=%r, want %r" % (slug, k, got_env.get(k), val))
        got_fq = {u.split("://", 1)[-1] for u in (a.get("fqdn") or "").split(",") if u}
        if got_fq != fq:
            bad.append("app %s: fqdn %s, want %s" % (slug, sorted(got_fq), sorted(fq)))
    pnames = {}
    for p in st["coolify"]["projects"]:
        pnames[p["name"]] = pnames.get(p["name"], 0) + 1
    for name, n in sorted(pnames.items()):
        if n > 1:
            bad.append("project %s: %d copies" % (name, n))
        if name.startswith("vrs-") and name[4:] not in want_apps:
            bad.append("project %s: orphaned" % name)
    for slug in want_apps:
        if "vrs-" + slug not in pnames:
            bad.append("project vrs-%s: missing" % slug)
    got = {}
    for z in st["inwx"]["zones"]:
        for r in z.get("records", []):
            if r["type"] in ("SOA", "NS"):
                continue
            name = r["name"]
            if name.endswith("." + z["domain"]):
                name = name[:-len(z["domain"]) - 1]
            got.setdefault((z["domain"], name, r["type"]), []).append(r["content"])
    for k, v in sorted(got.items()):
        if len(v) > 1:
            bad.append("record %s: %d copies" % ("/".join(k), len(v)))
        if k not in want_recs:
            bad.append("record %s: orphaned" % "/".join(k))
        elif v[0] != want_recs[k]:
            bad.append("record %s: %s, want %s" % ("/".join(k), v[0], want_recs[k]))
    for k in sorted(want_recs):
        if k not in got:
            bad.append("record %s: missing" % "/".join(k))
    return bad


def metrics(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                k, _, v = line.rpartition(" ")
                out[k] = float(v)
    except OSError:
        pass
    return out


def growth_checks(samples, t_end):
    """(rss growth, fd max, fd base, window) over the last two thirds"""
    t0 = samples[0][0]
    start = t0 + (t_end - t0) / 3.0
    win = [s for s in samples if s[0] >= start]
    if len(win) < 2:
        return None
    base_rss, base_fd = win[0][1], win[0][2]
    return {"rss_first": base_rss, "rss_last": win[-1][1], "rss_max": max(s[1] for s in win),
            "rss_growth": (win[-1][1] - base_rss) / float(base_rss),
            "fd_first": base_fd, "fd_max": max(s[2] for s in win), "n": len(win),
            "rss_start": samples[0][1], "fd_start": samples[0][2]}


def main():
    top = tempfile.mkdtemp(prefix="vrs-soak-")
    gen = os.path.join(top, "specs")
    specs = Specs(gen)
    w = World(gen, copy_specs=False)
    asan_dir = os.path.join(top, "asan")
    os.makedirs(asan_dir)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        base = os.environ.get(k, "")
        w.env[k] = (base + ":" if base else "") + "log_path=%s/%s" % (asan_dir, k[:5].lower())
    mpath = os.path.join(w.dir, "metrics.prom")
    logpath = os.path.join(top, "watch.log")
    print("# soak: %d projects, %.0f s, fault rate %.2f, an edit every %.0f s, binary %s, dir %s"
          % (NPROJ, SECONDS, RATE, EDIT_S, vrsenv.VRSCTL, top))
    sys.stdout.flush()
    w.faults(fault_rules(RATE))
    wt = Watch(w, logpath, "--debounce", "500ms", "--interval", INTERVAL, "--metrics-file", mpath,
               "--allow-delete", "--deploy-timeout", "2m", "--dns-timeout", "2m",
               "--health-timeout", "2m")
    samples = []
    t_start = time.time()
    next_edit, next_sample, nedit = t_start + EDIT_S, t_start, 0
    died = None
    while time.time() - t_start < SECONDS:
        now = time.time()
        if now >= next_sample:
            s = wt.sample()
            if s is None:
                died = wt.p.poll()
                break
            samples.append((now, s[0], s[1]))
            next_sample += SAMPLE_S
        if now >= next_edit:
            what = specs.edit(nedit)
            nedit += 1
            print("# %6.0fs edit %d: %s" % (now - t_start, nedit, what))
            sys.stdout.flush()
            next_edit += EDIT_S
        time.sleep(0.2)
    t_end = time.time()
    calls_during = w.calls()
    stats = w.admin.get("/_sim/faults/stats").json
    # the end: faults off, one more reconcile
    w.faults([])
    # a reconcile may be running with the faults still on: wait for the one the
    # SIGHUP starts (queued behind it) to finish
    before = len(wt.events())
    if wt.p.poll() is None:
        wt.p.send_signal(signal.SIGHUP)

    def sighup_done():
        ev = wt.events()[before:]
        st = [i for i, e in enumerate(ev) if e.get("event") == "reconcile_started" and e.get("action") == "sighup"]
        return bool(st) and any(e.get("event") == "reconcile_finished" for e in ev[st[0]:])
    final_ok = wait_for(lambda: sighup_done() or wt.p.poll() is not None, 600) and wt.p.poll() is None
    m = metrics(mpath)
    rc_watch = wt.stop()
    events = wt.events()
    # projects whose tries ran out wait for an operator: retry them, one more reconcile
    waiting = [p for p, v in w.status().items() if v.get("status") == "error"]
    for slug in waiting:
        w.run("retry", slug)
    once = None
    if waiting:
        once = w.run("--log-format", "json", "watch", "--once", "--allow-delete", timeout=900)
    plan = w.run("plan", "--refresh", "--detailed-exitcode")
    problems = world_problems(w, specs)
    stat = w.status()
    for slug, p in sorted(specs.projects.items()):
        want = "suspended" if p["suspended"] else "active"
        if (stat.get(slug) or {}).get("status") != want:
            problems.append("status of %s: %s, want %s" % (slug, (stat.get(slug) or {}).get("status"), want))
    for slug, v in sorted(stat.items()):
        if slug not in specs.projects and v.get("status") != "archived":
            problems.append("status of removed %s: %s, want archived" % (slug, v.get("status")))
    logrows = json.loads(w.run("log", "--format", "json", "--limit", "0").stdout or "[]")
    if isinstance(logrows, dict):
        logrows = logrows.get("entries") or logrows.get("log") or []
    reports = glob.glob(os.path.join(asan_dir, "*"))
    g = growth_checks(samples, t_end) if samples else None

    # ---- the table
    print("#\n# faults injected (simulator), by kind")
    kinds = sorted(set(k for v in stats.values() for k in v))
    print("# %-22s %8s %8s" % ("kind", "coolify", "inwx"))
    for k in kinds:
        print("# %-22s %8d %8d" % (k, stats.get("coolify", {}).get(k, 0), stats.get("inwx", {}).get(k, 0)))
    ncalls = {s: sum(v.values()) for s, v in calls_during.items()}
    nfault = {s: sum(n for k, n in v.items() if k != "latency") for s, v in stats.items()}
    print("# %-22s %8d %8d" % ("faulted calls", nfault.get("coolify", 0), nfault.get("inwx", 0)))
    print("# %-22s %8d %8d" % ("calls", ncalls.get("coolify", 0), ncalls.get("inwx", 0)))
    print("#\n# what vrsctl did")
    ev_by = {}
    for e in events:
        key = "%s %s" % (e.get("level"), e.get("event"))
        ev_by[key] = ev_by.get(key, 0) + 1
    for k in ("vrsctl_reconciles_total{result=\"ok\"}", "vrsctl_reconciles_total{result=\"error\"}",
              "vrsctl_actions_total{result=\"ok\"}", "vrsctl_actions_total{result=\"failed\"}",
              "vrsctl_actions_total{result=\"skipped\"}", "vrsctl_http_retries_total",
              "vrsctl_drift_total", "vrsctl_adopted_total"):
        if k in m:
            print("# %-44s %8d" % (k, m[k]))
    for k in sorted(ev_by):
        print("# event %-38s %8d" % (k, ev_by[k]))
    lb = {}
    for r in logrows:
        lb[r.get("action")] = lb.get(r.get("action"), 0) + 1
    print("# log rows %d, %d with error details; by action: %s"
          % (len(logrows), sum(1 for r in logrows if r.get("error_details")),
             ", ".join("%s %d" % kv for kv in sorted(lb.items(), key=lambda kv: (-kv[1], kv[0])))))
    print("# edits: %s" % ", ".join("%s %d" % kv for kv in sorted(specs.edits.items())))
    print("# projects that waited for `vrsctl retry`: %d %s" % (len(waiting), " ".join(waiting)))
    if g:
        print("#\n# watch process, %d samples (%d in the last two thirds)" % (len(samples), g["n"]))
        print("# RSS kB: start %d, window first %d, last %d, max %d, growth %+.2f %%"
              % (g["rss_start"], g["rss_first"], g["rss_last"], g["rss_max"], 100 * g["rss_growth"]))
        print("# fds: start %d, window first %d, max %d (allowed %d)"
              % (g["fd_start"], g["fd_first"], g["fd_max"], g["fd_first"] + FD_SLACK))

    # ---- the checks
    t = vrsenv.Tap()
    t.ok(died is None, "the watch ran for the whole soak", "exit %r" % died)
    t.ok(final_ok, "one more reconcile after the faults were turned off")
    t.eq(rc_watch, 0, "SIGTERM stops the watch with 0")
    if once is not None:
        t.eq(once.returncode, 0, "watch --once after `vrsctl retry` succeeds", )
    t.eq(plan.returncode, 0, "plan --refresh: nothing to do")
    if plan.returncode != 0:
        print("\n".join("#   " + ln for ln in plan.stdout.splitlines()[:40]))
    t.ok(not problems, "the simulator's apps, projects and records are the specs' (one of each, no orphan), statuses too",
         "\n".join(problems[:40]))
    if SECONDS >= 300:
        t.ok(g is not None and g["rss_growth"] <= RSS_GROWTH,
             "RSS growth <= 5 %% over the last two thirds (%+.2f %%)" % (100 * g["rss_growth"] if g else 0))
        t.ok(g is not None and g["fd_max"] <= g["fd_first"] + FD_SLACK, "open fds flat")
    else:  # a smoke: the first reconciles may still run in the window
        t.ok(True, "RSS and fd growth not judged in a run under 5 minutes # SKIP")
    raws = [e["message"] for e in events if e.get("event") == "raw"]
    san = [ln for ln in raws if re.search(r"runtime error:|Sanitizer|LeakSanitizer", ln)]
    t.ok(not reports and not san, "no sanitizer report",
         "\n".join(san[:5] + [open(p).read()[:3000] for p in reports[:2]]))
    t.ok(not raws, "every line the watch printed is a JSON event", "\n".join(raws[:10]))
    rc = t.done()
    if rc == 0 and not os.environ.get("SOAK_KEEP"):
        w.close()
        shutil.rmtree(top, ignore_errors=True)
    else:
        w.sim.stop()
        print("# kept: %s (watch.log, the state %s)" % (top, w.state))
    return rc


if __name__ == "__main__":
    sys.exit(main())
