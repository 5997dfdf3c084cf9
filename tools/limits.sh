#!/bin/sh
# tools/limits.sh [FILE...] — the size limits of docs/ARCHITECTURE.md: no .c
# file over 700 lines, no function over 120 lines (from its opening brace
# at the start of a line to the closing one; clang-format puts both there).
# Prints each breach as FILE:LINE: ...; exit 1 when there is one.
MAX_FILE=${MAX_FILE:-700}
MAX_FUNC=${MAX_FUNC:-120}
[ $# -gt 0 ] || set -- $(find src -name '*.c' | sort)
awk -v maxf="$MAX_FILE" -v maxfn="$MAX_FUNC" '
	FNR == 1 { if (prev != "" && lines > maxf) { printf "%s: %d lines (limit %d)\n", prev, lines, maxf; bad = 1 }
		prev = FILENAME; start = 0; name = "" }
	{ lines = FNR }
	/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { cand = $0; candline = FNR }
	/^\{/ { if (cand != "" && candline >= FNR - 3) { start = FNR; name = cand } }
	/^\}/ { if (start) { n = FNR - start + 1
			if (n > maxfn) { sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
				printf "%s:%d: function %s is %d lines (limit %d)\n", FILENAME, start, name, n, maxfn; bad = 1 }
			start = 0; cand = "" } }
	END { if (prev != "" && lines > maxf) { printf "%s: %d lines (limit %d)\n", prev, lines, maxf; bad = 1 }
		exit bad }
' "$@"
