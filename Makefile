# SPDX-License-Identifier: GPL-2.0
#
# XTCP: build, test and demo.  See README.
#
#   make            build xtcp.ko, the selftests and the preload library
#   make check      run the whole suite in a VM on Debian's 6.1 kernel
#   make check KERNEL=debug [FAILSLAB=1] [TESTS="xtcp_bind ..."]
#                   the same on the debug kernel (KASAN, lockdep, kmemleak)
#   make check-detectors   prove the debug pass catches a leak, a lock
#                   inversion and an out-of-bounds read
#   make demo       boot, insmod, show XTCP at work
#   make bench      XTCP against stock TCP, in one VM run (scripts/bench)
#   make bench-loss XTCP against stock TCP cubic, 1 % loss and 20 ms delay
#   make deps       install the Debian packages the project needs
#   make style      checkpatch.pl --strict over the module and headers
#   make sparse     rebuild the module under sparse (C=2) and W=1
#   make clean

TOP := $(CURDIR)

# Which kernel to build for and test on: stock (Debian's 6.1, the
# default) or debug (scripts/debug-kernel: built once, then cached).
KERNEL ?= stock
# Test programs for make check (selftests/run_all.sh names); empty: all.
TESTS ?=
# make check KERNEL=debug FAILSLAB=1: inject allocation failures.
FAILSLAB ?=

# The newest installed Debian 6.1 headers tree.
# Recursive on purpose: it is expanded after deps-check has run.
STOCK_KDIR = $(shell ls -d /lib/modules/6.1.0-*-amd64/build 2>/dev/null | sort -V | tail -n 1)

ifeq ($(KERNEL),stock)
KDIR ?= $(STOCK_KDIR)
# Built in place: net/xtcp/xtcp.ko.
MODDIR := $(TOP)
else ifeq ($(KERNEL),debug)
# Expanded after the debug-kernel prerequisite has built it (when needed).
KDIR ?= $(shell $(TOP)/scripts/debug-kernel --dir)
# 6.1 has no MO= for external modules: build in a tree of symlinks to the
# sources, build/debug/net/xtcp/xtcp.ko, with the test-only knobs.
MODDIR := $(TOP)/build/debug
XTCP_DEBUG ?= 1
else
$(error KERNEL must be stock or debug, not '$(KERNEL)')
endif
ifneq ($(FAILSLAB),)
ifneq ($(KERNEL),debug)
$(error FAILSLAB needs KERNEL=debug (the stock kernel has no failslab))
endif
endif

# XTCP_DEBUG=1 builds net/xtcp/xtcp_debug.c (test-only knobs) into xtcp.ko.
XTCP_DEBUG_FLAG = $(if $(filter 1 y yes,$(XTCP_DEBUG)),CONFIG_XTCP_DEBUG=y)

# Recursive, so that KDIR is expanded when a recipe runs.
KBUILD = $(MAKE) -C $(KDIR) M=$(MODDIR) W=1 $(XTCP_DEBUG_FLAG)
KO = $(MODDIR)/net/xtcp/xtcp.ko

.PHONY: all module selftests preload check check-detectors demo bench deps \
	deps-check debug-kernel style sparse clean bench-loss

all: module selftests preload

# The LD_PRELOAD library of scripts/xtcp_run.
PRELOAD = build/libxtcp_preload.so
preload: $(PRELOAD)
$(PRELOAD): scripts/xtcp_preload.c
	@mkdir -p build
	$(CC) -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl -pthread

# Install what is missing; cheap when nothing is.
deps:
	@scripts/deps

deps-check:
	@scripts/deps --check 2>/dev/null || scripts/deps

# Build the debug kernel unless it is cached (~15 min on 2 cores).
debug-kernel: deps-check
	@scripts/debug-kernel >/dev/null

module: deps-check $(if $(filter debug,$(KERNEL)),debug-kernel)
	@test -n "$(KDIR)" || { echo "no 6.1 headers tree found; set KDIR=" >&2; exit 1; }
ifneq ($(MODDIR),$(TOP))
	@# Mirror the sources as symlinks (new files appear, removed ones go).
	@mkdir -p $(MODDIR)
	@find $(MODDIR) -xtype l -delete
	@cd $(TOP) && for f in Kbuild $$(find include net -type f \
			\( -name '*.[ch]' -o -name Kbuild \) ! -name '*.mod.c'); do \
		mkdir -p "$$(dirname "$(MODDIR)/$$f")"; \
		[ "$$(readlink "$(MODDIR)/$$f")" = "$(TOP)/$$f" ] || \
			ln -sfn "$(TOP)/$$f" "$(MODDIR)/$$f"; \
	done
endif
	$(KBUILD) modules

selftests: deps-check
	$(MAKE) -C selftests

check: module selftests preload
ifeq ($(KERNEL),stock)
	scripts/check $(TESTS)
else
	KDIR=$(KDIR) XTCP_KO=$(KO) scripts/check --kernel debug \
		$(if $(FAILSLAB),--failslab=$(FAILSLAB)) $(TESTS)
endif

# Always on the debug kernel, with the test-only knobs.
check-detectors: selftests
	$(MAKE) module KERNEL=debug
	scripts/check-detectors

demo: module selftests preload
	scripts/demo

# XTCP against stock TCP in one VM run: results/bench-DATE/table.md
bench: module selftests preload
	scripts/bench

# One VM boot, interleaved rounds; the table goes to build/bench-loss.md.
bench-loss: module selftests
	scripts/bench-loss

style: deps-check
	scripts/style

sparse: deps-check
	$(KBUILD) clean
	$(KBUILD) C=2 modules 2>&1 | tee .sparse.log
	@! grep -E "warning|error" .sparse.log

clean:
	-$(MAKE) -C $(STOCK_KDIR) M=$(TOP) clean
	$(MAKE) -C selftests clean
	rm -rf .sparse.log build/debug build/kmemleak.log $(PRELOAD)
