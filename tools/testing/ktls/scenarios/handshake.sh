#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kTLS after a real handshake: sockets that require SOCKSEC_PROTO_KTLS
# complete a TLS 1.2 or 1.3 handshake with OpenSSL (AES-128-GCM,
# AES-256-GCM, ChaCha20-Poly1305), OpenSSL installs kernel TLS, and data
# flows; SOCKSEC_QUERY reports kTLS with its version and cipher. The
# recipe example (ktls-echo), and Debian's unmodified openssl s_server and
# s_client under socksec-run; curl under socksec-run keeps TLS in user
# space, within the handshake budget. A socket without settings that uses kTLS is
# unaffected. Records how many bytes each side sends before kTLS with a
# 3-certificate chain (the figures behind ktls_handshake_budget). The capture: no marker anywhere, and every byte the
# protected sockets sent is inside well-formed TLS records.
set -euo pipefail
# shellcheck source=../ktls.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ktls.sh"

M=SOCKSEC-KTLS-HANDSHAKE-SECRET
certs="$SS_STATE/certs"
# Like a public web server's: leaf and intermediate RSA-2048, the
# intermediate signed by an RSA-4096 root (which is not sent).
kt_certs "$certs" 4096
ns_setup
pcap=$SS_OUT/handshake.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

declare -A tlsver=([2]=0x0303 [3]=0x0304)
declare -A cnum=([aes128]=51 [aes256]=52 [chacha20]=54)

# (a) The example, every version and cipher: both ends require kTLS.
port=4400
for v in 3 2; do
	for c in aes128 aes256 chacha20; do
		port=$((port + 1))
		kt_bg "$SS_NS_B" "echo-$v-$c" "${KT_ENV[@]}" "$KT_ECHO" server -4 -$v -C "$c" \
			-c "$certs/chain.pem" -k "$certs/leaf.key" $port
		rc=0
		out=$(ip netns exec "$SS_NS_A" timeout 60 "${KT_ENV[@]}" "$KT_ECHO" client -4 -$v \
			-C "$c" -a "$certs/root.pem" -m "$M-$v-$c" "$SS_B4" $port 2>&1) || rc=$?
		ss_wait 10 "echo server $port to finish" eval \
			"grep -qE '^server: protocol=|failed' '$SS_STATE/echo-$v-$c.log'" || true
		srv=$(cat "$SS_STATE/echo-$v-$c.log")
		tap_diag "ktls-echo TLS 1.$v $c: client rc=$rc"
		sed 's/^/#   /' <<<"$out"
		sed 's/^/#   server /' <<<"$srv"
		want="protocol=ktls state=required,secured,encrypted mechanism=ktls tls_version=${tlsver[$v]} tls_cipher=${cnum[$c]} tls_dirs=tx"
		tap_check "example TLS 1.$v $c: data echoes" grep -qx "echo: $M-$v-$c" <<<"$out"
		tap_check "example TLS 1.$v $c: client query $want" \
			grep -q "^client: $want" <<<"$out"
		tap_check "example TLS 1.$v $c: server query $want" \
			grep -q "^server: $want" <<<"$srv"
		hc=$(sed -n 's/^client: .*handshake_bytes=\([0-9]*\).*/\1/p' <<<"$out")
		hs=$(sed -n 's/^server: .*handshake_bytes=\([0-9]*\).*/\1/p' <<<"$srv")
		tap_diag "handshake bytes before kTLS, TLS 1.$v $c: client ${hc:-?} server ${hs:-?}"
	done
done

# The handshake's size with the chain, TLS 1.3 server without session
# tickets (sent after kernel TLS is installed).
port=$((port + 1))
kt_bg "$SS_NS_B" echo-notickets "${KT_ENV[@]}" "$KT_ECHO" server -4 -3 -n \
	-c "$certs/chain.pem" -k "$certs/leaf.key" $port
ip netns exec "$SS_NS_A" timeout 60 "${KT_ENV[@]}" "$KT_ECHO" client -4 -3 \
	-a "$certs/root.pem" -m "$M" "$SS_B4" $port >/dev/null 2>&1 || true
ss_wait 10 "echo server $port to finish" eval \
	"grep -qE '^server: protocol=|failed' '$SS_STATE/echo-notickets.log'" || true
tap_diag "TLS 1.3 server without tickets: $(grep -o 'handshake_bytes=[0-9]*' \
	"$SS_STATE/echo-notickets.log" || echo none)"

# (a) Debian's openssl s_server and s_client, unmodified, under socksec-run.
n=0
for combo in "3 chacha20 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" \
	"2 aes256 -cipher ECDHE-RSA-AES256-GCM-SHA384"; do
	read -r v c copt cval <<<"$combo"
	n=$((n + 1))
	port=$((4500 + n))
	name="sclient-$v-$c"
	tx_a=$(kt_tls_stat "$SS_NS_A" TlsTxSw)
	tx_b=$(kt_tls_stat "$SS_NS_B" TlsTxSw)
	sp_a=$(sx_counter "$SS_NS_A" sockets_protected)
	sp_b=$(sx_counter "$SS_NS_B" sockets_protected)
	kt_bg "$SS_NS_B" "sserver-$v-$c" "${KT_ENV[@]}" "$KT_RUN" --protocol ktls \
		--guarantee-encryption -- openssl s_server -accept $port -naccept 1 -rev \
		-cert "$certs/leaf.pem" -cert_chain "$certs/int.pem" -key "$certs/leaf.key" \
		-tls1_"$v" "$copt" "$cval"
	kt_sclient "$SS_NS_A" "$name" "$M-s-$v-$c" "$(rev <<<"$M-s-$v-$c")" \
		"${KT_ENV[@]}" "$KT_RUN" --protocol ktls --guarantee-encryption -- \
		openssl s_client -connect "$SS_B4:$port" -tls1_"$v" "$copt" "$cval" \
		-CAfile "$certs/root.pem" -verify_return_error
	tap_check "s_client/s_server TLS 1.$v $c: the reversed line came back" \
		grep -qF "$(rev <<<"$M-s-$v-$c")" "$SS_STATE/$name.log"
	tap_check "s_client TLS 1.$v $c: kernel TLS transmit (TlsTxSw $tx_a -> $(kt_tls_stat "$SS_NS_A" TlsTxSw))" \
		test "$(kt_tls_stat "$SS_NS_A" TlsTxSw)" -gt "$tx_a"
	tap_check "s_server TLS 1.$v $c: kernel TLS transmit" \
		test "$(kt_tls_stat "$SS_NS_B" TlsTxSw)" -gt "$tx_b"
	tap_check "s_client TLS 1.$v $c: socksec-run gave its socket settings" \
		test "$(sx_counter "$SS_NS_A" sockets_protected)" -gt "$sp_a"
	tap_check "s_server TLS 1.$v $c: socksec-run gave its listener settings" \
		test "$(sx_counter "$SS_NS_B" sockets_protected)" -gt "$sp_b"
	tap_check "s_client TLS 1.$v $c: OpenSSL says it uses kernel TLS" \
		grep -q 'Using Kernel TLS for sending' "$SS_STATE/$name.log"
done

# curl, unmodified, fetches a file over HTTPS from s_server -WWW, both
# under socksec-run --protocol ktls. libcurl 7.88 reads and writes through
# a BIO of its own, so OpenSSL cannot hand its records to the kernel: TLS
# stays in user space, and its records pass as the handshake's, within
# the budget (refusals.sh shows a stream that outgrows it refused).
www="$SS_STATE/www"
mkdir -p "$www"
echo "$M-https-body" >"$www/file.txt"
tx_a=$(kt_tls_stat "$SS_NS_A" TlsTxSw)
sp_a=$(sx_counter "$SS_NS_A" sockets_protected)
kt_bg "$SS_NS_B" sserver-www env -C "$www" "${KT_ENV[@]}" "$KT_RUN" --protocol ktls -- \
	openssl s_server -accept 4550 -naccept 1 -WWW \
	-cert "$certs/leaf.pem" -cert_chain "$certs/int.pem" -key "$certs/leaf.key"
rc=0
out=$(ip netns exec "$SS_NS_A" timeout 60 "${KT_ENV[@]}" "$KT_RUN" --protocol ktls \
	--guarantee-encryption -- curl -sS -m 30 --cacert "$certs/root.pem" \
	"https://$SS_B4:4550/file.txt" 2>&1) || rc=$?
tap_diag "socksec-run --protocol ktls curl https://...: rc=$rc: $out"
tap_check "curl over HTTPS under socksec-run: the file arrives" grep -qx "$M-https-body" <<<"$out"
tap_check "curl over HTTPS under socksec-run: its socket had settings" \
	test "$(sx_counter "$SS_NS_A" sockets_protected)" -gt "$sp_a"
tap_check "curl over HTTPS: TLS in user space (libcurl's own BIO), no kernel TLS" \
	test "$(kt_tls_stat "$SS_NS_A" TlsTxSw)" -eq "$tx_a"

# (g) A socket without settings uses kTLS: unaffected (the marker is
# encrypted by kTLS; the fixed-key program's server decrypts it).
port=4600
kt_bg "$SS_NS_B" plain-ktls "$KT_BOUNDARY" server -4 $port
out=$(ip netns exec "$SS_NS_A" timeout 30 "$KT_BOUNDARY" client -4 -u \
	-m "$M-nosettings" "$SS_B4" $port 2>&1) || true
sed 's/^/#   /' <<<"$out"
ss_wait 10 "kTLS server to receive" grep -q "got .*$M-nosettings" "$SS_STATE/plain-ktls.log" || true
tap_check "socket without settings, kTLS with fixed keys: data arrives" \
	grep -q "got .*$M-nosettings" "$SS_STATE/plain-ktls.log"

capture_stop "$pcap"
tap_check "capture: the marker never appears" test "$(count_marker "$pcap" "$M")" -eq 0
for p in $(seq 4401 $((4401 + 6))) 4501 4502 4550; do
	tap_check "capture: every byte from $SS_A4 on port $p is TLS" kt_tls_ok "$pcap" "$SS_A4" "$p"
	tap_check "capture: every byte from $SS_B4 on port $p is TLS" kt_tls_ok "$pcap" "$SS_B4" "$p"
done
tap_done
