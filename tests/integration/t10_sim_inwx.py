#!/usr/bin/python3
"""Fidelity test of the INWX DomRobot half of tests/sim/vrs_sim.py (TAP)."""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."), "tests", "sim"))
import simlib  # noqa: E402

t = simlib.Tap()
SECRET = "JBSWY3DPEHPK3PXP"


def codes(*rs):
    return [r["code"] for r in rs]


def main():
    d = tempfile.mkdtemp()
    seedf = os.path.join(d, "seed.json")
    with open(seedf, "w") as f:
        json.dump({"inwx": {"zones": [{"domain": "seeded.com", "records": [{"name": "www", "type": "A", "content": "192.0.2.1"}]}],
                            "domains": [{"domain": "seeded.com"}],
                            "taken_domains": ["google.com"], "auth_codes": {"moveme.net": "S3cr3t!"}}}, f)
    sim = simlib.Sim("--seed", "3", "--seed-file", seedf, "--quiet")
    try:
        basics(sim)
        records(sim)
        domains(sim)
        faults(sim)
    finally:
        sim.stop()
    fuzz()
    twofa()


def basics(sim):
    c = sim.inwx()
    r = c.call("account.login", user="sim-user", **{"pass": "wrong"})
    t.eq(r["code"], 2200, "wrong password -> 2200")
    t.eq(c.call("nameserver.list")["code"], 2200, "no session -> 2200")
    r = c.call("account.login", user="sim-user", **{"pass": "sim-password"})
    t.ok(r["code"] == 1000 and r["resData"]["tfa"] == "0" and c.cookie and c.cookie.startswith("domrobot="), "login -> 1000, tfa 0, domrobot cookie")
    t.ok("svTRID" in r and "runtime" in r and r["msg"] == "Command completed successfully", "response envelope")
    t.eq(c.call("account.info")["code"], 1000, "account.info with session")
    t.eq(c.call("Nameserver.List")["code"], 1000, "method names are case-insensitive")
    t.eq(c.call("nameserver.nothing")["code"], 2000, "unknown method -> 2000")
    r = c.request("POST", "/jsonrpc/", raw=b"{not json", headers={"Content-Type": "application/json", "Cookie": c.cookie}, prefix="")
    t.ok(r.status == 200 and r.json["code"] == 2001, "bad JSON -> 2001 with HTTP 200")
    r = c.request("POST", "/jsonrpc/", {"method": "nameserver.info", "params": [1]}, headers={"Cookie": c.cookie}, prefix="")
    t.eq(r.json["code"], 2005, "params not an object -> 2005")
    # Node client quirk: first request has "Cookie: null", later the raw Set-Cookie with attributes
    r = c.request("POST", "/jsonrpc/", {"method": "account.info", "params": {}},
                  headers={"Cookie": c.cookie + "; path=/; HttpOnly"}, prefix="")
    t.eq(r.json["code"], 1000, "cookie with attributes accepted")
    s = sim.inwx()
    t.eq(s.call("nameserver.list", user="sim-user", **{"pass": "sim-password"})["code"], 1000, "stateless user/pass per call")
    r = s.call("account.logout")
    t.eq(r["code"], 2200, "logout without session -> 2200")
    t.eq(c.call("account.logout")["code"], 1500, "logout -> 1500")
    t.eq(c.call("account.info")["code"], 2200, "after logout -> 2200")
    r = c.call("account.login", user="sim-user", **{"pass": 5})
    t.eq(r["code"], 2005, "non-string pass -> 2005")


def login(sim):
    c = sim.inwx()
    assert c.call("account.login", user="sim-user", **{"pass": "sim-password"})["code"] == 1000
    return c


def records(sim):
    c = login(sim)
    t.eq(c.call("nameserver.create", domain="example.com")["code"], 2003, "nameserver.create without type -> 2003")
    r = c.call("nameserver.create", domain="example.com", type="MASTER", ns=["ns.inwx.de", "ns2.inwx.de"])
    t.ok(r["code"] == 1000 and isinstance(r["resData"]["roId"], int), "nameserver.create -> roId int")
    roid = r["resData"]["roId"]
    t.eq(c.call("nameserver.create", domain="example.com", type="MASTER")["code"], 2302, "zone exists -> 2302")
    info = c.call("nameserver.info", domain="example.com")["resData"]
    t.eq(sorted(x["type"] for x in info["record"]), ["NS", "NS", "SOA"], "new zone has SOA and apex NS")
    t.ok(all(x["name"] == "example.com" for x in info["record"]), "apex names = zone name")
    t.ok(isinstance(info["lastZoneCheck"], dict) and "timestamp" in info["lastZoneCheck"], "dates are objects with timestamp")
    r = c.call("nameserver.info", domain="example.com", type="TXT")
    t.ok(r["code"] == 1000 and "record" not in r["resData"] and r["resData"]["count"] == 0, "no match -> record omitted")
    t.eq(c.call("nameserver.info", domain="nope.com")["code"], 2303, "unknown zone -> 2303")
    t.eq(c.call("nameserver.info", roId=roid)["resData"]["domain"], "example.com", "nameserver.info by roId")
    forms = [("www", "www.example.com"), ("api.example.com", "api.example.com"), ("x.example.com.", "x.example.com"),
             ("@", "example.com"), ("", "example.com")]
    ids = []
    for n, (given, want) in enumerate(forms):
        r = c.call("nameserver.createRecord", domain="example.com", name=given, type="A", content="192.0.2.%d" % (n + 1), ttl=300)
        ids.append(r.get("resData", {}).get("id"))
        rec = c.call("nameserver.info", domain="example.com", recordId=ids[-1])["resData"]["record"][0]
        t.ok(r["code"] == 1000 and isinstance(ids[-1], str) and rec["name"] == want, "createRecord name %r -> %s, id string" % (given, want), r)
    r = c.call("nameserver.createRecord", domain="example.com", type="A", content="192.0.2.50")
    t.ok(r["code"] == 1000 and c.call("nameserver.info", domain="example.com", recordId=r["resData"]["id"])["resData"]["record"][0]["name"] == "example.com",
         "createRecord without name -> apex")
    r = c.call("nameserver.createRecord", domain="example.com", name="www", type="A", content="192.0.2.1")
    t.eq(r["code"], 2302, "duplicate record -> 2302")
    r = c.call("nameserver.createRecord", domain="example.com", name="www", type="A", content="not-an-ip")
    t.eq(r["code"], 2005, "bad A content -> 2005")
    r = c.call("nameserver.createRecord", roId=roid, name="blog", type="CNAME", content="www.example.com.")
    cn = c.call("nameserver.info", domain="example.com", type="CNAME")["resData"]["record"][0]
    t.ok(r["code"] == 1000 and cn["content"] == "www.example.com" and cn["ttl"] == 3600 and cn["prio"] == 0,
         "CNAME via roId: trailing dot stripped, ttl 3600 / prio 0 defaults")
    t.eq(c.call("nameserver.createRecord", domain="example.com", name="blog", type="A", content="192.0.2.7")["code"], 2308,
         "an A record beside a CNAME -> 2308")
    t.eq(c.call("nameserver.createRecord", domain="example.com", name="www", type="CNAME", content="example.com")["code"], 2308,
         "a CNAME beside an A record -> 2308")
    t.eq(c.call("nameserver.createRecord", domain="example.com", name="blog", type="CNAME", content="other.example.com")["code"], 2308,
         "a second CNAME at a name -> 2308")
    r = c.call("nameserver.createRecord", domain="example.com", name="www", type="A", content="192.0.2.8")
    t.eq((r["code"], len(c.call("nameserver.info", domain="example.com", name="www", type="A")["resData"]["record"])), (1000, 2),
         "a second A record of other content is accepted: round-robin")
    c.call("nameserver.deleteRecord", id=r["resData"]["id"])
    r = c.call("nameserver.createRecord", domain="example.com", name="m", type="MX", content="mail.example.com", prio=10)
    t.eq(c.call("nameserver.info", domain="example.com", type="MX")["resData"]["record"][0]["prio"], 10, "MX prio")
    r = c.call("nameserver.info", domain="example.com", name="www", type="A")
    t.eq([x["content"] for x in r["resData"]["record"]], ["192.0.2.1"], "filter by relative name + type")
    t.eq(c.call("nameserver.info", domain="example.com", content="192.0.2.2")["resData"]["count"], 1, "filter by content")
    r = c.call("nameserver.updateRecord", id=ids[0], content="192.0.2.99", ttl=600)
    rec = c.call("nameserver.info", domain="example.com", recordId=ids[0])["resData"]["record"][0]
    t.ok(r["code"] == 1000 and "resData" not in r and rec["content"] == "192.0.2.99" and rec["ttl"] == 600, "updateRecord")
    t.eq(c.call("nameserver.updateRecord", id=int(ids[0]), name="api", content="192.0.2.2")["code"], 2302, "update into a duplicate -> 2302 (id as number accepted)")
    t.eq(c.call("nameserver.updateRecord", id="1", content="192.0.2.2")["code"], 2303, "update unknown id -> 2303")
    t.eq(c.call("nameserver.deleteRecord", id=ids[0])["code"], 1000, "deleteRecord")
    t.eq(c.call("nameserver.deleteRecord", id=ids[0])["code"], 2303, "deleteRecord unknown id -> 2303")
    t.eq(c.call("nameserver.deleteRecord")["code"], 2003, "deleteRecord without id -> 2003")
    r = c.call("nameserver.createRecord", domain="example.com", name="t", type="TXT", content="v=1", testing=True)
    t.ok(r["code"] == 1000 and c.call("nameserver.info", domain="example.com", type="TXT")["resData"]["count"] == 0, "testing:true does not write")
    # pagination
    for i in range(24):
        c.call("nameserver.create", domain="zone%02d.org" % i, type="MASTER")
    p1 = c.call("nameserver.list")["resData"]
    p2 = c.call("nameserver.list", page=2)["resData"]
    t.ok(p1["count"] == 26 and len(p1["domains"]) == 20 and len(p2["domains"]) == 6, "nameserver.list: count + default pagelimit 20")
    t.eq(len(c.call("nameserver.list", page=1, pagelimit=100)["resData"]["domains"]), 26, "pagelimit 100")
    t.eq(c.call("nameserver.list", domain="zone1*")["resData"]["count"], 10, "domain filter with wildcard")
    t.ok(set(p1["domains"][0]) >= {"roId", "domain", "type"}, "nameserver.list fields")
    seeded = c.call("nameserver.info", domain="seeded.com", type="A")["resData"]["record"][0]
    t.eq(seeded["name"], "www.seeded.com", "seed zone records (relative names normalised)")


def domains(sim):
    c = login(sim)
    r = c.call("domain.check", domain=["free-one.com", "taken-x.com", "google.com", "seeded.com"])
    t.eq([x["avail"] for x in r["resData"]["domain"]], [1, 0, 0, 0], "domain.check: taken-*, seed taken_domains, own domains")
    r = c.call("domain.check", domain="solo.de")
    t.ok(r["resData"]["domain"][0]["tld"] == "de", "domain.check with a string")
    r = c.call("domain.check", domain=["premium-shop.de", "plain-shop.de"], wide=2)["resData"]["domain"]
    prem = r[0].get("premium") or {}
    t.ok(prem.get("currency") == "EUR" and prem["prices"]["create"]["price"] == 500.0 and r[0]["price"] < 500.0
         and "premium" not in r[1], "domain.check wide: a premium name has its own prices beside the regular price", r)
    r = c.call("domain.check", domain="premium-shop.de")["resData"]["domain"][0]
    t.ok("premium" not in r, "without wide no premium block", r)
    r = c.call("domain.create", domain="premium-shop.de", period="1Y", registrant=4711)
    t.ok(r["code"] == 1001 and r["resData"]["price"] == 500.0, "domain.create of a premium name charges its premium price", r)
    sim.admin().post("/_sim/state", {"op": "delete_domain", "domain": "premium-shop.de"})
    r = c.call("domain.getPrices", tld=["com", "de"])
    t.ok([p["tld"] for p in r["resData"]["price"]] == ["com", "de"] and r["resData"]["price"][0]["currency"] == "EUR", "domain.getPrices")
    r = c.call("domain.getRules")
    t.ok(any(x["tld"] == "com" and x["authCode"] == "YES" for x in r["resData"]["rules"]), "domain.getRules")
    cl = c.call("contact.list")["resData"]
    t.ok(cl["count"] >= 1 and "id" in cl["contact"][0], "contact.list")
    reg = cl["contact"][0]["id"]
    r = c.call("contact.create", type="PERSON", name="A B", street="S 1", city="Berlin", pc="10115", cc="DE",
               voice="+49.301234567", email="a@example.org")
    t.ok(r["code"] == 1000 and isinstance(r["resData"]["id"], int), "contact.create")
    t.eq(c.call("domain.create", domain="newshop.com", period="1Y")["code"], 2003, "domain.create without registrant -> 2003")
    t.eq(c.call("domain.create", domain="taken-a.com", registrant=reg)["code"], 2302, "domain.create of taken domain -> 2302")
    r = c.call("domain.create", domain="newshop.com", period="1Y", registrant=reg, admin=reg, tech=reg, billing=reg, ns=["ns.inwx.de"])
    t.ok(r["code"] == 1001 and r["resData"]["currency"] == "EUR", "domain.create -> 1001 pending")
    st = [c.call("domain.info", domain="newshop.com")["resData"]["status"] for _ in range(3)]
    t.eq(st, ["ORDERED", "ORDERED", "OK"], "domain becomes OK after --domain-polls 2 polls")
    info = c.call("domain.info", domain="newshop.com")["resData"]
    t.ok(info["exDate"]["timestamp"] > time.time() and info["ns"] == ["ns.inwx.de"], "domain.info fields, dates with timestamp")
    r = c.call("domain.transfer", domain="moveme.net", authCode="bad", registrant=reg)
    t.eq(r["code"], 1001, "domain.transfer -> 1001 pending")
    st = [c.call("domain.info", domain="moveme.net") for _ in range(3)]
    t.ok(st[0]["resData"]["status"] == "TRANSFER PENDING" and st[2]["code"] == 2303 and "auth" in st[2]["reason"],
         "wrong auth code: transfer fails (2303 with reason)", st[2])
    r = c.call("domain.transfer", domain="moveme.net", authCode="S3cr3t!", registrant=reg)
    st = [c.call("domain.info", domain="moveme.net")["resData"]["status"] for _ in range(3)]
    t.eq(st, ["TRANSFER PENDING", "TRANSFER PENDING", "OK"], "seed auth code: transfer completes")
    c.call("domain.transfer", domain="other.net", authCode="wrong", registrant=reg)
    c.call("domain.transfer", domain="any.net", authCode="whatever", registrant=reg)
    for _ in range(3):
        a = c.call("domain.info", domain="other.net")
        b = c.call("domain.info", domain="any.net")
    t.ok(a["code"] == 2303 and b["resData"]["status"] == "OK", "default auth-code rule: anything but \"wrong\"")
    r = c.call("domain.list")["resData"]
    t.ok(r["count"] == 4 and {"seeded.com", "newshop.com", "moveme.net", "any.net"} == {d["domain"] for d in r["domain"]}, "domain.list", r["count"])
    t.eq(c.call("domain.info", domain="nothing.com")["code"], 2303, "domain.info unknown -> 2303")
    t.eq(c.call("domain.update", domain="newshop.com", ns=["ns2.inwx.de"])["code"], 1001, "domain.update")


def faults(sim):
    adm = sim.admin()
    c = login(sim)
    adm.post("/_sim/faults", {"rules": [{"match": "nameserver.createRecord", "kind": "inwx2400", "count": 3}]})
    rs = [c.call("nameserver.createRecord", domain="example.com", name="f", type="TXT", content="v%d" % i) for i in range(4)]
    t.eq(codes(*rs), [2400, 2400, 2400, 1000], "inwx2400 count=3")
    adm.post("/_sim/faults", {"rules": [{"match": "nameserver.info", "kind": "inwx2500", "count": 1}]})
    t.eq(c.call("nameserver.info", domain="example.com")["code"], 2500, "inwx2500 fault")
    t.eq(c.call("account.info")["code"], 2200, "session gone after 2500 -> 2200")
    c = login(sim)
    adm.post("/_sim/faults", {"rules": [{"match": "nameserver.*", "kind": "inwx2400", "name": "seeded.com"}]})
    t.eq(codes(c.call("nameserver.info", domain="seeded.com"), c.call("nameserver.info", domain="example.com")), [2400, 1000],
         "name fault only for the seeded.com zone")
    adm.post("/_sim/faults", {"rules": [{"match": "inwx:*", "kind": "http502", "count": 1}]})
    r = c.request("POST", "/jsonrpc/", {"method": "account.info", "params": {}}, headers={"Cookie": c.cookie}, prefix="")
    t.eq(r.status, 502, "service-scoped rule inwx:*")
    adm.post("/_sim/faults", {"rules": [{"match": "account.info", "kind": "malformed", "count": 1}]})
    r = c.request("POST", "/jsonrpc/", {"method": "account.info", "params": {}}, headers={"Cookie": c.cookie}, prefix="")
    t.ok(r.json is None and r.raw.startswith(b'{"code"'), "malformed INWX body")
    adm.post("/_sim/faults", {"rules": []})
    adm.post("/_sim/state", {"op": "drop_sessions"})
    t.eq(codes(c.call("account.info"), c.call("account.info")), [2500, 2200], "drop_sessions: 2500 once, then 2200")
    c = login(sim)
    # admin record ops
    adm.post("/_sim/state", [{"op": "set_record", "zone": "seeded.com", "name": "www", "type": "A", "fields": {"content": "198.51.100.7"}},
                             {"op": "add_record", "zone": "seeded.com", "name": "extra", "type": "TXT", "content": "x"}])
    r = c.call("nameserver.info", domain="seeded.com", name="www")["resData"]["record"][0]
    t.eq(r["content"], "198.51.100.7", "admin set_record")
    adm.post("/_sim/state", {"op": "delete_record", "zone": "seeded.com", "name": "extra.seeded.com", "type": "TXT"})
    t.eq(c.call("nameserver.info", domain="seeded.com", type="TXT")["resData"]["count"], 0, "admin add_record + delete_record")
    adm.post("/_sim/state", {"op": "set_domain", "domain": "seeded.com", "fields": {"status": "EXPIRED"}})
    t.eq(c.call("domain.info", domain="seeded.com")["resData"]["status"], "EXPIRED", "admin set_domain")
    st = adm.get("/_sim/state").json["inwx"]
    z = next(z for z in st["zones"] if z["domain"] == "seeded.com")
    t.ok("roId" in z and any(r["type"] == "SOA" for r in z["records"]), "GET /_sim/state inwx zones")
    calls = adm.get("/_sim/calls").json["inwx"]
    t.ok(calls["nameserver.createRecord"] >= 12 and calls["account.login"] >= 4, "INWX calls counted by method", calls)
    # burst limit
    b = simlib.Sim("--inwx-burst", "3", "--quiet")
    try:
        c = b.inwx()
        c.call("account.login", user="sim-user", **{"pass": "sim-password"})
        c.call("nameserver.create", domain="burst.com", type="MASTER")
        rs = [c.call("nameserver.createRecord", domain="burst.com", name="b%d" % i, type="A", content="192.0.2.1") for i in range(3)]
        t.eq(codes(*rs)[-1], 2400, "--inwx-burst: write bursts -> 2400")
    finally:
        b.stop()


def fuzz():
    """Wrong types for every parameter of every method: API error codes, never a crash."""
    sim = simlib.Sim("--seed", "9", "--quiet")
    try:
        c = login(sim)
        c.call("nameserver.create", domain="fuzz.com", type="MASTER")
        bad = []
        keys = ["domain", "roId", "id", "type", "name", "content", "ttl", "prio", "page", "pagelimit", "recordId",
                "registrant", "authCode", "tld", "ns", "tan", "sld", "period", "search", "testing", "user", "pass"]
        values = [None, [], {}, [1, {}], True, -1, 1e308, "", "x" * 3000, "\u0000\ud800"]
        for m in ["nameserver.list", "nameserver.create", "nameserver.info", "nameserver.createRecord",
                  "nameserver.updateRecord", "nameserver.deleteRecord", "domain.check", "domain.getPrices",
                  "domain.getRules", "domain.create", "domain.transfer", "domain.info", "domain.list", "domain.update",
                  "contact.list", "contact.create", "account.info", "account.unlock"]:
            for k in keys:
                for v in values:
                    params = {"domain": "fuzz.com", "type": "A", "content": "192.0.2.1", "id": "1"}
                    params[k] = v
                    r = c.call(m, **params)
                    if r.get("code") not in (1000, 1001, 2002, 2003, 2004, 2005, 2302, 2303, 2308) or \
                            "internal" in str(r.get("reason", "")):
                        bad.append((m, k, repr(v)[:20], r.get("code"), r.get("reason")))
        t.eq(bad[:5], [], "fuzzed parameter types -> API error codes, no internal error")
        t.eq(c.call("account.info")["code"], 1000, "sim alive after fuzzing")
    finally:
        sim.stop()


def twofa():
    sim = simlib.Sim("--inwx-2fa", SECRET, "--inwx-user", "alice", "--inwx-password", "pw\"1", "--quiet")
    try:
        c = sim.inwx()
        r = c.call("account.login", user="alice", **{"pass": "pw\"1"})
        t.ok(r["code"] == 1000 and r["resData"]["tfa"] == "GOOGLE-AUTH", "2FA login -> tfa GOOGLE-AUTH")
        r = c.call("account.info")
        t.ok(r["code"] == 2200 and "unlock" in r["reason"], "locked session -> 2200 unlock required")
        t.eq(c.call("account.unlock", tan="000000" if simlib.totp(SECRET) != "000000" else "111111")["code"], 2200, "wrong TAN -> 2200")
        # step -1 is accepted too; use it so the current step stays free
        tan = simlib.totp(SECRET, step_offset=-1)
        t.eq(c.call("account.unlock", tan=tan)["code"], 1000, "TOTP (previous step) unlocks")
        t.eq(c.call("nameserver.list")["code"], 1000, "unlocked session works")
        c2 = sim.inwx()
        c2.call("account.login", user="alice", **{"pass": "pw\"1"})
        t.eq(c2.call("account.unlock", tan=tan)["code"], 2200, "a TAN is accepted only once")
        t.eq(c2.call("account.unlock", tan=int(simlib.totp(SECRET)))["code"], 1000, "TAN as unpadded int accepted")
        s = sim.inwx()
        t.eq(s.call("nameserver.list", user="alice", **{"pass": "pw\"1"})["code"], 2002, "user/pass per call with 2FA -> 2002")
    finally:
        sim.stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        import traceback
        traceback.print_exc()
        t.ok(False, "test crashed: %s" % e)
    sys.exit(t.done())
