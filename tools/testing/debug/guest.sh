#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - run one command of the VM suite on the debug kernel, then look
# for what it leaked.
#
# Usage (in the test VM, booted on the debug kernel):
#     tools/testing/debug/guest.sh CMD [ARGS...]
#
# kmemleak is scanned and cleared before CMD, so what boot left behind is
# not counted; after CMD, and after the kernel's deferred work has had
# time to run (RCU callbacks, socksec's collector, timers of closed
# sockets), it is scanned again, twice as kmemleak wants an object
# unreferenced on two scans. Every object it then reports is a failure:
# the reports go to $SOCKSEC_VM_OUT/kmemleak.txt and the first is printed.
# KASAN, lockdep, DEBUG_OBJECTS and WARN reports stop the VM (panic_on_warn)
# and are the harness' to report.
#
# The debug kernel is three to ten times slower than Debian's: CMD runs
# with SOCKSEC_TIME_SCALE (default 4), by which the scenarios scale the
# timeouts that wait for user space or crypto and their bounds on how long
# something took (sx_ms in ipsec/socksec.sh).
#
# Exit status: CMD's, or 1 if it succeeded but something leaked.
set -uo pipefail
kml=/sys/kernel/debug/kmemleak
out=${SOCKSEC_VM_OUT:?}
settle=${SOCKSEC_LEAK_SETTLE:-8}
export SOCKSEC_TIME_SCALE=${SOCKSEC_TIME_SCALE:-4}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ -w $kml ] || { echo "guest.sh: no $kml: not the debug kernel?" >&2; exit 2; }
echo scan >$kml && echo clear >$kml || exit 2

"$@"
rc=$?

sleep "$settle"
echo scan >$kml
sleep 1
echo scan >$kml
cat $kml >"$out/kmemleak.txt"
n=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
echo "# kmemleak: $n unreferenced object(s) after ${*##*/}"
if [ "$n" -gt 0 ]; then
	echo "# kmemleak: the first report:"
	awk '/^unreferenced object/ { n++ } n == 1' "$out/kmemleak.txt" | sed 's/^/#   /'
	[ "$rc" -ne 0 ] || rc=1
fi
exit $rc
