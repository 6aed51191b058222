#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side: run socksec's C tests (socksec.ko already loaded by the
# harness) and leave their TAP in $SOCKSEC_VM_OUT/*.tap for the host.
set -uo pipefail
bin=${SOCKSEC_TOOLS:-build/tools}/selftests
out=${SOCKSEC_VM_OUT:?}
rc=0
# sysfs first: once a socket is protected, ipsec_mark is fixed (EBUSY).
for t in sysfs_test netns_test proc_test sockopt_test guarantee_test ktls_test fuzz_test; do
	echo "=== $t"
	"$bin/$t" 2>&1 | tee "$out/$t.tap"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done
exit $rc
