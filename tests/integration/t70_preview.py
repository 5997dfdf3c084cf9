#!/usr/bin/python3
"""vrsctl preview on examples/multi-server (demo-kunde-01 is a demo behind preview
protection): grant (token, code, expiry, magic link on the primary domain), list
(tokens and codes masked), verify by token and by code (use counted, ip recorded),
single-use exhaustion, expiry, revoke by prefix, verify after revoke, a token of the
wrong project, refusals (unknown project, not a demo, bad arguments), the lock, and
--help everywhere. Prints TAP."""

import fcntl
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
DEMO = "demo-kunde-01"
LINK = "https://demo-kunde-01.vrs-preview.de/preview-access?token="


def grant(w, *args, slug=DEMO):
    """grant --format json; returns (process, parsed output or None)"""
    p = w.run("preview", "grant", slug, "--format", "json", *args)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def listing(w):
    p = w.run("preview", "list", DEMO, "--format", "json")
    if p.returncode != 0:
        raise AssertionError("preview list failed: " + p.stderr)
    return json.loads(p.stdout)


def row(w, token):
    return w.db("SELECT use_count, is_used, used_ip FROM marketplace_preview_access "
                "WHERE token = ?", token)


def text_grant(w):
    p = w.run("preview", "grant", DEMO, "--email", "kunde@example.org", "--name", "Frau Kunde")
    t.eq(p.returncode, 0, "grant exits 0")
    m = re.search(r"token: +([A-Za-z0-9_-]{64})\n", p.stdout)
    t.ok(m is not None, "grant prints a 64-character URL-safe token", p.stdout + p.stderr)
    token = m.group(1) if m else ""
    t.ok(re.search(r"code: +\d{6}\n", p.stdout) is not None, "grant prints a 6-digit code",
         p.stdout)
    t.ok(re.search(r"expires: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", p.stdout) is not None,
         "grant prints the expiry", p.stdout)
    t.ok(LINK + token in p.stdout, "grant prints the magic link on the primary domain",
         p.stdout)
    rows = w.db("SELECT email, name, is_reusable, created_by, "
                "CAST(strftime('%s', expires_at) AS INTEGER) - "
                "CAST(strftime('%s', created_at) AS INTEGER) "
                "FROM marketplace_preview_access WHERE token = ?", token)
    t.eq(rows, [("kunde@example.org", "Frau Kunde", 1, "ci@example.org", 48 * 3600)],
         "recorded: for whom, reusable, created by VRS_TRIGGERED_BY, valid 48 hours")
    log = w.db("SELECT l.action, l.message, l.triggered_by FROM marketplace_provisioning_log l "
               "JOIN marketplace_project p ON p.id = l.project_id "
               "WHERE p.slug = ? AND l.action = 'preview_granted'", DEMO)
    t.ok(len(log) == 1 and log[0][2] == "ci@example.org" and token[:8] in log[0][1],
         "a preview_granted log row with the token prefix", log)
    t.ok(all(token not in str(r) for r in log), "the log does not hold the token", log)
    return token


def json_grant_and_verify(w, first):
    p, g = grant(w, "--hours", "2", "--created-by", "sales@vrs.gmbh")
    t.ok(p.returncode == 0 and g is not None, "grant --format json", p.stdout + p.stderr)
    g = g or {}
    t.eq((g.get("reusable"), g.get("created_by"), g.get("link")),
         (True, "sales@vrs.gmbh", LINK + g.get("token", "")),
         "json grant: reusable, created_by, link")
    t.ok(re.fullmatch(r"\d{6}", g.get("code", "")) is not None, "json grant: the code")
    token, code = g.get("token", ""), g.get("code", "")

    p = w.run("preview", "verify", DEMO, "--token", token, "--ip", "198.51.100.7")
    t.eq(p.returncode, 0, "verify by token exits 0")
    t.ok(p.stdout.startswith("valid"), "and prints valid", p.stdout + p.stderr)
    t.eq(row(w, token), [(1, 1, "198.51.100.7")], "use counted, ip recorded")
    p = w.run("preview", "verify", DEMO, "--code", code, "--ip", "2001:db8::1")
    t.eq(p.returncode, 0, "verify by code exits 0")
    t.eq(row(w, token), [(2, 1, "2001:db8::1")], "a reusable access counts every use")

    # the lists: no full token, no code, anywhere
    pt = w.run("preview", "list", DEMO)
    t.eq(pt.returncode, 0, "list exits 0")
    t.ok(token[:8] + "…" in pt.stdout and first[:8] + "…" in pt.stdout,
         "list shows token prefixes", pt.stdout)
    pj = w.run("preview", "list", DEMO, "--format", "json")
    out = pt.stdout + pj.stdout
    t.ok(token not in out and first not in out and token[:9] not in out,
         "list (text and json) never shows a full token", out)
    t.ok(code not in out, "list never shows a code", out)
    ls = json.loads(pj.stdout)
    mine = [x for x in ls if x["token_prefix"] == token[:8]]
    t.ok(len(ls) == 2 and len(mine) == 1 and mine[0]["use_count"] == 2 and mine[0]["valid"]
         and mine[0]["used_ip"] == "2001:db8::1" and "token" not in mine[0]
         and "code" not in mine[0], "list json: both accesses, uses, validity", ls)
    return token


def single_use(w):
    p, g = grant(w, "--single-use", "--email", "einmal@example.org")
    t.eq((p.returncode, g and g.get("reusable")), (0, False), "grant --single-use")
    token = (g or {}).get("token", "")
    p = w.run("preview", "verify", DEMO, "--token", token)
    t.eq(p.returncode, 0, "a single-use access verifies once")
    p = w.run("preview", "verify", DEMO, "--token", token)
    t.eq(p.returncode, 1, "a second time exits 1")
    t.ok("used up" in p.stdout, "reason: used up", p.stdout + p.stderr)
    t.eq(row(w, token), [(1, 1, None)], "the refused use is not counted")
    st = [x for x in listing(w) if x["token_prefix"] == token[:8]]
    t.ok(len(st) == 1 and not st[0]["valid"] and st[0]["reason"] == "used up",
         "list marks it used up", st)


def expiry(w):
    p, g = grant(w, "--hours", "1")
    token, code = (g or {}).get("token", ""), (g or {}).get("code", "")
    # World.db does not commit: write through a connection of our own
    con = sqlite3.connect(w.state)
    con.execute("UPDATE marketplace_preview_access SET expires_at = '2020-01-01T00:00:00Z' "
                "WHERE token = ?", (token,))
    con.commit()
    con.close()
    p = w.run("preview", "verify", DEMO, "--token", token)
    t.eq(p.returncode, 1, "an expired token exits 1")
    t.ok("expired" in p.stdout, "reason: expired", p.stdout + p.stderr)
    p = w.run("preview", "verify", DEMO, "--code", code)
    t.ok(p.returncode == 1 and "expired" in p.stdout, "an expired code exits 1: expired",
         p.stdout + p.stderr)
    t.eq(row(w, token), [(0, 0, None)], "an expired access is not marked used")
    st = [x for x in listing(w) if x["token_prefix"] == token[:8]]
    t.ok(len(st) == 1 and st[0]["reason"] == "expired", "list marks it expired", st)
    p = w.run("preview", "grant", DEMO, "--hours", "0")
    t.eq(p.returncode, 1, "--hours 0 is refused")


def revoke(w, token):
    p = w.run("preview", "revoke", DEMO, "zz")
    t.eq(p.returncode, 1, "revoke with a too short prefix exits 1")
    p = w.run("preview", "revoke", DEMO, "A" * 64)
    t.eq(p.returncode, 1, "revoke of an unknown token exits 1")
    t.ok("no preview access" in p.stderr, "and says so", p.stderr)
    n = len(listing(w))
    p = w.run("preview", "revoke", DEMO, "--", token[:8] + "…")
    t.eq(p.returncode, 0, "revoke by the prefix list shows exits 0")
    t.eq(len(listing(w)), n - 1, "one access fewer")
    t.eq(w.db("SELECT count(*) FROM marketplace_preview_access WHERE token = ?", token), [(0,)],
         "the row is gone")
    log = w.db("SELECT message FROM marketplace_provisioning_log WHERE action = "
               "'preview_revoked'")
    t.ok(len(log) == 1 and token[:8] in log[0][0] and token not in log[0][0],
         "a preview_revoked log row with the prefix only", log)
    p = w.run("preview", "verify", DEMO, "--token", token)
    t.eq(p.returncode, 1, "verify after revoke exits 1")
    t.ok("unknown" in p.stdout, "reason: unknown", p.stdout + p.stderr)
    p = w.run("preview", "revoke", DEMO, "--", token)
    t.eq(p.returncode, 1, "revoking it again is an error")


def dash_token(w):
    """A base64url token may begin with '-' (1 in 64 do): passed after '--' it
    is a token, before it an unknown flag with a hint."""
    p, g = grant(w)
    token = (g or {}).get("token", "")
    t.ok(p.returncode == 0 and len(token) == 64, "another grant", p.stdout + p.stderr)
    dashed = "-" + token[1:]
    con = sqlite3.connect(w.state)
    with con:
        con.execute("UPDATE marketplace_preview_access SET token = ? WHERE token = ?",
                    (dashed, token))
    con.close()
    p = w.run("preview", "verify", DEMO, "--token", dashed)
    t.eq(p.returncode, 0, "verify --token of a token beginning with '-' exits 0")
    p = w.run("preview", "revoke", DEMO, dashed[:8])
    t.ok(p.returncode == 1 and "after '--'" in p.stderr,
         "a '-' token before '--' is an unknown flag, with the hint", p.stderr)
    p = w.run("preview", "revoke", DEMO, "--", dashed[:8])
    t.eq(p.returncode, 0, "after '--' its prefix revokes it")
    t.eq(w.db("SELECT count(*) FROM marketplace_preview_access WHERE token = ?", dashed), [(0,)],
         "the '-' token's row is gone")


def refusals(w, token):
    p = w.run("preview", "grant", "no-such-project")
    t.eq(p.returncode, 1, "grant for an unknown project exits 1")
    t.ok("no project 'no-such-project'" in p.stderr, "naming it", p.stderr)
    for sub in (["list", "no-such-project"], ["revoke", "no-such-project", "abcdefgh"],
                ["verify", "no-such-project", "--code", "123456"]):
        p = w.run("preview", *sub)
        t.eq(p.returncode, 1, "preview %s for an unknown project exits 1" % sub[0])
    p = w.run("preview", "grant", "kunde-01")
    t.eq(p.returncode, 1, "grant for a project that is no demo exits 1")
    t.ok("neither a demo nor preview-protected" in p.stderr, "and says why", p.stderr)
    t.eq(w.db("SELECT count(*) FROM marketplace_preview_access a JOIN marketplace_project p "
              "ON p.id = a.project_id WHERE p.slug = 'kunde-01'"), [(0,)], "nothing granted")
    p = w.run("preview", "verify", "kunde-01", "--token", token)
    t.ok(p.returncode == 1 and "unknown" in p.stdout,
         "a token of another project is unknown there", p.stdout + p.stderr)
    p = w.run("preview", "verify", DEMO, "--code", "000000")
    codes = [r[0] for r in w.db("SELECT code FROM marketplace_preview_access")]
    if "000000" not in codes:
        t.ok(p.returncode == 1 and "unknown" in p.stdout, "an unknown code: unknown",
             p.stdout + p.stderr)
    for args, what in ((["frobnicate"], "an unknown subcommand"),
                       ([], "no subcommand"),
                       (["verify", DEMO], "verify without --token or --code"),
                       (["verify", DEMO, "--token", token, "--code", "123456"],
                        "verify with both"),
                       (["verify", DEMO, "--code", "12ab"], "a code that is not 6 digits"),
                       (["grant", DEMO, "--hours", "x"], "--hours x"),
                       (["grant", DEMO, "--email"], "--email without a value"),
                       (["grant", DEMO, "--bogus"], "an unknown flag"),
                       (["list", DEMO, "--format", "yaml"], "list --format yaml")):
        p = w.run("preview", *args)
        t.ok(p.returncode == 1 and "error" in p.stderr, what + " is a usage error (exit 1)",
             "exit %d\n%s" % (p.returncode, p.stderr))


def lock(w, token):
    lockfile = w.state + ".lock"
    before = w.db("SELECT count(*) FROM marketplace_preview_access")
    with open(lockfile, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write("%d\n" % os.getpid())
        f.flush()
        p = w.run("preview", "grant", DEMO)
        t.eq(p.returncode, 3, "grant while the state is locked exits 3")
        t.ok(str(os.getpid()) in p.stderr, "naming the holder's pid", p.stderr)
        p = w.run("preview", "verify", DEMO, "--token", token)
        t.eq(p.returncode, 3, "verify while locked exits 3")
        p = w.run("preview", "revoke", DEMO, "--", token)
        t.eq(p.returncode, 3, "revoke while locked exits 3")
        p = w.run("preview", "list", DEMO)
        t.eq(p.returncode, 0, "list reads without the lock")
        fcntl.flock(f, fcntl.LOCK_UN)
    t.eq(w.db("SELECT count(*) FROM marketplace_preview_access"), before,
         "nothing changed while locked")


def helps(w):
    for args in (["--help"], ["grant", "--help"], ["list", "--help"], ["revoke", "-h"],
                 ["verify", "--help"]):
        p = w.run("preview", *args)
        t.ok(p.returncode == 0 and p.stdout.startswith("usage: vrsctl preview"),
             "preview %s prints its usage" % " ".join(args), p.stdout + p.stderr)
    p = w.run("--help")
    t.ok("preview" in p.stdout, "vrsctl --help lists preview", p.stdout)


def main():
    w = World(os.path.join(TOP, "examples", "multi-server"))
    try:
        p = w.run("preview", "list", DEMO)
        t.eq(p.returncode, 1, "before apply the project is not recorded: exit 1")
        p = w.apply()
        t.eq(p.returncode, 0, "apply of examples/multi-server exits 0")
        if p.returncode:
            print("# " + p.stderr[-2000:].replace("\n", "\n# "))
        p = w.run("preview", "list", DEMO)
        t.ok(p.returncode == 0 and "No preview accesses" in p.stdout,
             "list of a project without accesses", p.stdout + p.stderr)
        helps(w)
        first = text_grant(w)
        second = json_grant_and_verify(w, first)
        single_use(w)
        expiry(w)
        refusals(w, second)
        lock(w, second)
        revoke(w, second)
        dash_token(w)
        p = w.run("preview", "verify", DEMO, "--token", first)
        t.eq(p.returncode, 0, "the other accesses still verify")
    finally:
        w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
