#!/usr/bin/env bash
# tests/bench/spec_bench.sh — cost of loading the specs, for N = 1,000 and
# 10,000 projects (tests/bench/gen_specs.py): `vrsctl plan` (or `validate`
# while plan is not there) wall time and peak RSS, the spec loader alone
# (yaml_scan --spec), the floor (a bare libyaml event scan, yaml_scan) and
# PyYAML's CSafeLoader. Target: plan <= 2x the scan floor.
#   make build/vrsctl build/bench/yaml_scan && tests/bench/spec_bench.sh [N...]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
OUT=build/bench
mkdir -p "$OUT"
SCAN=$OUT/yaml_scan
[ -x "$SCAN" ] || make -s "$SCAN" >/dev/null || { echo "spec_bench: cannot build $SCAN" >&2; exit 1; }
VRS=build/vrsctl
CMD=plan
if [ -x "$VRS" ]; then
	"$VRS" plan --help >/dev/null 2>&1 || CMD=validate
else
	CMD=""
fi

# measure CMD...: prints "SECONDS RSS_KB" (best wall time of 3 runs, peak RSS)
measure() {
	/usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best = None
for _ in range(3):
    t = time.monotonic()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.monotonic() - t
    best = t if best is None or t < best else best
# peak RSS (KiB) of the largest child run
print("%.3f %d" % (best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

printf '%-7s %-22s %9s %10s %8s\n' N what seconds peak_MB x_floor
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(1000 10000)
for n in "${ns[@]}"; do
	dir=$OUT/specs-$n
	[ -f "$dir/.done" ] || { rm -rf "$dir"; /usr/bin/python3 tests/bench/gen_specs.py "$n" "$dir" && touch "$dir/.done"; }
	read -r ft fm < <(measure "$SCAN" "$dir")
	row() { # what seconds rss
		local x
		x=$(awk "BEGIN{ if ($ft > 0) printf \"%.2f\", $2 / $ft; else print \"-\" }")
		printf '%-7s %-22s %9s %10.1f %8s\n' "$n" "$1" "$2" "$(awk "BEGIN{print $3/1024}")" "$x"
	}
	row "libyaml scan (floor)" "$ft" "$fm"
	read -r t m < <(measure "$SCAN" --spec "$dir"); row "spec_load" "$t" "$m"
	if [ -n "$CMD" ]; then
		st=$(mktemp -d)
		read -r t m < <(measure "$VRS" --specs "$dir" --state "$st/vrs.db" $CMD); row "vrsctl $CMD" "$t" "$m"
		rm -rf "$st"
	fi
	read -r t m < <(measure /usr/bin/python3 tests/bench/cyaml_load.py "$dir"); row "PyYAML CSafeLoader" "$t" "$m"
done
[ "$CMD" = plan ] || echo "note: vrsctl ${CMD:-(not built)} measured; plan is not available yet"
