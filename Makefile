# SPDX-License-Identifier: GPL-2.0
#
# socksec top-level Makefile.
#
#   make            build socksec.ko (W=1) and the user-space tools
#   make install    install the module (and run depmod) and the tools
#   make demo       the guarantee, shown in a QEMU VM (installs what it needs)
#   make check      every test and check, in QEMU, on both kernels
#                   (installs what it needs); KVER=... for one kernel
#   make check-debug  the C tests, every scenario and a stress run on the
#                   debug kernel (KASAN, lockdep, kmemleak) only; make
#                   check runs it too, beside the rest
#   make kunit      the KUnit suites only
#   make vmtest T='cmd args'   run one command in the test VM
#   make dkms-install   the module's source into /usr/src/socksec-VERSION,
#                       built and installed by DKMS for KVER (DKMS_KVERS="..."
#                       for several kernels)
#   make dkms-remove    the module out of DKMS and /usr/src again
#
# The module is built against KERNELDIR, by default the running kernel's
# build tree, or, where that is missing (a build host running some other
# kernel), Debian 12's own headers (those linux-headers-amd64 depends on).
# KVER=... picks another installed kernel, e.g. Debian's 6.12 from
# bookworm-backports. make check tests every kernel of `kver.sh --all`
# unless KVER is given.

# Given by the user (command line or environment), not defaulted below.
CHECK_KVER := $(if $(filter command line environment,$(origin KVER)),$(KVER))
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
	$(if $(DESTDIR),,ldconfig)

# --- DKMS ----------------------------------------------------------------

DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRC := /usr/src/socksec-$(DKMS_VERSION)
DKMS_KVERS ?= $(KVER)
DKMS_FILES := dkms.conf Kbuild module/Kbuild uapi/linux/socksec.h \
	$(filter-out %.mod.c,$(wildcard module/*.c)) $(wildcard module/*.h)

# The source DKMS builds from, under $(DESTDIR) (the socksec-dkms package).
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	for f in $(DKMS_FILES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMS_SRC)/$$f || exit 1; \
	done

dkms-install: dkms-src
	dkms status -m socksec -v $(DKMS_VERSION) | grep -q . || \
		dkms add -m socksec -v $(DKMS_VERSION)
	for k in $(DKMS_KVERS); do \
		dkms install --force -m socksec -v $(DKMS_VERSION) -k $$k || exit 1; \
	done

dkms-remove:
	if dkms status -m socksec -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m socksec -v $(DKMS_VERSION) --all; fi
	rm -rf $(DKMS_SRC)

deps:
	tools/testing/deps.sh

check: deps
	tools/testing/check.sh $(CHECK_KVER)

check-debug: deps
	tools/testing/check.sh --debug-only

demo: deps
	tools/testing/demo.sh

kunit: deps
	tools/testing/kunit/run.sh

vmtest: module tools
	tools/testing/vm/run.sh --kernel $(KVER) -- $(T)

clean:
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	rm -rf build

.PHONY: all module tools install deps check check-debug demo kunit vmtest clean \
	dkms-src dkms-install dkms-remove
