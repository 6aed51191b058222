#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/testing/bench/run.sh (runs in the test VM with
# socksec.ko loaded). Two measurements, on the lib.sh topology (ssa
# 192.0.2.1 -- veth -- ssb 192.0.2.2, one charon per namespace):
#
# 1. First-connect latency: connect() time of a TCP connection to a peer
#    with which no IKE or IPsec SA exists, so the time includes the whole
#    IKEv2 negotiation. Before every run the IKE SA is terminated
#    (swanctl --terminate, which deletes it on both peers) and both
#    namespaces' xfrm states are flushed; each run's charon log must show
#    exactly one new IKE_SA initiated. Setups:
#      socksec     on-demand mode (ipsec_reqid, ipsec_mark), client and
#                  server sockets protected (IPSEC + GUARANTEE_ENCRYPTION),
#                  charon with swanctl/ondemand.conf (trap, policies = no)
#      trap-ld1    strongSwan's global trap policies (swanctl/spd.conf:
#                  policies = yes, start_action = trap, no mark), plain
#                  sockets, socksec mode=off, net.core.xfrm_larval_drop=1
#      trap-ld0    the same with net.core.xfrm_larval_drop=0
#    The setups run in blocks (charon configuration changes between them)
#    that alternate BENCH_BLOCKS times; trap-ld1 and trap-ld0 alternate
#    run by run. A warm-up run per setup in the first block (the first SA
#    instantiates the crypto templates) is not counted.
# 2. Throughput: a bulk TCP stream (bulk.c) over the same ESP SA
#    (swanctl/spd.conf, aes256gcm16), BENCH_XFER_S seconds per sample, in
#    rounds A B C, BENCH_ROUNDS times:
#      A  socksec mode=enforce, both sockets protected (every packet judged)
#      B  socksec mode=off, plain sockets (the same ESP stream, unenforced)
#      C  socksec mode=enforce, plain sockets (what bystanders pay)
#    Every sample checks that the SA's byte counter grew by at least the
#    bytes sent (the stream really went through ESP), and A that the
#    socket reports itself encrypted.
#
# Writes to $SOCKSEC_VM_OUT: samples.txt (one line per sample),
# results.txt (the table), summary.txt (key=value), bench.json.
#
# Environment: BENCH_BULK (the bulk binary, required), BENCH_RUNS (counted
# runs per latency setup, default 11), BENCH_BLOCKS (default 2),
# BENCH_XFER_S (default 5), BENCH_ROUNDS (default 6).
set -euo pipefail
# shellcheck source=../ipsec/socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ipsec/socksec.sh"

BULK=${BENCH_BULK:?BENCH_BULK: path of the bulk program}
RUNS=${BENCH_RUNS:-11}
BLOCKS=${BENCH_BLOCKS:-2}
XFER_S=${BENCH_XFER_S:-5}
ROUNDS=${BENCH_ROUNDS:-6}
PORT_PROT=7000
PORT_PLAIN=7001
BULK_PROT=5001
BULK_PLAIN=5002
SAMPLES=$SS_OUT/samples.txt
T0=$(ss_now_ms)
: >"$SAMPLES"

log() { echo "bench: [$(( ($(ss_now_ms) - T0) / 1000 ))s] $*"; }
die() { log "ERROR: $*"; exit 1; }

# --- helpers -------------------------------------------------------------

# The charon configuration running (set by charons()) and its IPv4
# connection's name.
VARIANT=""
conn_name() {
	case "$VARIANT" in
	spd) echo socksec4 ;;
	*) echo socksec ;;
	esac
}

# Lines of NS's charon log matching PATTERN.
charon_count() {
	grep -c -- "$2" "$(charon_log "$1")" || true
}

# Forget every SA: terminate the IKE SA (its DELETE removes it on the peer
# too), then flush what the kernel still holds (larval states included).
fresh_peer() {
	local ns
	ss_swanctl "$SS_NS_A" --terminate --ike "$(conn_name)" --timeout 10 >/dev/null 2>&1 || true
	for ns in "$SS_NS_A" "$SS_NS_B"; do
		ip -n "$ns" xfrm state flush
	done
	ss_wait 10 "no SA left" eval \
		"[[ -z \$(ip -n $SS_NS_A xfrm state) && -z \$(ip -n $SS_NS_B xfrm state) ]]"
}

# Milliseconds from the first ACQUIRE to the first CHILD_SA established in
# the ssa charon log lines after line $1.
ike_ms() {
	tail -n +"$(( $1 + 1 ))" "$(charon_log "$SS_NS_A")" | awk '
		function ms(t, a) { split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
		!acq && /received a XFRM_MSG_ACQUIRE/ { acq = ms($1) }
		acq && !est && /CHILD_SA .* established/ { est = ms($1) }
		END { if (acq && est) printf "%d\n", est - acq; else print "-1" }'
}

# lat_run SETUP COUNTED: one first connection; appends a sample line.
lat_run() {
	local setup=$1 counted=$2 args port out ms ike before lines rc=0
	case "$setup" in
	socksec) args=(-p ipsec -f encrypt) port=$PORT_PROT ;;
	*) args=() port=$PORT_PLAIN ;;
	esac
	local tq
	tq=$(ss_now_ms)
	fresh_peer
	[[ -z "${BENCH_DEBUG:-}" ]] || log "  fresh_peer took $(( $(ss_now_ms) - tq )) ms"
	before=$(charon_count "$SS_NS_A" 'initiating IKE_SA')
	lines=$(wc -l <"$(charon_log "$SS_NS_A")")
	out=$(ns_exec "$SS_NS_A" timeout 20 stdbuf -oL "$SX_CLI" connect -4 "${args[@]}" -m bench "$SS_B4" "$port" 2>&1) || rc=$?
	ms=$(sed -n 's/^connected in \([0-9]*\) ms$/\1/p' <<<"$out")
	[[ $rc -eq 0 && -n "$ms" ]] || die "$setup: connect failed: $out"
	if [[ "$setup" == socksec ]] && ! grep -q 'state=required,secured,encrypted ' <<<"$out"; then
		die "$setup: the socket is not reported encrypted: $out"
	fi
	# The negotiation is logged a moment after the SA is in the kernel.
	ss_wait 5 "IKE_SA logged" eval \
		"[[ \$(charon_count $SS_NS_A 'initiating IKE_SA') -gt $before ]]" ||
		die "$setup: no IKE_SA was initiated: the peer was not fresh"
	[[ $(charon_count "$SS_NS_A" 'initiating IKE_SA') -eq $((before + 1)) ]] ||
		die "$setup: more than one IKE_SA initiated in one run"
	[[ -z "${BENCH_DEBUG:-}" ]] || log "  connect+log wait took $(( $(ss_now_ms) - tq )) ms"
	ike=$(ike_ms "$lines")
	[[ $ike -ge 0 ]] || die "$setup: no ACQUIRE / CHILD_SA in the charon log"
	echo "latency $setup $counted $ms $ike $((ms - ike))" >>"$SAMPLES"
	log "$setup: connect ${ms} ms (IKE ${ike} ms)$([[ $counted == 1 ]] || echo ' [warm-up, not counted]')"
}

# net.core.xfrm_larval_drop of both namespaces (one process each: starting
# processes is slow under TCG).
set_larval_drop() {
	local ns f=/proc/sys/net/core/xfrm_larval_drop
	for ns in "$SS_NS_A" "$SS_NS_B"; do
		[[ $(ns_exec "$ns" sh -c "echo $1 >$f && cat $f") == "$1" ]] ||
			die "xfrm_larval_drop did not stick in $ns"
	done
}

charons() {
	charon_stop "$SS_NS_A"
	charon_stop "$SS_NS_B"
	VARIANT=$1
	charon_start "$SS_NS_A" "$1"
	charon_start "$SS_NS_B" "$1"
}

# block_socksec N WARMUP: N counted runs, after a warm-up run if WARMUP=1.
block_socksec() {
	local n=$1 warm=$2 i
	log "block: socksec on demand ($n runs)"
	sx_knob ipsec_reqid 0
	sx_knob mode enforce
	charons ondemand
	sx_ondemand 15000
	[[ $warm -eq 0 ]] || lat_run socksec 0
	for ((i = 0; i < n; i++)); do
		lat_run socksec 1
	done
}

block_trap() {
	local n=$1 warm=$2 i
	log "block: strongSwan trap policies, larval_drop 1 and 0 ($n runs each)"
	sx_knob ipsec_reqid 0
	sx_knob mode off
	charons spd
	if [[ $warm -eq 1 ]]; then
		set_larval_drop 1
		lat_run trap-ld1 0
		set_larval_drop 0
		lat_run trap-ld0 0
	fi
	for ((i = 0; i < n; i++)); do
		set_larval_drop 1
		lat_run trap-ld1 1
		set_larval_drop 0
		lat_run trap-ld0 1
	done
}

# Bytes the ssa -> ssb ESP SAs have carried (ip -s xfrm state).
esp_out_bytes() {
	ip -s -n "$SS_NS_A" xfrm state | awk -v s="$SS_A4" -v d="$SS_B4" '
		/^src / { cur = ($2 == s && $4 == d) }
		cur && $1 ~ /^[0-9]+\(bytes\)/ { n += $1 + 0 }
		END { print n + 0 }'
}

# xfer VARIANT ROUND
xfer() {
	local v=$1 r=$2 args port out before after bytes mbit state
	case "$v" in
	A) sx_knob mode enforce; args=(-p) port=$BULK_PROT ;;
	B) sx_knob mode off; args=() port=$BULK_PLAIN ;;
	C) sx_knob mode enforce; args=() port=$BULK_PLAIN ;;
	esac
	before=$(esp_out_bytes)
	out=$(ns_exec "$SS_NS_A" timeout $((XFER_S + 60)) "$BULK" send "${args[@]}" -t "$XFER_S" "$SS_B4" "$port" 2>&1) ||
		die "throughput $v: $out"
	after=$(esp_out_bytes)
	bytes=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' <<<"$out")
	mbit=$(sed -n 's/.* mbit_s=\([0-9.]*\) .*/\1/p' <<<"$out")
	state=$(sed -n 's/.* state=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
	[[ -n "$bytes" && -n "$mbit" ]] || die "throughput $v: odd output: $out"
	(( after - before >= bytes )) ||
		die "throughput $v: ESP carried $((after - before)) bytes of $bytes: not over the SA"
	if [[ $v == A ]] && (( (state & 0x0c) != 0x0c )); then
		die "throughput A: socket not reported encrypted (state $state)"
	fi
	echo "throughput $v $r $mbit $bytes $((after - before)) $state" >>"$SAMPLES"
	log "throughput $v round $r: $mbit Mbit/s ($bytes bytes, ESP +$((after - before)))"
}

# --- run -------------------------------------------------------------------

log "runs=$RUNS blocks=$BLOCKS xfer=${XFER_S}s rounds=$ROUNDS"
ns_setup
ss_preload_crypto
# socksec marks a socket when it is given settings, with the ipsec_mark of
# that moment: the protected listeners must come after on-demand mode is on.
sx_ondemand 15000
sx_server "$SS_NS_B" lat-prot -4 -p ipsec -f encrypt -n 0 "$PORT_PROT"
sx_server "$SS_NS_B" lat-plain -4 -n 0 "$PORT_PLAIN"
ss_bg "$SS_NS_B" bulk-prot "$BULK" recv -4 -p "$BULK_PROT"
ss_bg "$SS_NS_B" bulk-plain "$BULK" recv -4 "$BULK_PLAIN"
ss_wait 10 "bulk sinks listening" eval \
	"grep -q listening '$SS_STATE/bulk-prot.log' && grep -q listening '$SS_STATE/bulk-plain.log'"

# Split RUNS over the blocks (the first blocks take the remainder).
for ((b = 0; b < BLOCKS; b++)); do
	n=$(( RUNS / BLOCKS + (b < RUNS % BLOCKS ? 1 : 0) ))
	block_socksec "$n" $((b == 0))
	block_trap "$n" $((b == 0))
done

# Throughput over the spd.conf SA, which the last block left running.
log "throughput: $ROUNDS rounds of A B C, ${XFER_S}s each"
set_larval_drop 0
fresh_peer
ns_exec "$SS_NS_A" timeout 30 "$SX_CLI" connect -4 -m warm "$SS_B4" "$PORT_PLAIN" >/dev/null
for ((r = 1; r <= ROUNDS; r++)); do
	for v in A B C; do
		xfer "$v" "$r"
	done
done
sx_knob mode enforce

# --- results ---------------------------------------------------------------

# stats: reads numbers, prints "median min max n"
stats() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (!NR) { print "- - - 0"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%g %g %g %d\n", m, a[1], a[NR], NR }'
}
lat_stats() { awk -v s="$1" -v c="$2" '$1 == "latency" && $2 == s && $3 == 1 { print $c }' "$SAMPLES" | stats; }
tp_stats() { awk -v v="$1" '$1 == "throughput" && $2 == v { print $4 }' "$SAMPLES" | stats; }
# Per-round ratio X/Y, then their median.
ratio_stats() {
	awk -v x="$1" -v y="$2" '$1 == "throughput" { t[$2, $3] = $4; r[$3] = 1 }
		END { for (i in r) if (t[y, i] > 0) printf "%.3f\n", t[x, i] / t[y, i] }' "$SAMPLES" | stats
}

res=$SS_OUT/results.txt
sum=$SS_OUT/summary.txt
{
	echo "socksec benchmark, $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) vCPUs (QEMU TCG)"
	echo
	echo "First connect to a fresh peer: TCP connect() time including the IKEv2"
	echo "negotiation (ms; $RUNS counted runs per setup, median [min-max])."
	echo "\"beyond IKE\" is connect() minus the negotiation (first ACQUIRE to CHILD_SA"
	echo "established in the initiator's charon log), per run: how long the"
	echo "connection waited once the SA existed."
	printf '  %-38s %7s %12s %7s %11s\n' setup connect range IKE "beyond IKE"
} >"$res"
: >"$sum"
for s in socksec trap-ld1 trap-ld0; do
	case $s in
	socksec) label="socksec on demand (protected socket)" ;;
	trap-ld1) label="strongSwan trap, larval_drop=1" ;;
	trap-ld0) label="strongSwan trap, larval_drop=0" ;;
	esac
	read -r med mn mx n < <(lat_stats "$s" 4)
	read -r imed _ _ _ < <(lat_stats "$s" 5)
	read -r wmed _ _ _ < <(lat_stats "$s" 6)
	printf '  %-38s %7s %12s %7s %11s\n' "$label" "$med" "[$mn-$mx]" "$imed" "$wmed" >>"$res"
	k=${s//-/_}
	printf 'first_connect_ms.%s.median=%s\nfirst_connect_ms.%s.min=%s\nfirst_connect_ms.%s.max=%s\nfirst_connect_ms.%s.runs=%s\nike_ms.%s.median=%s\nbeyond_ike_ms.%s.median=%s\n' \
		"$k" "$med" "$k" "$mn" "$k" "$mx" "$k" "$n" "$k" "$imed" "$k" "$wmed" >>"$sum"
done
{
	echo
	echo "Bulk TCP over one ESP SA (aes256gcm16, transport), ${XFER_S} s per sample,"
	echo "rounds A B C x $ROUNDS (Mbit/s, median [min-max])."
	printf '  %-44s %7s %12s\n' variant median range
} >>"$res"
for v in A B C; do
	case $v in
	A) label="A socksec enforce, protected sockets" ;;
	B) label="B socksec mode=off, plain sockets" ;;
	C) label="C socksec enforce, plain sockets" ;;
	esac
	read -r med mn mx n < <(tp_stats "$v")
	printf '  %-44s %7s %12s\n' "$label" "$med" "[$mn-$mx]" >>"$res"
	printf 'throughput_mbit_s.%s.median=%s\nthroughput_mbit_s.%s.samples=%s\n' "$v" "$med" "$v" "$n" >>"$sum"
done
read -r rab rab_mn rab_mx _ < <(ratio_stats A B)
read -r rcb rcb_mn rcb_mx _ < <(ratio_stats C B)
{
	echo
	echo "  ratio A/B (protected+enforced vs unenforced), median of rounds: $rab [$rab_mn-$rab_mx]"
	echo "  ratio C/B (bystander sockets vs unenforced),  median of rounds: $rcb [$rcb_mn-$rcb_mx]"
} >>"$res"
printf 'throughput_ratio.A_over_B=%s\nthroughput_ratio.C_over_B=%s\n' "$rab" "$rcb" >>"$sum"
printf 'date=%s\nkernel=%s\nvcpus=%s\nruns=%s\nrounds=%s\nxfer_s=%s\n' \
	"$(date -u +%Y-%m-%d)" "$(uname -r)" "$(nproc)" "$RUNS" "$ROUNDS" "$XFER_S" >>"$sum"
# The same as JSON: numbers bare, everything else quoted.
awk -F= 'BEGIN { printf "{" } {
		v = $2; if (v !~ /^-?[0-9.]+$/) v = "\"" v "\""
		printf "%s\n  \"%s\": %s", (NR > 1 ? "," : ""), $1, v }
	END { print "\n}" }' "$sum" >"$SS_OUT/bench.json"
log "done"
cat "$res"
