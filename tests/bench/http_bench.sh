#!/usr/bin/env bash
# http_bench.sh — start the simulator and run build/bench/http_bench:
#   1. concurrency: N Coolify calls with 50 ms simulator latency (rate limit off)
#   2. budget: the client's token bucket against the simulator's fixed-window limit (per
#      user), for longer than one 60 s window so that more than the limit is offered in
#      one window; then the same load with pacing off (VRS_BENCH_UNPACED), which gets 429s
# Env: N (default 200), LATENCY_MS (50), BUDGET (per minute, default 600), DURATION (s, 70).
# The budget run uses 600/min instead of 200/min: same code path, shorter run.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HTTP_BENCH:-$TOP/build/bench/http_bench}
N=${N:-200} LATENCY_MS=${LATENCY_MS:-50} BUDGET=${BUDGET:-600} DURATION=${DURATION:-70}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

start_sim() { # ready-file args... ; sets PORT
	local ready=$1; shift
	/usr/bin/python3 "$TOP/tests/sim/vrs_sim.py" --coolify 127.0.0.1:0 --inwx 127.0.0.1:0 --ready-file "$ready" \
		--quiet "$@" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
	PORT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["coolify"])' "$ready")
}

[ -x "$BIN" ] || make -C "$TOP" build/bench/http_bench >/dev/null
start_sim "$tmp/r1" --rate-limit 0 --latency "$LATENCY_MS"
"$BIN" latency "http://127.0.0.1:$PORT" "$N" "$LATENCY_MS"
echo
start_sim "$tmp/r2" --rate-limit "$BUDGET"
"$BIN" budget "http://127.0.0.1:$PORT" "$BUDGET" "$DURATION" || true
start_sim "$tmp/r3" --rate-limit "$BUDGET"
"$BIN" budget "http://127.0.0.1:$PORT" "$BUDGET" "$DURATION" unpaced
