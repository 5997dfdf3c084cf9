#!/usr/bin/python3
"""Domain registration and transfer at INWX against the simulator: a purchase under
max_price_cents, a price above the cap, no approval, an unavailable domain, a
transfer pending for 3 polls, a wrong auth code, a 2FA account, a kill -9 between
domain.create and its journal completion, and the auth code kept out of
everything. Prints TAP."""

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
AUTH = "Xy7-transfer-CODE-4242"
TOTP = "JBSWY3DPEHPK3PXP"

PLATFORM = vrsenv.PLATFORM_REGISTRAR


def project(slug, domain_yaml):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n%s"
            % (slug, slug, slug, domain_yaml))


def world(files, sim_args=()):
    specs = tempfile.mkdtemp(prefix="vrs-dom-")
    write_specs(specs, files)
    w = World(specs, copy_specs=False, sim_args=("--domain-polls", "3") + tuple(sim_args),
              seed_extra={"inwx": {"no_auth_code_tlds": ["ch"]}})
    w.env["MOVE_AUTH"] = AUTH
    w.env["BAD_AUTH"] = "wrong"
    return w


def calls(w, method):
    return w.calls().get("inwx", {}).get(method, 0)


def purchases():
    files = {"platform.yaml": PLATFORM,
             "p/cap-ok.yaml": project("cap-ok", "  - domain: cap-ok.de\n    type: registered\n    max_price_cents: 1000\n    primary: true\n"),
             "p/cap-low.yaml": project("cap-low", "  - domain: cap-low.io\n    type: registered\n    max_price_cents: 1000\n"),
             "p/no-cap.yaml": project("no-cap", "  - domain: no-cap.com\n    type: registered\n"),
             "p/taken.yaml": project("taken", "  - domain: taken-shop.de\n    type: registered\n    max_price_cents: 5000\n"),
             "p/plain.yaml": project("plain", "")}
    w = world(files)
    p = w.run("plan", "--refresh")
    t.eq(p.returncode, 0, "plan --refresh exits 0")
    out = p.stdout
    t.ok("$ register domain_registration cap-ok.de" in out or "register domain_registration cap-ok.de" in out,
         "plan --refresh shows the registration", out[-3000:])
    t.ok("4,99 €" in out, "with its price")
    t.ok(("purchase" in out and "(" in out.splitlines()[-1]) or "purchases" in out, "and the purchases in the summary line",
         out.splitlines()[-1] if out else "")
    t.ok("not available" in out, "an unavailable domain is shown as such")
    t.eq(sum(v for k, v in w.calls().get("inwx", {}).items() if k in ("domain.create", "domain.transfer")), 0,
         "plan --refresh buys nothing")

    p = w.apply()
    t.eq(p.returncode, 1, "apply exits 1: a purchase was not approved and two domains failed")
    t.ok("--approve-costs" in p.stdout + p.stderr, "the skipped purchase says how to approve it", p.stderr[-1500:])
    st = w.status()
    t.eq(st["plain"]["status"], "active", "a project without purchases is unaffected")
    t.eq(st["cap-ok"]["status"], "pending_domain", "a registration under its cap is ordered: pending_domain")
    dom = [d for d in st["cap-ok"]["domains"] if d["domain"] == "cap-ok.de"][0]
    t.eq(dom["status"], "pending_registration", "its domain is pending_registration")
    t.eq(st["cap-low"]["status"], "error", "a price above the cap is an error")
    t.ok("above max_price_cents" in (st["cap-low"]["error"] or ""), "saying so", st["cap-low"]["error"])
    t.eq(st["taken"]["status"], "error", "an unavailable domain is an error")
    t.ok("not available" in (st["taken"]["error"] or ""), "saying so", st["taken"]["error"])
    names = [d["domain"] for d in w.sim_state()["inwx"]["domains"]]
    t.ok("cap-low.io" not in names and "taken-shop.de" not in names and "no-cap.com" not in names,
         "nothing else was bought", names)

    for _ in range(4):
        w.apply()
        if w.status()["cap-ok"]["status"] == "active":
            break
    st = w.status()
    t.eq(st["cap-ok"]["status"], "active", "after INWX finishes, the next runs create the zone and records: active")
    recs = w.records()
    t.ok(("cap-ok.de", "A") in recs and ("www.cap-ok.de", "CNAME") in recs, "records in the new zone")
    row = w.db("SELECT registration_cost_cents, renewal_cost_cents, expires_at FROM marketplace_project_domain WHERE domain='cap-ok.de'")[0]
    t.ok(row[0] == 499 and row[2], "registration cost and expiry recorded", row)
    t.eq(calls(w, "domain.create"), 1, "domain.create called once")

    p = w.apply("--approve-costs")
    t.eq(w.status()["no-cap"]["status"] in ("pending_domain", "active"), True, "with --approve-costs the purchase happens")
    t.ok("no-cap.com" in [d["domain"] for d in w.sim_state()["inwx"]["domains"]], "no-cap.com bought")
    p = w.run("status")
    t.ok("expir" not in p.stdout or "cap-ok.de" in p.stdout, "status lists no expiring domain that is not")
    w.close()


def transfers():
    files = {"platform.yaml": PLATFORM,
             "p/move.yaml": project("move", "  - domain: move-me.de\n    type: transferred\n    auth_code: {from_env: MOVE_AUTH}\n"),
             "p/bad.yaml": project("bad", "  - domain: bad-code.de\n    type: transferred\n    auth_code: {from_env: BAD_AUTH}\n"),
             "p/swiss.yaml": project("swiss", "  - domain: swiss-shop.ch\n    type: transferred\n    auth_code: {from_env: UNSET_AUTH_CODE}\n")}
    w = world(files)
    p = w.run("plan", "--refresh")
    t.ok("auth_code" in p.stdout.split("swiss-shop.ch")[0].split("move-me.de")[-1] or "move-me.de" in p.stdout,
         "plan --refresh shows the transfers", p.stdout[-1500:])
    t.ok("the TLD needs no auth code" in p.stdout, "a TLD without auth codes is planned without one", p.stdout[-1500:])
    p = w.apply("-vv")
    t.ok(p.returncode in (0, 1), "apply with transfers runs (rc %d)" % p.returncode, p.stderr[-800:])
    st = w.status()
    t.eq(st["move"]["status"], "pending_domain", "a transfer waits in pending_domain")
    dom = [d for d in st["move"]["domains"] if d["domain"] == "move-me.de"][0]
    t.eq(dom["status"], "pending_transfer", "its domain is pending_transfer")
    polls = 0
    for _ in range(6):
        if w.status()["move"]["status"] == "active":
            break
        w.apply("-vv")
        polls += 1
    t.eq(w.status()["move"]["status"], "active", "the transfer completes after its polls; the project is active (%d runs)" % polls)
    t.eq(w.status()["swiss"]["status"], "active", "a transfer whose TLD needs no auth code never asks for one")
    st = w.status()
    t.eq(st["bad"]["status"], "error", "a wrong auth code ends in error")
    t.ok("invalid authorization code" in (st["bad"]["error"] or ""), "with INWX's reason", st["bad"]["error"])
    everything = "\n".join(w.outputs)
    with open(w.state, "rb") as f:
        db = f.read()
    t.ok(AUTH not in everything, "the auth code never appears in output or trace")
    t.ok(AUTH.encode() not in db, "nor in the database")
    plan = os.path.join(w.dir, "plan.json")
    w.run("plan", "--out", plan)
    t.ok(AUTH not in open(plan).read(), "nor in a plan file")
    w.close()


def two_factor():
    files = {"platform.yaml": PLATFORM, "p/plain.yaml": project("plain", "")}
    w = world(files, sim_args=("--inwx-2fa", TOTP))
    w.env["VRS_INWX_TOTP_SECRET"] = TOTP
    p = w.apply("-vv")
    t.eq(p.returncode, 0, "apply on an account with 2FA converges")
    t.ok(calls(w, "account.unlock") >= 1, "the session was unlocked with a TOTP")
    # a second run within the same 30 s: that window's TAN is used up
    w.patch({"op": "delete_record", "zone": "vrs.gmbh", "name": "plain.vrs.gmbh", "type": "A"})
    p = w.apply("--refresh", "-vv")
    t.ok(p.returncode == 0, "a second run in the same TOTP window still logs in", p.stderr[-600:])
    t.ok(("plain.vrs.gmbh", "A") in w.records(), "and repairs the record")
    everything = "\n".join(w.outputs)
    t.ok(TOTP not in everything and "sim-password" not in everything, "no TOTP secret or password in any output")
    w.close()


def crash():
    files = {"platform.yaml": PLATFORM,
             "p/crash.yaml": project("crash", "  - domain: crash-shop.de\n    type: registered\n    max_price_cents: 900\n")}
    w = world(files)
    # the order lands, but its answer is held back: kill -9 while waiting for it
    w.faults([{"match": "domain.create", "kind": "timeout", "seconds": 30, "apply": True}])
    cmd = [vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply", "--auto-approve", "-q"]
    proc = subprocess.Popen(cmd, env=w.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 20 and calls(w, "domain.create") == 0:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t.eq(calls(w, "domain.create"), 1, "the order reached INWX before the kill")
    t.eq(w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL AND resource='domain_registration'")[0][0], 1,
         "its journal row is open")
    w.faults([])
    for _ in range(5):
        w.apply()
        if w.status()["crash"]["status"] == "active":
            break
    t.eq(calls(w, "domain.create"), 1, "the next runs find the domain at INWX and never order it twice")
    t.eq(w.status()["crash"]["status"], "active", "and the project converges")
    t.eq(w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0], 0, "no journal row left open")
    w.close()


def main():
    purchases()
    transfers()
    two_factor()
    crash()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
