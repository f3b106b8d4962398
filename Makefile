# oomlab - see README.md.  `make` builds, `make test` sets up and tests.
CC      ?= cc
BUILD   ?= build
PKG_CONFIG ?= pkg-config

# snprintf into fixed buffers is our bounded-copy idiom for untrusted text, so
# -Wformat-truncation (which flags every such call) is off.
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CSTD    := -std=c11 -D_GNU_SOURCE -DFIU_ENABLE=1
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -MMD -MP

HOST_PKGS  := json-c inih libarchive liblzma libzstd zlib
HOST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(HOST_PKGS))
HOST_LIBS   = $(shell $(PKG_CONFIG) --libs $(HOST_PKGS)) -lfiu -ldl -lm
GUEST_LIBS  = $(shell $(PKG_CONFIG) --static --libs json-c) -lm
CHECK_LIBS  = $(shell $(PKG_CONFIG) --libs check)

LIB_SRC    := $(filter-out harness/main.c,$(wildcard harness/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
AGENT_SRC  := $(wildcard workloads/agent*.c) harness/sizeexpr.c harness/oracle.c harness/oracle_badness.c harness/fiuspec.c
WL_SRC     := workloads/oomwl.c $(wildcard workloads/wl_*.c)
TEST_SRC   := $(wildcard harness/tests/*.c)
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps kernel unit smoke smoke-cold test check clean fuzz fuzz-build fuzz-smoke vm-resume bench
all: $(BUILD)/oomlab $(BUILD)/guest/init $(BUILD)/guest/oomwl $(BUILD)/guest/oomwl-fiu

deps:
	@ci/install-deps.sh

$(BUILD)/harness/%.o: harness/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/oomlab: $(LIB_OBJ) $(BUILD)/harness/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

# Guest programs: static, no libfiu, no host-only code.
$(BUILD)/guest/init: $(AGENT_SRC) $(wildcard workloads/*.h) harness/sizeexpr.h harness/oracle.h harness/oracle_int.h harness/fiuspec.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iharness -static -o $@ $(AGENT_SRC) $(GUEST_LIBS)

$(BUILD)/guest/oomwl: $(WL_SRC) $(wildcard workloads/*.h)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iharness -static -o $@ $(WL_SRC)

# The same stressors linked dynamically, for steps under libfiu's POSIX
# preload (the fiu= option): LD_PRELOAD needs a dynamic program.  Only the
# initramfs of such a step gets it, with its loader and libraries
# (harness/guestfs.c).
$(BUILD)/guest/oomwl-fiu: $(WL_SRC) $(wildcard workloads/*.h)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iharness -o $@ $(WL_SRC)

# Unit tests: every harness module plus harness/tests, under ASan and UBSan.
$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) $(HOST_CFLAGS) -Iharness -c -o $@ $<

$(BUILD)/check_oomlab: $(LIB_SRC:%.c=$(BUILD)/san/%.o) $(TEST_SRC:%.c=$(BUILD)/san/%.o)
	$(CC) $(SAN) -o $@ $^ $(HOST_LIBS) $(CHECK_LIBS)

unit: $(BUILD)/check_oomlab
	cd harness/tests && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(abspath $(BUILD))/check_oomlab

# Fuzz targets (libFuzzer, clang, ASan + UBSan) for the parsers of untrusted
# input: kernel-log lines, the record channel, OOM reports, configuration
# files.  Seeds in harness/fuzz/corpus/TARGET (from real runs); what the
# fuzzer adds goes to $(BUILD)/fuzz/corpus/TARGET, crashes to
# $(BUILD)/fuzz/crashes/.  `make fuzz` runs each target FUZZ_TIME seconds,
# one process at a time; `make fuzz-smoke` replays the seeds and fuzzes a
# few seconds each (part of `make test`).
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 600
FUZZ_SMOKE_S ?= 5
FUZZ_TARGETS := klog records incident config
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(CSTD) $(WARN) -Wno-unknown-warning-option -O1 -g $(FUZZ_SAN) $(HOST_CFLAGS) -Iharness
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_RUN      = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Keep the fuzz objects (pattern-rule intermediates), so that make neither
# rebuilds nor deletes them with a long `rm` line at the end.
.SECONDARY:

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/harness/fuzz/fuzz_%.o $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/crashes; \
		echo "fuzz-smoke: $$t ($(FUZZ_SMOKE_S) s)"; \
		$(FUZZ_RUN) $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SMOKE_S) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crashes/$$t- \
			$(BUILD)/fuzz/corpus/$$t harness/fuzz/corpus/$$t 2>$(BUILD)/fuzz/$$t.smoke.log || \
			{ tail -40 $(BUILD)/fuzz/$$t.smoke.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(BUILD)/fuzz/$$t.smoke.log; \
	done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/crashes; \
		echo "fuzz: $$t for $(FUZZ_TIME) s, log in $(BUILD)/fuzz/$$t.log"; \
		$(FUZZ_RUN) $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crashes/$$t- \
			$(BUILD)/fuzz/corpus/$$t harness/fuzz/corpus/$$t 2>$(BUILD)/fuzz/$$t.log || \
			{ tail -60 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		grep -E '^stat::' $(BUILD)/fuzz/$$t.log; \
	done

kernel: all
	$(BUILD)/oomlab fetch
	$(BUILD)/oomlab fetch debian:6.12

# The VM smoke matrix: the scenarios tagged "smoke", on Debian 6.1 and 6.12
# (their behaviour differs, e.g. the __vm_enough_memory line).
smoke: all
	$(BUILD)/oomlab run --out $(BUILD)/smoke-6.1 tag:smoke
	$(BUILD)/oomlab run --kernel debian:6.12 --out $(BUILD)/smoke-6.12 tag:smoke

# What the speed-ups buy (issue #5): cold bzImage boot, PVH boot and snapshot
# restore, each timed to the agent's hello and per scenario, then the default
# matrix in each mode, with its verdicts compared.  Not part of `make test`.
BENCH_N ?= 5
bench: all kernel
	$(BUILD)/oomlab bench --harness --matrix -n $(BENCH_N) --out $(BUILD)/bench-harness

# The 6.1 smoke matrix again with every guest booted cold from the bzImage (no
# snapshot, no PVH): the verdicts must be those of the fast run (oomlab diff
# exits 1 on any changed row).
smoke-cold: all
	$(BUILD)/oomlab run --no-snapshot --no-pvh --out $(BUILD)/smoke-6.1-cold tag:smoke
	$(BUILD)/oomlab diff $(BUILD)/smoke-6.1 $(BUILD)/smoke-6.1-cold

# kill -9 of the controller mid-run, then --resume, and SIGTERM, with real
# guests: no orphan QEMU, valid results, the verdicts of an uninterrupted run.
VM_RESUME_SEL ?= mode0-mmap-over-ram-swap mode1-mmap-over-ram-swap global-oom-hog
vm-resume: all
	OOMLAB=$(BUILD)/oomlab harness/tests/vm-resume.sh $(VM_RESUME_SEL)

# Kernel CI gating and scale-out (README "Gating a kernel"; not part of
# `make test`: real guests, minutes under TCG).
# gate-demo: a baseline run, then the same scenarios with
# --append sysctl.vm.oom_kill_allocating_task=1 and --baseline: global OOM
# rows FAIL, the run and `oomlab diff` exit 1 and name them (/tmp/d-base,
# /tmp/d-gate).
.PHONY: gate-demo validate-reports
gate-demo: all
	OOMLAB=$(BUILD)/oomlab ci/gate-demo.sh /tmp

# junit.xml against the Jenkins JUnit schema (xmllint), results.ktap through
# the kernel's KTAP parser (kunit.py parse), kcidb.json against the KCIDB
# v4.4 rules, for a synthetic run with every verdict and hostile text and for
# the smoke runs there are; the tools are fetched once into
# $(BUILD)/validate (npm pack, apt-get download; ~30 s the first time).
validate-reports: $(BUILD)/oomlab
	OOMLAB=$(BUILD)/oomlab ci/validate-reports.sh $(wildcard $(BUILD)/smoke-6.1 $(BUILD)/smoke-6.12)

test: deps
	$(MAKE) all
	$(MAKE) kernel
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) smoke
	$(MAKE) smoke-cold
	$(MAKE) validate-reports
	$(MAKE) bench-html-check
	$(MAKE) vm-resume

check: test

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# oomlab bench's HTML report from a recorded fixture (real 6.1 and 6.12
# records, no VM), rendered in headless Chromium: its plots must be drawn
# (harness/tests/html-shot.sh fails on a blank page).
.PHONY: bench-html-check
bench-html-check: $(BUILD)/oomlab
	rm -rf $(BUILD)/bench-html-check && mkdir -p $(BUILD)/bench-html-check
	$(BUILD)/oomlab bench --from harness/tests/fixtures/vm/bench --out $(BUILD)/bench-html-check
	grep -q '<circle' $(BUILD)/bench-html-check/report.html
	grep -q '<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="[0-9]' $(BUILD)/bench-html-check/report.html
	harness/tests/html-shot.sh $(BUILD)/bench-html-check/report.html $(BUILD)/bench-html-check/report.png
