#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check socksec has, in order, each counted.
#   build     module at W=1 with -Werror for each kernel, tools with -Werror
#   sparse    C=2 over the module, for each kernel
#   checkpatch  the kernel's checkpatch.pl over every C file
#   kunit     KUnit suites on a KUnit kernel (built from linux-source-6.1)
#   vm        the C tests, the unload test and the scenario scripts in QEMU,
#             on each kernel
#   kselftests  the kernel's own tls and ipsec selftests (built from
#             linux-source-6.1) in QEMU on each kernel, without socksec and
#             with it loaded: one result per binary, the same outcome for
#             every test (Documentation/kselftests.rst)
#
# Usage: tools/testing/check.sh [KVER...]
# The kernels are Debian's builds whose headers are installed; by default
# every kernel of `tools/testing/kver.sh --all`: Debian 12's own and Debian's
# 6.12 from bookworm-backports (`make check KVER=...` picks one). The first
# one also boots the harness' self-test.
#
# Prints one line "N passed, M failed" at the end; non-zero on any failure.
# Logs: build/check/*.log (build/check/KVER/*.log for each kernel); VM runs
# keep console.log and dmesg.log under build/vm/KVER/NAME/. The module is
# built for each kernel in build/kernel/KVER/ (build-module.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
logs=$root/build/check
rm -rf "$logs"
mkdir -p "$logs"
pass=0 fail=0
started=$(date +%s)

note() { printf '%-44s %s\n' "$1" "$2"; }
ok() { pass=$((pass + 1)); note "$1" ok; }
bad() { fail=$((fail + 1)); note "$1" "FAILED (see $2)"; }

if [ $# -gt 0 ]; then
	kvers=("$@")
elif list=$(tools/testing/kver.sh --all 2>"$logs/kver.log"); then
	mapfile -t kvers <<<"$list"
else
	bad "kernels to test" "$logs/kver.log"
	mapfile -t kvers < <(tools/testing/kver.sh)
fi
[ ${#kvers[@]} -gt 0 ] || { echo "check.sh: no kernel to test" >&2; exit 1; }
export KVER=${kvers[0]}
ksrc=$(tools/testing/ksrc.sh) || exit 1
echo "kernels: ${kvers[*]}"

# A step whose success is its exit status; the log is $logs/LOG.log.
step() {
	local name=$1 log=$logs/$2.log
	shift 2
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

# One command in the test VM on kernel $kver with its module; its TAP
# files are counted, and the run itself (boot, no WARN/oops, exit status)
# counts once more.
vm() {
	local name=$1 out=$root/build/vm/$kver/$1 log=$logs/$kver/vm-$1.log
	shift
	if tools/testing/vm/run.sh -q --kernel "$kver" --module "$ko" \
		--name "$name" "$@" >"$log" 2>&1; then
		ok "  vm $name"
	else
		bad "  vm $name" "$log and $out/"
	fi
	add_totals "    $name tests" "$out"/*.tap
}

# The module for one kernel, at W=1 -Werror, in build/kernel/KVER/.
build_module() {
	tools/testing/build-module.sh "$1" KCFLAGS=-Werror
}

# Sparse over every file of the module (C=2 checks even what is built).
sparse_module() {
	tools/testing/build-module.sh "$1" C=2 KCFLAGS=-Werror \
		>"$logs/$1/sparse.raw" 2>&1 || return 1
	! grep -E '(warning|error):' "$logs/$1/sparse.raw"
}

checkpatch() {
	local cp="$ksrc/scripts/checkpatch.pl"
	# Trace event definitions follow the tracing macros' own layout;
	# compat.h is where kernel versions are compared, on purpose.
	perl "$cp" --no-tree --terse --strict --ignore SPDX_LICENSE_TAG \
		-f $(ls module/*.[ch] | grep -v -e '\.mod\.c$' -e 'trace\.h$' -e 'compat\.h$') \
		uapi/linux/socksec.h kunit/*.[ch] &&
	perl "$cp" --no-tree --terse --strict \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h &&
	perl "$cp" --no-tree --terse -f module/trace.h &&
	perl "$cp" --no-tree --terse --strict -f tools/lib/*.c \
		tools/lib/include/*.h tools/lib/examples/*.c tools/socksec/*.c \
		tools/selftests/*.[ch]
}

for kver in "${kvers[@]}"; do
	mkdir -p "$logs/$kver"
	step "build-module $kver" "$kver/build-module" build_module "$kver"
	step "sparse $kver" "$kver/sparse" sparse_module "$kver"
done
step build-tools build-tools make tools
step build-kselftests build-kselftests tools/testing/kselftests/build.sh
step uapi-header-standalone uapi-header-standalone sh -c \
	'echo "#include <linux/socksec.h>" | cc -Iuapi -Wall -Werror -x c -fsyntax-only -'
step checkpatch checkpatch checkpatch
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

# The VM suite, on each kernel with the module built for it.
times=()
for kver in "${kvers[@]}"; do
	echo "kernel $kver:"
	t0=$(date +%s)
	ko=$root/build/kernel/$kver/module/socksec.ko
	vm selftests --timeout 300 -- tools/testing/guest/selftests.sh
	vm unload --timeout 120 -- tools/testing/guest/unload.sh "$ko"
	for s in tools/testing/ipsec/scenarios/*.sh; do
		[ -e "$s" ] || continue
		vm "$(basename "$s" .sh)" --timeout 600 -- "$s"
	done
	# Starts without the module: the baseline runs first, then insmod.
	vm kselftests --no-module --timeout 2700 -- \
		tools/testing/kselftests/guest.sh "$ko"
	times+=("$kver $(( $(date +%s) - t0 ))s")
done

for t in "${times[@]}"; do
	echo "vm suite on ${t% *} took ${t##* }"
done
echo "check took $(( $(date +%s) - started ))s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
