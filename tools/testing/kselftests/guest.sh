#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the kernel's kTLS and IPsec selftests with and without socksec
# (runs in the test VM, started with --no-module).
#
# Usage: tools/testing/vm/run.sh --no-module --kernel KVER -- \
#		tools/testing/kselftests/guest.sh [--all] [--shim] KO
#
# Runs each selftest binary of build/kselftests (build.sh) twice:
#   baseline  socksec not loaded (the kernel alone)
#   loaded    after insmod KO (the module built for this kernel), defaults
#   shim      with --shim: under build/tools/socksec-run, which gives every
#             TCP and UDP socket settings: tls with --protocol ktls, ipsec
#             with --protocol ipsec, both --guarantee-encryption; and
#             protect_loopback=1, or tls's loopback traffic would be exempt
# then compares the runs test by test (compare.sh): loaded must equal the
# baseline; shim must differ from it in exactly the tests shim-NAME.expected
# lists, each with its reason. tls leaves out the
# tests tls.exclude lists (KSFT_EXCLUDE), unless --all is given. Writes to
# $SOCKSEC_VM_OUT: NAME.MODE.log (the binary's whole output; not *.tap, so
# that only the comparison is counted), compare.tap (one result per
# binary, with the counts and every difference), times.txt (seconds per
# run). Exit status 0 when every comparison is equal.
#
# ipsec runs its 105 tests in KSELFTESTS_IPSEC_PROCS processes (its own
# argument; default 4): each tunnel test sends 100 UDP pings 50 ms apart
# through its SAs, 5 s asleep, so one process takes 10 to 17 minutes.
#
# Environment: KSELFTESTS, the binaries to run (default "tls ipsec");
# KSELFTESTS_LIMIT, seconds one run of one binary may take (default 1200;
# a run cut short is incomplete, and its comparison fails).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
exclude=$(sed -e 's/#.*//' tools/testing/kselftests/tls.exclude | xargs)
shim=0
while [ $# -gt 1 ]; do
	case "$1" in
	--all) exclude= ;;
	--shim) shim=1 ;;
	*) break ;;
	esac
	shift
done
ko=${1:?usage: guest.sh [--all] [--shim] KO}
bin=build/kselftests
out=${SOCKSEC_VM_OUT:?}
tests=${KSELFTESTS:-tls ipsec}
procs=${KSELFTESTS_IPSEC_PROCS:-4}
: >"$out/times.txt"

die() { echo "kselftests: $*" >&2; exit 1; }

run_all() {
	local mode=$1 t t0 rc
	for t in $tests; do
		t0=$(date +%s)
		limit=${KSELFTESTS_LIMIT:-1200}
		if [ "$t" = tls ] && [ -n "$exclude" ]; then
			export KSFT_EXCLUDE=$exclude
		else
			unset KSFT_EXCLUDE
		fi
		# Line-buffered: a log shows how far a run got.
		args=()
		[ "$t" != ipsec ] || args=("$procs")
		pre=()
		if [ "$mode" = shim ]; then
			pre=(build/tools/socksec-run --guarantee-encryption --protocol)
			if [ "$t" = ipsec ]; then pre+=(ipsec --); else pre+=(ktls --); fi
		fi
		timeout -k 10 "$limit" stdbuf -oL -eL "${pre[@]}" "$bin/$t" "${args[@]}" \
			>"$out/$t.$mode.log" 2>&1 </dev/null
		rc=$?
		echo "$t $mode $(( $(date +%s) - t0 )) rc=$rc" >>"$out/times.txt"
		echo "kselftests: $t ($mode) took $(( $(date +%s) - t0 ))s, exit status $rc"
	done
}

[ ! -e /sys/module/socksec ] || die "socksec is loaded already: start the VM with --no-module"
for t in $tests; do
	[ -x "$bin/$t" ] || die "no $bin/$t (tools/testing/kselftests/build.sh)"
done
if [ $shim -eq 1 ]; then
	[ -x build/tools/socksec-run ] || die "no build/tools/socksec-run (make tools)"
	for t in $tests; do
		[ -f "tools/testing/kselftests/shim-$t.expected" ] ||
			die "no shim-$t.expected: --shim runs only what has one (KSELFTESTS=tls)"
	done
fi
echo "kselftests: $(cat "$bin/source-id") on $(uname -r)"

run_all baseline
[ ! -e /sys/module/socksec ] || die "socksec got loaded during the baseline"
deps=$(modinfo -F depends "$ko" | tr , ' ')
# shellcheck disable=SC2086 # a list of module names
[ -z "$deps" ] || modprobe -a $deps || die "modprobe $deps failed"
insmod "$ko" || die "insmod $ko failed"
echo "kselftests: socksec loaded, srcversion $(modinfo -F srcversion "$ko")"
run_all loaded
if [ $shim -eq 1 ]; then
	cat /proc/net/socksec >"$out/socksec-loaded.txt"
	echo 1 >/sys/kernel/socksec/protect_loopback
	run_all shim
	cat /proc/net/socksec >"$out/socksec-shim.txt"
fi

rc=0
n=0
tap=$(
	echo "TAP version 13"
	echo "1..$(( $(wc -w <<<"$tests") * (1 + shim) ))"
	for t in $tests; do
		n=$((n + 1))
		tools/testing/kselftests/compare.sh "$n" "$t" \
			"$out/$t.baseline.log" "$out/$t.loaded.log" loaded
	done
	[ $shim -eq 0 ] || for t in $tests; do
		n=$((n + 1))
		tools/testing/kselftests/compare.sh "$n" "$t" \
			"$out/$t.baseline.log" "$out/$t.shim.log" shim \
			"tools/testing/kselftests/shim-$t.expected"
	done
)
p=$(grep -c '^ok ' <<<"$tap")
f=$(grep -c '^not ok ' <<<"$tap")
[ "$f" -eq 0 ] || rc=1
{
	echo "$tap"
	echo "# Totals: pass:$p fail:$f xfail:0 xpass:0 skip:0 error:0"
} >"$out/compare.tap"
cat "$out/compare.tap"
exit $rc
