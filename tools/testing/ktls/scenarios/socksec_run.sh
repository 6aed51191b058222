#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# socksec-run with unmodified Debian programs (curl, python3's
# http.server, openssl), and the protocols that let either mechanism do:
# - its arguments, and a UDP socket refused under --protocol ktls;
# - ANY satisfied by kernel TLS alone (no IPsec policy: SPD mode);
# - --protocol ipsec with no IKE daemon: curl is refused (ENOKEY), nothing
#   leaves in clear; with strongSwan on demand on both sides: the transfer
#   works and the capture shows only ESP for it;
# - ANY satisfied by IPsec alone: a plain-text program under --protocol any;
# - ALLOW_INSECURE: clear text passes, counted out_insecure_allowed.
set -euo pipefail
# shellcheck source=../ktls.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ktls.sh"

M=SOCKSEC-RUN-SECRET
INS=SOCKSEC-RUN-INSECURE-VISIBLE
certs="$SS_STATE/certs"
kt_certs "$certs"
www="$SS_STATE/www"
mkdir -p "$www"
echo "$M-body" >"$www/secret.txt"
echo "$INS-body" >"$www/insecure.txt"
ns_setup
pcap=$SS_OUT/socksec_run.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

# Arguments.
rc=0; "$KT_RUN" --guarantee-encryption --allow-insecure -- true 2>/dev/null || rc=$?
tap_check "socksec-run: contradictory flags are a usage error" test $rc -eq 2
rc=0; "$KT_RUN" --protocol nosuch -- true 2>/dev/null || rc=$?
tap_check "socksec-run: an unknown protocol is a usage error" test $rc -eq 2
pyprobe='
import errno, socket, struct, sys
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
print("tcp settings", struct.unpack("II", t.getsockopt(socket.SOL_IP, 4800, 8)))
t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
print("tcp6 settings", struct.unpack("II", t6.getsockopt(socket.IPPROTO_IPV6, 4800, 8)))
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("udp created")
except OSError as e:
    print("udp refused", errno.errorcode[e.errno])
'
out=$(ip netns exec "$SS_NS_A" "$KT_RUN" --protocol ktls --guarantee-encryption -- \
	python3 -c "$pyprobe" 2>&1) || true
sed 's/^/# /' <<<"$out"
tap_check "socksec-run --protocol ktls: a TCP socket carries (ktls, encrypt)" \
	grep -qx "tcp settings (3, 1)" <<<"$out"
tap_check "socksec-run --protocol ktls: an IPv6 TCP socket too" \
	grep -qx "tcp6 settings (3, 1)" <<<"$out"
tap_check "socksec-run --protocol ktls: a UDP socket is refused with EPROTOTYPE" \
	grep -qx "udp refused EPROTOTYPE" <<<"$out"
out=$(ip netns exec "$SS_NS_A" "$KT_RUN" --protocol any -- python3 -c "$pyprobe" 2>&1) || true
tap_check "socksec-run --protocol any: UDP gets settings like TCP" \
	grep -qx "udp created" <<<"$out"

# ANY, kernel TLS alone: no IPsec policy covers the peer (SPD mode).
tx_a=$(kt_tls_stat "$SS_NS_A" TlsTxSw)
sp_a=$(sx_counter "$SS_NS_A" sockets_protected)
kt_bg "$SS_NS_B" sserver-any "${KT_ENV[@]}" "$KT_RUN" --protocol any --guarantee-encryption -- \
	openssl s_server -accept 4901 -naccept 1 -rev \
	-cert "$certs/leaf.pem" -cert_chain "$certs/int.pem" -key "$certs/leaf.key"
kt_sclient "$SS_NS_A" sclient-any "$M-any" "$(rev <<<"$M-any")" \
	"${KT_ENV[@]}" "$KT_RUN" --protocol any --guarantee-encryption -- \
	openssl s_client -connect "$SS_B4:4901" -CAfile "$certs/root.pem" -verify_return_error
tap_check "ANY by kTLS alone: the reversed line came back" \
	grep -qF "$(rev <<<"$M-any")" "$SS_STATE/sclient-any.log"
tap_check "ANY by kTLS alone: kernel TLS transmit on the client" \
	test "$(kt_tls_stat "$SS_NS_A" TlsTxSw)" -gt "$tx_a"
tap_check "ANY by kTLS alone: socksec-run gave the client socket settings" \
	test "$(sx_counter "$SS_NS_A" sockets_protected)" -gt "$sp_a"
tap_check "ANY by kTLS alone: nothing refused" \
	test "$(sx_counter "$SS_NS_A" aborted_no_ktls)" -eq 0

# IPsec on demand, no IKE daemon yet: refused, in time, nothing sent.
sx_ondemand 2000
ss_bg "$SS_NS_B" http "$KT_RUN" --protocol ipsec --guarantee-encryption -- \
	python3 -u -m http.server -b "$SS_B4" -d "$www" 8000
ss_wait 30 "http.server" grep -q 'Serving HTTP' "$SS_STATE/http.log"
before=$(sx_counter "$SS_NS_A" aborted_hold_timeout)
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "$KT_RUN" --protocol ipsec --guarantee-encryption -- \
	curl -sS -m 20 "http://$SS_B4:8000/secret.txt" 2>&1) || rc=$?
tap_diag "no IKE daemon: curl rc=$rc: $out"
tap_check "no IKE daemon: curl fails to connect" test $rc -eq 7 -o $rc -eq 28
tap_check "no IKE daemon: counted aborted_hold_timeout (ENOKEY)" \
	test "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -gt "$before"

# strongSwan on both sides: the same command works, over ESP.
sx_knob hold_timeout_ms 15000
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand
esp0=$(count_esp "$pcap")
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "$KT_RUN" --protocol ipsec --guarantee-encryption -- \
	curl -sS -m 30 "http://$SS_B4:8000/secret.txt" 2>&1) || rc=$?
tap_diag "strongSwan on demand: curl rc=$rc: $out"
tap_check "strongSwan on demand: curl gets the file" grep -qx "$M-body" <<<"$out"
tap_check "strongSwan on demand: ESP flowed" test "$(count_esp "$pcap")" -gt "$esp0"
tap_check "the server's accepted socket inherited ipsec from its listener" \
	grep -q '"GET /secret.txt' "$SS_STATE/http.log"

# ANY, IPsec alone: a plain-text program, so kTLS cannot be what protects it.
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "$KT_RUN" --protocol any --guarantee-encryption -- \
	curl -sS -m 30 "http://$SS_B4:8000/secret.txt" 2>&1) || rc=$?
tap_check "ANY by IPsec alone: plain curl gets the file (rc=$rc)" grep -qx "$M-body" <<<"$out"

# ALLOW_INSECURE with kTLS: clear text passes and is counted.
kt_bg "$SS_NS_B" http-plain python3 -u -m http.server -b "$SS_B4" -d "$www" 8001
before=$(sx_counter "$SS_NS_A" out_insecure_allowed)
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "$KT_RUN" --protocol ktls --allow-insecure -- \
	curl -sS -m 20 "http://$SS_B4:8001/insecure.txt" 2>&1) || rc=$?
tap_check "ALLOW_INSECURE: plain curl under --protocol ktls works (rc=$rc)" \
	grep -qx "$INS-body" <<<"$out"
tap_check "ALLOW_INSECURE: counted out_insecure_allowed" \
	test "$(sx_counter "$SS_NS_A" out_insecure_allowed)" -gt "$before"

capture_stop "$pcap"
tap_check "capture: the protected marker never appears" test "$(count_marker "$pcap" "$M")" -eq 0
tap_check "capture: no clear packet on port 8000 (IPsec only)" \
	test "$(count_clear_port "$pcap" 8000)" -eq 0
tap_check "capture: every byte on port 4901 is TLS, both ways" \
	eval "kt_tls_ok '$pcap' '$SS_A4' 4901 && kt_tls_ok '$pcap' '$SS_B4' 4901"
# The capture does see clear text when there is some (no false assurance).
tap_check "capture: the ALLOW_INSECURE text is visible" \
	test "$(count_marker "$pcap" "GET /insecure.txt")" -gt 0
tap_done
