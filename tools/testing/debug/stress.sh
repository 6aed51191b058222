#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh - everything at once, for SOCKSEC_STRESS_SECONDS (default 300),
# on the debug kernel (tools/testing/debug/guest.sh runs it, then scans
# for leaks). It is a scenario like the others: run it in the test VM with
# socksec.ko loaded.
#
# Two hosts (ns_setup) with strongSwan on demand, and at the same time:
#   clients   six loops of `socksec connect`, each a new socket: TCP over
#             IPv4 and IPv6 and UDP requiring encrypted IPsec; TCP taking
#             the namespace's defaults; TCP unprotected; and TCP requiring
#             IPsec killed with SIGKILL after 300 ms, often while its SYN
#             is held (a held socket torn down)
#   flusher   the SAs of one host or the other flushed every 2 to 4 s, so
#             packets are held while strongSwan negotiates again
#   knobs     the client host's default_protocol (ipsec, any, ktls) and
#             default_flags flipped every second; a third namespace's mode cycled
#             through enforce, audit and off
#   readers   /proc/net/socksec of both hosts and `socksec show -j`
#   netns     a namespace made, a protected loopback connection held in
#             it (no IKE daemon there), its processes killed and the
#             namespace deleted, again and again
# Then every loop stops, and the checks: each kind of client got through
# at least once, packets were held, namespaces churned, and the capture
# of the client's cable holds no clear text of the protected connections.
# Kernel reports (KASAN, lockdep, WARN, ...) are the harness' to catch;
# leaks, guest.sh's.
set -euo pipefail
# shellcheck source=../ipsec/socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ipsec/socksec.sh"

DURATION=${SOCKSEC_STRESS_SECONDS:-300}
HOLD_MS=3000
M=SOCKSEC-SECRET-STRESS
D=socksec-stress-defaults

ns_setup
ss_preload_crypto
sx_ondemand $HOLD_MS
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand
sx_server "$SS_NS_B" tcp4 -4 -p ipsec -f encrypt -n 0 7000
sx_server "$SS_NS_B" udp4 -4 -u -p ipsec -f encrypt -n 0 7100
sx_server "$SS_NS_B" tcp6 -6 -p ipsec -f encrypt -n 0 7200
sx_server "$SS_NS_B" dflt -4 -p default -n 0 7300
sx_server "$SS_NS_B" plain -4 -n 0 7400
pcap=$SS_OUT/stress.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

end=$((SECONDS + DURATION))
tap_diag "stress for ${DURATION}s"

# client NAME TIMEOUT CONNECT-ARGS...: connect over and over until the end,
# one line per attempt in $SS_STATE/NAME.count: its exit status.
client() {
	local name=$1 t=$2 rc
	shift 2
	while ((SECONDS < end)); do
		rc=0
		ip netns exec "$SS_NS_A" timeout -s KILL "$t" "$SX_CLI" connect \
			-c 3 -i 0 -w 4000 "$@" >/dev/null 2>&1 || rc=$?
		echo "$rc" >>"$SS_STATE/$name.count"
	done
}

flusher() {
	local i=0
	while ((SECONDS < end)); do
		sleep $((2 + i % 3))
		if ((i++ % 2)); then
			ip -n "$SS_NS_A" xfrm state flush
		else
			ip -n "$SS_NS_B" xfrm state flush
		fi
		echo flush >>"$SS_STATE/flusher.count"
	done
}

knobs() {
	local i=0 modes=(enforce audit off) protos=(ipsec any ktls)
	ip netns add ssk
	while ((SECONDS < end)); do
		ip netns exec "$SS_NS_A" sh -c "
			echo ${protos[i % 3]} >/proc/sys/net/socksec/default_protocol
			echo $((i % 2)) >/proc/sys/net/socksec/default_flags"
		ip netns exec ssk sh -c \
			"echo ${modes[i % 3]} >/proc/sys/net/socksec/mode"
		i=$((i + 1))
		echo flip >>"$SS_STATE/knobs.count"
		sleep 1
	done
	ip netns del ssk
}

readers() {
	while ((SECONDS < end)); do
		ip netns exec "$SS_NS_A" cat /proc/net/socksec >/dev/null
		ip netns exec "$SS_NS_B" cat /proc/net/socksec >/dev/null
		ip netns exec "$SS_NS_A" "$SX_CLI" show -j >/dev/null
		echo read >>"$SS_STATE/readers.count"
		sleep 0.2
	done
}

# A namespace of its own, loopback protected, no IKE daemon: the client's
# SYN is held; then everything in it dies and the namespace is deleted.
churn() {
	local i=0 ns
	while ((SECONDS < end)); do
		ns=ssn$((i++ % 4))
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sh -c "
			echo 1 >/proc/sys/net/socksec/protect_loopback
			echo 60000 >/proc/sys/net/socksec/hold_timeout_ms
			echo $SS_REQID >/proc/sys/net/socksec/ipsec_reqid"
		ip netns exec "$ns" "$SX_CLI" serve -4 -p ipsec -n 0 7000 \
			>/dev/null 2>&1 </dev/null &
		local srv=$!
		sleep 0.3
		ip netns exec "$ns" "$SX_CLI" connect -4 -p ipsec -m "$M" \
			127.0.0.1 7000 >/dev/null 2>&1 </dev/null &
		local cli=$!
		sleep 0.7
		if ((i % 2)); then
			ip netns del "$ns"
			kill -KILL "$cli" "$srv" 2>/dev/null || true
		else
			kill -KILL "$cli" "$srv" 2>/dev/null || true
			ip netns del "$ns"
		fi
		{ wait "$cli" "$srv"; } 2>/dev/null || true
		echo churn >>"$SS_STATE/churn.count"
	done
}

pids=()
client tcp4 20 -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000 & pids+=($!)
client udp4 20 -4 -u -p ipsec -f encrypt -m "$M" "$SS_B4" 7100 & pids+=($!)
client tcp6 20 -6 -p ipsec -f encrypt -m "$M" "$SS_B6" 7200 & pids+=($!)
client dflt 20 -4 -p default -m "$D" "$SS_B4" 7300 & pids+=($!)
client plain 20 -4 -m "$D" "$SS_B4" 7400 & pids+=($!)
client killed 0.3 -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000 & pids+=($!)
flusher & pids+=($!)
knobs & pids+=($!)
readers & pids+=($!)
churn & pids+=($!)
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
tap_check "every load loop ran to the end" test $rc -eq 0

# attempts NAME [STATUS]: how many attempts NAME made (that ended so).
attempts() {
	if [[ -n "${2:-}" ]]; then
		grep -cx "$2" "$SS_STATE/$1.count" || true
	else
		wc -l <"$SS_STATE/$1.count"
	fi
}
for k in tcp4 udp4 tcp6 dflt plain killed; do
	tap_diag "$k: $(attempts "$k") connections, $(attempts "$k" 0) whole"
done
for k in flusher knobs readers churn; do
	tap_diag "$k: $(attempts "$k") rounds"
done
for k in tcp4 udp4 tcp6 plain; do
	tap_check "$k clients got through" test "$(attempts "$k" 0)" -gt 0
done
# Their defaults flip every second (to ktls too, which they cannot meet):
# whether one gets through is chance; that they ran is not.
tap_check "dflt clients ran" test "$(attempts dflt)" -gt 0
tap_check "killed clients were killed (SIGKILL: 137)" \
	test "$(attempts killed 137)" -gt 0
tap_check "SAs were flushed under load" test "$(attempts flusher)" -gt 0
tap_check "namespaces with held sockets were deleted" test "$(attempts churn)" -gt 0
tap_check "packets were held" test "$(sx_counter "$SS_NS_A" out_held)" -gt 0
tap_diag "client host: $(ip netns exec "$SS_NS_A" cat /proc/net/socksec |
	awk '$2 != 0 && NF == 2' | paste -sd' ')"

capture_stop "$pcap"
for port in 7000 7100 7200; do
	tap_check "capture: no clear text to port $port" assert_no_cleartext "$pcap" "$M" "$port"
done
tap_done
