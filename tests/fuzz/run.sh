#!/usr/bin/env bash
# tests/fuzz/run.sh — build the spec fuzzer with clang (libFuzzer + ASan +
# UBSan) from the library sources under src/ (all but src/main.c), seed the
# corpus from the yaml files of specs/, examples/ and tests/cases/, and fuzz
# for ${FUZZ_SECONDS:-180} seconds. Crashes land in build/fuzz/ (crash-*).
#   make fuzz            or   FUZZ_SECONDS=60 tests/fuzz/run.sh
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
OUT=build/fuzz
mkdir -p "$OUT/corpus" "$OUT/obj"
PKGS="yaml-0.1 sqlite3 libcurl libcjson libcrypto"
CFLAGS="-std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 -Isrc $(pkg-config --cflags $PKGS) \
 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
 -DVRS_VERSION=\"fuzz\""
objs=()
for f in $(find src -name '*.c' ! -path src/main.c | sort); do
	o="$OUT/obj/$(echo "$f" | tr / _).o"
	if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ "$0" -nt "$o" ]; then
		clang $CFLAGS -c "$f" -o "$o"
	fi
	objs+=("$o")
done
clang $CFLAGS -fsanitize=fuzzer -o "$OUT/fuzz_spec" tests/fuzz/fuzz_spec.c "${objs[@]}" \
	$(pkg-config --libs $PKGS) -lm
# seeds: every yaml file we have, plus a few hostile ones
for f in $(find specs examples tests/cases -name '*.yaml' -o -name '*.yml' 2>/dev/null); do
	cp "$f" "$OUT/corpus/seed-$(echo "$f" | tr / _)"
done
printf 'a: &x [1]\nb: *x\n' >"$OUT/corpus/seed-alias"
printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n' >"$OUT/corpus/seed-deep"
printf 'kind: Project\nslug: x\ncloned_from: y\n---\nkind: Project\nslug: y\ncloned_from: x\n' >"$OUT/corpus/seed-cycle"
cd "$OUT"
ASAN_OPTIONS=detect_leaks=1 ./fuzz_spec -max_total_time="${FUZZ_SECONDS:-180}" -max_len=65536 \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus
