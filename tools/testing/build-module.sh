#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh - build socksec.ko for one kernel in a directory of its own
#
# Usage: tools/testing/build-module.sh KVER [MAKE ARGS...]
#
# Kbuild writes its objects next to the sources, so two kernels built from
# one tree would share module/*.o. This copies the sources the module needs
# (Kbuild, module/, uapi/) into build/kernel/KVER/ and builds there at W=1
# against /lib/modules/KVER/build (or SOCKSEC_KDIR, a kernel build tree such
# as the debug kernel's, tools/testing/debug/kernel.sh); the copy keeps its
# objects, so a second run only rebuilds what changed. Extra arguments go to
# make (KCFLAGS=-Werror, C=2, ...). Prints the module's path on success.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
[ $# -ge 1 ] || { echo "usage: $0 KVER [MAKE ARGS...]" >&2; exit 2; }
kver=$1
shift
kdir=${SOCKSEC_KDIR:-/lib/modules/$kver/build}
[ -d "$kdir" ] || { echo "build-module.sh: no $kdir (make deps)" >&2; exit 1; }
out=$root/build/kernel/$kver
mkdir -p "$out"
# Sources only; --delete drops what the tree no longer has, and leaves the
# objects (excluded from the transfer) alone.
rsync -a --delete --include='*/' --exclude='*.mod.c' --include='*.[ch]' \
	--include=Kbuild --exclude='*' Kbuild module uapi "$out/"
make -C "$kdir" M="$out" W=1 "$@" modules >&2
echo "$out/module/socksec.ko"
