#!/usr/bin/env bash
# make demo: start the simulators on loopback, apply specs/, show status and
# the log, stop the simulators. Everything happens in a temporary directory;
# the real Coolify and INWX are never addressed.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
work=$(mktemp -d /tmp/vrsctl-demo.XXXXXX)
sim_pid=""
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting the Coolify and INWX simulators on 127.0.0.1"
/usr/bin/python3 tests/sim/seed_from_specs.py specs "$work/seed.json"
# --dns-delay: new records reach the simulator's DNS server 1 s later, so the
# apply shows the DNS gate's wait before the apps get their FQDNs
/usr/bin/python3 tests/sim/vrs_sim.py --coolify 127.0.0.1:0 --inwx 127.0.0.1:0 \
	--ready-file "$work/ready.json" --seed-file "$work/seed.json" --quiet --dns-delay 1 &
sim_pid=$!
for _ in $(seq 100); do [ -f "$work/ready.json" ] && break; sleep 0.05; done
[ -f "$work/ready.json" ] || { echo "demo: the simulator did not start" >&2; exit 1; }
# VRS_COOLIFY_URL, VRS_INWX_URL, VRS_NAMESERVER (its DNS server), ... from the ready file
eval "$(tests/sim/env.sh "$work/ready.json")"
coolify_port=$(sed 's/.*"coolify": *\([0-9]*\).*/\1/' "$work/ready.json")
# env.sh exported VRS_CONNECT_TO and VRS_CA_FILE too: health probes go to the simulator's HTTPS side, trusting its CA
# cafe-luna's certificate is 12 days from expiry (renewal failing): status lists it
/usr/bin/python3 -c 'import json, sys, urllib.request as u
u.urlopen(u.Request("http://127.0.0.1:%s/_sim/state" % sys.argv[1], method="POST",
    data=json.dumps({"op": "set_https", "host": "luna.vrs.gmbh", "fields": {"days": 12}}).encode()))' \
	"$coolify_port" >/dev/null

export VRS_INWX_USER=sim-user
# secrets the way production passes them: files only the operator can read
umask 077
printf 'sim-coolify-token\n' >"$work/coolify-token"
printf 'sim-password\n' >"$work/inwx-password"
printf 'demo-smtp-secret\n' >"$work/smtp"
export VRS_COOLIFY_TOKEN_FILE="$work/coolify-token" VRS_INWX_PASSWORD_FILE="$work/inwx-password"
export ROMA_SMTP_PASSWORD=$(cat "$work/smtp")
export VRS_TRIGGERED_BY="${VRS_TRIGGERED_BY:-demo@$(hostname)}" VRS_POLL_MS=200
state="$work/vrs.db"

echo
echo "== vrsctl validate"
build/vrsctl validate --specs specs
echo
echo "== vrsctl apply --auto-approve"
build/vrsctl apply --specs specs --state "$state" --auto-approve
echo
echo "== vrsctl status (DNS and TLS per domain, the certificates expiring soon)"
build/vrsctl status --state "$state"
echo
echo "== vrsctl log --limit 12 (the health check after each deployment)"
build/vrsctl log --state "$state" --limit 12
echo
echo "== vrsctl plan --detailed-exitcode (a second run has nothing to do)"
build/vrsctl plan --specs specs --state "$state" --detailed-exitcode
