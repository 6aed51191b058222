#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh - the debug kernel, ready for the test VM.
#
# Usage: tools/testing/debug/kernel.sh
#
# The debug kernel is the KUnit kernel (tools/testing/kunit/run.sh builds
# and caches it from Debian's linux-source-6.1 with kunit/.kunitconfig and
# tools/testing/debug/kernel.config). This installs it where the VM
# harness keeps Debian's kernels, in the same shape (fetch-kernel.sh):
#
#     ${SOCKSEC_CACHE:-/var/cache/socksec}/kernel-<release>/
#         vmlinuz                  the kernel's bzImage
#         lib/modules/<release>/   modules.builtin, modules.dep: it has no
#                                  modules, everything is built in
#
# so that `tools/testing/vm/run.sh --kernel <release>` boots it, and
# builds socksec.ko against it into build/kernel/<release>/ (W=1, -Werror).
# Prints the release on stdout; a second run reuses both.
set -euo pipefail
cd "$(dirname "$0")/../../.."

cache=$(realpath -m -- "${SOCKSEC_CACHE:-/var/cache/socksec}")
kdir=$(tools/testing/kunit/run.sh --kernel-only | tail -n 1)
[ -f "$kdir/include/config/kernel.release" ] || {
	echo "kernel.sh: no kernel build in '$kdir'" >&2
	exit 1
}
krel=$(cat "$kdir/include/config/kernel.release")
dest=$cache/kernel-$krel
id="kdir=$kdir bzImage=$(sha256sum <"$kdir/arch/x86/boot/bzImage" | cut -c1-16)"

if [ "$(cat "$dest/.complete" 2>/dev/null)" != "$id" ]; then
	exec 9>"$cache/.kernel-$krel.lock"
	flock 9
	rm -rf "$dest"
	tmp=$(mktemp -d "$cache/.debug-kernel.XXXXXX")
	make -s -C "$kdir" ARCH=x86_64 INSTALL_MOD_PATH="$tmp" modules_install >&2
	[ -f "$tmp/lib/modules/$krel/modules.builtin" ] || {
		echo "kernel.sh: modules_install made no modules.builtin" >&2
		exit 1
	}
	cp "$kdir/arch/x86/boot/bzImage" "$tmp/vmlinuz"
	# Booted as a bzImage through the firmware: no PVH entry point.
	touch "$tmp/.no-vmlinux"
	echo "$id" >"$tmp/.complete"
	mv "$tmp" "$dest"
	exec 9>&-
fi
SOCKSEC_KDIR=$kdir tools/testing/build-module.sh "$krel" KCFLAGS=-Werror >/dev/null
echo "$krel"
