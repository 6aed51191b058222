#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/testing/bench/run.sh --ktls (runs in the test VM,
# started with --no-module: this script loads and unloads socksec itself).
#
# Bulk TCP over kernel TLS between two namespaces (lib.sh's topology: ssa
# 192.0.2.1 -- veth -- ssb 192.0.2.2, no IPsec): bulk.c -k, TLS 1.3
# AES-128-GCM with a fixed key, TLS_TX on the sender right after connect(),
# TLS_RX on the sink's accepted socket. Three variants:
#   a  socksec not loaded
#   b  socksec loaded (insmod BENCH_KO, defaults: mode=enforce), the
#      sender's socket protected with SOCKSEC_PROTO_KTLS +
#      GUARANTEE_ENCRYPTION (SOCKSEC_SETTINGS before connect())
#   c  socksec loaded, the sender's socket without settings
# socksec pins itself once a socket used it (rmmod: "in use"), so a cannot
# follow b in one boot: BENCH_ROUNDS samples of a come first, then socksec
# is loaded and b and c alternate BENCH_ROUNDS times (b c, c b, ...), so
# that a steady drift of the host's load cancels between them. Reported:
# b/a and c/a as ratios of the medians, b/c as the median of the per-round
# ratios. Every sample checks that the sink decrypted exactly the bytes
# sent (a record that fails to decrypt ends its connection with EBADMSG),
# and b that SOCKSEC_QUERY reports the socket secured and encrypted by
# kernel TLS (mechanism KTLS, TLS 1.3, AES-GCM-128, TX).
#
# Writes to $SOCKSEC_VM_OUT: samples.txt ("ktls VARIANT ROUND MBIT_S BYTES
# STATE"), results.txt, summary.txt (key=value), bench.json.
#
# Environment: BENCH_BULK (the bulk binary, required), BENCH_KO (socksec.ko
# for the running kernel, required), BENCH_XFER_S (seconds per sample,
# default 5), BENCH_ROUNDS (default 8).
set -euo pipefail
# shellcheck source=../ipsec/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ipsec/lib.sh"

BULK=${BENCH_BULK:?BENCH_BULK: path of the bulk program}
KO=${BENCH_KO:?BENCH_KO: path of socksec.ko}
XFER_S=${BENCH_XFER_S:-5}
ROUNDS=${BENCH_ROUNDS:-8}
PORT=5003
SAMPLES=$SS_OUT/samples.txt
SINK_LOG=$SS_STATE/bulk-ktls.log
T0=$(ss_now_ms)
: >"$SAMPLES"

log() { echo "bench: [$(( ($(ss_now_ms) - T0) / 1000 ))s] $*"; }
die() { log "ERROR: $*"; exit 1; }

load() {
	[[ ! -e /sys/module/socksec ]] || return 0
	insmod "$KO" || die "insmod $KO failed"
	[[ $(cat /sys/kernel/socksec/mode) == enforce ]] ||
		die "socksec mode is $(cat /sys/kernel/socksec/mode), not enforce"
}

# xfer VARIANT ROUND
xfer() {
	local v=$1 r=$2 args out bytes mbit state lines rcv
	case "$v" in
	a) [[ ! -e /sys/module/socksec ]] || die "variant a: socksec is loaded"
	   args=(-k) ;;
	b) load; args=(-k -p) ;;
	c) load; args=(-k) ;;
	esac
	lines=$(wc -l <"$SINK_LOG")
	out=$(ns_exec "$SS_NS_A" timeout $((XFER_S + 60)) "$BULK" send "${args[@]}" \
		-t "$XFER_S" "$SS_B4" "$PORT" 2>&1) || die "variant $v: $out"
	bytes=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' <<<"$out")
	mbit=$(sed -n 's/.* mbit_s=\([0-9.]*\) .*/\1/p' <<<"$out")
	state=$(sed -n 's/.* state=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
	[[ -n "$bytes" && -n "$mbit" && -n "$state" ]] || die "variant $v: odd output: $out"
	# The sender returns once the sink closed, after its line is out.
	ss_wait 5 "the sink's line" eval "[[ \$(wc -l <'$SINK_LOG') -gt $lines ]]" ||
		die "variant $v: the sink printed nothing"
	rcv=$(tail -n +"$((lines + 1))" "$SINK_LOG" | head -n 1)
	[[ "$rcv" == "recv bytes=$bytes err=0" ]] ||
		die "variant $v: sent $bytes bytes, the sink says: $rcv"
	if [[ $v == b ]]; then
		# REQUIRED | SECURED | ENCRYPTED, by kernel TLS (3), TLS 1.3
		# (0x0304), AES-GCM-128 (51), transmit.
		(( (state & 0x0d) == 0x0d && (state & 0x20) == 0 )) ||
			die "variant b: socket not reported secured and encrypted: $out"
		grep -q 'mechanism=3 tls_version=0x0304 tls_cipher=51 tls_dirs=0x1' <<<"$out" ||
			die "variant b: the query does not report kernel TLS 1.3 AES-GCM-128 TX: $out"
	fi
	echo "ktls $v $r $mbit $bytes $state" >>"$SAMPLES"
	log "variant $v round $r: $mbit Mbit/s ($bytes bytes, state $state)"
}

log "kernel TLS bulk: rounds=$ROUNDS xfer=${XFER_S}s"
[[ ! -e /sys/module/socksec ]] || die "socksec is loaded: start the VM with --no-module"
deps=$(modinfo -F depends "$KO" | tr , ' ')
# socksec's dependencies and kernel TLS itself stay loaded throughout.
# shellcheck disable=SC2086 # a list of module names
modprobe -a tls $deps || die "modprobe tls $deps failed"
ns_setup
ss_bg "$SS_NS_B" bulk-ktls "$BULK" recv -4 -k "$PORT"
ss_wait 10 "bulk sink listening" grep -q listening "$SINK_LOG"
# A warm-up sample, not counted: the first instantiates the AES-GCM
# template and reads the programs over 9p.
xfer a 0
for ((r = 1; r <= ROUNDS; r++)); do
	xfer a "$r"
done
xfer b 0
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		xfer b "$r"
		xfer c "$r"
	else
		xfer c "$r"
		xfer b "$r"
	fi
done
sed -i '/^ktls [abc] 0 /d' "$SAMPLES"

# stats: reads numbers, prints "median min max n"
stats() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (!NR) { print "- - - 0"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%g %g %g %d\n", m, a[1], a[NR], NR }'
}
tp_stats() { awk -v v="$1" '$1 == "ktls" && $2 == v { print $4 }' "$SAMPLES" | stats; }
# Per-round ratio X/Y, then their median.
ratio_stats() {
	awk -v x="$1" -v y="$2" '$1 == "ktls" { t[$2, $3] = $4; r[$3] = 1 }
		END { for (i in r) if (t[y, i] > 0) printf "%.3f\n", t[x, i] / t[y, i] }' \
		"$SAMPLES" | stats
}
div() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.3f\n", (y > 0 ? x / y : 0) }'; }

res=$SS_OUT/results.txt
sum=$SS_OUT/summary.txt
read -r am amn amx an < <(tp_stats a)
read -r bm bmn bmx bn < <(tp_stats b)
read -r cm cmn cmx cn < <(tp_stats c)
read -r rbc rbcmn rbcmx _ < <(ratio_stats b c)
rba=$(div "$bm" "$am")
rca=$(div "$cm" "$am")
{
	echo "socksec kernel TLS benchmark, $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) vCPUs (QEMU TCG)"
	echo
	echo "Bulk TCP over kernel TLS (TLS 1.3 AES-128-GCM, veth between two"
	echo "namespaces), ${XFER_S} s per sample, $ROUNDS samples each (Mbit/s, median [min-max]);"
	echo "a first, then b and c alternating (socksec cannot be unloaded once used)."
	printf '  %-52s %7s %14s\n' variant median range
	printf '  %-52s %7s %14s\n' "a socksec not loaded" "$am" "[$amn-$amx]"
	printf '  %-52s %7s %14s\n' "b socksec loaded, sender protected (PROTO_KTLS)" "$bm" "[$bmn-$bmx]"
	printf '  %-52s %7s %14s\n' "c socksec loaded, sender without settings" "$cm" "[$cmn-$cmx]"
	echo
	echo "  ratio b/a (medians): $rba"
	echo "  ratio c/a (medians): $rca"
	echo "  ratio b/c, median of rounds: $rbc [$rbcmn-$rbcmx]"
} >"$res"
printf 'ktls_mbit_s.a.median=%s\nktls_mbit_s.a.samples=%s\nktls_mbit_s.b.median=%s\nktls_mbit_s.b.samples=%s\nktls_mbit_s.c.median=%s\nktls_mbit_s.c.samples=%s\n' \
	"$am" "$an" "$bm" "$bn" "$cm" "$cn" >"$sum"
printf 'ktls_ratio.b_over_a=%s\nktls_ratio.c_over_a=%s\nktls_ratio.b_over_c=%s\nktls_ratio.b_over_c.min=%s\nktls_ratio.b_over_c.max=%s\n' \
	"$rba" "$rca" "$rbc" "$rbcmn" "$rbcmx" >>"$sum"
printf 'date=%s\nkernel=%s\nvcpus=%s\nrounds=%s\nxfer_s=%s\n' \
	"$(date -u +%Y-%m-%d)" "$(uname -r)" "$(nproc)" "$ROUNDS" "$XFER_S" >>"$sum"
awk -F= 'BEGIN { printf "{" } {
		v = $2; if (v !~ /^-?[0-9.]+$/) v = "\"" v "\""
		printf "%s\n  \"%s\": %s", (NR > 1 ? "," : ""), $1, v }
	END { print "\n}" }' "$sum" >"$SS_OUT/bench.json"
log "done"
cat "$res"
