#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the kernel's kTLS and IPsec selftests without socksec, with
# socksec loaded, and with every socket protected by socksec (runs in the
# test VM, started with --no-module).
#
# Usage: tools/testing/vm/run.sh --no-module --kernel KVER -- \
#		tools/testing/kselftests/guest.sh [--all] [--no-shim] KO
#
# Runs each selftest binary of build/kselftests (build.sh) three ways:
#   baseline  socksec not loaded (the kernel alone)
#   loaded    after insmod KO (the module built for this kernel), defaults
#   shim      under build/tools/socksec-run, which gives every TCP and UDP
#             socket the binary creates settings: tls --protocol ktls,
#             ipsec --protocol ipsec, both --guarantee-encryption; tls with
#             net.socksec.protect_loopback=1 in its network namespace, or
#             its loopback traffic would be exempt
# then compares the runs test by test (compare.sh): loaded must equal the
# baseline; shim must differ from it in exactly the tests shim-NAME.expected
# lists, each with its reason. --no-shim leaves the third way out (and
# needs no socksec-run). tls leaves out the tests tls.exclude lists
# (KSFT_EXCLUDE), unless --all is given; --shim is accepted and changes
# nothing (the shim way is the default).
#
# The order keeps ipsec's runs to themselves: its pings wait 300 us for
# each answer, so a busy guest fails them. tls and the shim way of ipsec
# do not depend on timing (the harness allows each tls test 30 s; under
# the shim every ipsec ping is refused at sendto()), so they share the
# guest:
#   0. modprobe the modules of ipsec's algorithms (see below)
#   1. tls baseline
#   2. ipsec baseline
#   3. insmod KO
#   4. ipsec loaded
#   5. tls loaded, tls shim and ipsec shim, at the same time
# Each tls run is split into KSELFTESTS_TLS_SHARDS processes (KSFT_SHARD,
# harness-select.patch; default 2, the guest's CPUs) that run at the same
# time, each in a network namespace of its own (unshare -n, lo up), so
# that no run sees another's sockets or knobs; their outputs are put side
# by side into the run's log. ipsec makes its own namespaces.
#
# Writes to $SOCKSEC_VM_OUT: NAME.MODE.log (the binary's whole output; not
# *.tap, so that only the comparison is counted), tls.MODE.socksec.txt
# (/proc/net/socksec of each tls shard's namespace after a loaded or shim
# run, shard by shard), compare.tap (one result per binary and way, with
# the counts and every difference), times.txt (seconds per run and per
# step). Exit status 0 when every comparison is as required.
#
# ipsec runs its 105 tests in KSELFTESTS_IPSEC_PROCS processes (its own
# argument; default 4): each tunnel test sends two series of 100 UDP
# pings, 50 ms apart.
#
# Environment: KSELFTESTS, the binaries to run (default "tls ipsec");
# KSELFTESTS_LIMIT, seconds one run of one binary may take (default 1200;
# a run cut short is incomplete, and its comparison fails).
# shellcheck disable=SC2317 # run() and loaded_and_shim() are called by step()
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
exclude=$(sed -e 's/#.*//' tools/testing/kselftests/tls.exclude | xargs)
shim=1
while [ $# -gt 1 ]; do
	case "$1" in
	--all) exclude= ;;
	--shim) shim=1 ;;
	--no-shim) shim=0 ;;
	*) break ;;
	esac
	shift
done
ko=${1:?usage: guest.sh [--all] [--no-shim] KO}
bin=build/kselftests
out=${SOCKSEC_VM_OUT:?}
tests=${KSELFTESTS:-tls ipsec}
procs=${KSELFTESTS_IPSEC_PROCS:-4}
shards=${KSELFTESTS_TLS_SHARDS:-2}
limit=${KSELFTESTS_LIMIT:-1200}
: >"$out/times.txt"

die() { echo "kselftests: $*" >&2; exit 1; }
has() { [[ " $tests " == *" $1 "* ]]; }

# In a tls shard's network namespace: lo up, protect_loopback=1 for the
# shim way, the binary, then /proc/net/socksec when the module is loaded.
# shellcheck disable=SC2016 # expanded by the inner shell
netns_run='ip link set lo up || exit 125
if [ "$1" = shim ]; then
	echo 1 >/proc/sys/net/socksec/protect_loopback || exit 125
fi
snap=$2
shift 2
"$@"
rc=$?
[ ! -e /proc/net/socksec ] || cat /proc/net/socksec >"$snap"
exit $rc'

# run NAME MODE: one run of one binary (tls: its shards at once), logged
# to NAME.MODE.log, timed in times.txt.
run() {
	local t=$1 mode=$2 t0 rc i pre=()
	t0=$(date +%s)
	if [ "$mode" = shim ]; then
		pre=(build/tools/socksec-run --guarantee-encryption --protocol)
		if [ "$t" = ipsec ]; then pre+=(ipsec --); else pre+=(ktls --); fi
	fi
	# Line-buffered: a log shows how far a run got.
	if [ "$t" = tls ]; then
		for ((i = 0; i < shards; i++)); do
			KSFT_EXCLUDE=$exclude KSFT_SHARD=$i/$shards \
			timeout -k 10 "$limit" unshare -n sh -c "$netns_run" sh \
				"$mode" "$out/tls.$mode.socksec.$i" \
				stdbuf -oL -eL "${pre[@]}" "$bin/tls" \
				>"$out/tls.$mode.log.$i" 2>&1 </dev/null &
		done
		rc=0
		for ((i = 0; i < shards; i++)); do
			wait -n || rc=$?
		done
		for ((i = 0; i < shards; i++)); do
			echo "# kselftests: shard $i/$shards"
			cat "$out/tls.$mode.log.$i"
		done >"$out/tls.$mode.log"
		for ((i = 0; i < shards; i++)); do
			[ -e "$out/tls.$mode.socksec.$i" ] || continue
			echo "# shard $i/$shards"
			cat "$out/tls.$mode.socksec.$i"
		done >"$out/tls.$mode.socksec.txt"
		rm -f "$out/tls.$mode.log".* "$out/tls.$mode.socksec".[0-9]*
		[ -s "$out/tls.$mode.socksec.txt" ] || rm -f "$out/tls.$mode.socksec.txt"
	else
		timeout -k 10 "$limit" stdbuf -oL -eL "${pre[@]}" "$bin/$t" "$procs" \
			>"$out/$t.$mode.log" 2>&1 </dev/null
		rc=$?
	fi
	echo "$t $mode $(( $(date +%s) - t0 )) rc=$rc" >>"$out/times.txt"
	echo "kselftests: $t ($mode) took $(( $(date +%s) - t0 ))s, exit status $rc"
}

# step NAME CMD...: time one step of the order above.
step() {
	local name=$1 t0
	shift
	t0=$(date +%s)
	"$@"
	echo "step $name $(( $(date +%s) - t0 ))" >>"$out/times.txt"
}

loaded_and_shim() {
	! has tls || run tls loaded &
	if [ "$shim" -eq 1 ]; then
		local t
		for t in $tests; do
			run "$t" shim &
		done
	fi
	wait
}

[ ! -e /sys/module/socksec ] || die "socksec is loaded already: start the VM with --no-module"
for t in $tests; do
	[ "$t" = tls ] || [ "$t" = ipsec ] || die "unknown binary $t"
	[ -x "$bin/$t" ] || die "no $bin/$t (tools/testing/kselftests/build.sh)"
done
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "KSELFTESTS_TLS_SHARDS=$shards: not a count"
if [ "$shim" -eq 1 ]; then
	[ -x build/tools/socksec-run ] || die "no build/tools/socksec-run (make tools)"
	for t in $tests; do
		[ -f "tools/testing/kselftests/shim-$t.expected" ] ||
			die "no shim-$t.expected"
	done
fi
echo "kselftests: $(cat "$bin/source-id") on $(uname -r)"

# The xfrm and crypto modules of ipsec's algorithms (those not built in),
# loaded before the baseline: loaded on demand, the first run alone would
# load them, over 9p, and on a busy host its SA installs timed out
# (ETIMEDOUT) where the loaded run, finding them loaded, did not.
ipsec_modules="xfrm_user ah4 esp4 ipcomp xfrm4_tunnel"
for a in sha1 sha256 sha384 sha512 rmd160 xcbc cmac aes des des3_ede cast5 \
	blowfish serpent camellia twofish ctr rfc3686 ecb authenc; do
	ipsec_modules+=" crypto-$a"
done

t_all=$(date +%s)
if has ipsec; then
	# shellcheck disable=SC2086 # a list of module names
	step modules modprobe -q -a $ipsec_modules
fi
! has tls || step tls-baseline run tls baseline
! has ipsec || step ipsec-baseline run ipsec baseline
[ ! -e /sys/module/socksec ] || die "socksec got loaded during the baseline"
deps=$(modinfo -F depends "$ko" | tr , ' ')
# shellcheck disable=SC2086 # a list of module names
[ -z "$deps" ] || modprobe -a $deps || die "modprobe $deps failed"
insmod "$ko" || die "insmod $ko failed"
echo "kselftests: socksec loaded, srcversion $(modinfo -F srcversion "$ko")"
! has ipsec || step ipsec-loaded run ipsec loaded
step loaded-and-shim loaded_and_shim
echo "step all $(( $(date +%s) - t_all ))" >>"$out/times.txt"

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
	[ "$shim" -eq 0 ] || for t in $tests; do
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
