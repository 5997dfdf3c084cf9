#!/usr/bin/python3
"""Crash safety beyond a first apply (issue 16, item 3): kill -9 an apply at 20
seeded moments during each kind of change — an update of image and env on 50
projects, a domain add/remove, a suspend/resume, an archive with --allow-delete —
then converge (apply again until it exits 0, then plan --detailed-exitcode says
nothing is left). Each cycle starts from the same converged world: the simulator
restores a snapshot (/_sim/snapshot) and the state file is copied back.

After each cycle the world must equal the one a clean run of the same change
left (the reference): the same apps (name, image, FQDNs, env, running or not),
Coolify projects and DNS records, each exactly once, so nothing is duplicated
and no orphan is left; no more deployments per app than the reference started;
the state's app uuids are the simulator's; integrity_check ok; no journal row
open; and the provisioning log holds exactly one row per completed step.

"One row per completed step": every log row written since the snapshot except
`status_changed` (a transition, already checked through the statuses) is a
step — a remote write that landed (coolify_app_updated, env_updated,
deployment_started, dns_created, dns_deleted, app_stopped, app_started,
coolify_app_deleted, coolify_project_deleted), a local one (domain_added,
domain_removed) or an observation that moves the project on
(deployment_completed, bootstrap_*, dns_resolved, health_check_passed). Per
project the multiset of those actions must equal the reference's: a step lost
(the kill came after the remote write and nothing logged it on adoption) or
logged twice (logged by the killed run and again by the next) fails. Prints TAP
and the kills that landed mid-run per kind; under ASan 3 moments per kind."""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import TOP, Tap, World  # noqa: E402

t = Tap()
MOMENTS = int(os.environ.get("VRS_CRASH_MOMENTS", "3" if vrsenv.SANITIZED else "20"))
DELETE = ("--allow-delete", "--max-delete-percent", "100")


def edit_projects(specs, fn):
    for root, _, files in os.walk(os.path.join(specs, "projects")):
        for f in files:
            p = os.path.join(root, f)
            i = int(re.search(r"(\d+)", f).group(1))
            with open(p) as fh:
                s = fh.read()
            with open(p, "w") as fh:
                fh.write(fn(i, s))


def to_update(i, s):
    return s.replace("vrs-core:1.4.2", "vrs-core:1.4.3").replace("theme-", "thema-")


def to_domains(i, s):
    # odd projects gain a subdomain, even ones lose their vrs-preview.de one
    if i % 2:
        return s.replace("    base: vrs-preview.de\n", "    base: vrs-preview.de\n  - subdomain: neu-%d\n" % i)
    return s.replace("  - subdomain: project-%05d\n    base: vrs-preview.de\n" % i, "")


def suspend_odd(i, s):
    return s.replace("lifecycle: active", "lifecycle: suspended") if i % 2 else s


def to_swapped(i, s):
    # odd ones (suspended) resume, even ones (active) are suspended
    return s.replace("lifecycle: suspended", "lifecycle: ACTIVE").replace(
        "lifecycle: active", "lifecycle: suspended").replace("lifecycle: ACTIVE", "lifecycle: active")


def to_archived(i, s):
    return s.replace("lifecycle: active", "lifecycle: archived") if i % 2 else s


# kind, projects, setup edits applied (and applied) before the snapshot, the change, apply flags
KINDS = (
    ("update", 50, (), to_update, ()),
    ("domains", 10, (), to_domains, DELETE),
    ("suspend", 10, (suspend_odd,), to_swapped, ()),
    ("archive", 10, (), to_archived, DELETE),
)


def remote_world(w):
    """what a check compares: every app, project and record as a multiset; deployments per app"""
    st = w.sim_state()
    c = st["coolify"]
    envs = lambda a: tuple(sorted((e.get("key"), e.get("value")) for e in a.get("envs", [])
                                  if not e.get("is_preview")))
    apps = sorted((a["name"], a.get("docker_registry_image_name"), a.get("docker_registry_image_tag"),
                   ",".join(sorted((a.get("fqdn") or "").split(","))),
                   (a.get("status") or "").split(":")[0], envs(a)) for a in c["applications"])
    projects = sorted(p["name"] for p in c["projects"])
    records = sorted((z["domain"], r["name"], r["type"], r["content"]) for z in st["inwx"]["zones"]
                     for r in z.get("records", []) if r["type"] not in ("SOA", "NS"))
    deps = {}
    for d in c["deployments"]:
        deps[d["application_name"]] = deps.get(d["application_name"], 0) + 1
    return {"apps": apps, "projects": projects, "records": records}, deps


def log_steps(w, since):
    out = {}
    for slug, action in w.db(
            "SELECT p.slug, l.action FROM marketplace_provisioning_log l JOIN marketplace_project p "
            "ON p.id = l.project_id WHERE l.id > ? AND l.action <> 'status_changed' ORDER BY l.id", since):
        out.setdefault(slug, []).append(action)
    return {k: sorted(v) for k, v in out.items()}


# observations: a run killed after one was logged makes it again (and logs what it saw)
OBSERVED = ("dns_resolved", "bootstrap_completed", "health_check_passed")
# a create whose answer the kill cut is found by the next run and logged "adopted"
CREATES = ("dns_created", "coolify_app_created", "coolify_project_created")


def step_diff(got, want):
    """the steps of one project missing from its log and those logged too often"""
    lost, extra = [], []
    for a in sorted(set(got) | set(want)):
        g, n = got.count(a), want.count(a)
        if a == "adopted":
            continue
        if a in OBSERVED:
            if g < n or g > 2 * n:
                (lost if g < n else extra).append(a)
        elif g < n:
            lost.extend([a] * (n - g))
        elif g > n:
            extra.append(a)
    # each adoption stands for one create the killed run did not see answered
    adopted = got.count("adopted") - want.count("adopted")
    while adopted > 0 and any(a in CREATES for a in lost):
        lost.remove(next(a for a in lost if a in CREATES))
        adopted -= 1
    if adopted > 0:
        extra.append("adopted")
    return sorted(set(lost)), extra


class Kind:
    def __init__(self, name, n, setup, change, flags):
        self.name, self.flags = name, flags
        base = tempfile.mkdtemp(prefix="vrs-kinds-%s-" % name)
        subprocess.run([sys.executable, os.path.join(TOP, "tests", "bench", "gen_specs.py"), str(n), base],
                       check=True)
        # a display name for the second base domain, so that a converged plan is empty
        with open(os.path.join(base, "base.yaml")) as f:
            b = f.read().replace("domain: vrs-preview.de\n", "domain: vrs-preview.de\ndisplay_name: Preview\n")
        with open(os.path.join(base, "base.yaml"), "w") as f:
            f.write(b)
        # small latencies: an apply lasts long enough to be cut anywhere, and not more
        self.w = w = World(base, sim_args=("--latency", "2", "--jitter", "2", "--delete-time", "0.3"))
        shutil.rmtree(base, ignore_errors=True)
        for i in range(n):
            w.env["SMTP_PASSWORD_%d" % i] = vrsenv.SMTP_SECRET
        self.ok = w.apply("-q").returncode == 0
        for fn in setup:
            edit_projects(w.specs, fn)
            self.ok = self.ok and w.apply("-q").returncode == 0
        w.admin.post("/_sim/snapshot", {})
        self.snap = os.path.join(w.dir, "snap.db")
        w.db("PRAGMA wal_checkpoint(TRUNCATE)")  # the whole state in the one file copied
        shutil.copyfile(w.state, self.snap)
        self.since = w.db("SELECT max(id) FROM marketplace_provisioning_log")[0][0]
        self.after = os.path.join(w.dir, "after")
        shutil.copytree(w.specs, self.after)
        edit_projects(self.after, change)

    def restore(self):
        w = self.w
        w.admin.post("/_sim/reset", {})
        for suffix in ("-journal", "-wal", "-shm"):
            if os.path.exists(w.state + suffix):
                os.unlink(w.state + suffix)
        shutil.copyfile(self.snap, w.state)

    def cmd(self, *args):
        return [vrsenv.VRSCTL, "--specs", self.after, "--state", self.w.state] + list(args)

    def run(self, *args):
        return subprocess.run(self.cmd(*args), env=self.w.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)

    def converge(self):
        """apply until it exits 0 (at most 4 times); then the plan must be empty"""
        for _ in range(4):
            p = self.run("apply", "--auto-approve", "-q", *self.flags)
            if p.returncode == 0:
                break
        else:
            return "apply never exited 0: " + p.stderr[-300:]
        p = self.run("plan", "--detailed-exitcode")
        if p.returncode != 0:
            return "plan not empty after converging: " + p.stdout[-400:]
        return None

    def observe(self):
        w = self.w
        world, deps = remote_world(w)
        statuses = {r[0]: r[1] for r in w.db("SELECT slug, provisioning_status FROM marketplace_project")}
        return world, deps, statuses, log_steps(w, self.since)

    def check(self, i, ref, problems):
        w = self.w
        world, deps, statuses, steps = self.observe()
        rworld, rdeps, rstatuses, rsteps = ref
        for k in world:
            if world[k] != rworld[k]:
                extra = sorted(set(world[k]) - set(rworld[k]))[:4]
                lost = sorted(set(rworld[k]) - set(world[k]))[:4]
                dup = sorted(x for x in set(world[k]) if world[k].count(x) > 1)[:4]
                problems.append((self.name, i, k, "extra", extra, "missing", lost, "twice", dup))
        if statuses != rstatuses:
            problems.append((self.name, i, "statuses", {s: (v, rstatuses.get(s)) for s, v in statuses.items()
                                                        if v != rstatuses.get(s)}))
        if deps != rdeps:
            problems.append((self.name, i, "deployments per app (got, reference)",
                             {a: (deps.get(a, 0), rdeps.get(a, 0)) for a in set(deps) | set(rdeps)
                              if deps.get(a, 0) != rdeps.get(a, 0)}))
        apps = {}
        for a in w.sim_state()["coolify"]["applications"]:
            apps[a["name"]] = a["uuid"]
        for slug, uuid in w.db("SELECT slug, coolify_app_uuid FROM marketplace_project"):
            if apps.get(slug) != uuid:
                problems.append((self.name, i, "state and simulator disagree on the app uuid", slug))
        if w.db("PRAGMA integrity_check")[0][0] != "ok":
            problems.append((self.name, i, "integrity_check"))
        if w.db("SELECT count(*) FROM vrs_journal WHERE completed_at IS NULL")[0][0]:
            problems.append((self.name, i, "journal row left open"))
        for slug in sorted(set(steps) | set(rsteps)):
            lost, twice = step_diff(steps.get(slug, []), rsteps.get(slug, []))
            if lost or twice:
                problems.append((self.name, i, "log", slug, "lost", sorted(lost), "extra", sorted(twice)))
                if os.environ.get("VRS_T98_DEBUG"):
                    print("# " + repr(w.db("SELECT action, message, external_id FROM "
                                           "marketplace_provisioning_log l JOIN marketplace_project p ON "
                                           "p.id = l.project_id WHERE p.slug = ? AND l.id > ?", slug, self.since)))
        ids = [r[0] for r in w.db("SELECT id FROM marketplace_provisioning_log ORDER BY created_at, id")]
        if ids != sorted(ids):
            problems.append((self.name, i, "log ids out of time order"))


def main():
    only = os.environ.get("VRS_T98_KINDS")
    for spec in KINDS:
        if only and spec[0] not in only.split(","):
            continue
        k = Kind(*spec)
        # seeded per kind: one kind's moments do not depend on the others
        rng = random.Random("20261207/" + k.name)
        t.ok(k.ok, "%s: the world before the change converges" % k.name)
        # the reference: the change run once without a kill, timed
        k.restore()
        t0 = time.time()
        p = k.run("apply", "--auto-approve", "-q", *k.flags)
        full = time.time() - t0
        why = k.converge()
        t.ok(p.returncode == 0 and why is None, "%s: the change converges uncut (%.2fs)" % (k.name, full),
             p.stderr[-300:] + (why or ""))
        ref = k.observe()
        killed = 0
        problems = []
        for i in range(MOMENTS):
            k.restore()
            proc = subprocess.Popen(k.cmd("apply", "--auto-approve", "-q", *k.flags), env=k.w.env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # later runs are often quicker than the timed one: cut within its first 3/4
            time.sleep(rng.uniform(0.0, full * 0.75))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait()
            why = k.converge()
            if why:
                problems.append((k.name, i, why))
                continue
            k.check(i, ref, problems)
        print("# %s: %d/%d kills mid-run" % (k.name, killed, MOMENTS))
        if not vrsenv.SANITIZED:
            t.ok(killed >= MOMENTS * 9 // 10, "%s: %d of %d kills landed mid-run" % (k.name, killed, MOMENTS))
        t.eq(problems, [], "%s: after each kill the next runs converge to the reference world: each app, "
             "Coolify project and record once, no orphan, the reference's deployments, uuids recorded, integrity ok, "
             "journal closed, one log row per completed step" % k.name)
        k.w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
