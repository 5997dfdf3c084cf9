#!/usr/bin/env bash
# t05_docs.sh — the user documentation: both man pages render without
# warnings and have their required sections; the JSON Schema of the spec
# format accepts every document under specs/ and examples/ and the examples
# of vrsctl-spec(5), and rejects typical mistakes. Prints TAP.
#
# Needs: man (man-db) or groff (groff-base), /usr/bin/python3 with
# python3-yaml and python3-jsonschema.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
PY=/usr/bin/python3
CHECK=tests/integration/schema_check.py
SCHEMA=docs/vrsctl-spec.schema.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { # what [details file]
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && sed 's/^/# /' "$2" | head -30
	return 0
}

# render a man page to text; stderr collects every warning
render() { # page out err
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings=w -E UTF-8 -l "$1" >"$2" 2>"$3"
	else
		groff -ww -man -Tutf8 "$1" >"$2" 2>"$3"
	fi
}

check_page() { # page section...
	local page=$1 name rc s
	name=$(basename "$page")
	shift
	if [ ! -f "$page" ]; then
		fail "$name exists"
		return
	fi
	render "$page" "$tmp/$name.txt" "$tmp/$name.err"; rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$tmp/$name.err" ] && [ -s "$tmp/$name.txt" ]; then
		pass "$name renders without warnings"
	else
		echo "exit $rc" >>"$tmp/$name.err"
		fail "$name renders without warnings" "$tmp/$name.err"
	fi
	if command -v groff >/dev/null 2>&1; then
		groff -ww -man -z "$page" >"$tmp/$name.groff" 2>&1
		if [ -s "$tmp/$name.groff" ]; then
			fail "$name: groff -ww -man -z is silent" "$tmp/$name.groff"
		else
			pass "$name: groff -ww -man -z is silent"
		fi
	fi
	for s in "$@"; do
		if grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}\$" "$page" && grep -q "^$s\$" "$tmp/$name.txt"; then
			pass "$name has section $s"
		else
			fail "$name has section $s"
		fi
	done
}

check_page docs/vrsctl.1 NAME SYNOPSIS DESCRIPTION COMMANDS "GLOBAL OPTIONS" ENVIRONMENT FILES \
	"EXIT STATUS" EXAMPLES "SEE ALSO"
check_page docs/vrsctl-spec.5 NAME DESCRIPTION DIAGNOSTICS EXAMPLES "SEE ALSO"

# vrsctl.1 names every command, exit code and variable of the interface
if [ -f docs/vrsctl.1 ]; then
	missing=""
	for w in validate plan apply watch status log retry import preview graph doctor init \
		VRS_COOLIFY_URL VRS_COOLIFY_TOKEN VRS_COOLIFY_TOKEN_FILE VRS_COOLIFY_RATE VRS_INWX_URL \
		VRS_INWX_USER VRS_INWX_PASSWORD VRS_INWX_PASSWORD_FILE VRS_INWX_TOTP_SECRET \
		VRS_TRIGGERED_BY VRS_SPECS VRS_STATE NO_COLOR state/vrs.db state/vrs.db.lock \
		--specs --state --log-format --no-color --version --format --out --detailed-exitcode \
		--refresh --target --auto-approve --parallelism --allow-delete --approve-costs \
		--max-delete-percent --limit --interval; do
		grep -qF -- "$w" "$tmp/vrsctl.1.txt" 2>/dev/null || missing="$missing $w"
	done
	if [ -z "$missing" ]; then pass "vrsctl.1 documents every command, option and variable"
	else echo "missing:$missing" >"$tmp/missing"; fail "vrsctl.1 documents every command, option and variable" "$tmp/missing"; fi
	if awk '/^EXIT STATUS$/{f=1;next} /^[A-Z]/{f=0} f' "$tmp/vrsctl.1.txt" >"$tmp/exit.txt" &&
		for c in 0 1 2 3; do grep -Eq "^ +$c +" "$tmp/exit.txt" || exit 1; done; then
		pass "vrsctl.1 EXIT STATUS lists 0, 1, 2 and 3"
	else
		fail "vrsctl.1 EXIT STATUS lists 0, 1, 2 and 3" "$tmp/exit.txt"
	fi
fi

# ---- the JSON Schema ----------------------------------------------------
if ! "$PY" -c 'import yaml, jsonschema' 2>"$tmp/py.err"; then
	fail "python3-yaml and python3-jsonschema are installed" "$tmp/py.err"
	echo "# apt-get install -y python3-yaml python3-jsonschema"
	exit 1
fi

if "$PY" -c 'import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.validators.validator_for(s).check_schema(s)' "$SCHEMA" 2>"$tmp/schema.err"; then
	pass "$SCHEMA is a valid JSON Schema"
else
	fail "$SCHEMA is a valid JSON Schema" "$tmp/schema.err"
fi

for d in specs examples/*/; do
	d=${d%/}
	[ -d "$d" ] || continue
	if "$PY" "$CHECK" -q "$d" >"$tmp/out" 2>&1; then
		pass "every document under $d/ matches the schema"
	else
		fail "every document under $d/ matches the schema" "$tmp/out"
	fi
done

# the examples of vrsctl-spec(5): the .nf/.fi blocks of EXAMPLES that hold YAML
mkdir -p "$tmp/ex"
awk -v dir="$tmp/ex" '
	/^\.SH / { inex = ($0 == ".SH EXAMPLES") }
	inex && /^\.nf/ { blk = 1; k++; file = sprintf("%s/example-%02d.yaml", dir, k); next }
	inex && /^\.fi/ { blk = 0; next }
	blk { line = $0; gsub(/\\-/, "-", line); gsub(/\\\(aq/, "\047", line); gsub(/\\e/, "\\", line);
	      print line > file }
' docs/vrsctl-spec.5
for f in "$tmp"/ex/*.yaml; do
	[ -f "$f" ] || continue
	head -1 "$f" | grep -q '^kind:' || { rm -f "$f"; continue; }
done
if ls "$tmp"/ex/*.yaml >/dev/null 2>&1; then
	if "$PY" "$CHECK" -q "$tmp/ex" >"$tmp/out" 2>&1; then
		pass "the YAML examples of vrsctl-spec.5 match the schema"
	else
		fail "the YAML examples of vrsctl-spec.5 match the schema" "$tmp/out"
	fi
else
	fail "vrsctl-spec.5 EXAMPLES hold YAML examples"
fi

# invalid documents: each must be rejected (exit 1, a FILE:LINE:COL: error line)
base='kind: Project
slug: pizzeria-roma
name: Pizzeria Roma
owner_email: info@pizzeria-roma.de
project_type: gastro
app:
  image: ghcr.io/vrs-gmbh/vrs-core:1.4.2'
# When the binary can validate, the same documents go through the real
# loader too (next to specs/platform.yaml, so that references resolve): the
# schema and vrsctl must agree.
LOADER=0
if [ -n "${VRSCTL:-}" ] && [ -x "$VRSCTL" ] && [ -f specs/platform.yaml ] &&
	"$VRSCTL" validate --specs specs >/dev/null 2>&1; then
	LOADER=1
fi
loader_check() { # what yaml want-rc
	local d="$tmp/loader-$((n + 1))" rc
	mkdir -p "$d"
	cp specs/platform.yaml "$d/" && printf '%s\n' "$2" >"$d/doc.yaml"
	"$VRSCTL" validate --specs "$d" >"$tmp/lout" 2>&1; rc=$?
	if [ $rc -eq "$3" ] && { [ "$3" -eq 0 ] || grep -q "doc.yaml:[0-9]*:[0-9]*: error: " "$tmp/lout"; }; then
		pass "vrsctl validate agrees: $1"
	else
		echo "exit $rc, want $3" >>"$tmp/lout"
		fail "vrsctl validate agrees: $1" "$tmp/lout"
	fi
}
reject() { # what yaml
	local f="$tmp/bad-$((n + 1)).yaml" rc
	printf '%s\n' "$2" >"$f"
	"$PY" "$CHECK" -q "$f" >"$tmp/out" 2>&1; rc=$?
	if [ $rc -eq 1 ] && grep -q "^$f:[0-9]*:[0-9]*: error: " "$tmp/out"; then
		pass "rejected: $1"
	else
		echo "exit $rc" >>"$tmp/out"
		fail "rejected: $1" "$tmp/out"
	fi
	[ "$LOADER" = 1 ] && loader_check "$1" "$2" 1
	return 0
}
# the base document itself is valid, so each rejection is due to its change
printf '%s\n' "$base" >"$tmp/base.yaml"
if "$PY" "$CHECK" -q "$tmp/base.yaml" >"$tmp/out" 2>&1; then pass "a minimal Project is valid"
else fail "a minimal Project is valid" "$tmp/out"; fi
if [ "$LOADER" = 1 ]; then
	loader_check "a minimal Project is valid" "$base" 0
else
	n=$((n + 1)); echo "ok $n - # SKIP vrsctl validate not available (VRSCTL unset or not built)"
fi

reject "unknown key" "$base
owner_mail: info@pizzeria-roma.de"
reject "unknown kind" "kind: Widget
name: x"
reject "wrong enum (lifecycle)" "$base
lifecycle: paused"
reject "wrong enum (domain type)" "$base
domains:
  - {domain: pizzeria-roma.de, type: purchased}"
reject "wrong enum (billing_cycle)" "kind: Bundle
code: b
name: B
project_type: gastro
billing_cycle: weekly"
reject "bad slug" "$(printf '%s\n' "$base" | sed 's/^slug: .*/slug: Pizzeria_Roma!/')"
reject "slug starting with a hyphen" "$(printf '%s\n' "$base" | sed 's/^slug: .*/slug: -roma/')"
reject "literal secret for a *_PASSWORD env key" "$base
  env:
    SMTP_PASSWORD: hunter2"
reject "literal secret for a lower-case *token* env key" "$base
  env:
    api_token: abc"
reject "health path with a query string" "$base
  health_path: /health?full=1"
reject "env literal ending in whitespace (Coolify trims it)" "$base
  env:
    GREETING: |
      Buongiorno"
reject "literal transfer auth code" "$base
domains:
  - {domain: pizzeria-roma.de, type: transferred, auth_code: Xy7-abc}"
reject "max_price_cents on an owned domain" "$base
domains:
  - {domain: pizzeria-roma.de, type: owned, max_price_cents: 1500}"
reject "domain without type" "$base
domains:
  - {domain: pizzeria-roma.de}"
reject "bad domain name" "$base
domains:
  - {domain: pizzeria_roma.de, type: owned}"
reject "port out of range" "$base
  port: 70000"
reject "discount_percent out of range" "kind: Bundle
code: b
name: B
project_type: gastro
discount_percent: 150"
reject "trial and trial_days together" "$base
trial: true
trial_days: 14"
reject "wrong type (quoted integer)" "kind: Server
name: s1
coolify_uuid: abc
ip_address: 203.0.113.1
ssh_port: \"22\""
reject "missing required key (app.image)" "kind: Project
slug: x
name: X
owner_email: a@example.org
project_type: gastro
app: {port: 8000}"
reject "duplicate key" "$base
name: Again"
reject "reference with both from_env and from_file" "$base
  env:
    DB_PASSWORD: {from_env: A, from_file: b}"
reject "wrong renewal_mode" "kind: Registrar
contacts: {registrant: 1, admin: 1, tech: 1, billing: 1}
nameservers: [ns.inwx.de]
renewal_mode: autorenew"

echo "1..$n"
[ "$failed" -eq 0 ]
