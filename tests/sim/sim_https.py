"""sim_https — the simulator's HTTPS side: what Coolify's proxy (Traefik) serves for the
deployed apps, on one loopback TLS listener.

The certificate is picked by SNI among the FQDNs set on the sim's Coolify apps and issued
by a test CA created at startup with the `openssl` command in a temp dir (as Let's Encrypt
would issue one once the name is on an app); any other name gets Traefik's self-signed
default certificate. The request's Host picks the app: an app that is not running:healthy
(Traefik's docker provider leaves out exited and unhealthy containers) or an unknown host
answers 404 "404 page not found", as Traefik does; a running:healthy app answers 200 on
every path unless a knob says otherwise.

Knobs (admin op, vrs_sim.admin_op): {"op":"set_https","host":H,"fields":{...}}
  days        the certificate is valid until now + days (negative: expired); re-issued
  fail        true: every GET answers `status` (default 503)
  fail_count  the next N GETs answer `status`, then 200
  flip        true: answers alternate failing / passing
  status      the failing status (default 503)
Requests are counted per host in sim.meta["https_requests"] {host: [[path, status], ...]},
TLS handshakes (by SNI, also those the client then refuses) in sim.meta["https_handshakes"]
{host: n}.
"""

import http.server
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

DEFAULT_DAYS = 90
HOST_KEYS = {"days": (int, float), "fail": bool, "fail_count": int, "flip": bool, "status": int}


def _run(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def _asn1(t):
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


class CA:
    """A test CA and the certificates it issues (one leaf key for every host)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vrs-sim-ca-")
        d = self.dir
        self.lock = threading.Lock()
        self.file = os.path.join(d, "ca.crt")
        self.key = os.path.join(d, "leaf.key")
        os.mkdir(os.path.join(d, "new"))
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = sim\n[sim]\ndir = %s\ndatabase = $dir/index.txt\n"
                    "new_certs_dir = $dir/new\nserial = $dir/serial\ncertificate = $dir/ca.crt\n"
                    "private_key = $dir/ca.key\ndefault_md = sha256\npolicy = pol\n"
                    "unique_subject = no\n[pol]\ncommonName = supplied\n" % d)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        _run("req", "-x509", *ec, "-keyout", os.path.join(d, "ca.key"), "-out", self.file,
             "-days", "3650", "-subj", "/CN=vrs-sim test CA")
        _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", self.key)
        # Traefik's default certificate: self-signed, for names it has none for
        self.default_crt = os.path.join(d, "default.crt")
        _run("req", "-x509", "-key", self.key, "-out", self.default_crt, "-days", "365",
             "-subj", "/CN=TRAEFIK DEFAULT CERT")
        self.n = 0

    def issue(self, host, days, names=None):
        """A certificate for host (its SANs: names, default [host]) valid from a day
        (or more, when expired) ago to now + days."""
        with self.lock:
            self.n += 1
            base = os.path.join(self.dir, "h%d" % self.n)
            now = time.time()
            end = now + days * 86400
            start = min(now - 86400, end - 86400)
            with open(base + ".ext", "w") as f:
                f.write("[x]\nsubjectAltName = %s\nbasicConstraints = CA:FALSE\n"
                        "extendedKeyUsage = serverAuth\n"
                        % ",".join("DNS:" + n for n in (names or [host])))
            _run("req", "-new", "-key", self.key, "-subj", "/CN=%s" % host, "-out", base + ".csr")
            _run("ca", "-batch", "-config", os.path.join(self.dir, "ca.cnf"), "-notext",
                 "-in", base + ".csr", "-out", base + ".crt", "-startdate", _asn1(start),
                 "-enddate", _asn1(end), "-extfile", base + ".ext", "-extensions", "x")
            return base + ".crt"

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def app_hosts(app):
    """The host names of an app's fqdn ("https://a.example,https://www.a.example")."""
    out = []
    for d in (app.get("fqdn") or "").split(","):
        d = d.strip()
        if d:
            out.append((urllib.parse.urlsplit(d if "://" in d else "https://" + d).hostname or "").lower())
    return [h for h in out if h]


class Https:
    def __init__(self, sim, addr):
        self.sim = sim
        self.ca = CA()
        self.contexts = {}  # (host, days) -> SSLContext
        self.default = self._context(self.ca.default_crt)
        handler = type("H", (Handler,), {"https": self})
        self.server = TLSServer(addr, handler, self)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()

    def _context(self, crt):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, self.ca.key)
        ctx.sni_callback = self.on_sni
        return ctx

    def app_of(self, host):
        with self.sim.lock:
            for a in self.sim.apps:
                if a.get("sim_deleting_at") is None and host in app_hosts(a):
                    return a
        return None

    def site(self, host):
        with self.sim.lock:
            return dict(self.sim.https_sites.get(host, {}))

    def zone_of(self, host):
        """The sim's INWX zone host is in, at most one label below its apex
        (what one wildcard covers), when the zone has two labels or more."""
        with self.sim.lock:
            zones = [z["domain"] for z in self.sim.zones]
        for z in zones:
            if z.count(".") >= 1 and (host == z or (host.endswith("." + z) and
                                                    host[:-len(z) - 1].count(".") == 0)):
                return z
        return None

    def on_sni(self, sock, name, _ctx):
        host = (name or "").lower()
        with self.sim.lock:  # a refused certificate ends before any request: counted here
            hs = self.sim.meta.setdefault("https_handshakes", {})
            hs[host] = hs.get(host, 0) + 1
        if not host or self.app_of(host) is None:
            return None  # the default certificate
        site = self.site(host)
        days = site.get("days", DEFAULT_DAYS)
        # A host with its own validity gets its own certificate; the others
        # share one per zone (the zone and *.zone), so that a thousand apps
        # do not cost a thousand `openssl ca` runs. What vrsctl sees of it
        # (verified for the name, its notAfter) is the same.
        zone = None if "days" in site else self.zone_of(host)
        names = [zone, "*." + zone] if zone else [host]
        key = (names[0], days)
        ctx = self.contexts.get(key)
        if ctx is None:
            try:
                ctx = self.contexts[key] = self._context(self.ca.issue(host, days, names))
            except (OSError, subprocess.CalledProcessError, ssl.SSLError):
                return None
        sock.context = ctx
        return None

    def answer(self, host, path):
        """(status, body) for GET path on host, counting it."""
        sim = self.sim
        a = self.app_of(host)
        status, body = 404, "404 page not found\n"
        with sim.lock:
            if a is not None and (a.get("status") or "") == "running:healthy":
                s = sim.https_sites.setdefault(host, {})
                fail = bool(s.get("fail"))
                if s.get("fail_count", 0) > 0:
                    s["fail_count"] -= 1
                    fail = True
                if s.get("flip"):
                    s["sim_flip"] = not s.get("sim_flip", False)
                    fail = s["sim_flip"]
                status, body = (s.get("status", 503), "unhealthy\n") if fail else (200, "OK\n")
            sim.meta.setdefault("https_requests", {}).setdefault(host, []).append([path, status])
        return status, body

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.ca.close()


def set_site(sim, op):
    host = op.get("host")
    fields = op.get("fields", {})
    if not isinstance(host, str) or not host:
        raise ValueError("host must be a name")
    for k, v in fields.items():
        if k not in HOST_KEYS or isinstance(v, bool) != (HOST_KEYS[k] is bool) or not isinstance(v, HOST_KEYS[k]):
            raise ValueError("set_https: bad field %r" % k)
    sim.https_sites.setdefault(host.lower(), {}).update(fields)


class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, https):
        self.https = https
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.https.default.wrap_socket(sock, server_side=True,
                                              do_handshake_on_connect=False), addr


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    https = None

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            self.request.settimeout(10)
            self.request.do_handshake()
        except (ssl.SSLError, OSError, socket.timeout):
            return  # the client refused the certificate, or went away
        super().handle()

    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        status, body = self.https.answer(host, urllib.parse.urlsplit(self.path).path)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
