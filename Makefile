# SPDX-License-Identifier: GPL-2.0
#
# socksec top-level Makefile.
#
#   make            build socksec.ko (W=1) and the user-space tools
#   make install    install the module (and run depmod) and the tools
#   make demo       the guarantee, shown in a QEMU VM (installs what it needs)
#   make check      every test and check, in QEMU (installs what it needs)
#   make kunit      the KUnit suites only
#   make vmtest T='cmd args'   run one command in the test VM
#
# The module is built against KERNELDIR, by default the running kernel's
# build tree, or, where that is missing (a build host running some other
# kernel), the newest Debian amd64 headers installed.

KVER ?= $(shell tools/testing/kver.sh)
KERNELDIR ?= /lib/modules/$(KVER)/build
SOCKSEC_CACHE ?= /var/cache/socksec
export SOCKSEC_CACHE KVER

all: module tools

module:
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) W=1 modules

tools:
	$(MAKE) -C tools KSRC=$$(tools/testing/ksrc.sh)

install: all
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	$(MAKE) -C tools install

deps:
	tools/testing/deps.sh

check: deps
	tools/testing/check.sh

demo: deps
	tools/testing/demo.sh

kunit: deps
	tools/testing/kunit/run.sh

vmtest: module tools
	tools/testing/vm/run.sh -- $(T)

clean:
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	rm -rf build

.PHONY: all module tools install deps check demo kunit vmtest clean
