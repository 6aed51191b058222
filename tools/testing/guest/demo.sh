#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make demo` (tools/testing/demo.sh boots the VM and runs
# this): the socksec guarantee, told as a short story on the console.
#
#   1. On-demand mode, no IKE daemon: a protected client is refused with
#      ENOKEY within hold_timeout_ms, and nothing reaches the wire.
#   2. strongSwan (charon) starts on both hosts.
#   3. The same client connects: its first packets wait for the SA; the
#      query and /proc/net/socksec show the socket encrypted.
#   4. The capture of the whole story holds only IKE and ESP: 0 clear-text
#      payload bytes of the protected socket on the wire.
#   5. Control: an unprotected socket's text is visible in a capture, so
#      the check in 4 is not vacuous.
#
# Every claim is checked; the last line is "demo: all N claims hold" or
# "demo: N of M claims FAILED", and the exit status is non-zero on any
# failure. The story is also kept as $SOCKSEC_VM_OUT/demo.tap, the
# captures as $SOCKSEC_VM_OUT/demo*.pcap.
set -euo pipefail
# charon logs at level 1 (saved in $SOCKSEC_VM_OUT, for a failing run).
SS_CHARON_LOGLEVEL=${SS_CHARON_LOGLEVEL:-1}
# shellcheck source=../ipsec/socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ipsec/socksec.sh"

HOLD_MS=${DEMO_HOLD_MS:-4000}
PORT=7000
PLAIN_PORT=7200
SECRET="TOP-SECRET-payroll-$RANDOM$RANDOM"
PLAIN="plain-text-hello-$RANDOM$RANDOM"
OUT=$SS_OUT
CLI=$SX_CLI
cli_name=socksec

claims=0
failed=0
t_start=$(ss_now_ms)

# --- presentation ------------------------------------------------------------

rule() { printf '%s\n' "------------------------------------------------------------------------"; }
heading() {
	[[ -z "${DEMO_TIMING:-}" ]] || echo "(t+$(( ($(ss_now_ms) - t_start) / 1000 ))s)"
	echo
	rule
	printf '%s\n' "$*"
	rule
}
say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
# show_cmd NS CMD...: print the command as one would type it in NS (the
# story then runs it, with the full paths).
show_cmd() {
	local ns=$1
	shift
	printf '[%s]$ %s\n' "$ns" "$*"
}
# claim DESC CMD...: check one claim of the story.
claim() {
	local desc=$1
	shift
	claims=$((claims + 1))
	if "$@" >/dev/null 2>&1; then
		printf '  [ok]     %s\n' "$desc"
	else
		failed=$((failed + 1))
		printf '  [FAILED] %s\n' "$desc"
	fi
}
# client output -> the number in "connected in N ms" / "after N ms"
connect_ms() {
	sed -n 's/^connected in \([0-9]*\) ms$/\1/p; s/^connect: .* after \([0-9]*\) ms$/\1/p' <<<"$1" | head -n 1
}
in_range() { [[ -n "$1" && "$1" -ge "$2" && "$1" -le "$3" ]]; }
query_line() { grep '^client: ' <<<"$1" | tail -n 1; }
query_field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
proc_sockets() { ns_exec "$1" cat /proc/net/socksec | grep -E '^(tcp|udp) ' || true; }
proc_counters() {
	local ns=$1
	shift
	ns_exec "$ns" cat /proc/net/socksec |
		awk -v want="$*" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) k[w[i]] = 1 }
			NF == 2 && ($1 in k) { printf "%s=%s  ", $1, $2 } END { print "" }'
}

# One line per IPv4 output policy of NS (the IPv6 ones are the same).
xfrm_policies_brief() {
	ip -n "$1" -4 xfrm policy list | awk '
		function flush() {
			if (sel != "")
				printf "%-26s %-26s prio %-5s %s\n", sel, mark, prio, act
			sel = ""
		}
		/^src / { flush(); sel = $2 " -> " $4; mark = "-"; prio = ""
			act = "allow in clear (loopback bypass)" }
		/^[[:space:]]+dir / { for (i = 1; i < NF; i++) if ($i == "priority") prio = $(i + 1) }
		/^[[:space:]]+mark / { mark = "mark " $2 }
		/^[[:space:]]+proto esp / { for (i = 1; i < NF; i++) if ($i == "reqid") r = $(i + 1)
			act = "ESP transport, reqid " r }
		/^[[:space:]]+level use/ { act = act " (optional: ALLOW_INSECURE sockets)" }
		END { flush() }'
}

finish() {
	local secs=$(( ($(ss_now_ms) - t_start) / 1000 ))
	echo
	rule
	if [[ $failed -eq 0 ]]; then
		say "demo: all $claims claims hold (${secs}s in the VM)"
	else
		say "demo: $failed of $claims claims FAILED (${secs}s in the VM); logs in the run's output directory"
	fi
	rule
	[[ $failed -eq 0 ]]
}

# --- the story -----------------------------------------------------------------

heading "socksec demo: a socket that never speaks in clear text"
say "Two hosts (network namespaces in this VM), joined by one virtual cable:"
say
say "    ssa (client) $SS_A4  <---- veth ---->  $SS_B4 (server) ssb"
say
say "The client asks, on its own socket and without privileges, for"
say "  setsockopt(fd, SOL_IP, SOCKSEC_SETTINGS, {IPSEC, GUARANTEE_ENCRYPTION})"
say "(the CLI's 'connect -p ipsec -f encrypt'). Promise: no byte of that socket"
say "leaves in clear text; until an IPsec SA protects it, its packets are held;"
say "if none comes within hold_timeout_ms, the connection fails with ENOKEY."
say "A tcpdump capture on the client's cable records everything."

ns_setup
# The story is IPv4: without IPv6 on the cable, no router solicitation or
# multicast listener report lands in the capture, which then holds only
# what the story sends.
ns_exec "$SS_NS_A" sysctl -qw "net.ipv6.conf.$SS_IF_A.disable_ipv6=1"
ns_exec "$SS_NS_B" sysctl -qw "net.ipv6.conf.$SS_IF_B.disable_ipv6=1"
# Load the IPsec crypto modules (seconds over 9p) while the story goes on;
# step 2 waits for them (charon_start's own preload then finds them loaded).
ss_preload_crypto >/dev/null 2>&1 &
preload_pid=$!
pcap=$OUT/demo.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"

heading "Step 1: on-demand IPsec is on, but no IKE daemon runs"
say "The administrator turns on on-demand negotiation (root, sysfs):"
show_cmd root "$cli_name defaults set hold_timeout_ms $HOLD_MS; $cli_name defaults set ipsec_mark $SS_MARK; $cli_name defaults set ipsec_reqid $SS_REQID"
sx_knob hold_timeout_ms "$HOLD_MS"
sx_knob ipsec_mark "$SS_MARK"
sx_knob ipsec_reqid "$SS_REQID"
say "socksec now marks protected sockets and owns xfrm policies that send their"
say "traffic through ESP with reqid $SS_REQID (an IKE daemon negotiates on demand):"
xfrm_policies_brief "$SS_NS_A" | indent
say
say "The server in ssb listens on port $PORT with the same requirement:"
show_cmd ssb "$cli_name serve -4 -p ipsec -f encrypt $PORT &"
sx_server "$SS_NS_B" server -4 -p ipsec -f encrypt -n 0 "$PORT"
say
say "The client connects and sends a secret; no IKE daemon answers the acquire:"
show_cmd ssa "$cli_name connect -4 -p ipsec -f encrypt -m '$SECRET' $SS_B4 $PORT"
out1=$(ns_exec "$SS_NS_A" timeout 30 "$CLI" connect -4 -p ipsec -f encrypt -m "$SECRET" "$SS_B4" "$PORT" 2>&1) || true
indent <<<"$out1"
ms1=$(connect_ms "$out1")
sleep 0.3
frames1=$(tcpdump -r "$pcap" -n 2>/dev/null | wc -l)
claim "refused with ENOKEY (errno 126, 'Required key not available')" grep -q '(errno 126)' <<<"$out1"
claim "refused after ${ms1:-?} ms: the hold timeout ($HOLD_MS ms), not a hang" \
	in_range "${ms1:-}" $((HOLD_MS - 100)) $((HOLD_MS + 1500))
claim "its packets were held, then dropped: out_held=$(sx_counter "$SS_NS_A" out_held), aborted_hold_timeout=$(sx_counter "$SS_NS_A" aborted_hold_timeout)" \
	test "$(sx_counter "$SS_NS_A" aborted_hold_timeout)" -ge 1
claim "nothing at all reached the wire meanwhile ($frames1 frames captured)" test "$frames1" -eq 0

heading "Step 2: start strongSwan (charon) on both hosts"
say "Each host gets a charon with a trap for reqid $SS_REQID (policies = no: it"
say "installs no kernel policies, so only socksec's marked traffic triggers IKE)."
wait "$preload_pid" || true
show_cmd ssa "charon &   # swanctl --load-all: PSK, IKEv2, ESP aes256gcm16, transport"
charon_start "$SS_NS_A" ondemand
show_cmd ssb "charon &"
charon_start "$SS_NS_B" ondemand
v=$("$SS_CHARON" --version 2>/dev/null | head -n 1 || true)
say "  charon running in ssa and ssb${v:+ ($v)}"

heading "Step 3: the same client connects again"
say "Its SYN triggers an ACQUIRE; charon negotiates IKE + ESP with the peer; the"
say "kernel holds the SYN meanwhile and sends it, encrypted, once the SA exists."
say "(The client sends 4 times, 1.5 s apart, so /proc can show the connection.)"
show_cmd ssa "$cli_name connect -4 -p ipsec -f encrypt -m '$SECRET' -c 4 -i 1500 $SS_B4 $PORT"
ss_bg "$SS_NS_A" client timeout 30 stdbuf -oL "$CLI" connect -4 -p ipsec -f encrypt -m "$SECRET" -c 4 -i 1500 "$SS_B4" "$PORT"
cpid=$SS_BG_PID
ss_wait 20 "the client's first echo" grep -qE '^(echo|connect):' "$SS_STATE/client.log" || true
# Both namespaces at once: starting a process takes a while under TCG.
proc_sockets "$SS_NS_A" >"$SS_STATE/proc-a" &
pa=$!
proc_sockets "$SS_NS_B" >"$SS_STATE/proc-b" &
pb=$!
wait "$pa" "$pb" || true
proc_a=$(cat "$SS_STATE/proc-a")
proc_b=$(cat "$SS_STATE/proc-b")
crc=0
wait "$cpid" || crc=$?
out3=$(cat "$SS_STATE/client.log")
indent <<<"$out3"
ms3=$(connect_ms "$out3")
q=$(query_line "$out3")
say
say "/proc/net/socksec while the connection was open:"
say "  ssa (client):"
indent <<<"${proc_a:-(no protected socket listed)}"
say "  ssb (server: the listener and the socket it accepted):"
indent <<<"${proc_b:-(no protected socket listed)}"
say "  counters in ssa: $(proc_counters "$SS_NS_A" out_protected out_held in_protected aborted_hold_timeout)"
say
claim "connected in ${ms3:-?} ms: held while IKE ran, not refused" test "$crc" -eq 0 -a -n "${ms3:-}"
claim "the secret came back (4 round trips)" test "$(grep -c "^echo: $SECRET" <<<"$out3")" -eq 4
claim "the query says ENCRYPTED: $(query_field state "$q")" grep -q 'state=required,secured,encrypted ' <<<"$q"
claim "with real SPIs: out $(query_field spi_out "$q"), in $(query_field spi_in "$q")" \
	eval "[[ '$(query_field spi_out "$q")' =~ ^0x[0-9a-f]{8}$ && '$(query_field spi_out "$q")' != 0x00000000 && '$(query_field spi_in "$q")' != 0x00000000 ]]"
claim "and a real cipher: $(query_field enc "$q") (AES-GCM)" test "$(query_field enc "$q")" = "rfc4106(gcm(aes))"
claim "/proc/net/socksec lists the client socket as encrypted" \
	grep -qE "^tcp $SS_A4:[0-9]+ $SS_B4:$PORT ipsec 0x1 encrypted spi_out=0x[0-9a-f]{8} " <<<"$proc_a"
claim "the server's accepted socket inherited the requirement, encrypted" \
	grep -qE "^tcp $SS_B4:$PORT $SS_A4:[0-9]+ ipsec 0x1 encrypted " <<<"$proc_b"

heading "Step 4: what went over the wire"
capture_stop "$pcap"
say "Every frame the capture on ssa's cable saw, from step 1 to here:"
scan=$(ss_pcapscan "$pcap" --marker "$SECRET" --port "$PORT")
key() { sed -n "s/^$1=//p" <<<"$scan"; }
n_all=$(key frames) n_ike=$(key ike) n_esp=$(key esp) n_ah=$(key ah)
n_tcp=$(key clear_tcp) n_udp=$(key clear_udp)
n_port=$(key clear_port) n_mark=$(key marker)
# The frames as tcpdump reads them back (seconds since the first frame).
tcpdump -r "$pcap" -n -ttttt 2>/dev/null | awk '{
	split($1, t, ":"); $1 = ""
	printf "%7.3f s %s\n", t[1] * 3600 + t[2] * 60 + t[3], $0 }' | indent
# Clear TCP/UDP payload of the protected port, as tcpdump counts it (ESP
# hides the TCP header, so an ESP packet never matches "tcp port").
clear_bytes=$(tcpdump -r "$pcap" -n "(tcp or udp) and port $PORT" 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) if ($i == "length") b += $(i + 1) + 0 } END { print b + 0 }')
say "(The first ESP packet is the client's SYN: the kernel held it until the SA"
say "existed, then sent it encrypted. The refused attempt of step 1 sent nothing.)"
say
say "By protocol: $n_all frames = $n_ike IKE (UDP 500) + $n_esp ESP + $n_ah AH + $n_tcp clear TCP + $n_udp other clear UDP"
say
claim "IKE negotiated on demand ($n_ike IKE packets)" test "$n_ike" -ge 2
claim "the protected traffic flowed as ESP ($n_esp ESP packets)" test "$n_esp" -ge 10
claim "nothing else on the wire: IKE + ESP = all $n_all frames" test $((n_ike + n_esp)) -eq "$n_all"
claim "$n_port clear-text TCP/UDP packets to or from port $PORT" test "$n_port" -eq 0
claim "the secret appears in $n_mark frames" test "$n_mark" -eq 0
claim "$clear_bytes clear-text payload bytes of the protected socket on the wire" \
	test "$clear_bytes" -eq 0 -a "$n_port" -eq 0 -a "$n_mark" -eq 0

heading "Step 5: control - a capture does see clear text when there is some"
say "An ordinary socket (no socksec settings) on the same hosts, to a plain server:"
sx_server "$SS_NS_B" plain -4 -n 0 "$PLAIN_PORT"
pcap2=$OUT/demo-control.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap2"
show_cmd ssa "$cli_name connect -4 -m '$PLAIN' $SS_B4 $PLAIN_PORT"
out5=$(ns_exec "$SS_NS_A" timeout 30 "$CLI" connect -4 -m "$PLAIN" "$SS_B4" "$PLAIN_PORT" 2>&1) || true
indent <<<"$out5"
capture_stop "$pcap2"
n_plain=$(tcpdump -r "$pcap2" -n -A 2>/dev/null | grep -c -- "$PLAIN" || true)
tcpdump -r "$pcap2" -n -A 2>/dev/null | grep -o -- "$PLAIN" | head -n 1 | sed 's/^/    tcpdump -A shows: /' || true
claim "unprotected sockets are unaffected (echo in clear)" grep -q "^echo: $PLAIN" <<<"$out5"
claim "its text is visible on the wire in $n_plain frames: the capture would have caught a leak" \
	test "$n_plain" -ge 1

finish
