# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# ktls.sh - helpers for socksec's kernel TLS scenarios, on top of the IPsec
# scenarios' lib.sh and socksec.sh (network namespaces ssa/ssb, captures,
# TAP). Source it from a scenario in scenarios/ (run inside the test VM):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../ktls.sh"
#
#   KT_OSSL          the OpenSSL build with kTLS (openssl.sh), its lib/ is
#                    what kt_ossl puts in LD_LIBRARY_PATH
#   KT_RUN           socksec-run
#   KT_ECHO          the ktls-echo example
#   KT_BOUNDARY      the fixed-key kTLS test program
#   kt_certs DIR [ROOTBITS]
#                    a 3-certificate chain: RSA root (ROOTBITS, default
#                    2048; 4096 costs about 15 s under emulation), RSA-2048
#                    intermediate, RSA-2048 leaf for $SS_B4 and $SS_B6;
#                    DIR/leaf.pem, DIR/leaf.key, DIR/chain.pem (leaf +
#                    intermediate), DIR/root.pem
#   kt_ossl [--noktls] CMD...
#                    CMD with the kTLS OpenSSL (OPENSSL_CONF with
#                    Options = KTLS; --noktls: the same libraries, kTLS off)
#   kt_tls_stat NS KEY   a counter of NS's /proc/net/tls_stat
#   kt_bg NS NAME CMD... ss_bg, then wait (30 s at most) until its log says
#                    it listens (ktls-echo, openssl s_server, http.server)
#   kt_tls_ok [--may-be-empty] FILE SRC PORT
#                    every TCP payload byte SRC sent to or from PORT is
#                    inside well-formed TLS records (pcapscan --tls-port);
#                    fails when SRC sent nothing, unless --may-be-empty
#   kt_stream_bytes FILE SRC PORT   payload bytes SRC sent on PORT

# shellcheck source=../ipsec/socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ipsec/socksec.sh"

KT_DIR="$SS_REPO/tools/testing/ktls"
KT_RUN="$SS_REPO/build/tools/socksec-run"
KT_ECHO="$SS_REPO/build/tools/examples/ktls-echo"
KT_BOUNDARY="$SS_REPO/build/tools/ktls/ktls-boundary"
for f in "$KT_RUN" "$KT_ECHO" "$KT_BOUNDARY"; do
	[[ -x "$f" ]] || { echo "ktls.sh: $f missing (make tools)" >&2; exit 4; }
done
KT_OSSL="$("$KT_DIR/openssl.sh" --print-dir)" ||
	{ echo "ktls.sh: no OpenSSL with kTLS (tools/testing/ktls/openssl.sh)" >&2; exit 4; }
modprobe -q tls || { echo "ktls.sh: cannot load the tls module" >&2; exit 4; }
# The AEADs kTLS instantiates: loading them at the first TLS_TX under
# emulation takes seconds.
modprobe -q -a gcm aesni_intel ghash_clmulni_intel chacha20poly1305 \
	chacha20_x86_64 poly1305_x86_64 2>/dev/null || true

kt_ossl() {
	local conf="$KT_OSSL/openssl.cnf"
	if [[ "${1:-}" == --noktls ]]; then
		conf="$KT_OSSL/openssl-noktls.cnf"
		shift
	fi
	LD_LIBRARY_PATH="$KT_OSSL/lib" OPENSSL_CONF="$conf" "$@"
}

kt_certs() {
	local d="$1" bits="${2:-2048}"
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey "rsa:$bits" -nodes -keyout root.key -out root.pem \
			-days 2 -subj "/O=socksec test/CN=socksec test root" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
			-subj "/O=socksec test/CN=socksec test intermediate CA" 2>/dev/null
		printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
			'keyUsage=critical,keyCertSign,cRLSign' >int.ext
		openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial \
			-days 2 -extfile int.ext -out int.pem 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
			-subj "/O=socksec test/CN=server.socksec.test" 2>/dev/null
		printf '%s\n' 'basicConstraints=CA:FALSE' \
			'keyUsage=critical,digitalSignature,keyEncipherment' \
			'extendedKeyUsage=serverAuth' \
			"subjectAltName=DNS:server.socksec.test,IP:$SS_B4,IP:$SS_B6" >leaf.ext
		openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial \
			-days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
		cat leaf.pem int.pem >chain.pem
	)
}

kt_tls_stat() {
	ip netns exec "$1" cat /proc/net/tls_stat | awk -v k="$2" '$1 == k { print $2 }'
}

kt_bg() {
	local ns="$1" name="$2"
	shift 2
	ss_bg "$ns" "$name" "$@"
	ss_wait 30 "$name listening" grep -qE '^(server: listening|ACCEPT|Serving HTTP)' "$SS_STATE/$name.log"
}

kt_tls_ok() {
	local out bad empty=0
	if [[ "$1" == --may-be-empty ]]; then
		empty=1
		shift
	fi
	out="$(ss_pcapscan "$1" --src "$2" --tls-port "$3" 2>&1)" || return 1
	bad="$(sed -n 's/^tls_bad=//p' <<<"$out")"
	if [[ "$bad" != 0 ]]; then
		ss_log "not TLS from $2 on port $3 in $1:"
		grep '^pcapscan:' <<<"$out" | sed 's/^/#   /' >&2
		return 1
	fi
	[[ $empty -eq 1 || "$(sed -n 's/^tls_streams=//p' <<<"$out")" -gt 0 ]] || {
		ss_log "no stream from $2 on port $3 in $1: nothing proven"
		return 1
	}
}

kt_stream_bytes() {
	ss_pcapscan "$1" --src "$2" --tls-port "$3" --key tls_bytes 2>/dev/null
}

# The environment that gives an unmodified Debian program kernel TLS.
# shellcheck disable=SC2034 # for scenarios
KT_ENV=(env "LD_LIBRARY_PATH=$KT_OSSL/lib" "OPENSSL_CONF=$KT_OSSL/openssl.cnf")
# The same libraries with kernel TLS off: TLS in user space only.
# shellcheck disable=SC2034 # for scenarios
KT_ENV_NOKTLS=(env "LD_LIBRARY_PATH=$KT_OSSL/lib" "OPENSSL_CONF=$KT_OSSL/openssl-noktls.cnf")

# kt_sclient NS NAME LINE EXPECT CMD...: run CMD (an openssl s_client with
# -ign_eof added) in NS with LINE and "CLOSE" on its stdin (a file: an
# s_server -rev answers the line reversed, then closes on CLOSE), at most
# 60 s, waiting for EXPECT in its output at most 30 s. Output in
# $SS_STATE/NAME.log; KT_RC its exit status.
kt_sclient() {
	local ns="$1" name="$2" line="$3" expect="$4" in pid
	shift 4
	in="$SS_STATE/$name.in"
	printf '%s\nCLOSE\n' "$line" >"$in"
	ip netns exec "$ns" timeout -k 2 60 "$@" -ign_eof <"$in" >"$SS_STATE/$name.log" 2>&1 &
	pid=$!
	ss_wait 30 "$name to show '$expect'" eval \
		"grep -qF -- '$expect' '$SS_STATE/$name.log' || ! kill -0 $pid" || true
	KT_RC=0
	wait "$pid" || KT_RC=$?
	tap_diag "$name: exit $KT_RC"
	grep -E 'Kernel TLS|Cipher is|Protocol|errno|error|Verify return|SSL handshake has|:error:' \
		"$SS_STATE/$name.log" | sed 's/^/#   /' | head -n 20
}
