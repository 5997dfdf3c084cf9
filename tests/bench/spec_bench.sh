#!/usr/bin/env bash
# tests/bench/spec_bench.sh — cost of loading the specs, for N = 1,000 and
# 10,000 projects (tests/bench/gen_specs.py): `vrsctl plan` (or `validate`
# while plan is not there) wall time and peak RSS, the spec loader alone
# (yaml_scan --spec), `vrsctl validate`, `vrsctl plan` as text and JSON,
# the floor (a bare libyaml event scan, yaml_scan) and PyYAML's CSafeLoader,
# as ROW lines for tests/bench/table.py. Target: plan <= 2x the scan floor.
#   make build/vrsctl build/bench/yaml_scan && tests/bench/spec_bench.sh [N...]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
OUT=build/bench
mkdir -p "$OUT"
SCAN=$OUT/yaml_scan
[ -x "$SCAN" ] || make -s "$SCAN" >/dev/null || { echo "spec_bench: cannot build $SCAN" >&2; exit 1; }
VRS=${VRSCTL:-build/vrsctl}
[ -x "$VRS" ] || VRS=""

# measure CMD...: prints "SECONDS RSS_KB CPU_SECONDS" (best wall time of 3 runs; the
# peak RSS of the command alone, by GNU time: a forked python's own pages would count
# otherwise; the best user + system time of the 3, steadier than wall on a shared machine)
measure() {
	/usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys, tempfile, time
best = cpu = None
for _ in range(3):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.monotonic() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    best = t if best is None or t < best else best
    cpu = c if cpu is None or c < cpu else cpu
with tempfile.NamedTemporaryFile("r") as f:
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + sys.argv[1:],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = int(f.read().split()[-1])
print("%.3f %d %.3f" % (best, rss, cpu))
PY
}

# rows for tests/bench/table.py: ROW|benchmark|N|latency|budget|result|floor|ratio|note
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(1000 10000)
for n in "${ns[@]}"; do
	dir=$OUT/specs-$n
	[ -f "$dir/.done" ] || { rm -rf "$dir"; /usr/bin/python3 tests/bench/gen_specs.py "$n" "$dir" && touch "$dir/.done"; }
	read -r ft fm fc < <(measure "$SCAN" "$dir")
	row() { # what seconds rss cpu
		local x xc
		x=$(awk "BEGIN{ if ($ft > 0) printf \"%.2fx\", $2 / $ft; else print \"-\" }")
		xc=$(awk "BEGIN{ if ($fc > 0) printf \"%.2fx\", $4 / $fc; else print \"-\" }")
		printf 'ROW|%s|%s|-|-|%s s, %.1f MB RSS|scan %s s|%s|best of 3; CPU %s s = %s the scan'"'"'s\n' \
			"$1" "$n" "$2" "$(awk "BEGIN{print $3/1024}")" "$ft" "$x" "$4" "$xc"
	}
	row "libyaml event scan (the floor)" "$ft" "$fm" "$fc"
	read -r t m c < <(measure "$SCAN" --spec "$dir"); row "spec loader alone" "$t" "$m" "$c"
	if [ -n "$VRS" ]; then
		st=$(mktemp -d)
		read -r t m c < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" validate); row "vrsctl validate" "$t" "$m" "$c"
		read -r t m c < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" plan); row "vrsctl plan (text)" "$t" "$m" "$c"
		read -r t m c < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" plan --format json); row "vrsctl plan --format json" "$t" "$m" "$c"
		rm -rf "$st"
	fi
	read -r t m c < <(measure /usr/bin/python3 tests/bench/cyaml_load.py "$dir"); row "PyYAML CSafeLoader" "$t" "$m" "$c"
done
