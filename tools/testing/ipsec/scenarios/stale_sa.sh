#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An SA that dies between a packet's route lookup and socksec's hook.
# A corked UDP socket keeps the route of its first corked datagram until it
# uncorks, so the window is as long as the test wants: the datagram is
# corked on the SA's bundle, the SA is deleted, the socket uncorks. The
# packet must not leave (not in clear, not on the dead SA), and the socket
# must not be refused for it: its next datagram, on a fresh route, is
# judged there. For an ALLOW_INSECURE socket, whose datagrams may go out
# in clear once no SA can be had, that means no abort either at once or a
# hold timeout later; for a socket requiring IPsec, the next datagram is
# held and the socket aborted (ENOKEY) at its hold timeout, as always.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

HOLD_MS=2000
M=SOCKSEC-SECRET-STALE

ns_setup
ss_preload_crypto
sx_ondemand $HOLD_MS
sas() {
	sx_sa "$SS_NS_A" "$SS_A4" "$SS_B4" 0x1001
	sx_sa "$SS_NS_A" "$SS_B4" "$SS_A4" 0x2001
	sx_sa "$SS_NS_B" "$SS_A4" "$SS_B4" 0x1001
	sx_sa "$SS_NS_B" "$SS_B4" "$SS_A4" 0x2001
}
pcap=$SS_OUT/stale_sa.pcap
capture_start "$SS_NS_B" "$SS_IF_B" "$pcap"

# corked FLAGS TAG: one UDP socket with IPsec settings FLAGS: a datagram sent
# under the SA; a datagram corked, the SAs flushed, uncorked; then, after
# the hold timeout, one more; one hold timeout after that, SO_ERROR (a
# UDP socket's abort reports its error on the next call). Prints what
# each gave.
corked() {
	ip netns exec "$SS_NS_A" python3 - "$SS_B4" "$1" "$(sx_ms $HOLD_MS)" "$M-$2" <<'EOF'
import socket, struct, subprocess, sys, time
dst, flags, hold_ms, marker = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3]), sys.argv[4]
SOCKSEC_SETTINGS, PROTO_IPSEC, UDP_CORK = 4800, 1, 1
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, SOCKSEC_SETTINGS, struct.pack("II", PROTO_IPSEC, flags))
s.setsockopt(socket.SOL_IP, 11, 1)  # IP_RECVERR
s.connect((dst, 9))
def send(what, data):
    try:
        s.send(data)
        print(f"{what}: ok", flush=True)
    except OSError as e:
        print(f"{what}: errno {e.errno}", flush=True)
send("under the SA", b"warm-up")
s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, 1)
send("corked", marker.encode() + b"-corked")
subprocess.run(["ip", "xfrm", "state", "flush"], check=True)
s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, 0)
print("uncorked", flush=True)
time.sleep((hold_ms + 1500) / 1000)
send("after the hold timeout", marker.encode() + b"-later")
time.sleep((hold_ms + 1500) / 1000)
print(f"so_error: {s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)}", flush=True)
EOF
}

# ALLOW_INSECURE: the stale datagram is dropped, the socket goes on.
sas
aborts0=$(sx_counter "$SS_NS_A" aborted_hold_timeout)
held0=$(sx_counter "$SS_NS_A" out_held)
out=$(corked 0x2 insecure)
sed 's/^/#   /' <<<"$out"
tap_check "ALLOW_INSECURE: the datagram under the SA went" grep -qx 'under the SA: ok' <<<"$out"
tap_check "ALLOW_INSECURE: the stale datagram was not sent and counted held" \
	test "$(sx_counter "$SS_NS_A" out_held)" -gt "$held0"
tap_check "ALLOW_INSECURE: no abort a hold timeout later, the socket still sends" \
	grep -qx 'after the hold timeout: ok' <<<"$out"
# (Its clear datagram to the discard port may well bring ECONNREFUSED.)
tap_check "ALLOW_INSECURE: and no ENOKEY pending later either" \
	eval '! grep -qx "so_error: 126" <<<"$out"'
tap_check "ALLOW_INSECURE: counted no aborted_hold_timeout" \
	test "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -eq "$aborts0"

# Requiring IPsec (the guarantee): dropped too; the next datagram is held
# and the socket refused at the hold timeout.
ip -n "$SS_NS_B" xfrm state flush
sas
out=$(corked 0x1 required)
sed 's/^/#   /' <<<"$out"
tap_check "IPsec required: the datagram under the SA went" grep -qx 'under the SA: ok' <<<"$out"
tap_check "IPsec required: the next datagram was held, not refused" \
	grep -qx 'after the hold timeout: ok' <<<"$out"
tap_check "IPsec required: aborted with ENOKEY once no SA came for it" \
	grep -qx 'so_error: 126' <<<"$out"

capture_stop "$pcap"
tap_check "capture: ESP flowed" test "$(count_esp "$pcap")" -gt 0
tap_check "capture: the stale datagrams never left, in clear or not" \
	test "$(count_marker "$pcap" "$M-insecure-corked")" -eq 0
tap_check "capture: nothing of the IPsec-required socket in clear" \
	assert_no_cleartext "$pcap" "$M-required"
tap_done
