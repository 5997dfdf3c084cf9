#!/usr/bin/env bash
# make bench: one table of every benchmark (tests/bench/table.py), each row naming N, the
# latency, the budget, its floor and the ratio to it; the benchmarks' own log goes to
# build/bench/bench.log. Benchmarks, not tests: nothing here fails on a slow machine; the
# numbers go into the closing notes of an issue. The simulator's own throughput
# (tests/bench/sim_bench.py, no floor) is run by hand.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
export TOP VRSCTL="$TOP/build/vrsctl" NO_COLOR=1
mkdir -p build/bench
{
	bash tests/bench/spec_bench.sh
	# watch's one-file re-plan against a full plan (issue 15, item 2), on spec_bench's 10,000
	[ -d build/bench/specs-10000 ] && build/bench/replan_bench build/bench/specs-10000
	bash tests/bench/http_bench.sh
	/usr/bin/python3 tests/bench/apply_bench.py
	/usr/bin/python3 tests/bench/backend_bench.py
} 2>&1 | /usr/bin/python3 tests/bench/table.py build/bench/bench.log
