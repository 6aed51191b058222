#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - run commands of the VM suite on the debug kernel, then look
# for what they leaked.
#
# Usage (in the test VM, booted on the debug kernel):
#     tools/testing/debug/guest.sh CMD [ARGS...] [--then CMD [ARGS...]]...
#
# kmemleak is scanned and cleared before the first CMD, so what boot left
# behind is not counted; after the last, and after the kernel's deferred
# work has had time to run (RCU callbacks, socksec's collector, timers of
# closed sockets), it is scanned again, twice as kmemleak wants an object
# unreferenced on two scans. Every object it then reports is a failure:
# the reports go to $SOCKSEC_VM_OUT/kmemleak.txt and the first is printed.
# KASAN, lockdep, DEBUG_OBJECTS and WARN reports stop the VM (panic_on_warn)
# and are the harness' to report.
#
# Several commands share one boot and one leak scan: on this kernel a boot
# and three scans take over a minute, as long as most scenarios need on
# Debian's kernels. Each command then writes to a directory of its own,
# $SOCKSEC_VM_OUT/NAME (NAME: its file name without .sh), and finds the
# module as the harness loaded it: before each one after the first, the
# defaults in /sys/kernel/socksec/ are put back as they were at boot and
# the namespaces a command left are deleted (that one counts as failed).
# The commands run one after the other; a failed one does not stop the rest.
#
# The debug kernel is three to ten times slower than Debian's: the commands
# run with SOCKSEC_TIME_SCALE (default 4), by which the scenarios scale the
# timeouts that wait for user space or crypto and their bounds on how long
# something took (sx_ms in ipsec/socksec.sh).
#
# Exit status: 0 if every command succeeded and nothing leaked, else the
# last failed command's status, or 1 if only the leak scan failed.
set -uo pipefail
kml=/sys/kernel/debug/kmemleak
knobs=/sys/kernel/socksec
out=${SOCKSEC_VM_OUT:?}
settle=${SOCKSEC_LEAK_SETTLE:-8}
export SOCKSEC_TIME_SCALE=${SOCKSEC_TIME_SCALE:-4}
rc=0

# The commands: argv[start[i]] and the len[i] words after it.
argv=("$@")
start=() len=() names=()
i=0
while :; do
	j=$i
	while [ $j -lt ${#argv[@]} ] && [ "${argv[$j]}" != --then ]; do
		j=$((j + 1))
	done
	[ $j -gt $i ] || { echo "guest.sh: a command is missing" >&2; exit 2; }
	start+=("$i") len+=($((j - i)))
	names+=("$(basename "${argv[$i]}" .sh)")
	[ $j -lt ${#argv[@]} ] || break
	i=$((j + 1))
done

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ -w $kml ] || { echo "guest.sh: no $kml: not the debug kernel?" >&2; exit 2; }

# The defaults as the harness loaded the module, to put back.
declare -A boot=()
if [ -d $knobs ]; then
	for f in "$knobs"/*; do
		boot[${f##*/}]=$(cat "$f")
	done
fi

restore_knobs() {
	local k
	for k in "${!boot[@]}"; do
		[ "$(cat "$knobs/$k")" = "${boot[$k]}" ] && continue
		echo "${boot[$k]}" >"$knobs/$k" ||
			{ echo "guest.sh: cannot put $k back to ${boot[$k]}" >&2; return 1; }
	done
}

# Namespaces a command left behind: deleted, and the command failed.
reap_netns() {
	local -a left
	mapfile -t left < <(ip netns list | awk '{ print $1 }')
	[ ${#left[@]} -eq 0 ] && return 0
	echo "guest.sh: $1 left namespaces behind: ${left[*]}" >&2
	for ns in "${left[@]}"; do
		ip netns pids "$ns" | xargs -r kill -9
		ip netns delete "$ns"
	done
	return 1
}

# run_one I: the I-th command.
run_one() {
	local name=${names[$1]} r
	local -a cmd=("${argv[@]:${start[$1]}:${len[$1]}}")
	if [ ${#names[@]} -gt 1 ]; then
		mkdir -p "$out/$name"
		echo "# guest.sh: $name"
		SOCKSEC_VM_OUT=$out/$name "${cmd[@]}"
	else
		"${cmd[@]}"
	fi
	r=$?
	reap_netns "$name" || { [ $r -ne 0 ] || r=1; }
	[ $r -eq 0 ] || { rc=$r; echo "# guest.sh: $name failed ($r)"; }
}

echo scan >$kml && echo clear >$kml || exit 2
for i in "${!names[@]}"; do
	if [ "$i" -gt 0 ] && ! restore_knobs; then
		rc=2
		break
	fi
	run_one "$i"
done
sleep "$settle"
echo scan >$kml
sleep 1
echo scan >$kml
cat $kml >"$out/kmemleak.txt"
n=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
echo "# kmemleak: $n unreferenced object(s) after ${names[*]}"
if [ "$n" -gt 0 ]; then
	echo "# kmemleak: the first report:"
	awk '/^unreferenced object/ { n++ } n == 1' "$out/kmemleak.txt" | sed 's/^/#   /'
	[ "$rc" -ne 0 ] || rc=1
fi
exit $rc
