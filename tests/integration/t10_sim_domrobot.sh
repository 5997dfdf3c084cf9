#!/usr/bin/env bash
# t10_sim_domrobot.sh — the INWX simulator driven by INWX's official Node client
# (npm domrobot-client, unmodified; installed into the ignored tests/.npm/).
# TAP on stdout; skipped only when npm/node are missing.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SIM=${SIM:-$TOP/tests/sim/vrs_sim.py}
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "ok 1 # SKIP npm unavailable"
	exit 0
fi
MOD=$TOP/tests/.npm/node_modules/domrobot-client
if [ ! -f "$MOD/package.json" ]; then
	if ! out=$(npm install --prefix "$TOP/tests/.npm" --no-audit --no-fund domrobot-client 2>&1); then
		echo "not ok 1 - npm install domrobot-client"
		printf '%s\n' "$out" | tail -10 | sed 's/^/#   /'
		exit 1
	fi
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# start a sim in this shell (not in $(...), so its pid is ours to kill); sets PORT
start_sim() { # name args...
	local name=$1; shift
	/usr/bin/python3 "$SIM" --coolify 127.0.0.1:0 --inwx 127.0.0.1:0 --ready-file "$tmp/$name.json" --quiet "$@" \
		>"$tmp/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/$name.json" ] && break; sleep 0.05; done
	PORT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inwx"])' "$tmp/$name.json" 2>/dev/null)
	[ -n "$PORT" ]
}

rc=0
start_sim plain || { echo "not ok 1 - sim did not start"; sed 's/^/#   /' "$tmp/plain.log"; exit 1; }
node "$TOP/tests/sim/domrobot_check.js" "$MOD" "http://127.0.0.1:$PORT/jsonrpc/" sim-user sim-password "" 1 || rc=1
SECRET=JBSWY3DPEHPK3PXP
start_sim tfa --inwx-2fa "$SECRET" || { echo "not ok 11 - 2FA sim did not start"; exit 1; }
node "$TOP/tests/sim/domrobot_check.js" "$MOD" "http://127.0.0.1:$PORT/jsonrpc/" sim-user sim-password "$SECRET" 11 || rc=1
echo "1..20"
exit $rc
