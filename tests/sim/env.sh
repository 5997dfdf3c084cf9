#!/bin/sh
# tests/sim/env.sh READY_FILE — print the export lines that point vrsctl at a
# running simulator, from the JSON its --ready-file wrote:
#   VRS_COOLIFY_URL, VRS_INWX_URL     its Coolify and INWX listeners
#   VRS_NAMESERVER=127.0.0.1:PORT     its DNS server (every DNS question of the gate goes there)
#   VRS_CONNECT_TO, VRS_CA_FILE       when the ready file names https_port / ca_file
# Usage: eval "$(tests/sim/env.sh "$dir/ready.json")". Credentials are not printed: they are
# the simulator's --coolify-token / --inwx-user / --inwx-password (defaults sim-coolify-token,
# sim-user, sim-password) and are passed as the operator passes them.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 READY_FILE" >&2; exit 2; }
[ -r "$1" ] || { echo "$0: cannot read $1" >&2; exit 1; }
exec /usr/bin/python3 - "$1" <<'PY'
import json, shlex, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
out = [("VRS_COOLIFY_URL", "http://127.0.0.1:%d" % r["coolify"]),
       ("VRS_INWX_URL", "http://127.0.0.1:%d/jsonrpc/" % r["inwx"])]
if r.get("dns_port"):
    out.append(("VRS_NAMESERVER", "127.0.0.1:%d" % r["dns_port"]))
if r.get("https_port"):
    out.append(("VRS_CONNECT_TO", "127.0.0.1:%d" % r["https_port"]))
if r.get("ca_file"):
    out.append(("VRS_CA_FILE", r["ca_file"]))
for k, v in out:
    print("export %s=%s" % (k, shlex.quote(str(v))))
PY
