#!/usr/bin/python3
"""table.py — the one table of `make bench`: reads the benchmarks' output on stdin, keeps
the lines "ROW|benchmark|N|latency|budget|result|floor|ratio|note" and prints them aligned
(everything else is the benchmarks' own log, written to the file named by argv[1] if given).
Every row names N, the latency, the budget, its floor and the ratio to it ("-" where a row
has no floor, said in its note)."""
import sys

HEAD = ("benchmark", "N", "latency", "budget", "result", "floor", "ratio", "note")


def main():
    log = open(sys.argv[1], "w") if len(sys.argv) > 1 else None
    rows = []
    for line in sys.stdin:
        if line.startswith("ROW|"):
            f = line.rstrip("\n").split("|")[1:]
            rows.append((f + [""] * len(HEAD))[:len(HEAD)])
        elif log:
            log.write(line)
    w = [max(len(r[i]) for r in rows + [HEAD]) for i in range(len(HEAD))]
    for r in [HEAD] + rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
