"""sim_dns — the INWX side of the simulator as a DNS server (stdlib only: socket, struct).

Serves the simulator's zones on one loopback port, UDP and TCP, as INWX's
nameservers do: authoritative answers (AA) from the records the zones hold
(A, AAAA, CNAME, NS, SOA, TXT, MX), NXDOMAIN with the SOA for a name that does
not exist, NODATA (NOERROR, no answer, SOA) for a name without the type asked,
REFUSED outside its zones. A UDP answer over 512 octets (no EDNS) is sent
truncated (TC, question only) so the client asks again over TCP.

Propagation: with --dns-delay S, a record created, changed or deleted is
served as it is only S seconds after the change was seen (a thread looks every
50 ms, and each question looks at its zone); until then the old value (or
NXDOMAIN for a new name) is served.

The parent: an NS question for a zone's apex is answered as the parent zone
(the TLD) would: a referral (no AA, no answer, the NS in the authority
section) naming the servers the domain is delegated to: the account's domain
nameservers when the domain is in the account, else the zone's NS records; the
admin op dns_delegate names others. A server authoritative for the child would
answer from the child; this one plays the registry, which is what vrsctl's
delegation check asks.

Admin ops (POST /_sim/state), handled by admin():
  {"op":"dns_delay","seconds":S}                            the propagation delay from now on
  {"op":"dns_serve","name":N,"type":"A","values":["10.9.9.9"]}  serve these instead (a stale
                                                                 server); "values":null ends it
  {"op":"dns_delegate","domain":D,"ns":["ns1.elsewhere.net"]}   the parent's NS for D; null: default
The last 2000 questions are kept in meta.dns_log: [unix time, name, type, proto, rcode, [values]].
"""

import socket
import struct
import threading
import time

T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
TNAME = {v: k for k, v in T.items()}
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
RCODE = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
UDP_MAX = 512
LOG_MAX = 2000


def enc_name(name):
    out = b""
    for label in [x for x in name.rstrip(".").split(".") if x]:
        b = label.encode("idna") if any(ord(c) > 127 for c in label) else label.encode()
        if len(b) > 63:
            raise ValueError("label too long: %r" % label)
        out += bytes([len(b)]) + b
    return out + b"\0"


def read_name(buf, off):
    """(dotted lower-case name, offset after it); pointers must point backwards."""
    labels, end, hops = [], None, 0
    while True:
        if off >= len(buf):
            raise ValueError("name past the end")
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise ValueError("cut pointer")
            to = struct.unpack("!H", buf[off:off + 2])[0] & 0x3FFF
            if to >= off or hops > 64:
                raise ValueError("bad pointer")
            hops += 1
            if end is None:
                end = off + 2
            off = to
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        if n == 0:
            return ".".join(labels).lower(), (end if end is not None else off + 1)
        labels.append(buf[off + 1:off + 1 + n].decode("latin-1"))
        off += 1 + n


def rdata(typ, content):
    if typ == "A":
        return socket.inet_pton(socket.AF_INET, content)
    if typ == "AAAA":
        return socket.inet_pton(socket.AF_INET6, content)
    if typ in ("CNAME", "NS"):
        return enc_name(content)
    if typ == "MX":
        return struct.pack("!H", 10) + enc_name(content)
    if typ == "TXT":
        b = content.encode()[:255]
        return bytes([len(b)]) + b
    if typ == "SOA":
        f = content.split()
        mname, rname = f[0], f[1]
        nums = [int(x) for x in (f[2:7] + ["1", "10800", "3600", "604800", "3600"])[:5]]
        return enc_name(mname) + enc_name(rname) + struct.pack("!IIIII", *nums)
    return None


def rr(name, typ, ttl, content):
    d = rdata(typ, content)
    if d is None:
        return None
    return enc_name(name) + struct.pack("!HHIH", T[typ], 1, int(ttl), len(d)) + d


class DnsServer:
    def __init__(self, sim, host, port, delay=0.0):
        self.sim = sim
        self.delay = float(delay)
        self.lock = threading.Lock()
        self.view = {}      # (name, type) -> sorted [(content, ttl)] as served
        self.pending = {}   # (name, type) -> (value, when the change was seen)
        self.serve = {}     # (name, type) -> [content]: dns_serve overrides
        self.delegate = {}  # domain -> [ns]: dns_delegate overrides
        self.log = []
        self.udp, self.tcp, self.port = self.bind_pair(host, port)
        self.view = self.current()

    @staticmethod
    def bind_pair(host, port):
        """One port number for UDP and TCP. With port 0 the kernel picks the
        UDP port, and that number may be taken for TCP by another process
        (tests run beside each other): then try another."""
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _ in range(50 if port == 0 else 1):
            udp = socket.socket(fam, socket.SOCK_DGRAM)
            udp.bind((host, port))
            p = udp.getsockname()[1]
            tcp = socket.socket(fam, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((host, p))
            except OSError:
                udp.close()
                tcp.close()
                if port != 0:
                    raise
                continue
            tcp.listen(64)
            return udp, tcp, p
        raise OSError("no port free for both UDP and TCP on %s" % host)

    def start(self):
        for f in (self.serve_udp, self.serve_tcp, self.tick):
            threading.Thread(target=f, daemon=True).start()

    # ---- what is served
    def current(self, zone=None):
        out = {}
        with self.sim.lock:
            for z in self.sim.zones:
                if zone is not None and z["domain"] != zone:
                    continue
                for r in z["records"]:
                    out.setdefault((r["name"], r["type"]), []).append((r["content"], r.get("ttl", 3600)))
        return {k: sorted(v) for k, v in out.items()}

    def sync(self, zone=None):
        """What is served follows the zones (all, or one: the zone of a question, so a change
        is seen by the next question at once, not only by the next tick)."""
        cur, now = self.current(zone), time.time()
        with self.sim.lock:
            deeper = [z["domain"] for z in self.sim.zones
                      if zone is not None and z["domain"].endswith("." + zone)]

        def inz(key):
            n = key[0]
            if zone is None:
                return True
            return (n == zone or n.endswith("." + zone)) and not any(
                n == d or n.endswith("." + d) for d in deeper)
        with self.lock:
            for key in [k for k in set(cur) | set(self.view) | set(self.pending) if inz(k)]:
                val = cur.get(key)
                if val == self.view.get(key):
                    self.pending.pop(key, None)
                    continue
                p = self.pending.get(key)
                if p is None or p[0] != val:
                    p = self.pending[key] = (val, now)
                if now >= p[1] + self.delay:  # the delay in force now (dns_delay may change it)
                    if val is None:
                        self.view.pop(key, None)
                    else:
                        self.view[key] = val
                    del self.pending[key]

    def tick(self):
        while True:
            try:
                self.sync()
            except Exception:  # noqa: BLE001 - the sim's state changing under us: next tick
                pass
            time.sleep(0.05)

    def zones(self):
        with self.sim.lock:
            return {z["domain"]: z for z in self.sim.zones}

    def delegation(self, domain, zone):
        if domain in self.delegate:
            return self.delegate[domain]
        with self.sim.lock:
            d = self.sim.domain(name=domain)
            if d is not None and d.get("ns"):
                return list(d["ns"])
        return [c for c, _ in self.view.get((domain, "NS"), [])] or list(zone.get("ns") or [])

    def rrset(self, name, typ):
        if (name, typ) in self.serve:
            return [(c, 60) for c in self.serve[(name, typ)]]
        return self.view.get((name, typ), [])

    def name_exists(self, name):
        if any(k[0] == name for k in self.view) or any(k[0] == name for k in self.serve):
            return True
        return any(k[0].endswith("." + name) for k in self.view)  # an empty non-terminal

    # ---- answering
    def answer(self, q, proto):
        if len(q) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        rd = flags & 0x0100
        if flags & 0x8000:
            return None
        try:
            if qd != 1:
                raise ValueError("one question")
            qname, off = read_name(q, 12)
            qtype, qclass = struct.unpack("!HH", q[off:off + 4])
            question = q[12:off + 4]
        except (ValueError, struct.error):
            return struct.pack("!HHHHHH", qid, 0x8000 | rd | FORMERR, 0, 0, 0, 0)
        if (flags >> 11) & 0xF:
            return struct.pack("!HHHHHH", qid, 0x8000 | rd | NOTIMP, 1, 0, 0, 0) + question
        rcode, aa, ans, auth, seen = self.lookup(qname, qtype)
        self.note(qname, qtype, proto, rcode, seen)
        hdr = struct.pack("!HHHHHH", qid, 0x8000 | (0x0400 if aa else 0) | rd | rcode, 1,
                          len(ans), len(auth), 0)
        msg = hdr + question + b"".join(ans) + b"".join(auth)
        if proto == "udp" and len(msg) > UDP_MAX:
            return struct.pack("!HHHHHH", qid, 0x8000 | (0x0400 if aa else 0) | 0x0200 | rd | rcode,
                               1, 0, 0, 0) + question
        return msg

    def lookup(self, qname, qtype):
        """(rcode, aa, answer rrs, authority rrs, values served)"""
        zs = self.zones()
        zone = next((qname[len(qname) - len(z):] for z in sorted(zs, key=len, reverse=True)
                     if qname == z or qname.endswith("." + z)), None)
        if zone is None:
            return REFUSED, False, [], [], []
        z = zs[zone]
        self.sync(zone)
        soa = self.rrset(zone, "SOA")
        soa_rr = [rr(zone, "SOA", t, c) for c, t in soa[:1]]
        tname = TNAME.get(qtype)
        if tname == "NS" and qname == zone:
            ns = self.delegation(zone, z)
            return NOERROR, False, [], [rr(zone, "NS", 86400, n) for n in ns], ns
        ans, seen, name = [], [], qname
        for _ in range(8):  # CNAME chain inside the zone
            cn = self.rrset(name, "CNAME")
            if cn and tname != "CNAME":
                ans.append(rr(name, "CNAME", cn[0][1], cn[0][0]))
                seen.append(cn[0][0])
                name = cn[0][0].lower().rstrip(".")
                if not (name == zone or name.endswith("." + zone)):
                    break
                continue
            if tname:
                for c, t in self.rrset(name, tname):
                    x = rr(name, tname, t, c)
                    if x is not None:
                        ans.append(x)
                        seen.append(c)
            break
        ans = [a for a in ans if a is not None]
        if ans:
            return NOERROR, True, ans, [], seen
        if self.name_exists(qname):
            return NOERROR, True, [], soa_rr, []
        return NXDOMAIN, True, [], soa_rr, []

    def note(self, qname, qtype, proto, rcode, seen):
        with self.lock:
            self.log.append([round(time.time(), 3), qname, TNAME.get(qtype, str(qtype)), proto,
                             RCODE.get(rcode, str(rcode)), list(seen)])
            del self.log[:-LOG_MAX]

    # ---- the sockets
    def serve_udp(self):
        while True:
            try:
                q, addr = self.udp.recvfrom(4096)
            except OSError:
                return
            try:
                a = self.answer(q, "udp")
            except Exception:  # noqa: BLE001 - a bug answers SERVFAIL, not silence
                a = q[:2] + struct.pack("!HHHHH", 0x8000 | SERVFAIL, 0, 0, 0, 0) if len(q) >= 2 else None
            if a:
                self.udp.sendto(a, addr)

    def serve_tcp(self):
        while True:
            try:
                c, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self.tcp_conn, args=(c,), daemon=True).start()

    def tcp_conn(self, c):
        c.settimeout(10)
        try:
            while True:
                h = self.recv_all(c, 2)
                if not h:
                    return
                q = self.recv_all(c, struct.unpack("!H", h)[0])
                if q is None:
                    return
                a = self.answer(q, "tcp")
                if a:
                    c.sendall(struct.pack("!H", len(a)) + a)
        except (OSError, ValueError):
            pass
        finally:
            c.close()

    @staticmethod
    def recv_all(c, n):
        b = b""
        while len(b) < n:
            x = c.recv(n - len(b))
            if not x:
                return None
            b += x
        return b

    # ---- control
    def admin(self, op):
        kind = op["op"]
        with self.lock:
            if kind == "dns_delay":
                s = op.get("seconds")
                if not isinstance(s, (int, float)) or s < 0:
                    raise ValueError("seconds must be a number >= 0")
                self.delay = float(s)
            elif kind == "dns_serve":
                name, typ = str(op.get("name", "")).lower().rstrip("."), str(op.get("type", "")).upper()
                if typ not in T or not name:
                    raise ValueError("dns_serve needs name and a type of %s" % ", ".join(sorted(T)))
                vals = op.get("values")
                if vals is None:
                    self.serve.pop((name, typ), None)
                elif isinstance(vals, list) and all(isinstance(v, str) for v in vals):
                    for v in vals:
                        if rdata(typ, v) is None:
                            raise ValueError("bad %s value %r" % (typ, v))
                    self.serve[(name, typ)] = list(vals)
                else:
                    raise ValueError("values must be a list of strings or null")
            elif kind == "dns_delegate":
                dom = str(op.get("domain", "")).lower().rstrip(".")
                ns = op.get("ns")
                if not dom:
                    raise ValueError("dns_delegate needs domain")
                if ns is None:
                    self.delegate.pop(dom, None)
                elif isinstance(ns, list) and ns and all(isinstance(v, str) for v in ns):
                    self.delegate[dom] = [v.lower().rstrip(".") for v in ns]
                else:
                    raise ValueError("ns must be a non-empty list of names or null")
            else:
                raise ValueError("unknown op %r" % kind)
        return {}

    def meta(self):
        with self.lock:
            return {"dns_log": list(self.log), "dns_delay": self.delay}
