#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a socket that requires kTLS may not do, with real programs:
# (b) write before kernel TLS (curl http:// under socksec-run): refused
#     with EACCES, reason no_ktls, nothing in clear;
# (c) complete a handshake but keep TLS in user space (OpenSSL without
#     "Options = KTLS") and send more than the handshake budget: refused
#     once the budget is spent (reason tls_budget), before the rest leaves;
# (d) talk to a peer that is not TLS, either way round: nothing but TLS
#     records leaves the protected socket;
# (e) write application data while TCP_CORK holds it, then install TLS_TX
#     before it leaves: the clear bytes are refused, not sent.
# The capture: no marker, and the protected sockets' bytes are TLS records.
set -euo pipefail
# shellcheck source=../ktls.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ktls.sh"

M=SOCKSEC-KTLS-REFUSED-SECRET
certs="$SS_STATE/certs"
kt_certs "$certs"
ns_setup
pcap=$SS_OUT/refusals.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"
budget=$(cat "$SX_SYSFS/ktls_handshake_budget" 2>/dev/null || echo none)
tap_diag "ktls_handshake_budget: $budget"

# (b) A plain HTTP client that requires kTLS.
ss_bg "$SS_NS_B" http python3 -u -m http.server -b "$SS_B4" 8080
ss_wait 30 "http.server" grep -q 'Serving HTTP' "$SS_STATE/http.log"
before=$(sx_counter "$SS_NS_A" aborted_no_ktls)
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "$KT_RUN" --protocol ktls -- \
	curl -sS -m 20 "http://$SS_B4:8080/$M" 2>&1) || rc=$?
tap_diag "socksec-run --protocol ktls curl http://...: rc=$rc: $out"
tap_check "plain HTTP client requiring kTLS: curl fails" test $rc -ne 0
tap_check "plain HTTP client requiring kTLS: the error is EACCES" \
	grep -q 'Permission denied' <<<"$out"
tap_check "plain HTTP client requiring kTLS: counted aborted_no_ktls" \
	test "$(sx_counter "$SS_NS_A" aborted_no_ktls)" -gt "$before"
tap_check "plain HTTP client requiring kTLS: the server saw no request" \
	eval "! grep -q 'GET /' '$SS_STATE/http.log'"

# (c) TLS in user space only: the handshake passes, the budget ends it.
if [[ "$budget" =~ ^[0-9]+$ ]]; then
	big=$(( budget + 8192 ))
else
	big=65536
fi
line="$M-budget-$(head -c $big /dev/zero | tr '\0' x)"
kt_bg "$SS_NS_B" sserver-budget openssl s_server -accept 4801 -naccept 1 -rev \
	-cert "$certs/leaf.pem" -cert_chain "$certs/int.pem" -key "$certs/leaf.key"
before=$(sx_counter "$SS_NS_A" aborted_tls_budget)
tx_a=$(kt_tls_stat "$SS_NS_A" TlsTxSw)
kt_sclient "$SS_NS_A" sclient-budget "$line" "never-printed-$M" \
	"${KT_ENV_NOKTLS[@]}" "$KT_RUN" --protocol ktls -- \
	openssl s_client -connect "$SS_B4:4801" -CAfile "$certs/root.pem" -verify_return_error
tap_check "user-space TLS: the handshake completed (verified chain)" \
	grep -q 'Verify return code: 0 (ok)' "$SS_STATE/sclient-budget.log"
tap_check "user-space TLS: no kernel TLS on the client" \
	test "$(kt_tls_stat "$SS_NS_A" TlsTxSw)" -eq "$tx_a"
tap_check "user-space TLS over the budget: counted aborted_tls_budget" \
	test "$(sx_counter "$SS_NS_A" aborted_tls_budget)" -gt "$before"
tap_check "user-space TLS over the budget: the client saw the refusal" \
	grep -qiE 'Permission denied|errno=13|write:errno|connection reset' "$SS_STATE/sclient-budget.log"
tap_check "user-space TLS over the budget: the server got no data" \
	eval "! grep -q '$M-budget' '$SS_STATE/sserver-budget.log'"

# (d) The peer is not TLS: a protected s_client to a plain HTTP server...
tx_a=$(kt_tls_stat "$SS_NS_A" TlsTxSw)
kt_sclient "$SS_NS_A" sclient-plainpeer "$M-plainpeer" "never-printed-$M" \
	"${KT_ENV[@]}" "$KT_RUN" --protocol ktls -- openssl s_client -connect "$SS_B4:8080"
tap_check "protected s_client, plain peer: the handshake fails" test "$KT_RC" -ne 0
tap_check "protected s_client, plain peer: no kernel TLS was installed" \
	test "$(kt_tls_stat "$SS_NS_A" TlsTxSw)" -eq "$tx_a"
# ... and a plain HTTP request to a protected s_server.
kt_bg "$SS_NS_B" sserver-plainclient "${KT_ENV[@]}" "$KT_RUN" --protocol ktls -- \
	openssl s_server -accept 4802 -naccept 1 -www \
	-cert "$certs/leaf.pem" -cert_chain "$certs/int.pem" -key "$certs/leaf.key"
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 30 curl -sS -m 10 "http://$SS_B4:4802/plain-request" 2>&1) || rc=$?
tap_diag "plain curl to the protected s_server: rc=$rc: $out"
tap_check "plain client, protected s_server: no HTTP answer" test $rc -ne 0

# (e) Clear bytes queued before TLS_TX, sent after it.
kt_bg "$SS_NS_B" boundary-after "$KT_BOUNDARY" server -4 4803
out=$(ip netns exec "$SS_NS_A" timeout 30 "$KT_BOUNDARY" client -4 -m "$M-after" "$SS_B4" 4803 2>&1) || true
sed 's/^/#   /' <<<"$out"
ss_wait 10 "kTLS server to receive" grep -q "got .*$M-after" "$SS_STATE/boundary-after.log" || true
tap_check "fixed-key kTLS, nothing written before TLS_TX: data arrives, decrypted" \
	grep -q "got .*$M-after" "$SS_STATE/boundary-after.log"
kt_bg "$SS_NS_B" boundary-before "$KT_BOUNDARY" server -4 4804
before=$(sx_counter "$SS_NS_A" aborted_no_ktls)
m="$M-before"
out=$(ip netns exec "$SS_NS_A" timeout 30 "$KT_BOUNDARY" client -4 -k -m "$m" "$SS_B4" 4804 2>&1) || true
sed 's/^/#   /' <<<"$out"
tap_check "clear bytes corked before TLS_TX: all ${#m} still unsent when TLS_TX went in" \
	grep -qx "client: unsent_at_install=${#m}" <<<"$out"
tap_check "clear bytes corked before TLS_TX: refused with EACCES" \
	grep -qx "client: result=errno:EACCES" <<<"$out"
tap_check "clear bytes corked before TLS_TX: counted aborted_no_ktls" \
	test "$(sx_counter "$SS_NS_A" aborted_no_ktls)" -gt "$before"
tap_check "clear bytes corked before TLS_TX: the server got none of it" \
	eval "! grep -q '$M' '$SS_STATE/boundary-before.log'"

capture_stop "$pcap"
tap_check "capture: the marker never appears" test "$(count_marker "$pcap" "$M")" -eq 0
for p in 8080 4801 4804; do
	tap_check "capture: every byte from $SS_A4 on port $p is TLS" \
		kt_tls_ok --may-be-empty "$pcap" "$SS_A4" $p
done
tap_check "capture: every byte from the protected s_server is TLS" \
	kt_tls_ok --may-be-empty "$pcap" "$SS_B4" 4802
sent=$(kt_stream_bytes "$pcap" "$SS_A4" 4801)
tap_check "capture: user-space TLS client sent $sent bytes, within the budget ($budget)" \
	test "$sent" -le "${budget//[^0-9]/0}" -a "$sent" -gt 0
tap_done
