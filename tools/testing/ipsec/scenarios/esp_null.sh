#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Integrity-only IPsec: the peers negotiate ESP with the null cipher. A
# socket that demands encryption is refused with EKEYREJECTED and sends
# nothing; a socket that only demands protection is allowed, and its query
# says SECURED but not ENCRYPTED.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

M_ENC=SOCKSEC-SECRET-MUST-ENCRYPT
M_INT=SOCKSEC-INTEGRITY-ONLY

ns_setup
ss_preload_crypto
sx_ondemand 15000
charon_start "$SS_NS_A" esp-null
charon_start "$SS_NS_B" esp-null
sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
pcap=$SS_OUT/esp_null.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M_ENC" "$SS_B4" 7000
tap_check "encryption required: refused with EKEYREJECTED" sx_errno_is 129
tap_check "encryption required: refused once the SA showed, not after the hold timeout (${SX_MS} ms)" \
	test "$SX_MS" -lt "$(sx_ms 10000)"
tap_check "encryption required: counted aborted_weak_sa" \
	test "$(sx_counter "$SS_NS_A" aborted_weak_sa)" -ge 1
tap_check "the negotiated SA really is ESP-NULL" \
	grep -q 'ecb(cipher_null)' <(ip -n "$SS_NS_A" xfrm state)

sx_client "$SS_NS_A" -4 -p ipsec -m "$M_INT" "$SS_B4" 7000
tap_check "integrity only: connects and echoes" grep -q "^echo: $M_INT" <<<"$SX_OUTPUT"
tap_check "integrity only: query says secured" sx_query_has secured
tap_check "integrity only: query does not say encrypted" eval '! sx_query_has encrypted'
tap_check "integrity only: query names the null cipher" \
	test "$(sx_field enc)" = "ecb(cipher_null)"

capture_stop "$pcap"
tap_check "capture: nothing of the encryption-requiring socket" \
	assert_no_cleartext "$pcap" "$M_ENC" 7000
tap_check "capture: no plain TCP on port 7000, only ESP" \
	test "$(count_clear_port "$pcap" 7000)" -eq 0 -a "$(count_esp "$pcap")" -gt 0
# ESP-NULL authenticates but does not hide: that is what the flag is for.
tap_check "capture: the integrity-only payload is readable inside ESP-NULL" \
	test "$(count_marker "$pcap" "$M_INT")" -gt 0

tap_done
