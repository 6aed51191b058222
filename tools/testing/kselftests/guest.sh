#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the kernel's kTLS and IPsec selftests with and without socksec
# (runs in the test VM, started with --no-module).
#
# Usage: tools/testing/vm/run.sh --no-module --kernel KVER -- \
#		tools/testing/kselftests/guest.sh [--all] KO
#
# Runs each selftest binary of build/kselftests (build.sh) twice:
#   baseline  socksec not loaded (the kernel alone)
#   loaded    after insmod KO (the module built for this kernel), defaults
# then compares the runs test by test (compare.sh). tls leaves out the
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
cd "$(dirname "$0")/../../.."
exclude=$(sed -e 's/#.*//' tools/testing/kselftests/tls.exclude | xargs)
if [ "${1:-}" = --all ]; then
	exclude=
	shift
fi
ko=${1:?usage: guest.sh [--all] KO}
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
		timeout -k 10 "$limit" stdbuf -oL -eL "$bin/$t" "${args[@]}" \
			>"$out/$t.$mode.log" 2>&1 </dev/null
		rc=$?
		echo "$t $mode $(( $(date +%s) - t0 )) rc=$rc" >>"$out/times.txt"
		echo "kselftests: $t ($mode) took $(( $(date +%s) - t0 ))s, exit status $rc"
	done
}

[ ! -e /sys/module/socksec ] || die "socksec is loaded already: start the VM with --no-module"
[ -x "$bin/tls" ] && [ -x "$bin/ipsec" ] || die "no $bin/tls or $bin/ipsec (build.sh)"
echo "kselftests: $(cat "$bin/source-id") on $(uname -r)"

run_all baseline
[ ! -e /sys/module/socksec ] || die "socksec got loaded during the baseline"
deps=$(modinfo -F depends "$ko" | tr , ' ')
[ -z "$deps" ] || modprobe -a $deps || die "modprobe $deps failed"
insmod "$ko" || die "insmod $ko failed"
run_all loaded

rc=0
n=0
{
	echo "TAP version 13"
	echo "1..$(wc -w <<<"$tests")"
	for t in $tests; do
		n=$((n + 1))
		tools/testing/kselftests/compare.sh "$n" "$t" \
			"$out/$t.baseline.log" "$out/$t.loaded.log" loaded || rc=1
	done
} >"$out/compare.tap"
awk '/^ok /{ p++ } /^not ok /{ f++ }
	END { printf "# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", p, f }' \
	"$out/compare.tap" >>"$out/compare.tap"
cat "$out/compare.tap"
exit $rc
