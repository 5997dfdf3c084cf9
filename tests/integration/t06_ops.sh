#!/usr/bin/env bash
# t06_ops.sh — the operations files: the systemd units of docs/systemd/
# (hardening, credentials, reload; systemd-analyze verify when available),
# the CI pipelines of examples/gitops/ (valid YAML holding the vrsctl
# commands) and its spec set; the vrsctl command lines in them parse.
# Prints TAP.
#
# Env: TOP (repo root; default this script's ../..), VRSCTL (default
# $TOP/build/vrsctl). Needs /usr/bin/python3 with python3-yaml.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VRSCTL=${VRSCTL:-$TOP/build/vrsctl}
cd "$TOP" || exit 1
PY=/usr/bin/python3
SD=docs/systemd
GH=examples/gitops/.github/workflows/vrsctl.yml
GL=examples/gitops/.gitlab-ci.yml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { # what [details file]
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && sed 's/^/# /' "$2" | head -30
	return 0
}
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }

# ---- systemd units ------------------------------------------------------
# has FILE LINE...: every LINE is a line of FILE (exactly, after trimming)
has() {
	local f=$1 l missing=""
	shift
	for l in "$@"; do
		grep -qxF -- "$l" <(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' "$f") || missing="$missing
$l"
	done
	[ -z "$missing" ] && return 0
	echo "missing in $f:$missing" >"$tmp/missing"
	return 1
}

HARDENING=(NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes
	PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes
	ProtectControlGroups=yes "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"
	RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes
	SystemCallFilter=@system-service ReadWritePaths=/var/lib/vrsctl
	ReadOnlyPaths=/srv/vrs/specs StateDirectory=vrsctl "EnvironmentFile=-/etc/vrsctl/env"
	LoadCredential=coolify-token:/etc/vrsctl/coolify-token
	"Environment=VRS_COOLIFY_TOKEN_FILE=%d/coolify-token"
	LoadCredential=inwx-password:/etc/vrsctl/inwx-password
	"Environment=VRS_INWX_PASSWORD_FILE=%d/inwx-password")

for u in vrsctl-watch.service vrsctl-apply.service vrsctl-apply.timer README.md; do
	if [ -s "$SD/$u" ]; then pass "$SD/$u exists"; else fail "$SD/$u exists"; fi
done

W=$SD/vrsctl-watch.service A=$SD/vrsctl-apply.service T=$SD/vrsctl-apply.timer
for u in "$W" "$A"; do
	[ -f "$u" ] || continue
	if has "$u" "${HARDENING[@]}"; then pass "$(basename "$u"): hardening and credentials"
	else fail "$(basename "$u"): hardening and credentials" "$tmp/missing"; fi
	# a user of its own: User= or DynamicUser=yes
	if grep -Eq '^(User=[a-z_][a-z0-9_-]*|DynamicUser=yes)$' "$u"; then
		pass "$(basename "$u"): runs as its own user"
	else
		fail "$(basename "$u"): runs as its own user"
	fi
	# no secret value in the unit: only *_FILE variables point at credentials
	if grep -Eq '^Environment=.*VRS_(COOLIFY_TOKEN|INWX_PASSWORD|INWX_TOTP_SECRET)=' "$u"; then
		fail "$(basename "$u"): no secret in Environment="
	else
		pass "$(basename "$u"): no secret in Environment="
	fi
done
if [ -f "$W" ] && has "$W" "Type=simple" "ExecReload=/bin/kill -HUP \$MAINPID" "KillSignal=SIGTERM" \
	"TimeoutStopSec=15" "Restart=on-failure" \
	"ExecStart=/usr/local/bin/vrsctl --specs /srv/vrs/specs --state /var/lib/vrsctl/vrs.db --log-format json watch --metrics-file /var/lib/vrsctl/metrics.prom"; then
	pass "vrsctl-watch.service: simple, reload by SIGHUP, stop by SIGTERM, restart on failure"
else
	fail "vrsctl-watch.service: simple, reload by SIGHUP, stop by SIGTERM, restart on failure" "$tmp/missing"
fi
if [ -f "$A" ] && has "$A" "Type=oneshot" && grep -Eq '^ExecStart=/usr/local/bin/vrsctl .* apply --auto-approve' "$A"; then
	pass "vrsctl-apply.service: oneshot apply --auto-approve"
else
	fail "vrsctl-apply.service: oneshot apply --auto-approve" "$tmp/missing"
fi
if [ -f "$T" ] && has "$T" "OnCalendar=*:0/15" "Persistent=true" && grep -q '^RandomizedDelaySec=' "$T"; then
	pass "vrsctl-apply.timer: every 15 minutes, persistent, randomized"
else
	fail "vrsctl-apply.timer: every 15 minutes, persistent, randomized" "$tmp/missing"
fi
if [ -f "$SD/README.md" ] && grep -qi 'never' "$SD/README.md" && grep -qi 'lock' "$SD/README.md" &&
	grep -q 'systemctl enable' "$SD/README.md"; then
	pass "$SD/README.md: install steps; watch and the timer are alternatives (lock)"
else
	fail "$SD/README.md: install steps; watch and the timer are alternatives (lock)"
fi

# the ExecStart lines are vrsctl commands: the same arguments with --help exit 0
if [ ! -x "$VRSCTL" ]; then
	skip "ExecStart lines parse (no $VRSCTL; run make build/vrsctl)"
else
	for u in "$W" "$A"; do
		[ -f "$u" ] || continue
		line=$(sed -n 's|^ExecStart=/usr/local/bin/vrsctl ||p' "$u")
		read -r -a args <<<"$line"
		if [ ${#args[@]} -gt 0 ] && "$VRSCTL" "${args[@]}" --help >"$tmp/help" 2>&1 &&
			grep -q '^usage: vrsctl [a-z]' "$tmp/help"; then
			pass "$(basename "$u"): ExecStart parses as a vrsctl command (${args[*]} --help)"
		else
			echo "args: ${args[*]:-none}" >>"$tmp/help"
			fail "$(basename "$u"): ExecStart parses as a vrsctl command" "$tmp/help"
		fi
	done
	# --help wins over a wrong flag after the command, so also check that each
	# flag of the line is one the global or the command's --help names
	"$VRSCTL" --help >"$tmp/ghelp" 2>&1
	for u in "$W" "$A"; do
		[ -f "$u" ] || continue
		line=$(sed -n 's|^ExecStart=/usr/local/bin/vrsctl ||p' "$u")
		read -r -a args <<<"$line"
		cmd="" bad=""
		for a in "${args[@]}"; do
			case $a in
			--*) grep -qF -- "${a%%=*}" "$tmp/ghelp" "$tmp/chelp" 2>/dev/null || bad="$bad $a" ;;
			/*) ;;
			*) # the command: the first word the global help lists as one
				if [ -z "$cmd" ] && grep -Eq "^  $a +[a-z]" "$tmp/ghelp"; then
					cmd=$a
					"$VRSCTL" "$cmd" --help >"$tmp/chelp" 2>&1
				fi ;;
			esac
		done
		rm -f "$tmp/chelp"
		if [ -n "$cmd" ] && [ -z "$bad" ]; then
			pass "$(basename "$u"): every flag of ExecStart is documented by vrsctl $cmd --help"
		else
			fail "$(basename "$u"): every flag of ExecStart is documented by vrsctl ${cmd:-?} --help (unknown:${bad:- none})"
		fi
	done
fi

# systemd-analyze verify, with the binary path pointed at the build
if command -v systemd-analyze >/dev/null 2>&1 && [ -x "$VRSCTL" ]; then
	mkdir -p "$tmp/units"
	for u in "$W" "$A" "$T"; do
		sed "s|/usr/local/bin/vrsctl|$VRSCTL|g" "$u" >"$tmp/units/$(basename "$u")"
	done
	(cd "$tmp/units" && systemd-analyze verify --man=no ./vrsctl-watch.service \
		./vrsctl-apply.service ./vrsctl-apply.timer) >"$tmp/verify" 2>&1; rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$tmp/verify" ]; then
		pass "systemd-analyze verify: the units are clean"
	else
		echo "exit $rc" >>"$tmp/verify"
		fail "systemd-analyze verify: the units are clean" "$tmp/verify"
	fi
else
	skip "systemd-analyze verify (systemd-analyze not installed, or no $VRSCTL)"
fi

# ---- CI pipelines -------------------------------------------------------
if ! "$PY" -c 'import yaml' 2>"$tmp/py.err"; then
	fail "python3-yaml is installed" "$tmp/py.err"
	echo "# apt-get install -y python3-yaml"
	echo "1..$n"
	exit 1
fi
for f in "$GH" "$GL"; do
	if [ -f "$f" ] && "$PY" -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert isinstance(d, dict) and d, "not a mapping"' "$f" 2>"$tmp/yaml.err"; then
		pass "$f is valid YAML"
	else
		fail "$f is valid YAML" "$tmp/yaml.err"
	fi
done

# the commands the pipelines must run
for f in "$GH" "$GL"; do
	[ -f "$f" ] || continue
	missing=""
	for w in "validate" "plan --format markdown --detailed-exitcode --out plan.json > plan.md" \
		"apply --auto-approve" "apply --refresh=report" "plan.md" "plan.json" \
		VRS_COOLIFY_URL VRS_COOLIFY_TOKEN VRS_INWX_USER VRS_INWX_PASSWORD VRS_INWX_TOTP_SECRET \
		VRS_TRIGGERED_BY VRS_STATE; do
		grep -qF -- "$w" "$f" || missing="$missing
$w"
	done
	if [ -z "$missing" ]; then pass "$f runs validate, plan, apply, the drift check with VRS_* from secrets"
	else echo "missing:$missing" >"$tmp/missing"; fail "$f runs validate, plan, apply, the drift check with VRS_* from secrets" "$tmp/missing"; fi
done

# pipeline structure, read from the parsed YAML
"$PY" - "$GH" "$GL" >"$tmp/struct" 2>&1 <<'PYEOF'
import sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
gl = yaml.safe_load(open(sys.argv[2]))
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
# PyYAML reads the key "on" as True
on = gh.get("on", gh.get(True, {}))
check("pull_request" in on and "push" in on and "schedule" in on, "github: pull_request, push, schedule")
jobs = gh["jobs"]
txt = lambda j: yaml.safe_dump(j)
check(any("gh pr comment" in txt(j) and "--body-file" in txt(j) or "github-script" in txt(j) for j in jobs.values()),
      "github: plan posted as a PR comment")
check(any("upload-artifact" in txt(j) for j in jobs.values()), "github: plan kept as an artifact")
ap = [j for j in jobs.values() if "apply --auto-approve" in txt(j)]
check(ap and all(j.get("concurrency", {}).get("cancel-in-progress") is False for j in ap),
      "github: apply in a concurrency group, never cancelled")
check(all("github.actor" in str(j.get("env", "")) or "github.actor" in str(gh.get("env", "")) for j in ap),
      "github: VRS_TRIGGERED_BY from the actor")
check(any("secrets.VRS_COOLIFY_TOKEN" in txt(j) for j in ap), "github: secrets from the secret store")
jobs = {k: v for k, v in gl.items() if isinstance(v, dict) and "script" in v}
ap = [j for j in jobs.values() if "apply --auto-approve" in txt(j)]
check(ap and all(j.get("resource_group") for j in ap), "gitlab: apply in a resource_group")
check(any("/notes" in txt(j) for j in jobs.values()), "gitlab: plan posted as an MR note")
check(any("plan.md" in str(j.get("artifacts", "")) for j in jobs.values()), "gitlab: plan kept as an artifact")
check(any("schedule" in txt(j) and "--refresh=report" in txt(j) for j in jobs.values()),
      "gitlab: scheduled drift check")
check("GITLAB_USER_LOGIN" in str(gl.get("variables", "")), "gitlab: VRS_TRIGGERED_BY from the user")
sys.exit(0 if ok else 1)
PYEOF
if [ $? -eq 0 ]; then pass "pipelines: comment, artifact, serialized apply, drift schedule, actor"
else fail "pipelines: comment, artifact, serialized apply, drift schedule, actor" "$tmp/struct"; fi

# exit 2 of plan --detailed-exitcode and of the drift check are handled
for f in "$GH" "$GL"; do
	[ -f "$f" ] || continue
	if grep -q 'rc=\$?' "$f" && grep -Eq '"\$rc" -ne 2|^ *2\)' "$f"; then
		pass "$f: exit 2 is handled (plan: not a failure; drift: fails)"
	else
		fail "$f: exit 2 is handled (plan: not a failure; drift: fails)"
	fi
done

# ---- the example specs --------------------------------------------------
if [ ! -x "$VRSCTL" ]; then
	skip "vrsctl validate --specs examples/gitops/specs (no $VRSCTL)"
else
	"$VRSCTL" validate --specs examples/gitops/specs >"$tmp/val" 2>&1; rc=$?
	if [ $rc -eq 0 ]; then pass "vrsctl validate --specs examples/gitops/specs exits 0"
	else echo "exit $rc" >>"$tmp/val"; fail "vrsctl validate --specs examples/gitops/specs exits 0" "$tmp/val"; fi
	if [ -n "$(find examples/gitops/specs -type l)" ]; then fail "examples/gitops/specs has no symlinks"
	else pass "examples/gitops/specs has no symlinks"; fi
	# the plan command of the pipelines works on it, without credentials or a state
	(env -u VRS_COOLIFY_TOKEN -u VRS_INWX_PASSWORD "$VRSCTL" --specs examples/gitops/specs \
		--state "$tmp/none/vrs.db" plan --format markdown --detailed-exitcode \
		--out "$tmp/plan.json" >"$tmp/plan.md") 2>"$tmp/plan.err"; rc=$?
	if [ $rc -eq 2 ] && [ -s "$tmp/plan.md" ] && [ -s "$tmp/plan.json" ] && [ ! -e "$tmp/none/vrs.db" ]; then
		pass "the pipelines' plan command: exit 2, Markdown and plan file, no state created"
	else
		echo "exit $rc" >>"$tmp/plan.err"
		fail "the pipelines' plan command: exit 2, Markdown and plan file, no state created" "$tmp/plan.err"
	fi
fi

echo "1..$n"
[ "$failed" -eq 0 ]
