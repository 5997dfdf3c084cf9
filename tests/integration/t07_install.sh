#!/usr/bin/env bash
# t07_install.sh — make install / make uninstall into a temporary DESTDIR:
# the installed binary runs, both man pages render with man -l, the bash
# completion parses and completes, the units point at the installed
# binary, and uninstall leaves no file behind. Prints TAP.
#
# Env: TOP (repo root), VRSCTL (unused: the installed binary is tested).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { # what [details file]
	n=$((n + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && sed 's/^/# /' "$2" | head -30
	return 0
}
check() { # what command...: pass when the command succeeds
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then pass "$what"; else fail "$what" "$tmp/out"; fi
}

unset MAKEFLAGS MFLAGS MAKELEVEL
check "make install DESTDIR PREFIX=/opt/vrs" make -s --no-print-directory install DESTDIR="$dest" PREFIX=/opt/vrs
p=$dest/opt/vrs
for f in bin/vrsctl share/man/man1/vrsctl.1 share/man/man5/vrsctl-spec.5 \
	lib/systemd/system/vrsctl-watch.service lib/systemd/system/vrsctl-apply.service \
	lib/systemd/system/vrsctl-apply.timer share/vrsctl/vrsctl-spec.schema.json \
	share/vrsctl/examples/multi-server/servers.yaml \
	share/vrsctl/examples/gitops/.github/workflows/vrsctl.yml \
	share/bash-completion/completions/vrsctl; do
	[ -f "$p/$f" ] || echo "missing $f" >>"$tmp/missing"
done
if [ -s "$tmp/missing" ]; then fail "every file installed" "$tmp/missing"; else pass "every file installed"; fi
[ -x "$p/bin/vrsctl" ] && [ "$(stat -c %a "$p/bin/vrsctl")" = 755 ] && pass "binary mode 755" || fail "binary mode 755"
"$p/bin/vrsctl" --version >"$tmp/v" 2>&1
if grep -qx "vrsctl $(cat VERSION)" "$tmp/v"; then pass "installed vrsctl --version"; else fail "installed vrsctl --version" "$tmp/v"; fi
# the installed examples are valid spec sets
check "installed examples/multi-server validates" "$p/bin/vrsctl" validate --specs "$p/share/vrsctl/examples/multi-server" --state "$tmp/none.db"
if grep -q "^ExecStart=/opt/vrs/bin/vrsctl " "$p/lib/systemd/system/vrsctl-watch.service" &&
	! grep -q /usr/local/bin "$p"/lib/systemd/system/*; then
	pass "units run the installed binary"
else
	grep -n ExecStart "$p"/lib/systemd/system/* >"$tmp/out"; fail "units run the installed binary" "$tmp/out"
fi

# man pages render without warnings
for m in man1/vrsctl.1 man5/vrsctl-spec.5; do
	if ! command -v man >/dev/null 2>&1; then
		n=$((n + 1)); echo "ok $n - # SKIP man not installed"; continue
	fi
	MANWIDTH=80 man -l "$p/share/man/$m" >"$tmp/man" 2>"$tmp/man.err"
	if [ -s "$tmp/man" ] && [ ! -s "$tmp/man.err" ] && grep -q "vrsctl" "$tmp/man"; then
		pass "man -l $m renders"
	else
		fail "man -l $m renders" "$tmp/man.err"
	fi
done

# bash completion: parses, and completes commands, flags, formats, targets
comp=$p/share/bash-completion/completions/vrsctl
check "bash -n completion" bash -n "$comp"
mkdir -p "$tmp/specs"
printf 'kind: Project\nslug: pizzeria-roma\n---\nkind: Project\nslug: "cafe-luna"  # x\n' >"$tmp/specs/p.yaml"
complete_words() { # words...: the completions for the last word
	bash -c '
		compopt() { :; }
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_vrsctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$comp" "$@"
}
want() { # expected words...
	local expected=$1 got
	shift
	got=$(complete_words "$@")
	if [ "$got" = "$expected" ]; then pass "complete '$*' -> $expected"
	else echo "got: '$got'" >"$tmp/out"; fail "complete '$*' -> $expected" "$tmp/out"; fi
}
want "plan preview " vrsctl p
want "--detailed-exitcode " vrsctl plan --det
want "dot json markdown text " vrsctl plan --format ""
want "json text " vrsctl status --format ""
want "project/ project_type/ " vrsctl plan --target proj
want "project/cafe-luna project/pizzeria-roma " vrsctl --specs "$tmp/specs" plan --target project/
want "--auto-approve " vrsctl --specs x apply --auto
want "doctor " vrsctl --quiet doc

check "make uninstall DESTDIR PREFIX=/opt/vrs" make -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=/opt/vrs
find "$dest" \( -type f -o -type l \) >"$tmp/left"
if [ -s "$tmp/left" ]; then fail "uninstall leaves no file behind" "$tmp/left"; else pass "uninstall leaves no file behind"; fi
