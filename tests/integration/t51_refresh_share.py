#!/usr/bin/python3
"""Bounded refresh (issue 15, item 4): 30 projects, each owning a zone.
A watch tick with --refresh-zones 5 reads the Coolify lists and 5 zones, the
least recently read first, and every zone within --full-refresh; a zone
vrsctl has just written is skipped at the next tick; a spec edit made while a
slow refresh reads zones is applied before that refresh's last zone read (the
refresh yields, then resumes); `plan --refresh` reads every zone. The
simulator's call log gives the order of the calls. TAP."""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()
N = 30


def eqd(got, want, what, detail=None):
    return t.ok(got == want, what, "got:  %r\nwant: %r\n%s" % (got, want, detail))
DEBOUNCE = 0.3


def project(i, image="1.4.2"):
    return ("kind: Project\nslug: z%02d\nname: Z\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:%s\"}\ndomains:\n"
            "  - domain: zone%02d.de\n    type: owned\n    primary: true\n" % (i, image, i))


def world():
    specs = tempfile.mkdtemp(prefix="vrs-t51-")
    files = {"platform.yaml": vrsenv.PLATFORM_DNS.replace("ip_address: 203.0.113.10",
                                                          "ip_address: 203.0.113.10\nmax_projects: 100")}
    for i in range(N):
        files["p/z%02d.yaml" % i] = project(i)
    write_specs(specs, files)
    return World(specs, copy_specs=False)


class Watch(vrsenv.JsonWatch):
    def __init__(self, w, *args):
        super().__init__(w, ["--debounce", "%dms" % int(DEBOUNCE * 1000)] + list(args))

    def wait_for(self, pred, timeout=20.0):
        return super().wait_for(pred, timeout) is not None


def zone_reads(log):
    return [c for c in log if c[1] == "inwx" and c[2] == "nameserver.info"]


def ticks(log):
    """the zones read by each refresh: only a refresh sends GET /servers"""
    out = []
    for c in log:
        if c[1] == "coolify" and c[2] == "GET /servers":
            out.append([])
        elif c[1] == "inwx" and c[2] == "nameserver.info" and out:
            out[-1].append(c[3])
    return out


def share_per_tick():
    w = world()
    try:
        p = w.apply("-q")
        eqd(p.returncode, 0, "30 projects with a zone each converge", p.stderr[-400:])
        w.reset_calls()
        p = w.run("plan", "--refresh")
        eqd(len(zone_reads(w.call_log())), N, "plan --refresh reads all 30 zones")
        w.reset_calls()
        prom = os.path.join(w.dir, "metrics.prom")
        wt = Watch(w, "--interval", "1s", "--refresh-zones", "5", "--full-refresh", "12s",
                   "--metrics-file", prom)
        try:
            t.ok(wt.wait_for(lambda: len(wt.events("reconcile_finished")) >= 8, 40),
                 "the watch starts and ticks")
            log = w.call_log()
            tk = ticks(log)
            eqd(len(tk[0]), N, "the first reconcile reads every zone", [len(x) for x in tk])
            eqd([len(x) for x in tk[1:7]], [5] * 6, "each tick reads 5 zones", [len(x) for x in tk])
            # oldest first: the first reconcile read all at once, ties go by name; then the
            # zones read longest ago come before any zone read again
            flat = [z for x in tk[1:7] for z in x]
            eqd(flat, ["zone%02d.de" % i for i in range(N)],
                 "ticks read the least recently read zones first, every zone once in 6 ticks")
            t0 = next(c[0] for c in log if c[2] == "nameserver.info")
            seen = {c[3] for c in zone_reads(log) if c[0] > t0 + 0.5}
            eqd(len(seen), N, "every zone is read again within the 12 s period")
            fin = wt.events("reconcile_finished")[-1].get("message") or ""
            t.ok("5 of 30 zones read" in fin, "a tick's event says how many zones it read", fin)
            rows = w.db("SELECT count(*) FROM vrs_zone_read WHERE read_at > 0")
            eqd(rows[0][0], N, "the state records when each zone was read")
            st = json.loads(w.run("status", "--format", "json").stdout)
            eqd(sorted(z["zone"] for z in st["zones"] if z["read_at"]), ["zone%02d.de" % i for i in range(N)],
                "status says when each zone was last read", st.get("zones", [])[:2])
            with open(prom) as f:
                m = f.read()
            eqd(m.count("vrsctl_zone_last_read_timestamp_seconds{zone="), N,
                "the metrics give each zone's last read time")
            t.ok("vrsctl_refresh_zones_read 5\n" in m, "the metrics give the zones the last tick read")

            # a new project: vrsctl writes its zone, the next tick does not read it back
            w.patch({"op": "add_zone", "domain": "zone%02d.de" % N})
            with open(os.path.join(w.specs, "p", "z%02d.yaml" % N), "w") as f:
                f.write(project(N))
            ok = wt.wait_for(lambda: any(c[2] == "nameserver.createRecord" and c[3] == "zone%02d.de" % N
                                         for c in w.call_log()), 20)
            t.ok(ok, "the new project's records are written")
            mark = len(w.call_log())
            t.ok(wt.wait_for(lambda: len(ticks(w.call_log()[mark:])) >= 2, 20), "ticks go on")
            nxt = ticks(w.call_log()[mark:])[0]
            eqd(len(nxt), 5, "the tick after the write reads its 5 zones", nxt)
            t.ok("zone%02d.de" % N not in nxt, "the zone vrsctl has just written is skipped", nxt)
            msgs = [e.get("message") or "" for e in wt.events("reconcile_finished")]
            t.ok(any("just written skipped" in m for m in msgs), "the event says a zone was skipped")
        finally:
            eqd(wt.stop(), 0, "the watch stops on SIGTERM")
    finally:
        w.close()


def edit_during_refresh(*mode):
    w = world()
    say = " (%s)" % mode[0] if mode else ""
    try:
        p = w.apply("-q")
        eqd(p.returncode, 0, "converged", p.stderr[-400:])
        # a slow refresh: 200 ms per zone read, 6 s for the 30 zones of the first reconcile
        w.faults([{"match": "nameserver.info", "kind": "latency", "ms": 200}])
        w.reset_calls()
        wt = Watch(w, "--interval", "1h", *mode)
        try:
            t.ok(wt.wait_for(lambda: len(zone_reads(w.call_log())) >= 3, 20), "the first refresh reads zones" + say)
            path = os.path.join(w.specs, "p", "z07.yaml")
            with open(path, "w") as f:
                f.write(project(7, "1.4.9"))
            t.ok(wt.wait_for(lambda: len(wt.events("reconcile_finished")) >= (3 if mode else 2), 40),
                 "the edit's reconcile and the rest of the refresh finish" + say)
            log = w.call_log()
            reads = zone_reads(log)
            write = [i for i, c in enumerate(log) if c[1] == "coolify" and not c[2].startswith("GET ")
                     and "z07" in c[3]]
            last_read = max(i for i, c in enumerate(log) if c[2] == "nameserver.info")
            t.ok(write and write[0] < last_read,
                 "the edit's first Coolify write comes before the refresh's last zone read" + say,
                 (write[:1], last_read))
            eqd(len(wt.events("refresh_yielded")), 1, "the refresh yields once to the edit" + say)
            eqd(sorted({c[3] for c in reads}), ["zone%02d.de" % i for i in range(N)],
                 "the resumed refresh reads the zones left: all 30 read" + say)
            eqd(len(reads), N, "no zone is read twice for it" + say)
            t.ok(wt.wait_for(lambda: (w.apps_by_name().get("z07") or [{}])[0].get(
                "docker_registry_image_tag") == "1.4.9", 20), "the edit is applied" + say)
        finally:
            eqd(wt.stop(), 0, "the watch stops on SIGTERM")
    finally:
        w.close()


def main():
    share_per_tick()
    edit_during_refresh()
    edit_during_refresh("--refresh=report")
    sys.exit(t.done())


if __name__ == "__main__":
    main()
