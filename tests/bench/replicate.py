#!/usr/bin/python3
"""replicate.py — a converged world of N projects (one zone each) for the refresh rows of
apply_bench.py, in minutes instead of the hours an apply of N new projects takes against the
simulator (whose list answers grow with N).

How: apply N0 projects for real (gen's first N0 files, the platform of N), then copy the
converged world N/N0 times, renaming consistently per copy: the slug and domain (b%05d),
every uuid, id and record id of the project's Coolify project, environment, app, its envs and
deployments, its INWX zone (roId, record ids), its api key (and the key's fingerprint, the
HMAC vrsctl keeps in vrs_app_env), in the simulator's state and in every SQLite table vrsctl
wrote for the project (project, domain, provisioning log, journal, app config and env,
project/domain ext, health, TLS check, zone read). The servers, base domains and catalogue
are shared and stay as they are. The result is checked, not assumed: `plan
--detailed-exitcode` and `plan --refresh --detailed-exitcode` must both exit 0.

Standard library only (SQLite state; the PostgreSQL backend is not set up here).
"""
import copy
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import string
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "integration")]
import vrsenv  # noqa: E402

ALNUM = string.ascii_lowercase + string.digits  # the simulator's uuid alphabet
SLUG = re.compile(r"^b(\d{5})$")


class SetupError(Exception):
    """the replicated world is not converged (or the template apply failed)"""


def new_uuid(old, r):
    """a uuid for copy r of `old`: 24 characters of the simulator's alphabet, stable"""
    h = hashlib.sha256(("%s/%d" % (old, r)).encode()).digest()
    return "".join(ALNUM[b % len(ALNUM)] for b in h[:24])


def slug_of(n):
    return "b%05d" % n


class Copy:
    """the renames of copy r of template project j: strings (slug, uuids, api key) through one
    regex, integers through offsets"""

    def __init__(self, r, j, n0, strings, offs):
        self.r, self.slug = r, slug_of(r * n0 + j)
        self.map = {slug_of(j): self.slug}
        for s in strings:
            self.map[s] = new_uuid(s, r) if len(s) == 24 else hashlib.sha256(
                ("%s/%d" % (s, r)).encode()).hexdigest()
        # a slug or uuid never sits inside a longer word (b%05d is fixed width)
        self.rx = re.compile(r"(?<![A-Za-z0-9])(%s)(?![A-Za-z0-9])" % "|".join(map(re.escape, self.map)))
        self.offs = offs

    def s(self, v):
        if isinstance(v, str):
            return self.rx.sub(lambda m: self.map[m.group(1)], v)
        if isinstance(v, list):
            return [self.s(x) for x in v]
        if isinstance(v, dict):
            return {k: self.s(x) for k, x in v.items()}
        return v

    def off(self, kind, v):
        if v is None:
            return None
        return type(v)(int(v) + self.r * self.offs[kind])


def template_index(sim, n0):
    """per template project j: its Coolify project, app, deployments and zone, and the
    strings (uuids) that belong to it alone"""
    by = {}
    for p in sim["coolify"]["projects"]:
        m = SLUG.match(p["name"][len("vrs-"):]) if p["name"].startswith("vrs-") else None
        if m:
            by.setdefault(int(m.group(1)), {})["project"] = p
    for a in sim["coolify"]["applications"]:
        m = SLUG.match(a["name"])
        if m:
            by.setdefault(int(m.group(1)), {})["app"] = a
    for d in sim["coolify"]["deployments"]:
        m = SLUG.match(d.get("application_name") or "")
        if m:
            by.setdefault(int(m.group(1)), {}).setdefault("deps", []).append(d)
    for z in sim["inwx"]["zones"]:
        m = SLUG.match(z["domain"][:-3]) if z["domain"].endswith(".de") else None
        if m:
            by.setdefault(int(m.group(1)), {})["zone"] = z
    if sorted(by) != list(range(n0)) or any(len(v) != 4 for v in by.values()):
        raise SetupError("the template world does not hold a project, app, deployment and zone "
                         "for each of b00000..%s" % slug_of(n0 - 1))
    for j, t in by.items():
        p, a = t["project"], t["app"]
        t["uuids"] = [p["uuid"], a["uuid"]] + [e["uuid"] for e in p["environments"]] + \
            [e["uuid"] for e in a.get("envs", [])] + [d["deployment_uuid"] for d in t["deps"]]
    return by


def copy_sim(sim, by, n0, reps, api_keys):
    """the simulator's state with reps copies of the template projects (copy 0: as it is)"""
    meta = sim["meta"]
    base_rec, base_ro = 2153811200, 980000  # vrs_sim.py's reset(): the first record id, roId
    offs = {"id": meta["next_id"], "rec": meta["next_record_id"] - base_rec, "ro": meta["next_roid"] - base_ro}
    out = copy.deepcopy(sim)
    c, i = out["coolify"], out["inwx"]
    copies = {}
    for r in range(1, reps):
        for j in range(n0):
            t = by[j]
            k = Copy(r, j, n0, t["uuids"] + [api_keys[j]], offs)
            copies[(r, j)] = k
            p = k.s(t["project"])
            p["id"] = k.off("id", p["id"])
            for e in p["environments"]:
                e["id"], e["project_id"] = k.off("id", e["id"]), p["id"]
            c["projects"].append(p)
            a = k.s(t["app"])
            a["id"], a["environment_id"] = k.off("id", a["id"]), k.off("id", a["environment_id"])
            for e in a.get("envs", []):
                e["id"], e["resourceable_id"] = k.off("id", e["id"]), a["id"]
            c["applications"].append(a)
            for d in t["deps"]:
                d = k.s(d)
                d["id"], d["application_id"] = k.off("id", d["id"]), k.off("id", d["application_id"])
                c["deployments"].append(d)
            z = k.s(t["zone"])
            z["roId"] = k.off("ro", z["roId"])
            for rec in z["records"]:
                rec["id"] = k.off("rec", rec["id"])
            i["zones"].append(z)
    # the counters past every copy; the template apply's call statistics are not this world's
    out["meta"] = {"next_id": reps * offs["id"], "next_record_id": base_rec + reps * offs["rec"],
                   "next_roid": base_ro + reps * offs["ro"], "next_contact": meta["next_contact"]}
    out.pop("dns", None)
    unique(out)
    return out, copies


def unique(world):
    """every id, uuid and record id of the copied world once (a rename that missed one fails here)"""
    c = world["coolify"]
    keys = [("id", x["id"]) for x in c["projects"] + c["applications"] + c["deployments"]] + \
        [("id", e["id"]) for p in c["projects"] for e in p["environments"]] + \
        [("id", e["id"]) for a in c["applications"] for e in a.get("envs", [])] + \
        [("uuid", x["uuid"]) for x in c["projects"] + c["applications"]] + \
        [("uuid", e["uuid"]) for p in c["projects"] for e in p["environments"]] + \
        [("uuid", x["deployment_uuid"]) for x in c["deployments"]] + \
        [("roId", z["roId"]) for z in world["inwx"]["zones"]] + \
        [("rec", r["id"]) for z in world["inwx"]["zones"] for r in z["records"]] + \
        [("zone", z["domain"]) for z in world["inwx"]["zones"]] + [("app", a["name"]) for a in c["applications"]]
    if len(set(keys)) != len(keys):
        seen, dup = set(), None
        for k in keys:
            if k in seen:
                dup = k
                break
            seen.add(k)
        raise SetupError("the copied world holds %s %s twice" % dup)


# table -> (id column offset by the table's largest id or None, {column: what it refers to});
# the rows of a template project are the ones whose project / domain / slug / zone is its own
PROJECT_TABLES = {
    "marketplace_project": ("id", {}),
    "marketplace_project_domain": ("id", {"project_id": "project"}),
    "marketplace_provisioning_log": ("id", {"project_id": "project"}),
    "marketplace_preview_access": ("id", {"project_id": "project"}),
    "vrs_journal": ("id", {}),
    "vrs_app_config": (None, {"project_id": "project"}),
    "vrs_app_env": (None, {"project_id": "project"}),
    "vrs_project_ext": (None, {"project_id": "project"}),
    "vrs_health": (None, {"project_id": "project"}),
    "vrs_domain_ext": (None, {"domain_id": "domain"}),
    "vrs_tls_check": (None, {"domain_id": "domain"}),
    "vrs_zone_read": (None, {}),
}


def sqlite_copy(src, dst):
    """a consistent copy of a SQLite database (its WAL included)"""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def copy_db(src, dst, copies, n0, reps, sim_offs):
    """vrsctl's SQLite state with the same copies: every row of a template project, renamed"""
    sqlite_copy(src, dst)
    con = sqlite3.connect(dst)
    tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    known = set(PROJECT_TABLES) | {"marketplace_project_type", "marketplace_base_domain", "marketplace_server",
                                   "marketplace_plugin_meta", "marketplace_plugin_price", "marketplace_bundle",
                                   "marketplace_bundle_plugins", "vrs_meta", "vrs_server_ext", "vrs_catalogue"}
    if tables - known:
        raise SetupError("replicate.py does not know the state tables %s: say how to copy them"
                         % ", ".join(sorted(tables - known)))
    key = bytes.fromhex(con.execute("SELECT value FROM vrs_meta WHERE key = 'fingerprint_key'").fetchone()[0])
    pid = {s: i for i, s in con.execute("SELECT id, slug FROM marketplace_project")}
    did = {d: i for i, d in con.execute("SELECT id, domain FROM marketplace_project_domain")}
    jof = {"project": {pid[slug_of(j)]: j for j in range(n0)},
           "domain": {did[slug_of(j) + ".de"]: j for j in range(n0)}}
    idmax = {t: con.execute("SELECT COALESCE(MAX(id), 0) FROM %s" % t).fetchone()[0]
             for t, (idc, _) in PROJECT_TABLES.items() if idc}
    offs = {"project": idmax["marketplace_project"], "domain": idmax["marketplace_project_domain"]}
    for t, (idc, refs) in PROJECT_TABLES.items():
        if t not in tables:
            continue
        cur = con.execute("SELECT * FROM %s" % t)
        cols = [d[0] for d in cur.description]
        rows = []
        for row in cur.fetchall():
            v = dict(zip(cols, row))
            if t == "marketplace_project":
                j = jof["project"].get(v["id"])
            elif t == "vrs_journal":
                m = SLUG.match(v.get("project_slug") or "")
                j = int(m.group(1)) if m and int(m.group(1)) < n0 else None
            elif t == "vrs_zone_read":
                m = SLUG.match(v["zone"][:-3]) if v["zone"].endswith(".de") else None
                j = int(m.group(1)) if m and int(m.group(1)) < n0 else None
            else:
                col, kind = next(iter(refs.items()))
                j = jof[kind].get(v[col])
            if j is not None:
                rows.append((j, v))
        out = []
        for r in range(1, reps):
            for j, v in rows:
                k = copies[(r, j)]
                w = {c: k.s(x) for c, x in v.items()}
                if idc:
                    w[idc] = v[idc] + r * idmax[t]
                if t == "marketplace_project":
                    w["id"] = v["id"] + r * offs["project"]
                for col, kind in refs.items():
                    w[col] = v[col] + r * offs[kind]
                if t == "marketplace_project_domain" and v["inwx_record_ids"]:
                    ids = json.loads(v["inwx_record_ids"])
                    w["inwx_record_ids"] = json.dumps({n: x + r * sim_offs["rec"] for n, x in ids.items()},
                                                      separators=(",", ":"))
                if t == "vrs_app_env" and v["is_secret"]:
                    api = con.execute("SELECT api_key FROM marketplace_project WHERE id = ?",
                                      (v["project_id"],)).fetchone()[0]
                    if hmac.new(key, api.encode(), hashlib.sha256).hexdigest() != v["fingerprint"]:
                        raise SetupError("secret env %s of %s is not the api key: cannot copy its "
                                         "fingerprint" % (v["key"], slug_of(j)))
                    w["fingerprint"] = hmac.new(key, k.map[api].encode(), hashlib.sha256).hexdigest()
                out.append(tuple(w[c] for c in cols))
        con.executemany("INSERT INTO %s (%s) VALUES (%s)" % (t, ", ".join(cols), ", ".join("?" * len(cols))), out)
    con.commit()
    con.close()


def check_converged(w, n):
    """nothing to do from the state (plan) and the remote world matches it (plan --refresh):
    both --detailed-exitcode 0, else SetupError; returns plan --refresh's (calls, seconds)"""
    p1 = w.run("plan", "--detailed-exitcode", timeout=1800)
    w.reset_calls()
    t1 = time.time()
    p2 = w.run("plan", "--refresh", "--detailed-exitcode", timeout=3600)
    refresh = (w.calls(), time.time() - t1)
    if p1.returncode != 0 or p2.returncode != 0:
        out = (p1.stdout + p1.stderr)[-600:] + (p2.stdout + p2.stderr)[-600:]
        raise SetupError("the world of %d is not converged: plan rc %d, plan --refresh rc %d: %s"
                         % (n, p1.returncode, p2.returncode, out))
    return refresh


def converged_world(n, gen, n0=100, servers=8, log=print):
    """A vrsenv.World of n converged projects with a zone each (n a multiple of n0), the
    plan --refresh check's (calls, seconds), and a note on how it was set up. Raises
    SetupError when the template apply fails or the copied world is not converged."""
    if n % n0:
        raise SetupError("N = %d is not a multiple of N0 = %d" % (n, n0))
    reps = n // n0
    t0 = time.time()
    tspecs = tempfile.mkdtemp()
    gen(n, tspecs, servers=servers, own_zone=True, only=n0)
    w0 = vrsenv.World(tspecs, copy_specs=False)
    p = w0.apply("-q", "--parallelism", "20", timeout=3600)
    if p.returncode != 0:
        w0.close()
        raise SetupError("the template apply of %d projects failed (rc %d): %s" % (n0, p.returncode, p.stderr[-400:]))
    sim = w0.sim_state()
    tdb = tspecs.rstrip("/") + ".db"
    sqlite_copy(w0.state, tdb)
    w0.close()
    ta = time.time() - t0
    by = template_index(sim, n0)
    con = sqlite3.connect(tdb)
    api = {j: con.execute("SELECT api_key FROM marketplace_project WHERE slug = ?", (slug_of(j),)).fetchone()[0]
           for j in range(n0)}
    con.close()
    world, copies = copy_sim(sim, by, n0, reps, api)
    sim_offs = {"rec": sim["meta"]["next_record_id"] - 2153811200}
    specs = tempfile.mkdtemp()
    gen(n, specs, servers=servers, own_zone=True)
    # the platform (servers, base zones) from the template's specs: the same files, fewer to parse
    w = vrsenv.World(specs, copy_specs=False, seed_specs=tspecs,
                     seed_extra={"coolify": world["coolify"], "inwx": world["inwx"], "meta": world["meta"]})
    shutil.rmtree(tspecs, ignore_errors=True)
    copy_db(tdb, w.state, copies, n0, reps, sim_offs)
    os.unlink(tdb)
    # the last applied specs' digest is this tree's (plan --format json names it)
    pj = w.run("plan", "--format", "json", timeout=1800)
    try:
        digest = json.loads(pj.stdout)["specs_digest"]
    except (ValueError, KeyError):
        w.close()
        raise SetupError("plan --format json of the copied world: rc %d %s" % (pj.returncode, pj.stderr[-400:]))
    w.db("UPDATE vrs_meta SET value = ? WHERE key = 'specs_digest'", digest)
    tc = time.time() - t0 - ta
    try:
        refresh = check_converged(w, n)
    except SetupError:
        w.close()
        raise
    note = "setup: apply of %d (%.0f s) copied %dx (%.0f s), checked: plan and plan --refresh exit 0" % (
        n0, ta, reps, tc)
    log("refresh setup %d: %s" % (n, note))
    return w, specs, refresh, note


def selftest():
    """TAP: a world of 12 copied from 3 is converged, and the check fails when a copy's
    zone, app or state row differs"""
    import apply_bench
    tap = vrsenv.Tap()
    quiet = lambda s: None  # noqa: E731
    w, _, refresh, _ = converged_world(12, apply_bench.gen, n0=3, log=quiet)
    try:
        tap.eq(sorted(w.status()), ["b%05d" % i for i in range(12)], "12 projects in the copied state")
        tap.eq(refresh[0].get("inwx", {}).get("nameserver.info"), 12, "plan --refresh read 12 zones")
        breaks = [("a copy's record deleted", lambda: w.patch(
            {"op": "delete_record", "zone": "b00010.de", "name": "www.b00010.de", "type": "CNAME"})),
                  ("a copy's app image changed", lambda: w.patch(
                      {"op": "set_app", "name": "b00007", "fields": {"docker_registry_image_tag": "9.9"}}))]
        for what, brk in breaks:
            brk()
            try:
                check_converged(w, 12)
                tap.ok(False, "the check fails after " + what)
            except SetupError as e:
                tap.ok("plan --refresh rc 2" in str(e), "the check fails after " + what, str(e))
        w.close()
        w, _, _, _ = converged_world(12, apply_bench.gen, n0=3, log=quiet)
        w.db("UPDATE vrs_app_config SET image = 'x:1' WHERE project_id = "
             "(SELECT id FROM marketplace_project WHERE slug = 'b00011')")
        try:
            check_converged(w, 12)
            tap.ok(False, "the check fails after a copy's state row changed")
        except SetupError as e:
            tap.ok("plan rc 2" in str(e), "the check fails after a copy's state row changed", str(e))
    finally:
        w.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(selftest())
