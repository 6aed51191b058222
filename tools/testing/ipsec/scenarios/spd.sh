#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SPD mode (ipsec_reqid = 0): socksec installs nothing and only enforces.
# Without a policy for the destination, a protected socket is refused at
# once with ENOKEY (TCP connect(), UDP sendmsg()); the refusal fires the
# tracepoint. With strongSwan's own policies (policies = yes), the same
# socket is protected by them.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

M=SOCKSEC-SECRET-SPD

ns_setup
ss_preload_crypto
sx_knob hold_timeout_ms 5000
sx_knob ipsec_reqid 0
tap_check "SPD mode: socksec installed no policy" \
	eval '! ip -n "$SS_NS_A" xfrm policy | grep -q .'

tracing=/sys/kernel/tracing
mountpoint -q $tracing || mount -t tracefs nodev $tracing
echo 1 >$tracing/events/socksec/socksec_verdict/enable
echo >$tracing/trace

sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
sx_server "$SS_NS_B" udp4 -4 -u -p ipsec -n 0 7100
pcap=$SS_OUT/spd.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

sx_client "$SS_NS_A" -4 -p ipsec -m "$M" "$SS_B4" 7000
tap_check "no policy: connect() refused with ENOKEY" sx_errno_is 126
tap_check "no policy: at once, not after the hold timeout (${SX_MS} ms)" \
	test "$SX_MS" -lt "$(sx_ms 1500)"
tap_check "no policy: counted aborted_no_sa and out_dropped_no_sa" \
	test "$(sx_counter "$SS_NS_A" aborted_no_sa)" -ge 1 -a \
	     "$(sx_counter "$SS_NS_A" out_dropped_no_sa)" -ge 1
tap_check "no policy: the tracepoint saw the drop and the abort" \
	eval 'grep -q "egress drop protocol=1 flags=0x0 reason=no_sa" $tracing/trace &&
	      grep -q "egress abort protocol=1 flags=0x0 reason=no_sa" $tracing/trace'

sx_client "$SS_NS_A" -4 -u -p ipsec -m "$M" "$SS_B4" 7100
tap_check "no policy: UDP sendmsg() fails with ENOKEY itself" \
	grep -q '^send: .*(errno 126)' <<<"$SX_OUTPUT"

charon_start "$SS_NS_A" spd
charon_start "$SS_NS_B" spd
tap_check "strongSwan installed its own policies" \
	grep -q 'dir out' <(ip -n "$SS_NS_A" xfrm policy)
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
tap_check "SPD policy: connects and echoes" grep -q "^echo: $M" <<<"$SX_OUTPUT"
tap_check "SPD policy: encrypted" sx_query_has encrypted
sx_client "$SS_NS_A" -4 -u -p ipsec -f encrypt -m "$M" "$SS_B4" 7100
tap_check "SPD policy, UDP: echoes" grep -q "^echo: $M" <<<"$SX_OUTPUT"

capture_stop "$pcap"
for port in 7000 7100; do
	tap_check "capture: no clear text to port $port" assert_no_cleartext "$pcap" "$M" "$port"
done
tap_check "capture: ESP flowed" test "$(count_esp "$pcap")" -gt 0
echo 0 >$tracing/events/socksec/socksec_verdict/enable

tap_done
