#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Faults mid-stream. The client's SAs are flushed under a running
# connection: its packets wait, strongSwan negotiates again, the stream
# goes on encrypted.
# The IKE daemons are killed mid-stream: the kernel's SAs keep protecting
# the stream. Then the SAs go too, with nobody left to renegotiate: the
# connection is aborted with ENOKEY within the hold timeout. Not one byte
# leaves in clear through any of it.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

HOLD_MS=8000
M=SOCKSEC-SECRET-FAULTS

ns_setup
ss_preload_crypto
sx_ondemand $HOLD_MS
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand
sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
pcap=$SS_OUT/faults.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

# A stream: 30 echoes, 200 ms apart, in the background.
stream() {
	ss_bg "$SS_NS_A" "$1" "$SX_CLI" connect -4 -p ipsec -f encrypt \
		-c "${2:-30}" -i 200 -w "$(sx_ms $((HOLD_MS * 2)))" -m "$M" "$SS_B4" 7000
}
stream_result() {
	ss_wait 60 "stream $1 to end" eval "! kill -0 $2 2>/dev/null"
	sed 's/^/#   /' "$SS_STATE/$1.log"
}

stream flush
pid=$SS_BG_PID
ss_wait 20 "stream to be secured" grep -q '^echo:' "$SS_STATE/flush.log"
ip -n "$SS_NS_A" xfrm state flush
tap_diag "the client's SAs flushed"
stream_result flush "$pid"
tap_check "SA flushed: the stream completed all its echoes" \
	test "$(grep -c '^echo:' "$SS_STATE/flush.log")" -eq 30
tap_check "SA flushed: and ended encrypted, under a new SA" \
	grep -q '^client: .*state=required,secured,encrypted' "$SS_STATE/flush.log"
tap_check "SA flushed: its packets were held meanwhile" \
	test "$(sx_counter "$SS_NS_A" out_held)" -gt 0

stream killed 100
pid=$SS_BG_PID
ss_wait 20 "stream to be secured" grep -q '^echo:' "$SS_STATE/killed.log"
charon_kill "$SS_NS_A"
charon_kill "$SS_NS_B"
tap_diag "both charons killed with SIGKILL"
sleep 1
tap_check "daemons dead: the kernel's SAs still protect the stream" \
	grep -q '^echo:' <(tail -n 3 "$SS_STATE/killed.log")
ip -n "$SS_NS_A" xfrm state flush
ip -n "$SS_NS_B" xfrm state flush
tap_diag "SAs flushed, nobody left to negotiate"
tap_check "no SA left after the flush" \
	test "$(xfrm_sa_count "$SS_NS_A" "$SS_A4" "$SS_B4")" -eq 0
stream_result killed "$pid"
tap_check "no daemon, no SA: the connection is refused with ENOKEY" \
	grep -Eq '(send|recv): .*\(errno 126\)' "$SS_STATE/killed.log"
tap_check "no daemon, no SA: counted aborted_hold_timeout" \
	test "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -ge 1
tap_check "the abort was logged with the process and addresses" \
	grep -Eq 'socksec: aborted TCP connection \(hold_timeout, error -126\): pid [0-9]+ comm socksec 192\.0\.2\.1:[0-9]+ -> 192\.0\.2\.2:7000' <(dmesg)

capture_stop "$pcap"
tap_check "capture: no clear text, through all of it" \
	assert_no_cleartext "$pcap" "$M" 7000
tap_check "capture: ESP flowed" test "$(count_esp "$pcap")" -gt 0

tap_done
