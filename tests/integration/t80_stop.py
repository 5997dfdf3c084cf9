#!/usr/bin/python3
"""SIGTERM ends apply and watch within 10 s (issue 11, item 18), against the
simulator:

- during a 30 s deployment apply exits 1 within 10 s, printing "interrupted,
  N actions pending"; the next apply waits for that deployment (no second one)
  and converges; if that deployment failed, it deploys anew;
- while Coolify answers 503 to everything (calls backing off between retries)
  apply exits 1 within 10 s; the next apply, with Coolify back, converges
  without duplicates; the same during apply --refresh's blocking reads;
- watch during a long deployment exits 0 within 10 s.
Times are measured with time.monotonic(); only the issue's bound is asserted.
Prints TAP."""

import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()
BOUND = 10.0


def project(slug):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n"
            % (slug, slug, slug))


def world(slugs, *sim_args):
    specs = tempfile.mkdtemp(prefix="vrs-stop-")
    files = {"platform.yaml": vrsenv.PLATFORM_DNS}
    for s in slugs:
        files["p/%s.yaml" % s] = project(s)
    write_specs(specs, files)
    return World(specs, sim_args=sim_args, copy_specs=False)


def start(w, *args):
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state] + list(args)
    return subprocess.Popen(cmd, env=w.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wait_until(pred, timeout=30.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.05)
    return False


def stop(proc, sig=signal.SIGTERM):
    """SIGTERM (or sig); (exit status or None, seconds, output)"""
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=30)
        if vrsenv.SANITIZED:
            t.ok("Sanitizer" not in out, "no sanitizer report after the stop", out[-1500:])
        return proc.returncode, time.monotonic() - t0, out
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, time.monotonic() - t0, out


def deployments(w, app=None):
    st = w.sim_state()["coolify"]
    ds = st.get("deployments", [])
    if app is None:
        return ds
    uuids = {a["uuid"] for a in st["applications"] if a["name"] == app}
    return [d for d in ds if d.get("application_uuid") in uuids or d.get("application_id") in uuids]


def show(out):
    print("# " + out[-1500:].replace("\n", "\n# "))


def during_deployment():
    w = world(["kappa"], "--deploy-time", "30")
    try:
        proc = start(w, "apply", "--auto-approve")
        t.ok(wait_until(lambda: len(deployments(w)) > 0), "a deployment started")
        time.sleep(0.5)
        rc, secs, out = stop(proc)
        print("# apply stopped after %.2f s" % secs)
        t.eq(rc, 1, "SIGTERM during a 30 s deployment: apply exits 1")
        t.ok(secs < BOUND, "within %d s" % BOUND, "%.2f s" % secs)
        t.ok("interrupted, " in out and " actions pending" in out,
             "printing 'interrupted, N actions pending'", out[-600:])
        n1 = len(deployments(w, "kappa"))
        p = w.apply(timeout=120)
        t.eq(p.returncode, 0, "the next apply finishes it")
        if p.returncode:
            show(p.stdout + p.stderr)
        t.eq(w.status()["kappa"]["status"], "active", "the project is active")
        t.eq((n1, len(deployments(w, "kappa"))), (1, 1),
             "by waiting for the interrupted run's deployment: no second deployment")
    finally:
        w.close()


def resumed_deployment_failed():
    w = world(["kappa"], "--deploy-time", "5")
    try:
        proc = start(w, "apply", "--auto-approve")
        t.ok(wait_until(lambda: len(deployments(w)) > 0), "a deployment started")
        rc, secs, out = stop(proc, signal.SIGINT)
        t.eq(rc, 1, "SIGINT: apply exits 1")
        t.ok(secs < BOUND and "interrupted, " in out, "within %d s, saying it was interrupted" % BOUND,
             "%.2f s: %s" % (secs, out[-400:]))
        d = deployments(w, "kappa")[0]
        w.patch({"op": "set_deployment", "uuid": d["deployment_uuid"], "fields": {"status": "failed"}})
        p = w.apply(timeout=120)
        t.eq(p.returncode, 0, "the interrupted run's deployment failed: the next apply deploys anew")
        if p.returncode:
            show(p.stdout + p.stderr)
        t.eq(len(deployments(w, "kappa")), 2, "a second deployment, only because the first failed")
        t.eq(w.status()["kappa"]["status"], "active", "the project is active")
    finally:
        w.close()


def while_503():
    slugs = ["k%02d" % i for i in range(20)]
    w = world(slugs)
    try:
        w.faults([{"match": "coolify:*", "kind": "http503"}])
        proc = start(w, "apply", "--auto-approve")
        t.ok(wait_until(lambda: sum(w.calls().get("coolify", {}).values()) >= 5),
             "vrsctl is calling a Coolify that answers 503")
        time.sleep(1.0)
        rc, secs, out = stop(proc)
        print("# apply stopped after %.2f s" % secs)
        t.eq(rc, 1, "SIGTERM while Coolify answers 503: apply exits 1")
        t.ok(secs < BOUND, "within %d s" % BOUND, "%.2f s" % secs)
        t.ok("interrupted, " in out, "printing 'interrupted, N actions pending'", out[-600:])
        w.faults([])
        p = w.apply(timeout=120)
        t.eq(p.returncode, 0, "with Coolify back, the next apply converges")
        if p.returncode:
            show(p.stdout + p.stderr)
        names = [a["name"] for a in w.sim_state()["coolify"]["applications"]]
        t.eq(sorted(n for n in names if n in slugs), slugs, "one app per project, no duplicates")
    finally:
        w.close()


def refresh_while_503():
    slugs = ["r%02d" % i for i in range(5)]
    w = world(slugs)
    try:
        t.eq(w.apply().returncode, 0, "a converged world")
        w.faults([{"match": "coolify:*", "kind": "http503"}])
        w.reset_calls()
        proc = start(w, "apply", "--auto-approve", "--refresh")
        t.ok(wait_until(lambda: sum(w.calls().get("coolify", {}).values()) >= 2),
             "apply --refresh is reading a Coolify that answers 503")
        time.sleep(1.0)
        rc, secs, out = stop(proc)
        print("# apply --refresh stopped after %.2f s" % secs)
        t.eq(rc, 1, "SIGTERM during the refresh's retries: apply exits 1")
        t.ok(secs < BOUND, "within %d s" % BOUND, "%.2f s" % secs)
    finally:
        w.close()


def watch_during_deployment():
    w = world(["kappa"], "--deploy-time", "30")
    try:
        proc = start(w, "watch")
        t.ok(wait_until(lambda: len(deployments(w)) > 0), "watch started a deployment")
        time.sleep(0.5)
        rc, secs, out = stop(proc)
        print("# watch stopped after %.2f s" % secs)
        t.eq(rc, 0, "SIGTERM to watch during a 30 s deployment: exit 0")
        t.ok(secs < BOUND, "within %d s" % BOUND, "%.2f s" % secs)
        # a second watch resumes polling that deployment; SIGINT stops it the same way
        w.reset_calls()
        proc = start(w, "watch")
        t.ok(wait_until(lambda: any(k.startswith("GET /deployments") for k in w.calls().get("coolify", {}))),
             "the next watch polls the interrupted run's deployment")
        rc, secs, out = stop(proc, signal.SIGINT)
        t.eq(rc, 0, "SIGINT to watch during the deployment: exit 0")
        t.ok(secs < BOUND, "within %d s" % BOUND, "%.2f s" % secs)
        t.eq(len(deployments(w, "kappa")), 1, "no second deployment was queued")
    finally:
        w.close()


during_deployment()
resumed_deployment_failed()
while_503()
refresh_while_503()
watch_during_deployment()
t.done()
