# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - building blocks for socksec's IPsec scenarios.
#
# Source it from a bash scenario script that runs as root inside the test VM
# (tools/testing/vm/run.sh -- tools/testing/ipsec/SCENARIO.sh):
#
#   #!/bin/bash
#   set -euo pipefail
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   ns_setup
#   charon_start ssa; charon_start ssb
#   ...
#   tap_done
#
# Sourcing installs an EXIT trap that stops captures, charons and background
# helpers and deletes the namespaces, whatever way the script ends.  Use
# ss_atexit to add cleanups of your own instead of replacing the trap.
#
# Topology (ns_setup):
#
#   netns ssa (client)                      netns ssb (server)
#   vssa 192.0.2.1/24  2001:db8::1/64 <--veth--> vssb 192.0.2.2/24  2001:db8::2/64
#
# API (all waits are bounded; functions return non-zero on failure):
#
#   ns_setup                 fresh ssa/ssb joined by veth, lo up, IPv6 nodad,
#                            static neighbour entries (no ARP/NDP);
#                            SS_CHECK_REACH=1 also checks reachability
#   ns_teardown              kill everything started here, delete the netns;
#                            idempotent
#   ns_exec NS CMD...        run CMD in NS (ip netns exec)
#   charon_start NS [VARIANT]
#                            start a charon in NS with its own /run (vici
#                            socket, pid file), strongswan.conf and
#                            swanctl.conf; VARIANT is a file name in
#                            swanctl/ without .conf (default: ondemand) or a
#                            path; placeholders @LOCAL4@ @REMOTE4@ @LOCAL6@
#                            @REMOTE6@ @MARK@ @MARK_OUT@ are filled in
#                            (SS_MARK_OUT, default MARK/MARK); loads it and
#                            waits until its connections (and traps) are
#                            loaded
#   charon_stop NS           SIGTERM (charon deletes its SAs), then SIGKILL
#   charon_kill NS           SIGKILL: the daemon dies, kernel SAs stay
#   charon_running NS        true while NS's charon process lives
#   charon_log NS            path of NS's charon log file
#   ss_swanctl NS ARGS...    swanctl against NS's charon (--uri added)
#   ss_preload_crypto        modprobe xfrm/ESP/AEAD modules (missing ok)
#   capture_start NS IFACE FILE
#                            tcpdump --immediate-mode -U -w FILE, returns
#                            once tcpdump is listening
#   capture_stop [FILE]      SIGINT the capture of FILE (default: all) and
#                            wait for it; fails if the kernel dropped packets
#   assert_no_cleartext FILE MARKER [PORT]
#                            fail (printing the offending frames) if a frame
#                            holds MARKER or a clear TCP/UDP packet has PORT
#   count_esp FILE [SRC [DST]]   ESP packets (optionally SRC -> DST)
#   count_ike FILE [SRC [DST]]   IKE packets (UDP 500/4500)
#   count_marker FILE MARKER     frames holding MARKER
#   count_clear_port FILE PORT   clear TCP/UDP packets with PORT
#   xfrm_sa_count NS SRC DST [REQID]
#                            installed (non-larval) ESP SAs SRC -> DST
#   xfrm_larval_count NS     larval (ACQUIRE pending) states
#   xfrm_mark_policy NS [MARK [REQID [LO6]]]
#                            emulate socksec: global OUT policies (v4+v6)
#                            matching MARK with "tmpl proto esp mode
#                            transport reqid REQID", and higher-priority
#                            allow policies for marked loopback traffic
#   xfrm_loopback_allow_v6 NS [MARK]
#                            allow marked traffic to ::1 and NS's own IPv6
#                            addresses (IPv6 misses "dev lo", see below)
#   xfrm_mark_policy_kick NS [MARK [REQID]]
#                            re-insert the mark policies: the hold queue is
#                            processed at once instead of at its next
#                            back-off tick
#   ss_bg NS NAME CMD...     run CMD in NS in the background, output in
#                            $SS_STATE/NAME.log; sets SS_BG_PID
#   ss_stop_pid PID [SECS]   SIGTERM, wait, SIGKILL; reaps
#   ss_wait SECS DESC CMD... poll CMD every 0.1 s until it succeeds
#   ss_atexit CMD...         run CMD (eval'ed) at exit, before the teardown
#   tap_plan N | tap_ok DESC | tap_fail DESC [DETAIL...] |
#   tap_skip DESC REASON | tap_check DESC CMD... | tap_diag TEXT... |
#   tap_done                 kselftest-style TAP; tap_done prints the totals
#                            line and exits 1 if anything failed
#
# Variables (set before sourcing to override): SS_NS_A SS_NS_B SS_IF_A
# SS_IF_B SS_A4 SS_B4 SS_A6 SS_B6; SS_MARK (default: the loaded module's
# /sys/kernel/socksec/ipsec_mark, else 0x10000000); SS_MARK_OUT; SS_REQID
# (4242); SS_LOG_TAG (suffix of saved charon logs); SS_STATE (scratch
# directory, not under /run); SS_OUT (captures and logs, default
# $SOCKSEC_VM_OUT); SS_CHARON (charon binary); SS_CHARON_LOGLEVEL;
# SS_KEEP=1 keeps SS_STATE.  Outside the VM (SOCKSEC_VM unset) nothing
# runs unless SS_ALLOW_HOST=1.
#
# Helpers next to this file: pcapscan.py (what a capture holds, without
# tshark) and sockprobe.py (TCP/UDP echo server and measuring client, with
# SO_MARK), see their --help.

if [[ -n "${SS_LIB_LOADED:-}" ]]; then
	return 0
fi
SS_LIB_LOADED=1

SS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck disable=SC2034 # for scenarios
SS_REPO="$(cd "$SS_DIR/../../.." && pwd -P)"

if [[ -z "${SOCKSEC_VM:-}" && "${SS_ALLOW_HOST:-0}" != 1 ]]; then
	echo "lib.sh: refusing to run outside the test VM (it creates network" \
		"namespaces and starts IKE daemons); use tools/testing/vm/run.sh" \
		"or set SS_ALLOW_HOST=1" >&2
	exit 4
fi
if [[ $EUID -ne 0 ]]; then
	echo "lib.sh: must run as root" >&2
	exit 4
fi

: "${SS_NS_A:=ssa}" "${SS_NS_B:=ssb}"
: "${SS_IF_A:=vssa}" "${SS_IF_B:=vssb}"
: "${SS_A4:=192.0.2.1}" "${SS_B4:=192.0.2.2}"
: "${SS_A6:=2001:db8::1}" "${SS_B6:=2001:db8::2}"
# The mark bit of protected sockets: the loaded module's, else 0x10000000.
if [[ -z "${SS_MARK:-}" && -r /sys/kernel/socksec/ipsec_mark ]]; then
	SS_MARK="$(cat /sys/kernel/socksec/ipsec_mark 2>/dev/null || true)"
fi
: "${SS_MARK:=0x10000000}" "${SS_REQID:=4242}"
: "${SS_CHARON:=/usr/lib/ipsec/charon}"
: "${SS_CHARON_LOGLEVEL:=1}"
: "${SS_KEEP:=0}"
if [[ -z "${SS_STATE:-}" ]]; then
	SS_STATE="$(mktemp -d /tmp/socksec-ipsec.XXXXXX)"
else
	mkdir -p "$SS_STATE"
fi
case "$SS_STATE" in
/run | /run/* | /var/run | /var/run/*)
	echo "lib.sh: SS_STATE must not be under /run (charon's /run is a bind mount)" >&2
	exit 4
	;;
esac
: "${SS_OUT:=${SOCKSEC_VM_OUT:-$SS_STATE}}"
mkdir -p "$SS_OUT"

SS_PCAPSCAN="$SS_DIR/pcapscan.py"
# shellcheck disable=SC2034 # for scenarios
SS_SOCKPROBE="$SS_DIR/sockprobe.py"

declare -gA SS_CHARON_PID=()
declare -gA SS_CHARON_TAG=()
declare -gA SS_CAPTURE_PID=()
declare -gA SS_CAPTURE_LOG=()
declare -ga SS_BG_PIDS=()
declare -ga SS_ATEXIT=()
SS_BG_PID=""
SS_CRYPTO_LOADED=0

# --- small helpers -------------------------------------------------------

ss_log() {
	echo "# $*" >&2
}

ss_now_ms() {
	local t
	t="$(cat /proc/uptime)"
	t="${t%% *}"
	echo $(( ${t%.*} * 1000 + 10#${t#*.} * 10 ))
}

# ss_wait SECS DESC CMD...: poll CMD every 0.1 s for at most SECS seconds.
ss_wait() {
	local secs="$1" desc="$2"
	shift 2
	# Scaled on a slow kernel (SOCKSEC_TIME_SCALE, debug/guest.sh).
	secs=$(( ${secs%.*} * ${SOCKSEC_TIME_SCALE:-1} ))
	local end=$(( $(ss_now_ms) + secs * 1000 ))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if (( $(ss_now_ms) >= end )); then
			ss_log "timed out after ${secs}s waiting for $desc"
			return 1
		fi
		sleep 0.1
	done
}

ss_pid_alive() {
	kill -0 "$1" 2>/dev/null
}

# Reap a child without tripping set -e, whatever its status.
ss_reap() {
	# The braces also silence bash's "Killed" job notice.
	{ wait "$1"; } 2>/dev/null || true
}

# ss_stop_pid PID [SECS]: SIGTERM, wait up to SECS (default 5), SIGKILL.
ss_stop_pid() {
	local pid="$1" secs="${2:-5}"
	[[ -n "$pid" ]] || return 0
	if ss_pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! ss_wait "$secs" "pid $pid to exit after SIGTERM" eval "! kill -0 $pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			ss_wait 5 "pid $pid to exit after SIGKILL" eval "! kill -0 $pid" || true
		fi
	fi
	ss_reap "$pid"
}

ns_exec() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@"
}

# ss_bg NS NAME CMD...: background CMD in NS; output in $SS_STATE/NAME.log.
ss_bg() {
	local ns="$1" name="$2"
	shift 2
	ip netns exec "$ns" "$@" >"$SS_STATE/$name.log" 2>&1 </dev/null &
	SS_BG_PID=$!
	SS_BG_PIDS+=("$SS_BG_PID")
}

ss_atexit() {
	SS_ATEXIT+=("$*")
}

# --- namespaces ----------------------------------------------------------

ss_ns_exists() {
	[[ -e "/run/netns/$1" ]]
}

ns_setup() {
	local a="$SS_NS_A" b="$SS_NS_B"
	ns_teardown
	ip netns add "$a"
	ip netns add "$b"
	ip link add "$SS_IF_A" netns "$a" type veth peer name "$SS_IF_B" netns "$b"
	local ns ifc ip4 ip6 peer4 peer6 mac mac_a mac_b
	mac_a="$(ip -n "$a" -br link show dev "$SS_IF_A" | awk '{ print $3 }')"
	mac_b="$(ip -n "$b" -br link show dev "$SS_IF_B" | awk '{ print $3 }')"
	for ns in "$a" "$b"; do
		if [[ "$ns" == "$a" ]]; then
			ifc="$SS_IF_A" ip4="$SS_A4" ip6="$SS_A6" peer4="$SS_B4" peer6="$SS_B6" mac="$mac_b"
		else
			ifc="$SS_IF_B" ip4="$SS_B4" ip6="$SS_B6" peer4="$SS_A4" peer6="$SS_A6" mac="$mac_a"
		fi
		ns_exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf."$ifc".router_solicitations=0
		# Permanent neighbour entries: no ARP/NDP in the captures, and
		# the first protected packet never waits for address resolution.
		ip -n "$ns" -batch - <<EOF
link set lo up
addr add $ip4/24 dev $ifc
addr add $ip6/64 dev $ifc nodad
link set $ifc up
neigh replace $peer4 lladdr $mac dev $ifc nud permanent
neigh replace $peer6 lladdr $mac dev $ifc nud permanent
EOF
	done
	ss_wait 10 "veth carrier" eval \
		"ip -n $a link show $SS_IF_A | grep -q LOWER_UP && ip -n $b link show $SS_IF_B | grep -q LOWER_UP"
	if [[ "${SS_CHECK_REACH:-0}" == 1 ]]; then
		ss_wait 10 "$SS_B4 reachable from $a" ss_reachable "$a" "$SS_B4"
		ss_wait 10 "$SS_B6 reachable from $a" ss_reachable "$a" "$SS_B6"
	fi
}

# ss_reachable NS ADDR: a TCP connect to a closed port gets its RST back.
ss_reachable() {
	ns_exec "$1" python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.settimeout(2)
try:
    s.connect((a, 9))
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
sys.exit(0)' "$2"
}

ns_teardown() {
	local f ns pid
	for f in "${!SS_CAPTURE_PID[@]}"; do
		capture_stop "$f" >/dev/null 2>&1 || true
	done
	for ns in "${!SS_CHARON_PID[@]}"; do
		charon_stop "$ns" 1 >/dev/null 2>&1 || true
	done
	for pid in "${SS_BG_PIDS[@]}"; do
		ss_stop_pid "$pid" 2 2>/dev/null || true
	done
	SS_BG_PIDS=()
	for ns in "$SS_NS_A" "$SS_NS_B"; do
		ss_ns_exists "$ns" || continue
		# Anything still running in our namespaces was started by us.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	return 0
}

# --- charon ----------------------------------------------------------------

ss_preload_crypto() {
	[[ $SS_CRYPTO_LOADED -eq 0 ]] || return 0
	SS_CRYPTO_LOADED=1
	local m missing=() mods
	# xfrm_user for ip xfrm and charon, ESP, then what aes256gcm16 and
	# null-sha256 instantiate; autoloading them on the first SA takes
	# seconds over 9p and would distort the first connect latency.
	# seqiv/echainiv take the kernel's default RNG ("stdrng"): drbg and
	# its entropy source are modules too.  One modprobe for all: each
	# process start costs under TCG.
	mods=(xfrm_user esp4 esp6 aesni_intel ghash_clmulni_intel gcm
		ghash_generic seqiv echainiv authenc crypto_null sha256_ssse3
		jitterentropy_rng drbg ansi_cprng)
	modprobe -a -q "${mods[@]}" 2>/dev/null || true
	for m in "${mods[@]}"; do
		[[ -d "/sys/module/$m" ]] || missing+=("$m")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		ss_log "preload: not loaded (missing or built in): ${missing[*]}"
	fi
	return 0
}

ss_charon_dir() {
	echo "$SS_STATE/charon-$1"
}

charon_log() {
	echo "$(ss_charon_dir "$1")/charon.log"
}

ss_charon_vici() {
	echo "$(ss_charon_dir "$1")/run/charon.vici"
}

ss_swanctl() {
	local ns="$1"
	shift
	local d
	d="$(ss_charon_dir "$ns")"
	STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" \
		swanctl "$@" --uri "unix://$d/run/charon.vici"
}

ss_addrs_of() {
	# ss_addrs_of NS -> "LOCAL4 REMOTE4 LOCAL6 REMOTE6"
	if [[ "$1" == "$SS_NS_A" ]]; then
		echo "$SS_A4 $SS_B4 $SS_A6 $SS_B6"
	else
		echo "$SS_B4 $SS_A4 $SS_B6 $SS_A6"
	fi
}

ss_write_strongswan_conf() {
	local d="$1" lvl="$SS_CHARON_LOGLEVEL"
	cat >"$d/strongswan.conf" <<EOF
# written by tools/testing/ipsec/lib.sh for one test charon
charon {
	# Only what PSK + IKEv2 + ESP (AES-GCM or NULL) over netlink needs.
	load = random nonce aes sha1 sha2 hmac gcm kdf openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	install_virtual_ip = no
	# Negotiate host <-> host CHILD_SAs instead of prepending the 5-tuple
	# of the packet that triggered the ACQUIRE (one SA pair per peer).
	ignore_acquire_ts = yes
	# Fail fast when the peer is gone (about 7 s instead of 165 s).
	retransmit_tries = 3
	retransmit_timeout = 1.0
	retransmit_base = 1.5
	plugins {
		vici {
			socket = unix:///run/charon.vici
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	filelog {
		charon {
			path = $d/charon.log
			time_format = %H:%M:%S
			time_add_ms = yes
			ike_name = yes
			append = no
			flush_line = yes
			default = $lvl
			knl = $(( lvl > 1 ? lvl : 2 ))
			cfg = $(( lvl > 1 ? lvl : 2 ))
		}
	}
}
swanctl {
	load = random nonce pem pkcs1 x509 pubkey openssl
}
EOF
}

# charon_start NS [VARIANT]
charon_start() {
	local ns="$1" variant="${2:-ondemand}"
	local d src conf pid
	if [[ -n "${SS_CHARON_PID[$ns]:-}" ]]; then
		ss_log "charon_start $ns: already running (pid ${SS_CHARON_PID[$ns]})"
		return 1
	fi
	ss_ns_exists "$ns" || { ss_log "charon_start: no netns $ns"; return 1; }
	if [[ "$variant" == */* ]]; then
		src="$variant"
	else
		src="$SS_DIR/swanctl/$variant.conf"
	fi
	[[ -f "$src" ]] || { ss_log "charon_start: no config $src"; return 1; }
	[[ -x "$SS_CHARON" ]] || { ss_log "charon_start: $SS_CHARON not found"; return 1; }
	ss_preload_crypto

	d="$(ss_charon_dir "$ns")"
	ss_save_charon_log "$ns"
	rm -rf "$d"
	mkdir -p "$d/run" "$d/swanctl"
	chmod 0700 "$d/swanctl"
	local l4 r4 l6 r6
	read -r l4 r4 l6 r6 <<<"$(ss_addrs_of "$ns")"
	conf="$d/swanctl/swanctl.conf"
	sed -e "s|@LOCAL4@|$l4|g" -e "s|@REMOTE4@|$r4|g" \
		-e "s|@LOCAL6@|$l6|g" -e "s|@REMOTE6@|$r6|g" \
		-e "s|@MARK_OUT@|${SS_MARK_OUT:-$SS_MARK/$SS_MARK}|g" \
		-e "s|@MARK@|$SS_MARK|g" "$src" >"$conf"
	chmod 0600 "$conf"
	ss_write_strongswan_conf "$d"

	# ip netns exec already gives a new mount namespace; unshare makes the
	# private one explicit.  /run becomes $d/run for charon only: its pid
	# file and vici socket land there.
	# shellcheck disable=SC2016 # $1 and $2 are sh -c's
	STRONGSWAN_CONF="$d/strongswan.conf" \
		ip netns exec "$ns" unshare --mount --propagation private -- \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$d/run" "$SS_CHARON" \
		>"$d/charon.out" 2>&1 </dev/null &
	pid=$!
	SS_CHARON_PID[$ns]=$pid
	SS_CHARON_TAG[$ns]="${SS_LOG_TAG:-}"
	if ! ss_wait 30 "charon in $ns to create its vici socket" \
		eval "[[ -S '$d/run/charon.vici' ]] || ! kill -0 $pid"; then
		ss_log "charon $ns: last log lines:"
		tail -n 20 "$d/charon.log" "$d/charon.out" 2>/dev/null | sed 's/^/#   /' >&2
		return 1
	fi
	if ! ss_pid_alive "$pid"; then
		ss_log "charon in $ns died at start:"
		tail -n 20 "$d/charon.log" "$d/charon.out" 2>/dev/null | sed 's/^/#   /' >&2
		unset "SS_CHARON_PID[$ns]"
		ss_reap "$pid"
		return 1
	fi
	if ! ss_swanctl "$ns" --load-all --noprompt --file "$conf" >"$d/load.log" 2>&1; then
		ss_log "swanctl --load-all in $ns failed:"
		sed 's/^/#   /' "$d/load.log" >&2
		return 1
	fi
	# Connections with start_action = trap are trapped while loading;
	# wait until the trap manager lists them (bounded).
	local want
	want="$(grep -cE '^[[:space:]]*start_action[[:space:]]*=[[:space:]]*trap' "$conf" || true)"
	if [[ "$want" -gt 0 ]]; then
		ss_wait 10 "$want trap(s) in $ns" eval \
			"[[ \$(ss_swanctl '$ns' --list-pols --trap 2>/dev/null | grep -cE '^[^ ]+/[^ ]+, ') -ge $want ]]" || {
			ss_swanctl "$ns" --list-pols --trap 2>&1 | sed 's/^/#   /' >&2
			return 1
		}
	fi
	return 0
}

# ss_save_charon_log NS: copy NS's charon log to $SS_OUT as
# charon-NS[.TAG].log (TAG: $SS_LOG_TAG when that charon started).
ss_save_charon_log() {
	local ns="$1" d tag
	d="$(ss_charon_dir "$ns")"
	[[ -f "$d/charon.log" && "$SS_OUT" != "$SS_STATE" ]] || return 0
	tag="${SS_CHARON_TAG[$ns]:-}"
	cp "$d/charon.log" "$SS_OUT/charon-$ns${tag:+.$tag}.log" 2>/dev/null || true
}

charon_running() {
	local pid="${SS_CHARON_PID[$1]:-}"
	[[ -n "$pid" ]] && ss_pid_alive "$pid"
}

# charon_stop NS [SECS]
charon_stop() {
	local ns="$1" pid="${SS_CHARON_PID[$1]:-}"
	[[ -n "$pid" ]] || return 0
	ss_stop_pid "$pid" "${2:-5}"
	unset "SS_CHARON_PID[$ns]"
	return 0
}

charon_kill() {
	local ns="$1" pid="${SS_CHARON_PID[$1]:-}"
	[[ -n "$pid" ]] || return 0
	kill -KILL "$pid" 2>/dev/null || true
	ss_wait 5 "charon $pid to die" eval "! kill -0 $pid" || true
	ss_reap "$pid"
	unset "SS_CHARON_PID[$ns]"
	return 0
}

# --- xfrm helpers ------------------------------------------------------------

# xfrm_sa_count NS SRC DST [REQID]: valid (SPI != 0) ESP states SRC -> DST.
xfrm_sa_count() {
	local ns="$1" src="$2" dst="$3" reqid="${4:-}"
	ip -n "$ns" xfrm state 2>/dev/null | awk -v s="$src" -v d="$dst" -v r="$reqid" '
		/^src / { cur = ($2 == s && $4 == d) ; next }
		cur && /proto esp spi/ {
			if ($4 != "0x00000000" && (r == "" || $6 == r)) n++
			cur = 0
		}
		END { print n + 0 }'
}

# xfrm_larval_count NS: states still waiting for the IKE daemon (SPI 0).
xfrm_larval_count() {
	ip -n "$1" xfrm state 2>/dev/null | grep -c 'spi 0x00000000' || true
}

# xfrm_mark_policy NS [MARK [REQID [LO6]]]: what socksec's on-demand mode
# installs, done by hand: marked traffic must go through ESP with REQID;
# marked loopback traffic is allowed in clear (it never reaches a wire).
# IPv4 loopback is matched with "dev lo" (a local route sets flowi4_oif to
# lo).  IPv6 route lookups leave flowi6_oif at 0, so "dev lo" misses
# IPv6 loopback flows at connect() (their packets get queued, an ACQUIRE
# goes out, and only the queue's re-lookup 100 ms later, which decodes
# oif from the skb, lets them through).  LO6=addr (default) therefore
# adds allow policies for ::1 and each IPv6 address of NS; LO6=dev keeps
# only "dev lo" (to show the problem).
xfrm_mark_policy() {
	local ns="$1" mark="${2:-$SS_MARK}" reqid="${3:-$SS_REQID}" lo6="${4:-addr}"
	local m=(mark "$mark" mask "$mark")
	ip -n "$ns" xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dev lo dir out "${m[@]}" \
		priority 10 action allow
	ip -n "$ns" xfrm policy add src ::/0 dst ::/0 dev lo dir out "${m[@]}" \
		priority 10 action allow
	if [[ "$lo6" == addr ]]; then
		xfrm_loopback_allow_v6 "$ns" "$mark"
	fi
	ip -n "$ns" xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out "${m[@]}" \
		priority 100 tmpl proto esp mode transport reqid "$reqid"
	ip -n "$ns" xfrm policy add src ::/0 dst ::/0 dir out "${m[@]}" \
		priority 100 tmpl proto esp mode transport reqid "$reqid"
}

# xfrm_mark_policy_kick NS [MARK [REQID]]: re-insert the mark policies
# ("ip xfrm policy update" with identical settings).  The kernel moves the
# old policy's hold queue to the new one and processes it at once
# (xfrm_policy_requeue), instead of at the next tick of its back-off timer
# (100 ms doubling up to 60 s): held packets whose SA now exists leave now.
xfrm_mark_policy_kick() {
	local ns="$1" mark="${2:-$SS_MARK}" reqid="${3:-$SS_REQID}"
	local m=(mark "$mark" mask "$mark")
	ip -n "$ns" xfrm policy update src 0.0.0.0/0 dst 0.0.0.0/0 dir out "${m[@]}" \
		priority 100 tmpl proto esp mode transport reqid "$reqid"
	ip -n "$ns" xfrm policy update src ::/0 dst ::/0 dir out "${m[@]}" \
		priority 100 tmpl proto esp mode transport reqid "$reqid"
}

# xfrm_loopback_allow_v6 NS [MARK]: allow marked traffic to ::1 and to NS's
# own IPv6 addresses (see xfrm_mark_policy).
xfrm_loopback_allow_v6() {
	local ns="$1" mark="${2:-$SS_MARK}" a
	for a in $( (echo ::1; ip -n "$ns" -6 -o addr show | awk '{ print $4 }' | cut -d/ -f1) | sort -u); do
		ip -n "$ns" xfrm policy add src ::/0 dst "$a/128" dir out \
			mark "$mark" mask "$mark" priority 10 action allow
	done
}

# --- captures ----------------------------------------------------------------

# capture_start NS IFACE FILE
capture_start() {
	local ns="$1" ifc="$2" file="$3" log pid
	if [[ -n "${SS_CAPTURE_PID[$file]:-}" ]]; then
		ss_log "capture_start: $file is already being captured"
		return 1
	fi
	mkdir -p "$(dirname "$file")"
	rm -f "$file"
	log="$SS_STATE/tcpdump.$(basename "$file").log"
	# --immediate-mode: deliver each packet at once (else what is still in
	# the ring when tcpdump stops is lost); -U: flush each packet to FILE;
	# -Z root: do not drop to the tcpdump user (it could not write FILE).
	ip netns exec "$ns" tcpdump -i "$ifc" -n -s 0 -B 4096 --immediate-mode -U \
		-Z root -w "$file" >"$log" 2>&1 </dev/null &
	pid=$!
	SS_CAPTURE_PID[$file]=$pid
	SS_CAPTURE_LOG[$file]="$log"
	if ! ss_wait 20 "tcpdump on $ns/$ifc to listen" \
		eval "grep -q 'listening on' '$log' || ! kill -0 $pid"; then
		cat "$log" >&2
		return 1
	fi
	if ! ss_pid_alive "$pid"; then
		ss_log "tcpdump on $ns/$ifc failed:"
		sed 's/^/#   /' "$log" >&2
		unset "SS_CAPTURE_PID[$file]"
		ss_reap "$pid"
		return 1
	fi
}

# capture_stop [FILE]: stop one capture (default: all); non-zero if tcpdump
# reports packets dropped by the kernel (the capture then proves nothing).
capture_stop() {
	local files=("$@") f pid log rc=0 dropped
	if [[ ${#files[@]} -eq 0 ]]; then
		files=("${!SS_CAPTURE_PID[@]}")
	fi
	[[ ${#files[@]} -gt 0 ]] || return 0
	# Let packets that are still being transmitted reach the tap.
	sleep "${SS_CAPTURE_SETTLE:-0.2}"
	for f in "${files[@]}"; do
		pid="${SS_CAPTURE_PID[$f]:-}"
		[[ -n "$pid" ]] || continue
		log="${SS_CAPTURE_LOG[$f]}"
		kill -INT "$pid" 2>/dev/null || true
		if ! ss_wait 10 "tcpdump $pid to exit" eval "! kill -0 $pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			rc=1
		fi
		ss_reap "$pid"
		unset "SS_CAPTURE_PID[$f]"
		dropped="$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$log" | head -n 1)"
		if [[ -n "$dropped" && "$dropped" != 0 ]]; then
			ss_log "capture $f: $dropped packets dropped by the kernel"
			rc=1
		fi
		if [[ -z "$dropped" ]]; then
			ss_log "capture $f: no statistics from tcpdump:"
			sed 's/^/#   /' "$log" >&2
			rc=1
		fi
		cp "$log" "$f.tcpdump.log" 2>/dev/null || true
	done
	return $rc
}

ss_pcapscan() {
	python3 "$SS_PCAPSCAN" "$@"
}

count_esp() {
	local f="$1" a=()
	if [[ -n "${2:-}" ]]; then a+=(--src "$2"); fi
	if [[ -n "${3:-}" ]]; then a+=(--dst "$3"); fi
	ss_pcapscan "$f" "${a[@]}" --key esp
}

count_ike() {
	local f="$1" a=()
	if [[ -n "${2:-}" ]]; then a+=(--src "$2"); fi
	if [[ -n "${3:-}" ]]; then a+=(--dst "$3"); fi
	ss_pcapscan "$f" "${a[@]}" --key ike
}

count_marker() {
	ss_pcapscan "$1" --marker "$2" --key marker
}

count_clear_port() {
	ss_pcapscan "$1" --port "$2" --key clear_port
}

# ss_show_frames FILE N,N,...: print (at most 20) frames with tshark.
ss_show_frames() {
	local f="$1" list="$2" filter
	# tshark 4.0 wants "frame.number == N || ..." (no set syntax).
	filter="$(tr ',' '\n' <<<"$list" | head -n 20 | sed 's/^/frame.number == /' | paste -sd'|' | sed 's/|/ || /g')"
	[[ -n "$filter" ]] || return 0
	if command -v tshark >/dev/null; then
		tshark -r "$f" -n -t r -Y "$filter" 2>/dev/null | sed 's/^/#   /' >&2 || true
		tshark -r "$f" -n -Y "$filter" -x 2>/dev/null | head -n 60 | sed 's/^/#   /' >&2 || true
	else
		ss_log "(tshark not installed: offending frames $list)"
	fi
}

# assert_no_cleartext FILE MARKER [PORT]
assert_no_cleartext() {
	local f="$1" marker="$2" port="${3:-}" out a
	a=(--marker "$marker")
	if [[ -n "$port" ]]; then
		a+=(--port "$port")
	fi
	if [[ ! -s "$f" ]]; then
		ss_log "assert_no_cleartext: $f missing or empty: nothing proven"
		return 1
	fi
	if ! out="$(ss_pcapscan "$f" "${a[@]}")"; then
		ss_log "assert_no_cleartext: cannot read $f"
		return 1
	fi
	local nm np bad
	nm="$(sed -n 's/^marker=//p' <<<"$out")"
	np="$(sed -n 's/^clear_port=//p' <<<"$out")"
	bad="$(sed -n 's/^bad_frames=//p' <<<"$out")"
	if [[ "$nm" -eq 0 && "$np" -eq 0 ]]; then
		return 0
	fi
	ss_log "CLEAR TEXT in $f: $nm frame(s) with the marker, $np clear packet(s) on port ${port:--}:"
	ss_show_frames "$f" "$bad"
	return 1
}

# --- TAP -----------------------------------------------------------------------

SS_TAP_N=0
SS_TAP_PASS=0
SS_TAP_FAIL=0
SS_TAP_SKIP=0
SS_TAP_STARTED=0
SS_TAP_PLAN=""
SS_TAP_DONE=0

ss_tap_header() {
	if [[ $SS_TAP_STARTED -eq 0 ]]; then
		SS_TAP_STARTED=1
		echo "TAP version 13"
		if [[ -n "$SS_TAP_PLAN" ]]; then
			echo "1..$SS_TAP_PLAN"
		fi
	fi
}

tap_plan() {
	SS_TAP_PLAN="$1"
	ss_tap_header
}

tap_diag() {
	ss_tap_header
	echo "# $*"
}

tap_ok() {
	ss_tap_header
	SS_TAP_N=$((SS_TAP_N + 1))
	SS_TAP_PASS=$((SS_TAP_PASS + 1))
	echo "ok $SS_TAP_N - $*"
}

tap_fail() {
	ss_tap_header
	local desc="$1"
	shift
	SS_TAP_N=$((SS_TAP_N + 1))
	SS_TAP_FAIL=$((SS_TAP_FAIL + 1))
	echo "not ok $SS_TAP_N - $desc"
	local l
	for l in "$@"; do
		echo "# $l"
	done
}

tap_skip() {
	ss_tap_header
	SS_TAP_N=$((SS_TAP_N + 1))
	SS_TAP_SKIP=$((SS_TAP_SKIP + 1))
	echo "ok $SS_TAP_N - $1 # SKIP ${2:-}"
}

# tap_check DESC CMD...: ok if CMD succeeds.
tap_check() {
	local desc="$1"
	shift
	if "$@"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command failed: $*"
	fi
}

ss_tap_totals() {
	local err="${1:-0}"
	if [[ -z "$SS_TAP_PLAN" ]]; then
		echo "1..$SS_TAP_N"
	fi
	echo "# Totals: pass:$SS_TAP_PASS fail:$SS_TAP_FAIL xfail:0 xpass:0 skip:$SS_TAP_SKIP error:$err"
}

tap_done() {
	ss_tap_header
	SS_TAP_DONE=1
	if [[ -n "$SS_TAP_PLAN" && "$SS_TAP_PLAN" -ne "$SS_TAP_N" ]]; then
		tap_fail "plan: $SS_TAP_PLAN tests planned, $SS_TAP_N ran"
	fi
	ss_tap_totals 0
	if [[ $SS_TAP_FAIL -gt 0 ]]; then
		exit 1
	fi
	exit 0
}

# --- exit handling -------------------------------------------------------------

SS_ERR_WHERE=""
set -E
trap 'SS_ERR_WHERE="${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR

ss_collect_logs() {
	local d ns
	[[ "$SS_OUT" != "$SS_STATE" ]] || return 0
	for d in "$SS_STATE"/charon-*; do
		[[ -d "$d" ]] || continue
		ss_save_charon_log "${d##*/charon-}"
	done
	for d in "$SS_STATE"/*.log; do
		[[ -f "$d" ]] || continue
		cp "$d" "$SS_OUT/" 2>/dev/null || true
	done
}

ss_exit() {
	local rc=$? c
	trap - ERR
	set +e
	for c in "${SS_ATEXIT[@]}"; do
		eval "$c" || true
	done
	ns_teardown >/dev/null 2>&1
	ss_collect_logs
	if [[ $SS_TAP_STARTED -eq 1 && $SS_TAP_DONE -eq 0 ]]; then
		echo "not ok $((SS_TAP_N + 1)) - scenario aborted (exit $rc)${SS_ERR_WHERE:+ at $SS_ERR_WHERE}"
		SS_TAP_FAIL=$((SS_TAP_FAIL + 1))
		SS_TAP_N=$((SS_TAP_N + 1))
		ss_tap_totals 1
		[[ $rc -ne 0 ]] || rc=1
	elif [[ $rc -ne 0 && -n "$SS_ERR_WHERE" ]]; then
		echo "# failed at $SS_ERR_WHERE" >&2
	fi
	if [[ "$SS_KEEP" != 1 ]]; then
		rm -rf "$SS_STATE"
	fi
	exit "$rc"
}
trap ss_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
