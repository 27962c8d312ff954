# SPDX-License-Identifier: GPL-2.0
#
# XTCP: build, test and demo.  See README.
#
#   make            build xtcp.ko and the selftests
#   make check      run the whole suite in a VM on Debian's 6.1 kernel
#   make demo       boot, insmod, show XTCP at work
#   make deps       install the Debian packages the project needs
#   make style      checkpatch.pl --strict over the module and headers
#   make sparse     rebuild the module under sparse (C=2) and W=1
#   make clean

TOP := $(CURDIR)

# The newest installed Debian 6.1 headers tree, unless KDIR= says.
# Recursive on purpose: it is expanded after deps-check has run.
KDIR ?= $(shell ls -d /lib/modules/6.1.0-*-amd64/build 2>/dev/null | sort -V | tail -n 1)

KBUILD := $(MAKE) -C $(KDIR) M=$(TOP) W=1

.PHONY: all module selftests check demo deps deps-check style sparse clean

all: module selftests

# Install what is missing; cheap when nothing is.
deps:
	@scripts/deps

deps-check:
	@scripts/deps --check 2>/dev/null || scripts/deps

module: deps-check
	@test -n "$(KDIR)" || { echo "no 6.1 headers tree found; set KDIR=" >&2; exit 1; }
	$(KBUILD) modules

selftests: deps-check
	$(MAKE) -C selftests

check: module selftests
	scripts/check

demo: module selftests
	scripts/demo

style: deps-check
	scripts/style

sparse: deps-check
	$(KBUILD) clean
	$(KBUILD) C=2 modules 2>&1 | tee .sparse.log
	@! grep -E "warning|error" .sparse.log

clean:
	-$(KBUILD) clean
	$(MAKE) -C selftests clean
	rm -f .sparse.log
