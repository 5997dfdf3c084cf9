#!/usr/bin/env bash
# make bench: every benchmark table. Benchmarks, not tests: nothing here fails on
# a slow machine; the numbers go into the closing notes of an issue.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
export TOP VRSCTL="$TOP/build/vrsctl" NO_COLOR=1
echo "== spec loading and plan (tests/bench/spec_bench.sh)"
bash tests/bench/spec_bench.sh
echo
echo "== simulator throughput (tests/bench/sim_bench.py)"
/usr/bin/python3 tests/bench/sim_bench.py
echo
echo "== HTTP client: concurrency and rate budget (tests/bench/http_bench.sh)"
bash tests/bench/http_bench.sh
echo
echo "== apply and watch against the simulator (tests/bench/apply_bench.py)"
/usr/bin/python3 tests/bench/apply_bench.py
