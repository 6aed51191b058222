#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check socksec has, in order, each counted.
#   build     module at W=1 with -Werror, tools with -Werror
#   sparse    C=2 over the module
#   checkpatch  the kernel's checkpatch.pl over every C file
#   kunit     KUnit suites on a KUnit kernel in QEMU
#   vm        the C tests and scenario scripts on Debian's kernel in QEMU
# Prints one line "N passed, M failed" at the end; non-zero on any failure.
# Logs: build/check/*.log; VM runs keep console.log and dmesg.log under
# build/vm/NAME/.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
logs=$root/build/check
rm -rf "$logs"
mkdir -p "$logs"
export KVER=${KVER:-$(tools/testing/kver.sh)}
kdir=/lib/modules/$KVER/build
ksrc=$(tools/testing/ksrc.sh) || exit 1
pass=0 fail=0
started=$(date +%s)

note() { printf '%-44s %s\n' "$1" "$2"; }
ok() { pass=$((pass + 1)); note "$1" ok; }
bad() { fail=$((fail + 1)); note "$1" "FAILED (see $2)"; }

# A step whose success is its exit status.
step() {
	local name=$1 log=$logs/$1.log
	shift
	if "$@" >"$log" 2>&1; then ok "$name"; else bad "$name" "$log"; fi
}

# Add the counts of kselftest/TAP "# Totals:" lines in the given files.
add_totals() {
	local name=$1 p f
	shift
	read -r p f < <(cat "$@" 2>/dev/null | awk '
		/^# Totals:/ { for (i = 3; i <= NF; i++) { split($i, kv, ":");
			if (kv[1] == "pass") p += kv[2];
			if (kv[1] == "fail" || kv[1] == "error" || kv[1] == "xpass") f += kv[2]; } n++ }
		END { print p + 0, (n ? f : 1) + 0 }')
	pass=$((pass + p))
	fail=$((fail + f))
	note "$name" "$p passed, $f failed"
}

# One command in the test VM; its TAP files are counted, and the run
# itself (boot, no WARN/oops, exit status) counts once more.
vm() {
	local name=$1 out=$root/build/vm/$1
	shift
	if tools/testing/vm/run.sh -q --name "$name" "$@" >"$logs/vm-$name.log" 2>&1; then
		ok "vm $name"
	else
		bad "vm $name" "$logs/vm-$name.log and $out/"
	fi
	add_totals "  $name tests" "$out"/*.tap
}

no_output() { ! grep -E 'warning|error' "$1"; }

sparse_module() {
	make -C "$kdir" M="$root" C=2 W=1 modules >"$logs/sparse.raw" 2>&1 || return 1
	! grep -E '(warning|error):' "$logs/sparse.raw"
}

checkpatch() {
	local cp="$ksrc/scripts/checkpatch.pl"
	# Trace event definitions follow the tracing macros' own layout.
	perl "$cp" --no-tree --terse --strict --ignore SPDX_LICENSE_TAG \
		-f $(ls module/*.[ch] | grep -v -e '\.mod\.c$' -e 'trace\.h$') \
		uapi/linux/socksec.h kunit/*.[ch] &&
	perl "$cp" --no-tree --terse -f module/trace.h &&
	perl "$cp" --no-tree --terse --strict -f tools/lib/*.c \
		tools/lib/include/*.h tools/lib/examples/*.c tools/socksec/*.c \
		tools/selftests/*.[ch]
}

step build-module make module KCFLAGS=-Werror
step build-tools make tools
step uapi-header-standalone sh -c 'echo "#include <linux/socksec.h>" |
	cc -Iuapi -Wall -Werror -x c -fsyntax-only -'
step sparse sparse_module
step checkpatch checkpatch
rm -f build/kunit/ktap.log
if tools/testing/kunit/run.sh >"$logs/kunit.log" 2>&1; then
	ok "kunit run"
else
	bad "kunit run" "$logs/kunit.log"
fi
add_totals "  kunit tests" build/kunit/ktap.log

# The harness itself: exit statuses, timeouts, WARN/oops detection.
if tools/testing/vm/selftest.sh >"$logs/vm-harness.log" 2>&1; then
	ok "vm harness self-test"
else
	bad "vm harness self-test" "$logs/vm-harness.log"
fi
read -r hp hf < <(sed -n 's/^selftest: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$logs/vm-harness.log")
pass=$((pass + ${hp:-0}))
fail=$((fail + ${hf:-1}))
note "  harness cases" "${hp:-0} passed, ${hf:-1} failed"

vm selftests --timeout 300 -- tools/testing/guest/selftests.sh
vm unload --timeout 120 -- tools/testing/guest/unload.sh module/socksec.ko
for s in tools/testing/ipsec/scenarios/*.sh; do
	[ -e "$s" ] || continue
	vm "$(basename "$s" .sh)" --timeout 600 -- "$s"
done

echo "check took $(( $(date +%s) - started ))s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
