#!/bin/sh
# tools/deps.sh — install what building and testing vrsctl needs, and only that.
#
# Every need is checked by what uses it: a pkg-config module for a library,
# `command -v` for a tool, an import by /usr/bin/python3 for a Python module
# (the python3 on PATH may be a separate interpreter, e.g. pyenv, that cannot
# import Debian's python3-* packages). Only what is missing is installed, by
# its Debian package; a tool already on PATH counts whatever package (or none)
# brought it. Optional needs (node/npm for the INWX reference client test,
# clang for the fuzzer) are installed only when apt can do so without a
# conflict (Debian's npm conflicts with NodeSource's nodejs, which bundles npm).
#
#   tools/deps.sh            check, install what is missing (root) or print the command
#   tools/deps.sh --check    check only; exit 1 when something required is missing
set -u

PY=/usr/bin/python3
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

required="" optional="" notes=""

need() { # kind what package [optional]
	kind=$1 what=$2 pkg=$3 opt=${4:-}
	case "$kind" in
	pkg) pkg-config --exists "$what" 2>/dev/null ;;
	cmd) command -v "$what" >/dev/null 2>&1 ;;
	file) [ -e "$what" ] ;;
	py) [ -x "$PY" ] && "$PY" -c "import $what" 2>/dev/null ;;
	clang) printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' |
		clang $what -x c -o /dev/null - 2>/dev/null ;;
	esac && return 0
	case " $required $optional " in *" $pkg "*) return 0 ;; esac
	if [ -n "$opt" ]; then optional="$optional $pkg"; else required="$required $pkg"; fi
	return 0
}

# pkg-config itself first: every library check depends on it
need cmd pkg-config pkg-config
need cmd cc gcc
need cmd make make
# libraries (DESIGN: libyaml, SQLite, libcurl, cJSON, libcrypto; c-ares for the DNS gate; cmocka for unit tests)
need pkg yaml-0.1 libyaml-dev
need pkg sqlite3 libsqlite3-dev
need pkg libcurl libcurl4-openssl-dev
need pkg libcjson libcjson-dev
need pkg libcrypto libssl-dev
need pkg libcares libc-ares-dev
need pkg cmocka libcmocka-dev
# tools the tests and 'make lint' run
need cmd clang-format clang-format
need cmd sqlite3 sqlite3
need cmd git git
need cmd man man-db
# make bench: GNU time measures a command's own peak RSS (tests/bench/spec_bench.sh)
need file /usr/bin/time time
need file "$PY" python3
need py yaml python3-yaml
need py jsonschema python3-jsonschema
# the compatibility test drives the model specification on Flask-SQLAlchemy (issue 13)
need py flask_sqlalchemy python3-flask-sqlalchemy
need file /etc/ssl/certs/ca-certificates.crt ca-certificates
# the PostgreSQL backend (issue 14): libpq to build; the server (initdb where
# pg_config --bindir says, pg_config itself being libpq-dev's) and psycopg2 for its tests
need pkg libpq libpq-dev
need file "$(pg_config --bindir 2>/dev/null || echo /nonexistent)/initdb" postgresql
need py psycopg2 python3-psycopg2
# t15: a transaction-pooling pgbouncer in front of it is detected and refused
need file /usr/sbin/pgbouncer pgbouncer
# optional: the fuzzer (make fuzz) and the INWX reference client test
if command -v clang >/dev/null 2>&1; then
	need clang "-fsanitize=fuzzer" libclang-rt-14-dev optional
else
	optional="$optional clang libclang-rt-14-dev"
fi
if ! command -v node >/dev/null 2>&1; then
	need cmd node nodejs optional
fi
if ! command -v npm >/dev/null 2>&1; then
	need cmd npm npm optional
fi

if [ -z "$required$optional" ]; then
	echo "deps: all installed"
	exit 0
fi
if [ "$check_only" = 1 ]; then
	[ -n "$required" ] && echo "deps: missing:$required (run 'make deps')" >&2
	[ -n "$optional" ] && echo "deps: optional, not installed:$optional" >&2
	[ -z "$required" ]
	exit
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$required$optional; run as root:" >&2
	echo "  apt-get update && apt-get install -y$required$optional" >&2
	[ -z "$required" ]
	exit
fi

echo "deps: missing:$required$optional"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
# an optional package is kept only if apt can install it without a conflict
installable=""
for p in $optional; do
	if apt-get install -s -y $required $installable "$p" >/dev/null 2>&1; then
		installable="$installable $p"
	else
		notes="$notes $p"
	fi
done
set -- $required $installable
if [ $# -gt 0 ]; then
	echo "deps: installing $*"
	apt-get install -y -qq --no-install-recommends "$@" || {
		echo "deps: apt-get install $* failed" >&2
		exit 1
	}
fi
[ -n "$notes" ] && echo "deps: skipped (apt cannot install them here without a conflict):$notes"
# what was asked for must now be there
required="" optional=""
exec "$0" --check
