#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regression tests of the security review, over a real wire (veth) with
# captures: clear text for ANY on UDP is dropped on ingress; a held
# packet of a socket that closed is never refused on a dead socket; a
# held packet released onto a plain route by a bypass policy added
# meanwhile is dropped at POST_ROUTING; SNAT re-routing a protected
# packet onto a plain route in SPD mode is dropped; a broadcast to a port
# a protected socket shares with an unprotected one does not reach the
# protected one; one user flooding xfrm's hold queue does not make
# another user's on-demand connect fail; flipping sysfs knobs mid-stream
# (policy replacement) does not abort protected streams; a time-wait
# socket of a protected connection takes no clear segment. Each case fails
# on the module as it was before its fix (some by crashing the kernel,
# which the VM harness reports).
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

M=SOCKSEC-SECRET-SECURITY
SX_PY="$SS_STATE/udp.py"

# udp.py send [-u UID] [-p PROTO] [-b] [-i SECS] HOST PORT MSG COUNT LINGER_S
#        recv [-p PROTO] [-a ADDR] PORT SECS   (prints what it received)
cat >"$SX_PY" <<'EOF'
import os, socket, struct, sys, time
args = sys.argv[1:]
cmd = args.pop(0)
opts = {}
while args and args[0].startswith('-'):
    k = args.pop(0)
    opts[k] = True if k == '-b' else args.pop(0)
if '-u' in opts:
    os.setgid(int(opts['-u']))
    os.setuid(int(opts['-u']))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if '-p' in opts:
    s.setsockopt(socket.SOL_IP, 4800, struct.pack('II', int(opts['-p']), 0))
if cmd == 'send':
    host, port, msg, count, linger = args
    if '-b' in opts:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    errs = {}
    for _ in range(int(count)):
        try:
            s.sendto(msg.encode(), (host, int(port)))
        except OSError as e:
            errs[e.errno] = errs.get(e.errno, 0) + 1
        time.sleep(float(opts.get('-i', 0)))
    print('sent, errors', errs, flush=True)
    time.sleep(float(linger))
else:
    port, secs = args
    s.bind((opts.get('-a', '0.0.0.0'), int(port)))
    s.settimeout(float(secs))
    print('bound', flush=True)
    try:
        while True:
            print('received', s.recv(2048).decode(errors='replace'), flush=True)
    except socket.timeout:
        print('done', flush=True)
EOF

ns_setup
ss_preload_crypto
pcap=$SS_OUT/security.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

# (1) ANY with GUARANTEE_ENCRYPTION on UDP: kTLS cannot protect UDP, so
# only IPsec counts, on ingress as on egress.
sx_knob ipsec_reqid 0
sx_server "$SS_NS_B" anyudp -4 -u -p any -f encrypt -n 0 7400
before=$(sx_counter "$SS_NS_B" in_dropped)
ip netns exec "$SS_NS_A" timeout 5 "$SX_CLI" connect -4 -u -w 1000 \
	-m "PLAIN-TO-ANY" "$SS_B4" 7400 >/dev/null 2>&1 || true
tap_check "ANY+encrypt UDP socket: a clear datagram is dropped on ingress" \
	test "$(sx_counter "$SS_NS_B" in_dropped)" -gt "$before"

# (2) A protected socket closes while its SYN is held; once its watch is
# over, an SA appears that it may not use (ESP-NULL under
# GUARANTEE_ENCRYPTION). Its packet used to be refused on a socket past
# its last reference (refcount addition on 0).
sx_ondemand 800
ip netns exec "$SS_NS_A" timeout 0.4 "$SX_CLI" connect -4 -p ipsec -f encrypt \
	-m "$M" "$SS_B4" 7000 >/dev/null 2>&1 || true
sleep 1.5
ip -n "$SS_NS_A" xfrm state add src "$SS_A4" dst "$SS_B4" proto esp \
	spi 0x2001 reqid "$SS_REQID" mode transport enc cipher_null "" \
	auth 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
sleep 1
tap_ok "closed socket's held packet meets a weak SA: kernel sound"
ip -n "$SS_NS_A" xfrm state flush

# (3) A held datagram, then an administrator's bypass policy: xfrm's queue
# re-looks it up and sends it on a plain route without LOCAL_OUT.
sx_ondemand 8000
before=$(sx_counter "$SS_NS_A" out_dropped_no_sa)
ss_bg "$SS_NS_A" held python3 "$SX_PY" send -p 1 "$SS_B4" 7500 "$M-HELD" 1 8
ss_wait 30 "held datagram sent" grep -q '^sent' "$SS_STATE/held.log"
ip -n "$SS_NS_A" xfrm policy add dir out priority 1 action allow
# xfrm retries its queue 0.1, 0.3, 0.7, 1.5, 3.1 and 6.3 s after holding.
tap_check "bypass added while held: the released clear datagram is dropped" \
	ss_wait 15 "held datagram refused" eval \
	'test "$(sx_counter "$SS_NS_A" out_dropped_no_sa)" -gt "$before"'
ip -n "$SS_NS_A" xfrm policy delete dir out priority 1 2>/dev/null ||
	ip -n "$SS_NS_A" xfrm policy flush
sx_knob ipsec_reqid 0
ss_stop_pid "$SS_BG_PID"

# (4) SPD mode, a static SA for A -> B, and SNAT to another source after
# the LOCAL_OUT verdict: nf_xfrm_me_harder() finds no policy for the new
# source and routes the packet in clear.
key=0x0102030405060708090a0b0c0d0e0f1011121314
ip -n "$SS_NS_A" addr add 192.0.2.3/24 dev "$SS_IF_A"
ip -n "$SS_NS_A" xfrm state add src "$SS_A4" dst "$SS_B4" proto esp spi 0x3001 \
	reqid 7 mode transport aead 'rfc4106(gcm(aes))' $key 128
ip -n "$SS_NS_A" xfrm policy add src "$SS_A4/32" dst "$SS_B4/32" dir out \
	tmpl src "$SS_A4" dst "$SS_B4" proto esp reqid 7 mode transport
ip netns exec "$SS_NS_A" nft -f - <<EOF
table ip socksec_test {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr $SS_A4 udp dport 7600 snat to 192.0.2.3
	}
}
EOF
before=$(sx_counter "$SS_NS_A" out_dropped_no_sa)
ip netns exec "$SS_NS_A" python3 "$SX_PY" send -p 1 "$SS_B4" 7600 "$M-SNAT" 3 0 |
	sed 's/^/# /'
tap_check "SNAT re-routes a protected datagram onto a plain route: dropped" \
	test "$(sx_counter "$SS_NS_A" out_dropped_no_sa)" -gt "$before"
ip netns exec "$SS_NS_A" nft delete table ip socksec_test
ip -n "$SS_NS_A" xfrm policy flush
ip -n "$SS_NS_A" xfrm state flush

# (5) A broadcast to a port shared by a protected socket (bound to the
# wildcard) and an unprotected one (bound to the broadcast address, so
# the socket lookup finds it): every socket on the port receives it.
ss_bg "$SS_NS_B" bc_plain python3 "$SX_PY" recv -a 192.0.2.255 7700 8
ss_bg "$SS_NS_B" bc_prot python3 "$SX_PY" recv -p 1 7700 8
ss_wait 30 "broadcast receivers bound" eval \
	"grep -q bound '$SS_STATE/bc_plain.log' && grep -q bound '$SS_STATE/bc_prot.log'"
ip netns exec "$SS_NS_A" python3 "$SX_PY" send -b 192.0.2.255 7700 PLAIN-BCAST 3 0 >/dev/null
ss_wait 12 "broadcast receivers done" eval \
	"grep -q done '$SS_STATE/bc_plain.log' && grep -q done '$SS_STATE/bc_prot.log'"
tap_check "clear broadcast: the protected socket on the port receives nothing" \
	eval "! grep -q received '$SS_STATE/bc_prot.log'"

# (6) One user keeps xfrm's hold queue full with datagrams to a peer that
# never answers (its socket is aborted every hold_timeout_ms and sends
# on); another user's on-demand connect to a live peer still works.
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand
sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
# The flooder is aborted (and its packets unqueued) every 6 s; the victim,
# one second later, retransmits its SYN 1, 3 and 7 s after it started.
sx_ondemand 6000
ss_bg "$SS_NS_A" flood python3 "$SX_PY" send -u 65534 -p 1 -i 0.005 192.0.2.77 9 "$M-FLOOD" 2000 0
flooder=$SS_BG_PID
sleep 1
SX_RC=0
SX_OUTPUT=$(ip netns exec "$SS_NS_A" setpriv --reuid=1000 --regid=1000 --clear-groups \
	timeout "$(sx_ms 30)" "$SX_CLI" connect -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000 2>&1) || SX_RC=$?
sed 's/^/#   /' <<<"$SX_OUTPUT"
SX_MS=$(sed -n 's/^connected in \([0-9]*\) ms$/\1/p' <<<"$SX_OUTPUT")
tap_check "another user's on-demand connect succeeds despite the flood" \
	grep -q "^echo: $M" <<<"$SX_OUTPUT"
# Its first SYN leaves once its SA exists, not at a retransmission 3 s on.
# A slow (debug) kernel's negotiation alone can take longer than that.
if [[ $(sx_ms 1) -eq 1 ]]; then
	tap_check "... as soon as its SA exists (${SX_MS:-?} ms)" \
		test "${SX_MS:-99999}" -lt 2500
else
	tap_skip "... as soon as its SA exists (${SX_MS:-?} ms)" "time scaled"
fi
ss_stop_pid "$flooder"
tap_check "the flooding user was held back (out_hold_limited)" \
	test "$(sx_counter "$SS_NS_A" out_hold_limited)" -gt 0

capture_stop "$pcap"
# (The clear datagram to port 7400 came from an unprotected client.)
for port in 7000 7500 7600; do
	tap_check "capture: no clear text to port $port" assert_no_cleartext "$pcap" "$M" "$port"
done
tap_check "capture: the clear broadcast was on the wire (no false assurance)" \
	test "$(count_marker "$pcap" PLAIN-BCAST)" -gt 0

# (7) runs without a capture: its thousands of packets are all ESP, and
# what it checks is that none is refused.
# (7) Policy replacement mid-stream: flipping protect_loopback rebuilds
# socksec's policies in every namespace, and each change sends the
# stream's socket to a new route lookup. Marked packets must never meet a
# moment without policies (a plain route, refused as no_sa).
touch "$SS_STATE/flip"
(
	while [[ -e "$SS_STATE/flip" ]]; do
		echo 1 >"$SX_SYSFS/protect_loopback"
		echo 0 >"$SX_SYSFS/protect_loopback"
	done
) &
flipper=$!
before=$(sx_counter "$SS_NS_A" out_dropped_no_sa)
SX_RC=0
SX_OUTPUT=$(ip netns exec "$SS_NS_A" timeout 120 "$SX_CLI" connect -4 -p ipsec \
	-f encrypt -c 1500 -i 0 -m "$M" "$SS_B4" 7000 2>&1) || SX_RC=$?
grep -v "^echo: $M" <<<"$SX_OUTPUT" | sed 's/^/#   /'
rm -f "$SS_STATE/flip"
wait $flipper
tap_check "stream survives policy replacement (1500 echoes)" \
	test "$(grep -c "^echo: $M" <<<"$SX_OUTPUT")" -eq 1500
tap_check "no refusal while the policies were replaced" \
	test "$(sx_counter "$SS_NS_A" out_dropped_no_sa)" -eq "$before" -a "$SX_RC" -eq 0

# (8) A time-wait socket keeps its connection's requirement: a clear
# segment for the tuple of a protected connection that just closed (here
# a SYN from the server's address and port) is dropped, not processed.
sx_server "$SS_NS_B" once -4 -p ipsec -n 1 7010
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7010
tw_port=$(ip netns exec "$SS_NS_A" ss -Htan state time-wait "( dport = :7010 )" |
	awk '{ n = split($3, a, ":"); print a[n]; exit }')
tap_diag "time-wait tuple $SS_A4:${tw_port:-?} <- $SS_B4:7010"
before=$(sx_counter "$SS_NS_A" in_dropped)
ip netns exec "$SS_NS_B" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7010))
s.settimeout(1)
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    pass' "$SS_B4" "$SS_A4" "${tw_port:-9}"
tap_check "clear segment to a protected time-wait tuple: dropped" \
	test -n "$tw_port" -a "$(sx_counter "$SS_NS_A" in_dropped)" -gt "$before"

tap_done
