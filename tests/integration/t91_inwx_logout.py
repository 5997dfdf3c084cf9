#!/usr/bin/python3
"""The INWX session (issue 11, item 12): one login and one logout per apply; a watch
that reconciles several times logs in once and logs out when it exits (SIGTERM), not
after each reconcile (with 2FA a new login per reconcile would wait for a new TAN);
the cookie of every answer is kept (a cookie jar), so a session the server moves to a
new cookie mid-way goes on without a second login. Prints TAP."""

import json
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


def project(slug):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n"
            % (slug, slug, slug))


def world(n=2, sim_args=()):
    specs = tempfile.mkdtemp(prefix="vrs-inwxs-")
    files = {"platform.yaml": vrsenv.PLATFORM_DNS}
    for i in range(n):
        files["p/p%02d.yaml" % i] = project("p%02d" % i)
    write_specs(specs, files)
    return World(specs, copy_specs=False, sim_args=sim_args)


def inwx_calls(w):
    return w.calls().get("inwx", {})


def meta(w):
    return w.sim_state()["meta"]


def apply_once():
    w = world(3)
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "apply with DNS records converges")
        c = inwx_calls(w)
        t.ok(c.get("nameserver.createRecord", 0) >= 3, "it wrote records at INWX", c)
        t.eq((c.get("account.login", 0), c.get("account.logout", 0)), (1, 1),
             "one login and one logout for the apply")
        t.eq((meta(w).get("inwx_logins"), meta(w).get("inwx_logouts")), (1, 1),
             "the simulator saw the session opened and ended")
        w.reset_calls()
        p = w.apply()
        c = inwx_calls(w)
        t.ok(p.returncode == 0 and c.get("account.logout", 0) == c.get("account.login", 0),
             "a second apply logs out every session it opened", c)
    finally:
        w.close()


def cookie_refresh():
    # every 2nd call moves the session to a new cookie; the old one stops working
    w = world(4, sim_args=("--inwx-cookie-refresh", "2"))
    try:
        p = w.apply()
        t.eq(p.returncode, 0, "apply converges while INWX refreshes the session cookie")
        m = meta(w)
        t.ok(m.get("inwx_cookie_refreshes", 0) >= 2, "the cookie was refreshed mid-session",
             m.get("inwx_cookie_refreshes"))
        c = inwx_calls(w)
        t.eq(c.get("account.login", 0), 1, "the refreshed cookie was used: no second login")
        t.eq(m.get("inwx_logouts"), 1, "and the session was logged out under its last cookie")
        t.eq(len(w.records()), 8, "every record was written (A + www CNAME for 4 projects)")
    finally:
        w.close()


def watch_session():
    w = world(1)
    try:
        log = open(os.path.join(w.dir, "watch.log"), "w+")
        cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "--log-format", "json",
               "watch", "--debounce", "200ms"]
        proc = subprocess.Popen(cmd, env=w.env, stdout=log, stderr=subprocess.STDOUT)

        def finished():
            log.flush()
            with open(log.name) as f:
                n = 0
                for line in f:
                    try:
                        n += json.loads(line).get("event") == "reconcile_finished"
                    except ValueError:
                        pass
                return n

        def wait(pred, timeout=30):
            t0 = time.time()
            while time.time() - t0 < timeout:
                if pred():
                    return True
                time.sleep(0.05)
            return False

        t.ok(wait(lambda: finished() >= 1), "watch: the first reconcile finished")
        for i in range(1, 4):
            before = finished()
            write_specs(w.specs, {"p/p%02d.yaml" % i: project("p%02d" % i)})
            t.ok(wait(lambda: finished() > before), "watch: reconcile after adding p%02d" % i)
        c = inwx_calls(w)
        t.ok(c.get("nameserver.createRecord", 0) >= 8, "watch wrote the records of 4 projects", c)
        t.eq((c.get("account.login", 0), c.get("account.logout", 0)), (1, 0),
             "watch: one login for four reconciles, no logout while it runs")
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
        t.eq(rc, 0, "watch exits 0 on SIGTERM")
        t.ok(time.time() - t0 < 10, "within 10 s")
        c = inwx_calls(w)
        t.eq((c.get("account.login", 0), c.get("account.logout", 0)), (1, 1),
             "watch logged out once, at its exit")
    finally:
        w.close()


def main():
    for f in (apply_once, cookie_refresh, watch_session):
        try:
            f()
        except Exception as e:  # a crash is a failure, with a TAP line
            t.ok(False, "%s crashed: %r" % (f.__name__, e))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
