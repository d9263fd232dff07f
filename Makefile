# SPDX-License-Identifier: GPL-2.0-or-later
#
# gpugate: a fully static, musl-linked binary built from src/*/*.c and linked
# against libpci and libkmod, which src/deps/fetch-build.sh builds from
# Debian's source packages into build/deps/ (kept across `make clean`).
#
#   make            build build/gpugate (fetches and builds the deps once)
#   make deps       only fetch and build libpci.a / libkmod.a
#   make clean      remove objects and the binary, keep the deps cache
#   make distclean  remove build/ entirely
#
# Variables can be overridden: make CC=... CFLAGS=... EXTRA_CFLAGS=...
# BUILD=... VERSION=... V=1 (show full commands)

# CC defaults to musl-gcc (make's built-in default "cc" is replaced);
# `make CC=...` or CC in the environment wins.
ifeq ($(origin CC),default)
CC      := musl-gcc
endif

BUILD   ?= build
DEPS    := $(BUILD)/deps
OBJDIR  := $(BUILD)/obj
BIN     := $(BUILD)/gpugate
STAMP   := $(DEPS)/.stamp
DEPS_SCRIPT := src/deps/fetch-build.sh
DEPS_INPUTS := $(DEPS_SCRIPT) src/deps/kmod-config.h

# VERSION: from `git describe` when the repo has a tag (v1.2.3 -> 1.2.3),
# else 0.1.0. Evaluated once.
ifeq ($(origin VERSION),undefined)
VERSION := $(patsubst v%,%,$(shell git describe --tags --dirty 2>/dev/null))
ifeq ($(VERSION),)
VERSION := 0.1.0
endif
endif

# Library versions come from the source packages actually built. Before the
# first deps build the file does not exist yet; make builds it (rule below)
# and restarts, so objects never compile with the "unknown" fallback.
# Cleaning goals must not trigger a deps build and `deps` needs no versions,
# so they skip the include; so do the goals that install packages first and
# then run `$(MAKE) all` (on a fresh machine the deps build would otherwise
# run, and fail for want of musl-gcc, before anything is installed).
NO_VERSIONS_GOALS := clean distclean deps test bench qemu-test demo
ifneq ($(filter-out $(NO_VERSIONS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(DEPS)/versions.mk
endif
LIBPCI_VERSION  ?= unknown
LIBKMOD_VERSION ?= unknown
LIBMD_VERSION   ?= unknown

CSTD     ?= -std=gnu11
OPTFLAGS ?= -Os
WARNFLAGS ?= -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS   ?= $(CSTD) $(OPTFLAGS) $(WARNFLAGS) -ffunction-sections -fdata-sections
EXTRA_CFLAGS ?=
CPPFLAGS ?=
LDFLAGS  ?= -static -Wl,--gc-sections -s
# libkmod opens /proc/cmdline and /sys/module/... by absolute path: every
# open() goes through sysroot.c's __wrap_open, which puts them under --root
# (and keeps a FIFO in a --root tree from blocking libpci). open64 is what
# glibc's headers make of open() with _FILE_OFFSET_BITS=64 (the sanitizer
# build). Not part of LDFLAGS, which the sanitizer build overrides.
WRAP_LDFLAGS := -Wl,--wrap=open -Wl,--wrap=open64
DEPLIBS  := $(addprefix $(DEPS)/lib/,libpci.a libkmod.a libmd.a liblzma.a libzstd.a libz.a)
LDLIBS   ?=
# Reproducible objects (docs/build.md): the paths the compiler may record
# (the working directory, in debug info) are relative to the repo, and
# __DATE__/__TIME__ are errors (with -Werror).
REPRO_CFLAGS := -ffile-prefix-map=$(CURDIR)=. -Wdate-time

# src/ has one folder per layer (docs/design.md); every folder is on the
# include path, so an include names a header, not where it lives.
LAYERS   := lib parse core source model check fix output cmd
LAYER_INC := $(addprefix -Isrc/,$(LAYERS))

ALL_CPPFLAGS := -I$(DEPS)/include $(LAYER_INC) \
	-DGPUGATE_VERSION=\"$(VERSION)\" \
	-DLIBPCI_VERSION=\"$(LIBPCI_VERSION)\" \
	-DLIBKMOD_VERSION=\"$(LIBKMOD_VERSION)\" \
	-DLIBMD_VERSION=\"$(LIBMD_VERSION)\" \
	$(CPPFLAGS)

SRCS := $(sort $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
OBJS := $(patsubst src/%.c,$(OBJDIR)/%.o,$(SRCS))
MAIN_OBJ := $(OBJDIR)/cmd/main.o

Q := $(if $(V),,@)

.PHONY: all deps clean distclean check unit test fault install
.DEFAULT_GOAL := all

all: $(BIN)

# --- dependencies: libpci.a, libkmod.a, headers, versions.mk -------------
deps: $(STAMP)

$(STAMP): $(DEPS_INPUTS)
	$(Q)CC="$(CC)" BUILD="$(abspath $(BUILD))" bash $(DEPS_SCRIPT)
	$(Q)touch $@

# Written by the same script. The libraries are order-only, so that they
# (always older than the stamp) do not count as out of date on every run;
# when the script does rebuild them their new mtimes relink gpugate.
# versions.mk is touched after a deps build: make only restarts with the new
# versions when an included makefile was remade, and an order-only rule
# whose target exists never is (the objects would get the old versions).
$(DEPLIBS): | $(STAMP)
	@test -f $@ || { echo "$@ missing after $(DEPS_SCRIPT)" >&2; exit 1; }
$(DEPS)/versions.mk: $(STAMP)
	@test -f $@ || { echo "$@ missing after $(DEPS_SCRIPT)" >&2; exit 1; }
	@touch $@

# --- gpugate ---------------------------------------------------------------
$(OBJDIR)/%.o: src/%.c $(STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(REPRO_CFLAGS) $(ALL_CPPFLAGS) -MMD -MP -c $< -o $@

$(BIN): $(OBJS) $(DEPLIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $(OBJS) $(DEPLIBS) $(LDLIBS)

# The same program with fault injection compiled in (src/fault.h), for the
# tests that make reads and writes fail. Never installed.
FAULT_OBJDIR := $(BUILD)/fault-obj
FAULT_OBJS := $(patsubst src/%.c,$(FAULT_OBJDIR)/%.o,$(SRCS))
FAULT_BIN := $(BUILD)/gpugate-fault

$(FAULT_OBJDIR)/%.o: src/%.c $(STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(REPRO_CFLAGS) $(ALL_CPPFLAGS) -DGPUGATE_FAULT -MMD -MP -c $< -o $@

$(FAULT_BIN): $(FAULT_OBJS) $(DEPLIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $(FAULT_OBJS) $(DEPLIBS) $(LDLIBS)

fault: $(FAULT_BIN)

# The ids of the check table, one a line, read through its accessor
# check_id() (tests/lib/check-ids.c): the suites' list of checks. Linked
# with every object but main.o.
CHECK_IDS := $(BUILD)/check-ids
$(CHECK_IDS): tests/lib/check-ids.c $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(ALL_CPPFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ \
		$< $(filter %.o,$^) $(DEPLIBS) $(LDLIBS)

-include $(FAULT_OBJS:.o=.d)

-include $(OBJS:.o=.d)

# --- tests -----------------------------------------------------------------
# Unit tests (cmocka) for the pure parsers, built natively with the system
# compiler: they link only the parser sources, not libpci or libkmod.
HOSTCC     ?= gcc
UNIT_DIR   := $(BUILD)/unit
UNIT_TESTS := cmdline policy caps kparam acsx tpm2 bootreport measlog tpmevent guardstate platform
UNIT_BINS  := $(addprefix $(UNIT_DIR)/test_,$(UNIT_TESTS))
UNIT_FLAGS := $(CSTD) -g -O1 $(WARNFLAGS) $(LAYER_INC) -I$(DEPS)/include
# Libraries a parser needs beyond libc, for its unit test and fuzz target:
# measlog.c hashes with libmd's SHA-256. The deps' libmd.a is a musl build,
# but its sha2.o calls nothing (nm -u), so it links into these glibc and
# clang programs as it is.
PARSE_LIBS_measlog := $(DEPS)/lib/libmd.a
# tpmevent.c folds with measlog.c's measlog_fold.
PARSE_LIBS_tpmevent := src/parse/measlog.c $(DEPS)/lib/libmd.a
# guardstate.c reads and writes guardev.c's kind and outcome names.
PARSE_LIBS_guardstate := src/parse/guardev.c
# policy.c takes [platform] forbid_taint's flags and lockdown levels from platform.c,
# [acs] require_enhanced's control names from acsx.c; both name bits with flags.c.
PARSE_LIBS_policy := src/parse/platform.c src/parse/acsx.c src/parse/flags.c
PARSE_LIBS_acsx := src/parse/flags.c
# platform.c names the DMAR flags with flags.c.
PARSE_LIBS_platform := src/parse/flags.c

$(UNIT_DIR)/test_%: tests/unit/test_%.c src/parse/%.c src/parse/%.h $(STAMP)
	@mkdir -p $(UNIT_DIR)
	$(Q)$(HOSTCC) $(UNIT_FLAGS) $(UNIT_EXTRA) -o $@ $< src/parse/$*.c $(PARSE_LIBS_$*) -lcmocka

# cmdline.c against Python ports of the kernel's and libkmod's readers.
$(UNIT_DIR)/cmdline_dump: tests/cmdline/cmdline_dump.c src/parse/cmdline.c src/parse/cmdline.h
	@mkdir -p $(UNIT_DIR)
	$(Q)$(HOSTCC) $(UNIT_FLAGS) -o $@ $< src/parse/cmdline.c

# modload.c's user-space module decompression, linked as gpugate is.
$(UNIT_DIR)/modload_decompress: tests/modload/modload_decompress.c $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS)
	@mkdir -p $(UNIT_DIR)
	$(Q)$(CC) $(CFLAGS) $(ALL_CPPFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $< \
		$(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS) $(LDLIBS)

# The checks on models built by hand (tests/unit/checks/, fixture.h): the
# check table with every check behind it needs libpci, libkmod and libmd,
# which exist here only as musl builds, while cmocka is a glibc library. So
# it links as build/check-ids does (every object but main.o, $(CC) and the
# deps), with the small assertion harness of runner.c instead of cmocka.
# all-ids.py runs it and demands tests of every check id.
CHECKS_UNIT := $(UNIT_DIR)/checks
CHECKS_UNIT_SRCS := $(sort $(wildcard tests/unit/checks/*.c))
$(CHECKS_UNIT): $(CHECKS_UNIT_SRCS) tests/unit/checks/fixture.h $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS)
	@mkdir -p $(UNIT_DIR)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(ALL_CPPFLAGS) -Itests/unit/checks $(LDFLAGS) $(WRAP_LDFLAGS) \
		-o $@ $(CHECKS_UNIT_SRCS) $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS) $(LDLIBS)

# tpm2.c's builders and parsers on the command line, for tests/tpm/.
$(UNIT_DIR)/tpm2_wire: tests/tpm/tpm2_wire.c tests/tpm/hex.h src/parse/tpm2.c src/parse/tpm2.h src/lib/why.h
	@mkdir -p $(UNIT_DIR)
	$(Q)$(HOSTCC) $(UNIT_FLAGS) -o $@ $< src/parse/tpm2.c

# tpmdev.c and measfile.c on the command line, linked as gpugate is, for
# tests/tpm/test-tpmdev.py (a swtpm unix socket and fake TPMs in --root trees).
$(UNIT_DIR)/tpmdev_run: tests/tpm/tpmdev_run.c tests/tpm/hex.h $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS)
	@mkdir -p $(UNIT_DIR)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(ALL_CPPFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $< \
		$(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS) $(LDLIBS)

# guard_metrics_record() on the command line, linked as gpugate is, for
# tests/prom/test-guard-metrics.py (state and textfile in --root trees).
$(UNIT_DIR)/guard_record: tests/guard/guard_record.c $(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS)
	@mkdir -p $(UNIT_DIR)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(ALL_CPPFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $< \
		$(filter-out $(MAIN_OBJ),$(OBJS)) $(DEPLIBS) $(LDLIBS)

# tpm2.c against Debian's swtpm (tests/install-deps.sh installs it).
.PHONY: tpm-swtpm
tpm-swtpm: $(UNIT_DIR)/tpm2_wire
	$(Q)python3 tests/tpm/test-swtpm.py $(UNIT_DIR)/tpm2_wire

unit: $(UNIT_BINS) $(UNIT_DIR)/cmdline_dump $(UNIT_DIR)/modload_decompress $(CHECKS_UNIT) $(CHECK_IDS)
	$(Q)set -e; for t in $(UNIT_BINS); do $$t; done
	$(Q)python3 tests/unit/checks/all-ids.py $(CHECKS_UNIT) $(CHECK_IDS)
	$(Q)python3 tests/cmdline/differential.py $(UNIT_DIR)/cmdline_dump
	$(Q)python3 tests/modload/test-decompress.py $(UNIT_DIR)/modload_decompress

# Acceptance tests: the real binary against generated sysfs trees.
check: all $(FAULT_BIN) $(CHECK_IDS) $(UNIT_DIR)/tpm2_wire $(UNIT_DIR)/tpmdev_run
	$(Q)python3 tests/lint/layers.py
	$(Q)python3 tests/tpm/test-swtpm.py $(UNIT_DIR)/tpm2_wire
	$(Q)python3 tests/tpm/test-tpmdev.py $(UNIT_DIR)/tpmdev_run
	$(Q)python3 tests/tpm/test-gate-tpm.py
	$(Q)python3 tests/tpm/test-seal.py $(BIN) tests/tpm/policy-b8dd513.conf
	$(Q)python3 tests/run-trees.py
	$(Q)python3 tests/run-enforce.py
	$(Q)python3 tests/run-lspci-dump.py
	$(Q)python3 tests/run-hostile.py
	$(Q)python3 tests/run-real-bootconfig.py
	$(Q)python3 tests/run-baseline.py
	$(Q)python3 tests/guard/test-guard-event.py
	$(Q)bash tests/hook/test-hooks.sh
	$(Q)python3 tests/guard/test-guard-daemon.py

# The guard of a refactoring: the binary of git revision COMPARE_REV and
# the current one print the same bytes and leave the same trees on every
# tree scenario and lspci dump (tests/compare-reports.py).
.PHONY: compare
COMPARE_REV ?= e41f00e
compare: all
	$(Q)python3 tests/compare-reports.py --rev $(COMPARE_REV)

# Packaging and operations: man pages render and match the code, the
# systemd units verify and behave, the Prometheus output (and the guard's
# textfile, through guard_record) is valid exposition format, `show
# --format dot` renders with Graphviz and docs/img/show-dot.* are current,
# the Debian package builds and installs (in a throwaway root).
.PHONY: check-pkg
check-pkg: all $(CHECK_IDS) $(UNIT_DIR)/guard_record
	$(Q)python3 tests/man/test-man.py
	$(Q)python3 tests/prom/test-prometheus.py
	$(Q)python3 tests/prom/test-guard-metrics.py $(UNIT_DIR)/guard_record
	$(Q)python3 tests/systemd/test-systemd.py
	$(Q)python3 tests/show/test-dot.py
	$(Q)bash tests/test-deb.sh

# Reproducible build (docs/build.md): two copies of the tree in different
# folders build everything, the deps from build/src-pkgs included, and must
# give the same bytes as each other and as build/gpugate.
.PHONY: check-repro
check-repro: all
	$(Q)VERSION="$(VERSION)" bash tests/test-repro.sh

# Everything CI runs: system packages (installed when missing), build, tests.
test:
	$(Q)bash tests/install-deps.sh
	$(Q)$(MAKE) all
	$(Q)$(MAKE) unit
	$(Q)$(MAKE) check
	$(Q)$(MAKE) check-pkg
	$(Q)$(MAKE) check-repro
	$(Q)$(MAKE) fuzz
	$(Q)$(MAKE) sanitize
	$(Q)$(MAKE) qemu-test

# --- install ----------------------------------------------------------------
PREFIX  ?= /usr
SYSCONFDIR ?= /etc
DESTDIR ?=
DRACUT_MOD := $(DESTDIR)$(PREFIX)/lib/dracut/modules.d/90gpugate
ITOOLS  := $(DESTDIR)$(PREFIX)/share/initramfs-tools
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
PKGLIBDIR ?= $(PREFIX)/lib/gpugate
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
# The units and the textfile helper name /usr paths; rewritten for PREFIX.
PATH_SED := sed -e 's,/usr/sbin/gpugate,$(PREFIX)/sbin/gpugate,g' \
	-e 's,/usr/lib/gpugate/,$(PKGLIBDIR)/,g'

install: all
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/gpugate
	install -D -m 0755 dracut-module/90gpugate/module-setup.sh $(DRACUT_MOD)/module-setup.sh
	sed -i 's|^GPUGATE_BINARY=$${GPUGATE_BINARY:-/usr/sbin/gpugate}|GPUGATE_BINARY=$${GPUGATE_BINARY:-$(PREFIX)/sbin/gpugate}|' \
		$(DRACUT_MOD)/module-setup.sh
	install -D -m 0755 hook/gpugate-pre-udev.sh $(DRACUT_MOD)/gpugate-pre-udev.sh
	install -D -m 0755 hook/gpugate-pre-pivot.sh $(DRACUT_MOD)/gpugate-pre-pivot.sh
	install -D -m 0644 hook/gpugate-lib.sh $(DRACUT_MOD)/gpugate-lib.sh
	install -D -m 0755 hook/initramfs-tools/hooks/gpugate $(ITOOLS)/hooks/gpugate
	sed -i 's|^GPUGATE_BINARY=$${GPUGATE_BINARY:-/usr/sbin/gpugate}|GPUGATE_BINARY=$${GPUGATE_BINARY:-$(PREFIX)/sbin/gpugate}|' \
		$(ITOOLS)/hooks/gpugate
	install -D -m 0755 hook/initramfs-tools/scripts/init-top/gpugate $(ITOOLS)/scripts/init-top/gpugate
	install -D -m 0755 hook/initramfs-tools/scripts/init-bottom/gpugate $(ITOOLS)/scripts/init-bottom/gpugate
	install -D -m 0644 hook/gpugate-lib.sh $(ITOOLS)/scripts/gpugate-lib.sh
	install -D -m 0644 config/policy.conf $(DESTDIR)$(SYSCONFDIR)/gpugate/policy.conf
	install -D -m 0644 config/90-gpugate.conf $(DESTDIR)$(SYSCONFDIR)/dracut.conf.d/90-gpugate.conf
	install -D -m 0644 docs/man/gpugate.8 $(DESTDIR)$(MANDIR)/man8/gpugate.8
	install -D -m 0644 docs/man/gpugate.conf.5 $(DESTDIR)$(MANDIR)/man5/gpugate.conf.5
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PKGLIBDIR)
	$(PATH_SED) config/gpugate-textfile >$(DESTDIR)$(PKGLIBDIR)/gpugate-textfile
	chmod 0755 $(DESTDIR)$(PKGLIBDIR)/gpugate-textfile
	set -e; for u in gpugate-check.service gpugate-check.timer gpugate-guard.service; do \
		$(PATH_SED) config/$$u >$(DESTDIR)$(UNITDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -d $(DESTDIR)$(UDEVRULESDIR)
	$(PATH_SED) config/69-gpugate.rules >$(DESTDIR)$(UDEVRULESDIR)/69-gpugate.rules
	chmod 0644 $(DESTDIR)$(UDEVRULESDIR)/69-gpugate.rules

# --- cleaning --------------------------------------------------------------
clean:
	rm -rf $(OBJDIR) $(BIN) $(FAULT_OBJDIR) $(FAULT_BIN) $(UNIT_DIR) $(CHECK_IDS)

distclean:
	rm -rf $(BUILD)

# --- benchmarks (docs/benchmarks.md) ---------------------------------------
# Not a test: timings, memory and sizes, written to build/bench/. BENCH_QEMU=0
# skips the initramfs size and boot-time part (which needs the QEMU lab).
.PHONY: bench
BENCH_QEMU ?= 1
bench:
	$(Q)bash tests/install-deps.sh
	$(Q)if [ "$(BENCH_QEMU)" != 0 ]; then bash qemu/install-deps.sh; fi
	$(Q)$(MAKE) all
	$(Q)BENCH_QEMU=$(BENCH_QEMU) python3 tests/bench/bench.py

# The current binary against git revision VERSUS (speed, RSS, size as
# ratios in one run): the measurement a refactoring owes (docs/benchmarks.md).
.PHONY: bench-versus
VERSUS ?= 979cd29
bench-versus: all
	$(Q)python3 tests/bench/bench.py --versus $(VERSUS) --runs 11 --sizes 1000,5000

# --- QEMU lab (qemu/README.md) ---------------------------------------------
# Boot the Debian 6.1 kernel under QEMU/TCG with an emulated IOMMU and a
# dracut or initramfs-tools initramfs holding gpugate; check that the
# initramfs-tools hook refuses to build an image without a working gate.
# Both targets install what they need.
# QEMU_KERNELS=6.12 (or 6.1) boots one kernel's lab only.
QEMU_KERNELS ?= 6.1 6.12
.PHONY: qemu-test demo
qemu-test:
	$(Q)bash tests/install-deps.sh
	$(Q)bash qemu/install-deps.sh
	$(Q)$(MAKE) all
	$(Q)bash qemu/run-kernels.sh $(QEMU_KERNELS)
	$(Q)bash qemu/itools-hook-test.sh

demo:
	$(Q)bash tests/install-deps.sh
	$(Q)bash qemu/install-deps.sh
	$(Q)$(MAKE) all
	$(Q)bash qemu/demo.sh

# Build a 6.1 kernel with CONFIG_BOOT_CONFIG (Debian's have none) and boot it
# with bootconfig keys: which ones the kernel applies (qemu/README.md,
# docs/kernel-facts.md). Not part of `make test`: the kernel build takes
# minutes. The trees it captured are tested by `make check`.
.PHONY: bootconfig-lab
bootconfig-lab:
	$(Q)bash tests/install-deps.sh
	$(Q)bash qemu/install-deps.sh bootconfig
	$(Q)$(MAKE) all
	$(Q)bash qemu/bootconfig-kernel.sh all

# --- hostile input: fuzzing and sanitizers (docs/robustness.md) ------------
# libFuzzer targets for the parsers of untrusted input (tests/fuzz/), built
# with clang + ASan + UBSan from the pure sources only. `make fuzz` replays
# tests/fuzz/regressions/ and fuzzes each target FUZZ_SECONDS; any crash,
# leak or sanitizer report fails it. `make sanitize` builds the whole
# program and its libraries with ASan + UBSan (tests/fuzz/build-asan.sh ->
# build/gpugate-asan) and runs the acceptance suites with it (the lspci
# dump and hook suites through san-run.sh, which fails on any sanitizer
# report), plus every command on every tree (san-sweep.py) and devices
# that vanish mid-run (vanish.py).
.PHONY: fuzz sanitize
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := caps policy cmdline baseline dump tpm2 measlog guardstate platform
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
FUZZ_FLAGS   := $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra $(LAYER_INC) -I$(DEPS)/include

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c src/parse/%.c src/parse/%.h $(wildcard tests/fuzz/*.h) $(STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< src/parse/$*.c $(PARSE_LIBS_$*)

# baseline (blfile.c needs baseline.c and rom.c) and dump (libpci's dump
# method, pcidev.c, dump.c, model.c) need more of the program: they link
# every source but main.c, with the libraries that tests/fuzz/build-asan.sh
# builds with clang + ASan + UBSan (built here when missing).
FUZZ_ASAN_DEPS := $(BUILD)/asan/deps
FUZZ_ASAN_LIBS := $(addprefix $(FUZZ_ASAN_DEPS)/lib/,libpci.a libkmod.a libmd.a liblzma.a libzstd.a libz.a)
FUZZ_PROG_SRCS := $(filter-out src/cmd/main.c,$(SRCS))

$(FUZZ_ASAN_DEPS)/lib/libpci.a:
	$(Q)BUILD=$(abspath $(BUILD)) bash tests/fuzz/build-asan.sh

$(BUILD)/fuzz/fuzz_baseline $(BUILD)/fuzz/fuzz_dump: $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c \
		$(FUZZ_PROG_SRCS) $(wildcard src/*/*.h tests/fuzz/*.h) $(FUZZ_ASAN_DEPS)/lib/libpci.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) -I$(FUZZ_ASAN_DEPS)/include $(FUZZ_FLAGS) $(WRAP_LDFLAGS) -o $@ $< \
		$(FUZZ_PROG_SRCS) $(FUZZ_ASAN_LIBS)

fuzz: $(FUZZ_BINS)
	$(Q)BUILD=$(abspath $(BUILD)) bash tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

SAN_ENV := GPUGATE=$(abspath $(BUILD))/gpugate-asan \
	GPUGATE_FAULT=$(abspath $(BUILD))/gpugate-fault-asan \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

sanitize: deps $(CHECK_IDS)
	$(Q)BUILD=$(abspath $(BUILD)) bash tests/fuzz/build-asan.sh
	$(Q)$(SAN_ENV) python3 tests/run-trees.py
	$(Q)set -e; for t in tests/run-enforce.py tests/run-baseline.py; do \
		if [ -f $$t ]; then $(SAN_ENV) python3 $$t; fi; done
	$(Q)$(SAN_ENV) python3 tests/run-hostile.py --cases 80
	$(Q)$(SAN_ENV) python3 tests/fuzz/san-sweep.py
	$(Q)$(SAN_ENV) python3 tests/fuzz/vanish.py
	$(Q)$(SAN_ENV) bash tests/fuzz/san-run.sh python3 tests/run-lspci-dump.py
	$(Q)$(SAN_ENV) bash tests/fuzz/san-run.sh bash tests/hook/test-hooks.sh
	$(Q)$(SAN_ENV) python3 tests/guard/test-guard-event.py
	$(Q)$(SAN_ENV) python3 tests/guard/test-guard-daemon.py
