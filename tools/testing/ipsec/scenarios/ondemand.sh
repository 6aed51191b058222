#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# On-demand IPsec, the heart of the guarantee: a protected client is
# refused in time while no IKE daemon runs; with strongSwan on both sides
# the same client's packets wait for the SA and flow as ESP, over IPv4 and
# IPv6, TCP and UDP, to a protected listener whose accepted sockets carry
# its settings; DEFAULT follows sysfs; unprotected sockets are unaffected;
# clear text sent to a protected listener never reaches it. The capture
# shows no clear-text byte of any protected socket.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

HOLD_MS=2000
M=SOCKSEC-SECRET-ONDEMAND
PLAIN=PLAIN-TEXT-VISIBLE

ns_setup
ss_preload_crypto
sx_ondemand $HOLD_MS
pcap=$SS_OUT/ondemand.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
sx_server "$SS_NS_B" tcp6 -6 -p ipsec -n 0 7006
sx_server "$SS_NS_B" udp4 -4 -u -p ipsec -n 0 7100
sx_server "$SS_NS_B" plain -4 -n 0 7200

# (a) Nobody answers the ACQUIRE: refused with ENOKEY within the timeout.
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
tap_check "no IKE daemon: connect() fails with ENOKEY" sx_errno_is 126
tap_check "no IKE daemon: refused within hold_timeout_ms (${SX_MS} ms)" \
	test "$SX_MS" -ge $(($(sx_ms $HOLD_MS) - 100)) -a "$SX_MS" -le "$(sx_ms $((HOLD_MS + 1000)))"
tap_check "no IKE daemon: counted as aborted_hold_timeout" \
	test "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -ge 1
tap_check "no IKE daemon: packets were held, not sent" \
	test "$(sx_counter "$SS_NS_A" out_held)" -ge 1

# (b) strongSwan on both sides: the first packet triggers negotiation.
# The first SA in a fresh VM loads crypto code, which takes seconds under
# emulation: give it room.
sx_knob hold_timeout_ms 15000
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
tap_check "on demand: connect() succeeds and data echoes" \
	grep -q "^echo: $M" <<<"$SX_OUTPUT"
tap_check "on demand: query says secured and encrypted" \
	eval 'sx_query_has encrypted && sx_query_has secured'
tap_check "on demand: query reports both SPIs" \
	test "$(sx_field spi_out)" != 0x00000000 -a "$(sx_field spi_in)" != 0x00000000
tap_check "on demand: query names the AEAD" \
	test "$(sx_field enc)" = "rfc4106(gcm(aes))"
tap_check "on demand: SA installed with reqid $SS_REQID" \
	test "$(xfrm_sa_count "$SS_NS_A" "$SS_A4" "$SS_B4" "$SS_REQID")" -ge 1
tap_check "accepted socket inherits the listener's settings, encrypted" \
	grep -q '^server: protocol=ipsec .*state=required,secured,encrypted' <(sx_log tcp4)
tap_check "first connect took ${SX_MS} ms (held, not failed)" \
	test "$SX_MS" -lt "$(sx_ms 10000)"

sx_client "$SS_NS_A" -6 -p ipsec -f encrypt -m "$M" "$SS_B6" 7006
tap_check "IPv6: encrypted end to end" sx_query_has encrypted
tap_check "IPv6: data echoes" grep -q "^echo: $M" <<<"$SX_OUTPUT"

sx_client "$SS_NS_A" -4 -u -p ipsec -f encrypt -m "$M" "$SS_B4" 7100
tap_check "UDP: data echoes" grep -q "^echo: $M" <<<"$SX_OUTPUT"
tap_check "UDP: connected socket reports encrypted" sx_query_has encrypted

# DEFAULT is resolved from sysfs when packets are checked.
sx_knob default_protocol ipsec
sx_knob default_flags 0x1
sx_client "$SS_NS_A" -4 -p default -m "$M" "$SS_B4" 7000
tap_check "DEFAULT: query shows ipsec with the default flags" \
	test "$(sx_field protocol)" = ipsec -a "$(sx_field flags)" = 0x1
tap_check "DEFAULT: encrypted" sx_query_has encrypted
sx_knob default_flags 0

# (g) Sockets without settings are untouched, on the same host.
sx_client "$SS_NS_A" -4 -m "$PLAIN" "$SS_B4" 7200
tap_check "unprotected socket: works in clear" grep -q "^echo: $PLAIN" <<<"$SX_OUTPUT"

tap_check "/proc/net/socksec lists the listener" \
	grep -q "^tcp 0.0.0.0:7000 .* ipsec 0x0 " <(ip netns exec "$SS_NS_B" cat /proc/net/socksec)

capture_stop "$pcap"
for port in 7000 7006 7100; do
	tap_check "capture: no clear text to port $port" assert_no_cleartext "$pcap" "$M" "$port"
done
tap_check "capture: ESP flowed" test "$(count_esp "$pcap")" -gt 0
tap_check "capture: IKE flowed" test "$(count_ike "$pcap")" -gt 0
# The capture does see clear text when there is some (no false assurance).
tap_check "capture: the unprotected marker is visible" test "$(count_marker "$pcap" "$PLAIN")" -gt 0

# Clear text sent to a protected listener is dropped before it.
before=$(sx_counter "$SS_NS_B" in_dropped)
served=$(grep -c '^server:' <(sx_log tcp4))
ip netns exec "$SS_NS_A" timeout 3 "$SX_CLI" connect -4 -m "$PLAIN" "$SS_B4" 7000 || true
tap_check "protected listener: clear SYNs dropped on ingress" \
	test "$(sx_counter "$SS_NS_B" in_dropped)" -gt "$before"
tap_check "protected listener: never accepted the clear connection" \
	test "$(grep -c '^server:' <(sx_log tcp4))" -eq "$served"
before=$(sx_counter "$SS_NS_B" in_dropped)
ip netns exec "$SS_NS_A" timeout 3 "$SX_CLI" connect -6 -m "$PLAIN" "$SS_B6" 7006 || true
tap_check "protected IPv6 listener: clear SYNs dropped on ingress" \
	test "$(sx_counter "$SS_NS_B" in_dropped)" -gt "$before"
before=$(sx_counter "$SS_NS_B" in_dropped)
ip netns exec "$SS_NS_A" timeout 6 "$SX_CLI" connect -4 -u -m "$PLAIN" "$SS_B4" 7100 || true
tap_check "protected UDP socket: clear datagrams dropped on ingress" \
	test "$(sx_counter "$SS_NS_B" in_dropped)" -gt "$before"

tap_done
