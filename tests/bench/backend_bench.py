#!/usr/bin/python3
"""backend_bench.py — the plan of 1,000 converged projects on each state backend
(issue 14's figure): converge the tree once against the simulator, then time
`vrsctl plan` (nothing to do: every project, domain and app read from the state and
compared) best of 3, on SQLite and on a throwaway PostgreSQL server (tests/pgserver.py,
Unix socket). Prints ROW lines for tests/bench/table.py; no floor (the row compares
the two backends, the PostgreSQL row's ratio is to the SQLite one)."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import vrsenv  # noqa: E402
import apply_bench  # noqa: E402

N = int(os.environ.get("VRS_BENCH_BACKEND_N", "1000"))


def plan_time(w):
    best = None
    for _ in range(3):
        t0 = time.monotonic()
        p = w.run("plan", "--detailed-exitcode")
        dt = time.monotonic() - t0
        if p.returncode != 0:
            raise SystemExit("plan after converge exits %d (want 0, nothing to do): %s"
                             % (p.returncode, p.stderr[-500:]))
        best = dt if best is None or dt < best else best
    return best


def converge(w):
    t0 = time.monotonic()
    p = w.apply(timeout=1800)
    if p.returncode != 0:
        raise SystemExit("apply of %d projects exits %d: %s" % (N, p.returncode, p.stderr[-800:]))
    return time.monotonic() - t0


def one(backend, specs):
    w = vrsenv.World(specs, copy_specs=False, sim_args=("--deploy-time", "0.05"))
    try:
        a = converge(w)
        t = plan_time(w)
        print("# %s: apply of %d projects %.1f s, plan %.3f s" % (backend, N, a, t), flush=True)
        return t
    finally:
        w.close()


def main():
    import pgserver
    root = os.path.join(os.environ.get("TMPDIR", "/tmp"), "vrs-backend-bench-%d" % os.getpid())
    apply_bench.gen(N, root)
    t_sqlite = one("sqlite", root)
    srv = pgserver.Server()
    try:
        vrsenv.PG_URL, vrsenv.PG_SOCK = srv.url, srv.sock
        t_pg = one("postgresql", root)
    finally:
        vrsenv.PG_URL = vrsenv.PG_SOCK = None
        srv.stop()
    print("ROW|plan, converged state, SQLite|%d|-|-|%.3f s|-|-|best of 3; nothing to do" % (N, t_sqlite))
    print("ROW|plan, converged state, PostgreSQL|%d|Unix socket|-|%.3f s|-|%.2fx SQLite|"
          "best of 3; nothing to do" % (N, t_pg, t_pg / t_sqlite))
    return 0


if __name__ == "__main__":
    sys.exit(main())
