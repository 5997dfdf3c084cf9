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
VRS=build/vrsctl
[ -x "$VRS" ] || VRS=""

# measure CMD...: prints "SECONDS RSS_KB" (best wall time of 3 runs; the peak RSS of
# the command alone, by GNU time: a forked python's own pages would count otherwise)
measure() {
	/usr/bin/python3 - "$@" <<'PY'
import subprocess, sys, tempfile, time
best = None
for _ in range(3):
    t = time.monotonic()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.monotonic() - t
    best = t if best is None or t < best else best
with tempfile.NamedTemporaryFile("r") as f:
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + sys.argv[1:],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = int(f.read().split()[-1])
print("%.3f %d" % (best, rss))
PY
}

# rows for tests/bench/table.py: ROW|benchmark|N|latency|budget|result|floor|ratio|note
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(1000 10000)
for n in "${ns[@]}"; do
	dir=$OUT/specs-$n
	[ -f "$dir/.done" ] || { rm -rf "$dir"; /usr/bin/python3 tests/bench/gen_specs.py "$n" "$dir" && touch "$dir/.done"; }
	read -r ft fm < <(measure "$SCAN" "$dir")
	row() { # what seconds rss
		local x
		x=$(awk "BEGIN{ if ($ft > 0) printf \"%.2fx\", $2 / $ft; else print \"-\" }")
		printf 'ROW|%s|%s|-|-|%s s, %.1f MB RSS|scan %s s|%s|best of 3\n' "$1" "$n" "$2" \
			"$(awk "BEGIN{print $3/1024}")" "$ft" "$x"
	}
	row "libyaml event scan (the floor)" "$ft" "$fm"
	read -r t m < <(measure "$SCAN" --spec "$dir"); row "spec loader alone" "$t" "$m"
	if [ -n "$VRS" ]; then
		st=$(mktemp -d)
		read -r t m < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" validate); row "vrsctl validate" "$t" "$m"
		read -r t m < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" plan); row "vrsctl plan (text)" "$t" "$m"
		read -r t m < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" plan --format json); row "vrsctl plan --format json" "$t" "$m"
		rm -rf "$st"
	fi
	read -r t m < <(measure /usr/bin/python3 tests/bench/cyaml_load.py "$dir"); row "PyYAML CSafeLoader" "$t" "$m"
done
