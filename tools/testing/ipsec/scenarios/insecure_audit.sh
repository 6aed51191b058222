#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# When clear text is allowed: ALLOW_INSECURE still starts negotiation but
# lets clear text through, counted; mode=audit lets a strict socket's clear
# text through, counted and logged; mode=off does nothing. Only the
# client runs an IKE daemon, so negotiation starts but never completes:
# the clear text on the wire is expected, and counters and log say so.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

M_INS=ALLOWED-INSECURE-TEXT
M_AUD=AUDITED-CLEAR-TEXT
M_OFF=MODE-OFF-CLEAR-TEXT

ns_setup
sx_ondemand 2000
charon_start "$SS_NS_A" ondemand
sx_server "$SS_NS_B" tcp4 -4 -n 0 7000
pcap=$SS_OUT/insecure_audit.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

sx_client "$SS_NS_A" -4 -p ipsec -f insecure -m "$M_INS" "$SS_B4" 7000
tap_check "ALLOW_INSECURE: connects at once, in clear" \
	eval 'grep -q "^echo: $M_INS" <<<"$SX_OUTPUT" && test "$SX_MS" -lt $(sx_ms 1000)'
tap_check "ALLOW_INSECURE: query says insecure, not secured" \
	eval 'sx_query_has insecure && ! sx_query_has secured'
tap_check "ALLOW_INSECURE: counted out_insecure_allowed" \
	test "$(sx_counter "$SS_NS_A" out_insecure_allowed)" -gt 0
tap_check "ALLOW_INSECURE: negotiation was still started (ACQUIRE)" \
	grep -q 'received a XFRM_MSG_ACQUIRE' "$(charon_log "$SS_NS_A")"

sx_knob mode audit
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M_AUD" "$SS_B4" 7000
tap_check "audit: a strict socket is not held nor refused" \
	grep -q "^echo: $M_AUD" <<<"$SX_OUTPUT"
tap_check "audit: counted out_audit" test "$(sx_counter "$SS_NS_A" out_audit)" -gt 0
tap_check "audit: nothing aborted" \
	test "$(sx_counter "$SS_NS_A" aborted_no_sa)" -eq 0 -a \
	     "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -eq 0
tap_check "audit: logged what it would have dropped" \
	grep -q 'socksec: audit: would drop egress packet (no_sa)' <(dmesg)

sx_knob mode off
audited=$(sx_counter "$SS_NS_A" out_audit)
sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M_OFF" "$SS_B4" 7000
tap_check "off: the socket works in clear" grep -q "^echo: $M_OFF" <<<"$SX_OUTPUT"
tap_check "off: socksec judged nothing" \
	test "$(sx_counter "$SS_NS_A" out_audit)" -eq "$audited"
tap_check "off: no socksec policies installed" \
	eval '! ip -n "$SS_NS_A" xfrm policy | grep -q "reqid $SS_REQID"'
sx_knob mode enforce
tap_check "enforce again: socksec policies back" \
	grep -q "reqid $SS_REQID" <(ip -n "$SS_NS_A" xfrm policy)

capture_stop "$pcap"
tap_check "capture: the client's IKE daemon tried to negotiate" \
	test "$(count_ike "$pcap")" -gt 0
for m in "$M_INS" "$M_AUD" "$M_OFF"; do
	tap_check "capture: '$m' went out in clear, as allowed" \
		test "$(count_marker "$pcap" "$m")" -gt 0
done

tap_done
