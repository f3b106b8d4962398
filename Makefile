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

HOST_PKGS  := json-c inih libarchive
HOST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(HOST_PKGS))
HOST_LIBS   = $(shell $(PKG_CONFIG) --libs $(HOST_PKGS)) -lfiu -ldl -lm
GUEST_LIBS  = $(shell $(PKG_CONFIG) --static --libs json-c) -lm
CHECK_LIBS  = $(shell $(PKG_CONFIG) --libs check)

LIB_SRC    := $(filter-out harness/main.c,$(wildcard harness/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
AGENT_SRC  := $(wildcard workloads/agent*.c) harness/sizeexpr.c harness/oracle.c
WL_SRC     := workloads/oomwl.c $(wildcard workloads/wl_*.c)
TEST_SRC   := $(wildcard harness/tests/*.c)
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps kernel unit smoke test check clean
all: $(BUILD)/oomlab $(BUILD)/guest/init $(BUILD)/guest/oomwl

deps:
	@ci/install-deps.sh

$(BUILD)/harness/%.o: harness/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/oomlab: $(LIB_OBJ) $(BUILD)/harness/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

# Guest programs: static, no libfiu, no host-only code.
$(BUILD)/guest/init: $(AGENT_SRC) $(wildcard workloads/*.h) harness/sizeexpr.h harness/oracle.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iharness -static -o $@ $(AGENT_SRC) $(GUEST_LIBS)

$(BUILD)/guest/oomwl: $(WL_SRC) $(wildcard workloads/*.h)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iharness -static -o $@ $(WL_SRC)

# Unit tests: every harness module plus harness/tests, under ASan and UBSan.
$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) $(HOST_CFLAGS) -Iharness -c -o $@ $<

$(BUILD)/check_oomlab: $(LIB_SRC:%.c=$(BUILD)/san/%.o) $(TEST_SRC:%.c=$(BUILD)/san/%.o)
	$(CC) $(SAN) -o $@ $^ $(HOST_LIBS) $(CHECK_LIBS)

unit: $(BUILD)/check_oomlab
	cd harness/tests && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(abspath $(BUILD))/check_oomlab

kernel: all
	$(BUILD)/oomlab fetch
	$(BUILD)/oomlab fetch debian:6.12

# The VM smoke matrix: the scenarios tagged "smoke", on Debian 6.1 and 6.12
# (their behaviour differs, e.g. the __vm_enough_memory line).
smoke: all
	$(BUILD)/oomlab run --out $(BUILD)/smoke-6.1 tag:smoke
	$(BUILD)/oomlab run --kernel debian:6.12 --out $(BUILD)/smoke-6.12 tag:smoke

test: deps
	$(MAKE) all
	$(MAKE) kernel
	$(MAKE) unit
	$(MAKE) smoke

check: test

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
