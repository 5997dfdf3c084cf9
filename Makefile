# vrsctl — build, test, demo, bench, deps.
#   make            build/vrsctl
#   make test       unit tests, data-driven cases, integration tests; then the same under ASan+UBSan
#   make demo       simulator + apply specs/ + status + log
#   make bench      benchmark tables (not timed tests)
#   make deps       install the Debian packages this needs

PKGS     := yaml-0.1 sqlite3 libcurl libcjson libcrypto
DEBS     := libyaml-dev libsqlite3-dev libcurl4-openssl-dev libcjson-dev libssl-dev \
            libcmocka-dev pkg-config clang libclang-rt-14-dev python3 python3-yaml \
            python3-jsonschema man-db groff-base sqlite3 nodejs npm ca-certificates
CC       ?= cc
CSTD     := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -Wno-format-truncation
OPT      ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

pkg_ok = $(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && echo yes)
have_deps := $(pkg_ok)
# a fresh machine: install the Debian packages first (make deps), then go on
ifneq ($(have_deps),yes)
ifeq ($(filter deps clean format,$(MAKECMDGOALS)),)
$(info deps: libraries missing, running 'make deps')
_deps_out := $(shell $(MAKE) --no-print-directory deps >&2; echo $$?)
have_deps := $(pkg_ok)
endif
endif
ifeq ($(have_deps),yes)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA     := $(shell pkg-config --cflags --libs cmocka)
endif

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -Isrc $(PKG_CFLAGS) -DVRS_VERSION='"$(VERSION)"'

LIB_SRC  := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_C  := $(sort $(wildcard tests/bench/*.c))

OBJ      := $(LIB_SRC:%.c=build/obj/%.o)
SOBJ     := $(LIB_SRC:%.c=build/asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_SAN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
BENCH_BIN:= $(BENCH_C:tests/bench/%.c=build/bench/%)

.PHONY: all deps check-deps test test-fast unit asan demo bench fuzz clean format soak
all: check-deps build/vrsctl

check-deps:
	@pkg-config --exists $(PKGS) cmocka 2>/dev/null || { echo "vrsctl: missing libraries; run 'make deps' as root" >&2; exit 1; }

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else \
		echo "deps: missing$$missing; run as root:"; \
		echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	fi

# the library objects go into an archive, so a test links only what it uses
build/libvrs.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/libvrs.a: $(SOBJ)
	@rm -f $@
	ar rcs $@ $^

build/vrsctl: build/obj/src/main.o build/libvrs.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

build/asan/vrsctl: build/asan/src/main.o build/asan/libvrs.a
	$(CC) $(CFLAGS_ALL) $(SAN) -o $@ $^ $(PKG_LIBS) -lm

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -MMD -MP -c -o $@ $<

build/tests/%: tests/unit/%.c build/libvrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< build/libvrs.a $(CMOCKA) $(PKG_LIBS) -lm

build/asan/tests/%: tests/unit/%.c build/asan/libvrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -Itests/unit -o $@ $< build/asan/libvrs.a $(CMOCKA) $(PKG_LIBS) -lm

build/bench/%: tests/bench/%.c build/libvrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< build/libvrs.a $(PKG_LIBS) -lm

unit: check-deps $(UNIT_BIN)
asan: check-deps build/asan/vrsctl $(UNIT_SAN)

# the default suite: normal build, then everything again under ASan+UBSan
test: check-deps build/vrsctl $(UNIT_BIN) build/asan/vrsctl $(UNIT_SAN)
	@tests/run.sh --bin build/vrsctl --unit build/tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh --bin build/asan/vrsctl --unit build/asan/tests --sanitized

# quick loop for development: normal build only
test-fast: check-deps build/vrsctl $(UNIT_BIN)
	@tests/run.sh --bin build/vrsctl --unit build/tests

demo: check-deps build/vrsctl
	@tests/demo.sh

bench: check-deps build/vrsctl $(BENCH_BIN)
	@tests/bench/run.sh

soak: check-deps build/vrsctl
	@VRS_SOAK=1 tests/run.sh --bin build/vrsctl --unit build/tests --only integration

fuzz: check-deps
	@tests/fuzz/run.sh

format:
	clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
