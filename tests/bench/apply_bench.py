#!/usr/bin/python3
"""apply_bench.py — apply and watch against the simulator; prints tables.

  apply:   N projects with 50 ms latency and no rate limit: wall time beside the
           critical-path floor; with Coolify's budget (VRS_COOLIFY_RATE): wall time
           beside calls / budget and the count of 429s; Coolify write calls per new
           project.
  watch:   reaction time from a file save to the first API call; CPU used by an idle
           watch; API calls per refresh for N converged projects; peak RSS of a watch
           holding N projects.

Env: BENCH_N (apply, default 200), BENCH_BUDGET_N (default 30), BENCH_IDLE_S (default 60),
BENCH_REFRESH_NS (default "100,1000,10000"). Standard library only.
"""
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import vrsenv  # noqa: E402

LAT_MS = 50


def gen(n, root, servers=4):
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
    for i in range(n):
        # every other project on the second base domain: two zones
        base = "\n    base: vrs-preview.de" if i % 2 else ""
        files["p/%05d.yaml" % i] = ("kind: Project\nslug: b%05d\nname: B\nowner_email: b@example.org\n"
                                    "project_type: gastro\napp: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\n"
                                    "domains:\n  - subdomain: b%05d%s\n" % (i, i, base))
    vrsenv.write_specs(root, files)


def coolify_writes(calls):
    return sum(v for k, v in calls.get("coolify", {}).items() if not k.startswith("GET "))


def apply_rows():
    n = int(os.environ.get("BENCH_N", "200"))
    rows = []
    specs = tempfile.mkdtemp()
    gen(n, specs)
    deploy_s = 0.3
    w = vrsenv.World(specs, copy_specs=False, sim_args=("--latency", str(LAT_MS), "--deploy-time", str(deploy_s)))
    w.env["VRS_POLL_MS"] = "250"
    t0 = time.time()
    p = w.apply("-q", "--parallelism", "10", timeout=3600)
    wall = time.time() - t0
    c = w.calls()
    inwx = sum(c.get("inwx", {}).values())
    cool = sum(c.get("coolify", {}).values())
    # the floor: a project's chain (create project, environment, app, env, deploy, wait, read) or
    # the serialised INWX session, or the Coolify calls spread over the parallelism, whichever is longest
    chain = 6 * LAT_MS / 1000 + deploy_s + 0.25
    floor = max(chain, inwx * LAT_MS / 1000, cool * LAT_MS / 1000 / 10)
    rows.append(("apply %d projects, 50 ms latency, no rate limit" % n, "%.1f s" % wall,
                 "floor %.1f s" % floor, "%.2fx" % (wall / floor), "rc %d" % p.returncode))
    rows.append(("Coolify write calls per new project", "%.2f" % (coolify_writes(c) / n), "goal <= 5", "", ""))
    w.close()

    nb = int(os.environ.get("BENCH_BUDGET_N", "30"))
    if nb <= 0:
        return rows
    specs = tempfile.mkdtemp()
    gen(nb, specs)
    w = vrsenv.World(specs, copy_specs=False, sim_args=("--rate-limit", "200", "--deploy-time", "0.3"))
    w.env["VRS_COOLIFY_RATE"] = "200"
    w.env["VRS_POLL_MS"] = "1000"
    t0 = time.time()
    p = w.apply("-q", timeout=3600)
    wall = time.time() - t0
    c = w.calls()
    cool = sum(c.get("coolify", {}).values())
    budget = cool / (200 / 60.0)
    st = w.sim_state()
    n429 = st.get("meta", {}).get("rate_limited", 0)
    rows.append(("apply %d projects, Coolify budget 200/min" % nb, "%.1f s" % wall,
                 "calls/budget %.1f s" % budget, "%.2fx" % (wall / budget), "429s: %s" % n429))
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
    rows.append(("watch: file save -> first API call (median of 5)", "%.0f ms" % (samples[2] * 1000),
                 "debounce 300 ms", "+%.0f ms" % ((samples[2] - 0.3) * 1000), ""))
    idle = float(os.environ.get("BENCH_IDLE_S", "60"))
    c0 = cpu_of(wp.pid)
    time.sleep(idle)
    c1 = cpu_of(wp.pid)
    rows.append(("watch: CPU used while idle for %.0f s" % idle, "%.3f s" % (c1 - c0), "goal ~0", "", ""))
    wp.send_signal(signal.SIGTERM)
    wp.wait(15)
    w.close()
    for n in [int(x) for x in os.environ.get("BENCH_REFRESH_NS", "100,1000,10000").split(",")]:
        specs = tempfile.mkdtemp()
        gen(n, specs, servers=8)
        w = vrsenv.World(specs, copy_specs=False)
        p = w.apply("-q", "--parallelism", "20", timeout=7200)
        w.reset_calls()
        w.run("plan", "--refresh", timeout=600)
        c = w.calls()
        reads = sum(v for k, v in c.get("coolify", {}).items() if k.startswith("GET ")) + \
            sum(v for k, v in c.get("inwx", {}).items() if k in ("nameserver.info", "nameserver.list"))
        rows.append(("refresh of %d converged projects (2 zones)" % n, "%d read calls" % reads,
                     "goal: flat", "", "apply rc %d" % p.returncode))
        if n == max(int(x) for x in os.environ.get("BENCH_REFRESH_NS", "100,1000,10000").split(",")):
            wp = subprocess.Popen([vrsenv.VRSCTL, "--specs", specs, "--state", w.state, "watch", "--interval", "1h"],
                                  env=w.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            while True:
                time.sleep(1)
                with open("/proc/%d/stat" % wp.pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "S" and cpu_of(wp.pid) > 0.1:
                        break
            time.sleep(2)
            rows.append(("watch holding %d projects: peak RSS" % n, "%.1f MB" % rss_of(wp.pid),
                         "goal <= 100 MB", "", ""))
            wp.send_signal(signal.SIGTERM)
            wp.wait(30)
        w.close()
    return rows


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    rows = []
    if which in ("all", "apply"):
        rows += apply_rows()
    if which in ("all", "watch"):
        rows += watch_rows()
    w0 = max(len(r[0]) for r in rows)
    print("%-*s  %-14s %-22s %-8s %s" % (w0, "benchmark", "result", "reference", "ratio", "note"))
    for r in rows:
        print("%-*s  %-14s %-22s %-8s %s" % (w0, r[0], r[1], r[2], r[3], r[4]))


if __name__ == "__main__":
    main()
