#!/usr/bin/env bash
# t07_init.sh — vrsctl init: the tree it writes validates and plans; a
# second init changes nothing (refused without --force, every file kept
# with it); an edited file, a symlink and a non-directory are never
# overwritten or followed. Prints TAP.
#
# Env: TOP (repo root), VRSCTL (binary under test).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VRSCTL=${VRSCTL:-$TOP/build/vrsctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { # what [details file]
	n=$((n + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && sed 's/^/# /' "$2" | head -30
	return 0
}
run() { "$VRSCTL" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; cat "$tmp/out" "$tmp/err" >"$tmp/all"; }
rc() { cat "$tmp/rc"; }
snapshot() { (cd "$1" && find . -printf '%p %y %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }

d=$tmp/new/site # a parent that does not exist yet
run init "$d"
if [ "$(rc)" = 0 ] && [ -f "$d/specs/platform.yaml" ] && [ -f "$d/specs/projects/pizzeria-roma.yaml" ] &&
	[ -f "$d/.gitignore" ] && [ -f "$d/.github/workflows/vrsctl.yml" ]; then
	pass "init writes specs, .gitignore and the CI pipeline"
else
	fail "init writes specs, .gitignore and the CI pipeline" "$tmp/all"
fi
if grep -q "vrsctl validate" "$tmp/out" && grep -q "vrsctl doctor" "$tmp/out" && grep -q "vrsctl plan" "$tmp/out"; then
	pass "init prints the next three commands"
else
	fail "init prints the next three commands" "$tmp/all"
fi
for k in Registrar Server BaseDomain ProjectType Plugin Bundle Project; do
	grep -qx "kind: $k" "$d"/specs/*.yaml "$d"/specs/projects/*.yaml || echo "no $k" >>"$tmp/kinds"
done
grep -q "from_env:" "$d/specs/projects/pizzeria-roma.yaml" || echo "no from_env secret" >>"$tmp/kinds"
if [ -s "$tmp/kinds" ]; then fail "the tree holds every kind and a from_env secret" "$tmp/kinds"; else pass "the tree holds every kind and a from_env secret"; fi
grep -q '^/state/$' "$d/.gitignore" && pass ".gitignore keeps the state out of git" || fail ".gitignore keeps the state out of git" "$d/.gitignore"
cmp -s "$d/.github/workflows/vrsctl.yml" "$TOP/examples/gitops/.github/workflows/vrsctl.yml" &&
	pass "the pipeline is examples/gitops' one" || fail "the pipeline is examples/gitops' one"

run --specs "$d" --state "$tmp/none.db" validate
[ "$(rc)" = 0 ] && pass "vrsctl validate --specs DIR accepts the tree" || fail "vrsctl validate --specs DIR accepts the tree" "$tmp/all"
(cd "$d" && "$VRSCTL" validate >"$tmp/out" 2>&1) && pass "validate with the default paths, inside DIR" || fail "validate with the default paths, inside DIR" "$tmp/out"
run --specs "$d/specs" --state "$tmp/none.db" plan --detailed-exitcode
if [ "$(rc)" = 2 ] && grep -q "pizzeria-roma" "$tmp/out" && [ ! -e "$tmp/none.db" ]; then
	pass "plan of the tree: the project is to be created, no state written"
else
	fail "plan of the tree: the project is to be created, no state written" "$tmp/all"
fi

snapshot "$d" >"$tmp/before"
run init "$d"
snapshot "$d" >"$tmp/after"
if [ "$(rc)" = 1 ] && grep -q "not empty" "$tmp/err" && cmp -s "$tmp/before" "$tmp/after"; then
	pass "second init without --force: refused, nothing changed"
else
	diff "$tmp/before" "$tmp/after" >>"$tmp/all"; fail "second init without --force: refused, nothing changed" "$tmp/all"
fi
run init --force "$d"
snapshot "$d" >"$tmp/after"
if [ "$(rc)" = 0 ] && cmp -s "$tmp/before" "$tmp/after" && grep -q "0 written, 4 kept" "$tmp/out"; then
	pass "second init with --force: every file kept, nothing changed"
else
	diff "$tmp/before" "$tmp/after" >>"$tmp/all"; fail "second init with --force: every file kept, nothing changed" "$tmp/all"
fi

# --force adds what is missing, keeps an edited file, never follows a symlink
echo "# mine" >>"$d/.gitignore"
rm "$d/specs/projects/pizzeria-roma.yaml"
echo "outside" >"$tmp/outside"
rm "$d/specs/platform.yaml"
ln -s "$tmp/outside" "$d/specs/platform.yaml"
run init --force "$d"
if [ "$(rc)" = 0 ] && [ -f "$d/specs/projects/pizzeria-roma.yaml" ] && tail -1 "$d/.gitignore" | grep -qx "# mine" &&
	[ "$(cat "$tmp/outside")" = outside ] && [ -L "$d/specs/platform.yaml" ]; then
	pass "--force adds the missing file, keeps an edited one and a symlink (not followed)"
else
	fail "--force adds the missing file, keeps an edited one and a symlink (not followed)" "$tmp/all"
fi

: >"$tmp/plainfile"
run init "$tmp/plainfile"
[ "$(rc)" = 1 ] && grep -q "not a directory" "$tmp/err" && pass "a file as DIR: clear error" || fail "a file as DIR: clear error" "$tmp/all"
mkdir "$tmp/other" && echo x >"$tmp/other/README"
run init "$tmp/other"
if [ "$(rc)" = 1 ] && [ "$(ls -A "$tmp/other")" = README ]; then pass "a non-empty DIR is refused, nothing written"; else fail "a non-empty DIR is refused, nothing written" "$tmp/all"; fi
run init a b
[ "$(rc)" = 1 ] && pass "two directories: usage error" || fail "two directories: usage error" "$tmp/all"
run init --help
[ "$(rc)" = 0 ] && grep -q "never overwrites" "$tmp/out" && pass "init --help" || fail "init --help" "$tmp/all"
