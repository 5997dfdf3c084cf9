#!/bin/sh
# tools/arch-check.sh — the rules of docs/ARCHITECTURE.md that a grep can
# check: the size limits (tools/limits.sh); no printing or abort() below
# src/cmd/; no cJSON in cmd/, engine/, spec/, model/, and in plan/ only in
# parse.c (saved plans; the state keeps JSON columns, the providers API data);
# SQL only in src/state/. Prints each breach; exit 1 if any.
cd "$(dirname "$0")/.." || exit 2
bad=0
tools/limits.sh || bad=1
hits=$(grep -nE '(^|[^sn_a-z])(printf|fprintf|puts|fputs|perror|abort)\(' \
	src/engine/*.c src/plan/*.c src/state/*.c src/spec/*.c src/providers/*.c src/model/*.c 2>/dev/null |
	grep -v 'snprintf\|vsnprintf\|buf_printf')
[ -n "$hits" ] && { echo "printing or abort() below src/cmd/:"; echo "$hits"; bad=1; }
hits=$(grep -ln "#include <cjson" src/engine/*.[ch] src/cmd/*.[ch] src/plan/*.[ch] src/spec/*.[ch] src/model/*.[ch] 2>/dev/null |
	grep -v '^src/plan/parse.c$')
[ -n "$hits" ] && { echo "cJSON outside src/providers/ and src/plan/parse.c:"; echo "$hits"; bad=1; }
hits=$(grep -lnE '#include <sqlite3.h>|sqlite3_' $(find src -name '*.[ch]' ! -path 'src/state/*') 2>/dev/null)
[ -n "$hits" ] && { echo "SQL outside src/state/:"; echo "$hits"; bad=1; }
# inside src/state/ every file goes through db.h; only the drivers include a database library
hits=$(grep -lnE '#include <(sqlite3|libpq-fe).h>|sqlite3_|PQ[a-z]+\(' src/state/*.[ch] 2>/dev/null |
	grep -vE '^src/state/db_(sqlite|pg)\.c$')
[ -n "$hits" ] && { echo "a database library outside src/state/db_*.c:"; echo "$hits"; bad=1; }
hits=$(grep -nE '(strstr|strncmp|strcmp)\([^;]*\b(err|e|e2)(->|\.)msg' $(find src -name '*.c') 2>/dev/null)
[ -n "$hits" ] && { echo "deciding by an error's words:"; echo "$hits"; bad=1; }
[ $bad = 0 ] && echo "arch-check: limits and layering rules hold"
exit $bad
