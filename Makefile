# vrsctl — build, test, demo, bench, deps.
#   make            build/vrsctl
#   make test       unit tests, data-driven cases, integration tests; then the same under ASan+UBSan
#   make demo       simulator + apply specs/ + status + log
#   make bench      benchmark tables (not timed tests)
#   make install    PREFIX=/usr/local DESTDIR=: binary, man pages, units, schema, examples, completion
#   make deps       install what is missing (tools/deps.sh); test, demo and bench run it first

PKGS     := yaml-0.1 sqlite3 libcurl libcjson libcrypto libcares libpq
CC       ?= cc
CSTD     := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -pthread
WARN     := -Wall -Wextra -Werror -Wformat=2 -Wwrite-strings -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -Wno-format-truncation
OPT      ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# the libraries' flags, read only when they are there: 'make deps' installs
# them, and 'test', 'demo' and 'bench' run it first, then a fresh make
have_deps := $(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && echo yes)
ifeq ($(have_deps),yes)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA     := $(shell pkg-config --cflags --libs cmocka)
endif

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -Isrc $(PKG_CFLAGS) -DVRS_VERSION='"$(VERSION)"'
# unit tests fill the model's (heap-owned, mutable) strings from literals
CFLAGS_TEST = $(filter-out -Wwrite-strings,$(CFLAGS_ALL))

LIB_SRC  := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_C  := $(sort $(wildcard tests/bench/*.c))

# the tree 'vrsctl init' writes, embedded from examples/ (TARGET=SOURCE)
SCAFFOLD := specs/platform.yaml=examples/init/specs/platform.yaml \
            specs/projects/pizzeria-roma.yaml=examples/init/specs/projects/pizzeria-roma.yaml \
            .gitignore=examples/init/.gitignore \
            .github/workflows/vrsctl.yml=examples/gitops/.github/workflows/vrsctl.yml
GEN_SRC  := build/gen/scaffold_files.c

OBJ      := $(LIB_SRC:%.c=build/obj/%.o) $(GEN_SRC:%.c=build/obj/%.o)
SOBJ     := $(LIB_SRC:%.c=build/asan/%.o) $(GEN_SRC:%.c=build/asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_SAN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
BENCH_BIN:= $(BENCH_C:tests/bench/%.c=build/bench/%)

.PHONY: lint install uninstall all deps check-deps test test-run test-fast unit asan demo demo-run bench bench-run fuzz clean format soak
all: check-deps build/vrsctl

check-deps:
	@pkg-config --exists $(PKGS) cmocka 2>/dev/null || { tools/deps.sh --check; echo "vrsctl: missing libraries; run 'make deps' (as root)" >&2; exit 1; }

# what is missing, checked by what uses it (tools/deps.sh), installed by apt
deps:
	@tools/deps.sh

$(GEN_SRC): tools/embed.sh $(foreach f,$(SCAFFOLD),$(lastword $(subst =, ,$(f)))) Makefile
	@mkdir -p $(dir $@)
	tools/embed.sh $@ $(SCAFFOLD)

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
	$(CC) $(CFLAGS_TEST) -Itests/unit -o $@ $< build/libvrs.a $(CMOCKA) $(PKG_LIBS) -lm

build/asan/tests/%: tests/unit/%.c build/asan/libvrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) $(SAN) -Itests/unit -o $@ $< build/asan/libvrs.a $(CMOCKA) $(PKG_LIBS) -lm

build/bench/%: tests/bench/%.c build/libvrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< build/libvrs.a $(PKG_LIBS) -lm

unit: check-deps $(UNIT_BIN)
asan: check-deps build/asan/vrsctl $(UNIT_SAN)

# test, demo and bench install what is missing first, then build in a fresh
# make that reads the libraries' flags
test demo bench: deps
	@$(MAKE) --no-print-directory $@-run

# the default suite: normal build, then everything again under ASan+UBSan
test-run: check-deps lint build/vrsctl $(UNIT_BIN) build/asan/vrsctl $(UNIT_SAN)
	@tests/run.sh --bin build/vrsctl --unit build/tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh --bin build/asan/vrsctl --unit build/asan/tests --sanitized

# quick loop for development: normal build only
test-fast: check-deps build/vrsctl $(UNIT_BIN)
	@tests/run.sh --bin build/vrsctl --unit build/tests

demo-run: check-deps build/vrsctl
	@tests/demo.sh

bench-run: check-deps build/vrsctl $(BENCH_BIN)
	@tests/bench/run.sh

# the fault soak of watch (tests/soak/soak.py; not in 'make test'): SOAK_MINUTES
# (default 30), SOAK_BIN=build/asan/vrsctl for a sanitized one
SOAK_MINUTES ?= 30
soak: check-deps build/vrsctl
	@SOAK_MINUTES=$(SOAK_MINUTES) /usr/bin/python3 tests/soak/soak.py

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, both man pages,
# the systemd units (ExecStart pointing at the installed binary), the JSON
# Schema and the example spec sets, a bash completion
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/vrsctl
UNITDIR ?= $(PREFIX)/lib/systemd/system
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITS   := vrsctl-watch.service vrsctl-apply.service vrsctl-apply.timer

install: build/vrsctl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 build/vrsctl $(DESTDIR)$(BINDIR)/vrsctl
	install -m 0644 docs/vrsctl.1 $(DESTDIR)$(MANDIR)/man1/vrsctl.1
	install -m 0644 docs/vrsctl-spec.5 $(DESTDIR)$(MANDIR)/man5/vrsctl-spec.5
	for u in $(UNITS); do \
		sed 's|/usr/local/bin/vrsctl|$(BINDIR)/vrsctl|g' docs/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && mv $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 docs/vrsctl-spec.schema.json $(DESTDIR)$(DATADIR)/vrsctl-spec.schema.json
	cd examples && find . -type d -exec install -d -m 0755 $(DESTDIR)$(DATADIR)/examples/{} \; && \
		find . -type f -exec install -m 0644 {} $(DESTDIR)$(DATADIR)/examples/{} \;
	install -m 0644 docs/bash-completion/vrsctl $(DESTDIR)$(COMPDIR)/vrsctl

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vrsctl $(DESTDIR)$(MANDIR)/man1/vrsctl.1 \
		$(DESTDIR)$(MANDIR)/man5/vrsctl-spec.5 $(DESTDIR)$(COMPDIR)/vrsctl
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	rm -rf $(DESTDIR)$(DATADIR)

# every fuzz target for FUZZ_SECONDS each (tests/fuzz/run.sh); their inputs are
# replayed by test_fuzz_regress, which includes the targets' sources
FUZZ_SECONDS ?= 60
fuzz: check-deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh
build/tests/test_fuzz_regress build/asan/tests/test_fuzz_regress: $(wildcard tests/fuzz/fuzz_*.c)

# every C file formatted as .clang-format says, and the limits and layering
# rules of docs/ARCHITECTURE.md (tools/arch-check.sh); make test runs it
lint:
	@clang-format --dry-run -Werror $$(find src tests -name '*.[ch]') && echo "lint: clang-format clean"
	@tools/arch-check.sh

format:
	clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
