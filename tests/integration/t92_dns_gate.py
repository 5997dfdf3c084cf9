#!/usr/bin/python3
"""The DNS gate (issue 12, item 1) against the simulator's DNS server: an app's
FQDNs go to Coolify only after the zone's nameservers serve the records
(--dns-delay: the wait is logged, the domain goes pending_dns -> active); a
stale answer ends in error at --dns-timeout naming what was served, the others
active; an owned domain delegated elsewhere is an error naming the servers;
VRS_NAMESERVER must be loopback; and the simulator's DNS server itself (A,
NODATA, NXDOMAIN, the parent's referral, TC + TCP) by raw queries. TAP."""

import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()
IP = "203.0.113.10"


def project(slug, domains):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n%s" % (slug, slug, domains))


def sub(slug):
    return "  - subdomain: %s\n    primary: true\n" % slug


def world(files, sim_args=()):
    specs = tempfile.mkdtemp(prefix="vrs-t92-")
    write_specs(specs, files)
    return World(specs, copy_specs=False, sim_args=tuple(sim_args))


def ro(w, sql, *args):
    """read the state while vrsctl may be writing it (or not have created it yet): [] then"""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % w.state, uri=True, timeout=0.2)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


def log_rows(w, slug, action):
    return ro(w, "SELECT l.message FROM marketplace_provisioning_log l JOIN marketplace_project p "
              "ON p.id = l.project_id WHERE p.slug = ? AND l.action = ? ORDER BY l.id", slug, action)


def domain_status(w, fqdn):
    r = ro(w, "SELECT status FROM marketplace_project_domain WHERE domain = ?", fqdn)
    return r[0][0] if r else None


# ---- raw DNS -------------------------------------------------------------------------------

def query(name, qtype, qid=0x1234):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def skip_name(b, off):
    while True:
        n = b[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def parse(b):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", b[:12])
    off = 12
    for _ in range(qd):
        off = skip_name(b, off) + 4
    rrs = []
    for sec, n in (("an", an), ("ns", ns)):
        for _ in range(n):
            off = skip_name(b, off)
            typ, _, _, ln = struct.unpack("!HHIH", b[off:off + 10])
            rrs.append((sec, typ, b[off + 10:off + 10 + ln]))
            off += 10 + ln
    return {"id": qid, "aa": bool(flags & 0x400), "tc": bool(flags & 0x200), "rcode": flags & 0xF,
            "an": an, "ns": ns, "rrs": rrs}


def udp(port, name, qtype):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.sendto(query(name, qtype), ("127.0.0.1", port))
        return parse(s.recv(4096))
    finally:
        s.close()


def tcp(port, name, qtype):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        q = query(name, qtype)
        s.sendall(struct.pack("!H", len(q)) + q)
        ln = struct.unpack("!H", s.recv(2))[0]
        b = b""
        while len(b) < ln:
            b += s.recv(ln - len(b))
        return parse(b)
    finally:
        s.close()


def raw_server():
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/roma.yaml": project("roma", sub("roma"))})
    try:
        port = w.sim.dns_port
        w.patch({"op": "add_record", "zone": "vrs.gmbh", "name": "shop", "type": "A",
                 "content": "192.0.2.7"})
        for i in range(40):
            w.patch({"op": "add_record", "zone": "vrs.gmbh", "name": "big", "type": "A",
                     "content": "192.0.2.%d" % (i + 10)})
        time.sleep(0.3)  # the server's view follows the zone within 50 ms (delay 0)
        a = udp(port, "shop.vrs.gmbh", 1)
        t.ok(a["rcode"] == 0 and a["aa"] and a["an"] == 1 and a["rrs"][0][2] == socket.inet_aton("192.0.2.7"),
             "dns: A answered, authoritative, with the zone's address", a)
        a = udp(port, "shop.vrs.gmbh", 28)
        t.ok(a["rcode"] == 0 and a["an"] == 0 and a["ns"] == 1 and a["rrs"][0][1] == 6,
             "dns: AAAA of a name without one: NODATA with the SOA", a)
        a = udp(port, "nothing.vrs.gmbh", 1)
        t.ok(a["rcode"] == 3 and a["aa"] and a["an"] == 0, "dns: a name not in the zone: NXDOMAIN", a)
        a = udp(port, "example.org", 1)
        t.eq(a["rcode"], 5, "dns: outside its zones: REFUSED")
        a = udp(port, "vrs.gmbh", 2)
        names = [r[2] for r in a["rrs"] if r[0] == "ns" and r[1] == 2]
        t.ok(a["rcode"] == 0 and not a["aa"] and a["an"] == 0 and len(names) == 3
             and b"\x02ns\x04inwx\x02de\x00" in names,
             "dns: NS at a zone's apex answered as the parent: a referral naming INWX's servers", a)
        a = udp(port, "big.vrs.gmbh", 1)
        t.ok(a["tc"] and a["an"] == 0, "dns: an answer over 512 octets is truncated over UDP (TC)", a)
        a = tcp(port, "big.vrs.gmbh", 1)
        t.ok(not a["tc"] and a["an"] == 40, "dns: the same question over TCP gets all 40 records", a)
        log = w.sim_state()["dns"]["dns_log"]
        t.ok(any(x[1] == "big.vrs.gmbh" and x[3] == "tcp" for x in log), "dns: the questions are logged (meta)")
        env_sh(w)
    finally:
        w.close()


def env_sh(w):
    """tests/sim/env.sh prints the export lines from the ready file (and the HTTPS keys when there)"""
    sh = os.path.join(vrsenv.TOP, "tests", "sim", "env.sh")
    out = subprocess.run([sh, w.sim.ready], capture_output=True, text=True).stdout.splitlines()
    t.eq(out, ["export VRS_COOLIFY_URL=http://127.0.0.1:%d" % w.sim.coolify_port,
               "export VRS_INWX_URL=http://127.0.0.1:%d/jsonrpc/" % w.sim.inwx_port,
               "export VRS_NAMESERVER=127.0.0.1:%d" % w.sim.dns_port,
               "export VRS_CONNECT_TO=127.0.0.1:%d" % w.sim.https_port,
               "export VRS_CA_FILE=%s" % w.sim.ca_file],
         "env.sh: the export lines of the ready file (its apps' HTTPS side too)")
    ready = os.path.join(w.dir, "ready-https.json")
    with open(ready, "w") as f:
        f.write('{"coolify": 1, "inwx": 2, "dns_port": 3, "https_port": 4, "ca_file": "/tmp/a b/ca.pem"}')
    out = subprocess.run([sh, ready], capture_output=True, text=True).stdout.splitlines()
    t.eq(out[3:], ["export VRS_CONNECT_TO=127.0.0.1:4", "export VRS_CA_FILE='/tmp/a b/ca.pem'"],
         "env.sh: VRS_CONNECT_TO and VRS_CA_FILE when the ready file names them (quoted)")


# ---- the gate ------------------------------------------------------------------------------

def delayed_converge():
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/roma.yaml": project("roma", sub("roma"))},
              sim_args=("--dns-delay", "2"))
    try:
        p = subprocess.Popen([vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply",
                              "--auto-approve"], env=w.env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        seen_pending = False
        while p.poll() is None:
            if domain_status(w, "roma.vrs.gmbh") == "pending_dns" and log_rows(w, "roma", "dns_waiting") \
                    and "roma" not in w.apps_by_name():
                seen_pending = True
                break
            time.sleep(0.05)
        out = p.communicate(timeout=120)[0]
        t.eq(p.returncode, 0, "delay: apply converges once DNS answers")
        t.ok(seen_pending, "delay: while it waits, the domain is pending_dns and no app exists", out)
        t.ok("waiting for DNS" in out, "delay: the progress shows the wait", out[-2000:])
        waits = log_rows(w, "roma", "dns_waiting")
        t.ok(len(waits) == 1 and "roma.vrs.gmbh A " + IP in waits[0][0] and "NXDOMAIN" in waits[0][0],
             "delay: one dns_waiting row says what it waits for and what was served", waits)
        res = log_rows(w, "roma", "dns_resolved")
        t.ok(len(res) == 1 and IP in res[0][0], "delay: a dns_resolved row", res)
        t.eq(domain_status(w, "roma.vrs.gmbh"), "active", "delay: the domain is active")
        st = w.sim_state()
        log = st["dns"]["dns_log"]
        first_right = min(x[0] for x in log if x[1] == "roma.vrs.gmbh" and x[2] == "A" and x[5] == [IP])
        wrong = [x for x in log if x[1] == "roma.vrs.gmbh" and x[2] == "A" and x[0] < first_right]
        created = w.admin.get("/_sim/calls/times").json["coolify"]["POST /applications/dockerimage"]
        t.ok(wrong and all(x[4] == "NXDOMAIN" for x in wrong),
             "delay: before the delay passed the server answered NXDOMAIN", wrong)
        t.ok(len(created) == 1 and created[0] >= first_right,
             "delay: the app (with its FQDNs) was created only after the A record resolved",
             (created, first_right))
        app = w.apps_by_name()["roma"][0]
        t.ok("roma.vrs.gmbh" in (app.get("fqdn") or ""), "delay: the app has its FQDN", app.get("fqdn"))
        n = len(log)
        p2 = w.apply()
        t.eq(p2.returncode, 0, "delay: a re-apply converges")
        t.eq(len(w.sim_state()["dns"]["dns_log"]), n, "delay: a converged re-apply asks no DNS question")
        t.eq(len(log_rows(w, "roma", "dns_waiting")), 1, "delay: and does not wait")
        added_domain(w)
    finally:
        w.close()


def added_domain(w):
    """an update adding a domain to the app waits for the new name too; the name the app
    has already is not asked again"""
    write_specs(w.specs, {"p/roma.yaml": project("roma", sub("roma") + "  - subdomain: roma-bar\n")})
    n = len(w.sim_state()["dns"]["dns_log"])
    p = w.apply()
    t.ok(p.returncode == 0, "update: adding a domain converges", p.stdout[-1500:] + p.stderr)
    log = w.sim_state()["dns"]["dns_log"][n:]
    new = "roma-bar.vrs.gmbh"
    right = [x[0] for x in log if x[1] == new and x[2] == "A" and x[5] == [IP]]
    wrong = [x for x in log if x[1] == new and x[2] == "A" and x[5] != [IP]]
    patches = w.admin.get("/_sim/calls/times").json["coolify"].get("PATCH /applications/{uuid}", [])
    t.ok(wrong and right and patches and max(patches) >= min(right),
         "update: the app's new FQDN went to Coolify only after its A record resolved",
         (wrong[:2], right[:1], patches))
    t.eq([x for x in log if x[1] == "roma.vrs.gmbh"], [], "update: the name the app had is not asked again")
    waits = log_rows(w, "roma", "dns_waiting")
    t.ok(len(waits) == 2 and new + " A " + IP in waits[1][0] and "roma.vrs.gmbh A" not in
         waits[1][0].replace(new, ""), "update: a dns_waiting row for the new name only", waits)
    t.eq(domain_status(w, new), "active", "update: the new domain is active")
    app = w.apps_by_name()["roma"][0]
    t.ok(new in (app.get("fqdn") or ""), "update: the app has the new FQDN", app.get("fqdn"))


def stale_answer():
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/roma.yaml": project("roma", sub("roma")),
               "p/luna.yaml": project("luna", sub("luna"))})
    try:
        w.patch({"op": "dns_serve", "name": "luna.vrs.gmbh", "type": "A", "values": ["198.51.100.99"]})
        p = w.apply("--dns-timeout", "5s", "--parallelism", "1")
        t.eq(p.returncode, 1, "stale: apply fails")
        # one call slot: the waiting project held none, so the other converged meanwhile
        act = w.db("SELECT l.id FROM marketplace_provisioning_log l JOIN marketplace_project p ON "
                   "p.id = l.project_id WHERE p.slug = 'roma' AND l.new_status = 'active'")
        err = w.db("SELECT l.id FROM marketplace_provisioning_log l JOIN marketplace_project p ON "
                   "p.id = l.project_id WHERE p.slug = 'luna' AND l.new_status = 'error'")
        t.ok(act and err and act[0][0] < err[0][0],
             "stale: with --parallelism 1 the other project went active while it waited", (act, err))
        s = w.status()
        t.eq(s["roma"]["status"], "active", "stale: the other project is active")
        t.eq(s["luna"]["status"], "error", "stale: the project served a stale address is in error")
        err = s["luna"].get("error") or s["luna"].get("provisioning_error") or ""
        t.ok("198.51.100.99" in err and "--dns-timeout" in err, "stale: its error names the address served", s["luna"])
        t.ok("luna" not in w.apps_by_name(), "stale: its FQDNs never reached Coolify")
        t.eq(domain_status(w, "luna.vrs.gmbh"), "pending_dns", "stale: its domain stays pending_dns")
    finally:
        w.close()


PLATFORM_V6 = vrsenv.PLATFORM_DNS.replace("ip_address: 203.0.113.10\n",
                                          "ip_address: 203.0.113.10\nipv6_address: \"2001:db8::10\"\n")


def v6_www_tcp():
    """a server with an IPv6 address: AAAA is asked and must be served; the www CNAME must
    be served; an answer too big for UDP is asked again over TCP (c-ares) and judged"""
    w = world({"platform.yaml": PLATFORM_V6, "p/roma.yaml": project("roma", sub("roma")),
               "p/luna.yaml": project("luna", sub("luna")), "p/sole.yaml": project("sole", sub("sole")),
               "p/mare.yaml": project("mare", sub("mare"))})
    try:
        w.patch({"op": "dns_serve", "name": "luna.vrs.gmbh", "type": "AAAA", "values": ["2001:db8::99"]},
                {"op": "dns_serve", "name": "www.sole.vrs.gmbh", "type": "CNAME", "values": ["old.example.org"]},
                {"op": "dns_serve", "name": "mare.vrs.gmbh", "type": "A",
                 "values": ["192.0.2.%d" % (i + 10) for i in range(40)]})
        p = w.apply("--dns-timeout", "3s")
        t.ok(p.returncode == 1, "v6: apply fails for the three served wrong values", p.stdout[-1500:])
        s = w.status()
        t.eq(s["roma"]["status"], "active", "v6: the project served right is active")
        log = w.sim_state()["dns"]["dns_log"]
        asked = {(x[1], x[2]) for x in log if x[4] == "NOERROR" and x[5]}
        t.ok({("roma.vrs.gmbh", "A"), ("roma.vrs.gmbh", "AAAA"), ("www.roma.vrs.gmbh", "CNAME")} <= asked,
             "v6: A, AAAA and the www CNAME were asked and answered", sorted(asked))
        for slug, words in (("luna", ["luna.vrs.gmbh AAAA 2001:db8::10", "2001:db8::99"]),
                            ("sole", ["www.sole.vrs.gmbh CNAME sole.vrs.gmbh", "old.example.org"]),
                            ("mare", ["mare.vrs.gmbh A 203.0.113.10", "192.0.2.10, 192.0.2.11"])):
            err = s[slug].get("error") or ""
            t.ok(s[slug]["status"] == "error" and all(x in err for x in words),
                 "v6: %s in error naming what it waited for and what was served" % slug, s[slug])
            t.eq(domain_status(w, "%s.vrs.gmbh" % slug), "pending_dns", "v6: %s's domain stays pending_dns" % slug)
        t.ok(any(x[1] == "mare.vrs.gmbh" and x[3] == "udp" for x in log)
             and any(x[1] == "mare.vrs.gmbh" and x[3] == "tcp" for x in log),
             "v6: the truncated UDP answer was asked again over TCP",
             [x for x in log if x[1] == "mare.vrs.gmbh"][:4])
    finally:
        w.close()


def delegated_elsewhere():
    dom = "  - subdomain: pizza\n  - domain: pizza-roma.de\n    type: owned\n    primary: true\n"
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/pizza.yaml": project("pizza", dom),
               "p/roma.yaml": project("roma", sub("roma"))})
    try:
        w.patch({"op": "dns_delegate", "domain": "pizza-roma.de",
                 "ns": ["ns1.elsewhere.example", "ns2.elsewhere.example"]})
        p = w.apply()
        t.eq(p.returncode, 1, "delegation: apply fails")
        s = w.status()
        err = s["pizza"].get("error") or s["pizza"].get("provisioning_error") or ""
        t.ok(s["pizza"]["status"] == "error" and "ns1.elsewhere.example" in err and "delegat" in err,
             "delegation: the project's error names the servers it is delegated to", s["pizza"])
        t.eq(s["roma"]["status"], "active", "delegation: the other project is active")
        w.patch({"op": "dns_delegate", "domain": "pizza-roma.de", "ns": None})
        p = w.run("retry", "pizza")
        p = w.apply()
        t.eq(p.returncode, 0, "delegation: delegated to INWX's servers, the retry converges")
        t.eq(domain_status(w, "pizza-roma.de"), "active", "delegation: the owned domain is active")
    finally:
        w.close()


def stop_while_waiting():
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/roma.yaml": project("roma", sub("roma"))},
              sim_args=("--dns-delay", "600"))
    try:
        p = subprocess.Popen([vrsenv.VRSCTL, "--specs", w.specs, "--state", w.state, "apply",
                              "--auto-approve"], env=w.env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        while p.poll() is None and not log_rows(w, "roma", "dns_waiting"):
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        out = p.communicate(timeout=120)[0]
        t.ok(p.returncode == 1 and "interrupted" in out and "Sanitizer" not in out,
             "stop: SIGTERM during the DNS wait ends apply (interrupted)", out[-1500:])
        t.eq(domain_status(w, "roma.vrs.gmbh"), "pending_dns", "stop: the domain stays pending_dns")
        w.patch({"op": "dns_delay", "seconds": 0})
        p = w.apply()
        t.eq(p.returncode, 0, "stop: the next apply converges")
        t.eq(domain_status(w, "roma.vrs.gmbh"), "active", "stop: and the domain is active")
    finally:
        w.close()


def loopback_only():
    w = world({"platform.yaml": vrsenv.PLATFORM_DNS, "p/roma.yaml": project("roma", sub("roma"))})
    try:
        p = w.apply(env={"VRS_NAMESERVER": "192.0.2.53:53"})
        t.ok(p.returncode == 1 and "VRS_NAMESERVER" in p.stderr and "loopback" in p.stderr,
             "VRS_NAMESERVER off loopback is refused, clearly", p.stderr)
        t.eq(w.apps_by_name(), {}, "and nothing was created")
    finally:
        w.close()


raw_server()
delayed_converge()
stale_answer()
v6_www_tcp()
delegated_elsewhere()
stop_while_waiting()
loopback_only()
sys.exit(t.done())
