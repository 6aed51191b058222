# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# socksec.sh - scenario helpers for the socksec module itself, on top of
# lib.sh. Source it from a scenario in scenarios/ (run inside the test VM
# with socksec.ko loaded):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"
#
# Everything the scenario prints is also kept as $SS_OUT/NAME.tap, which
# make check counts.
#
#   sx_knob KNOB VALUE       write /sys/kernel/socksec/KNOB and the
#                            namespaces' net.socksec.KNOB; hold_timeout_ms
#                            scaled as sx_ms does
#   sx_ondemand [HOLD_MS]    ipsec_reqid = $SS_REQID, hold_timeout_ms
#   sx_ms MS                 MS scaled by $SOCKSEC_TIME_SCALE (1; the debug
#                            kernel's guest.sh sets it): for bounds on how
#                            long something took (hold timeouts, ss_wait
#                            and sx_client's own timeout scale by it too)
#   sx_server NS NAME ARGS   `socksec serve ARGS` in NS, in the background,
#                            returns once it listens; log: sx_log NAME
#   sx_client NS ARGS        `socksec connect ARGS` in NS; sets SX_RC,
#                            SX_MS (how long connect() took, as the client
#                            measured it) and SX_OUTPUT
#   sx_query_has WORD        SX_OUTPUT's client query state has WORD
#   sx_field KEY [TEXT]      value of KEY=... in the client query line
#   sx_counter NS NAME       a counter of NS's /proc/net/socksec
#   sx_aborts NS             how many connections NS aborted, all reasons
#   sx_errno_is N            the client failed with errno N

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SX_CLI="$SS_REPO/build/tools/socksec"
SX_SYSFS=/sys/kernel/socksec
SX_NAME="$(basename "$0" .sh)"
[[ -x "$SX_CLI" ]] || { echo "socksec.sh: build the tools first (make tools)" >&2; exit 4; }
[[ -d "$SX_SYSFS" ]] || { echo "socksec.sh: socksec.ko is not loaded" >&2; exit 4; }

exec > >(tee "$SS_OUT/$SX_NAME.tap") 2>&1
SX_TEE_PID=$!
# Let tee drain before the VM reports the result.
ss_atexit 'exec >&- 2>&-; wait $SX_TEE_PID'

# A knob for the host (sysfs) and for every scenario namespace, which has
# its own (net.socksec.*) since its creation; ipsec_mark is global.
sx_knob() {
	local ns v=$2
	# The first SA, the daemons, the scenario itself: all slower on a
	# debug kernel, the hold timeout gives them room.
	[[ $1 == hold_timeout_ms ]] && v=$(sx_ms "$v")
	set -- "$1" "$v"
	echo "$2" >"$SX_SYSFS/$1"
	[[ $1 == ipsec_mark ]] && return 0
	for ns in $(ip netns list | awk '{ print $1 }'); do
		ip netns exec "$ns" sh -c "echo '$2' >/proc/sys/net/socksec/$1"
	done
}

sx_ms() {
	echo $(($1 * ${SOCKSEC_TIME_SCALE:-1}))
}

sx_ondemand() {
	sx_knob hold_timeout_ms "${1:-2000}"
	sx_knob ipsec_mark "$SS_MARK"
	sx_knob ipsec_reqid "$SS_REQID"
}

sx_log() {
	cat "$SS_STATE/$1.log"
}

sx_server() {
	local ns=$1 name=$2
	shift 2
	ss_bg "$ns" "$name" "$SX_CLI" serve "$@"
	ss_wait 30 "server $name listening" grep -q '^listening' "$SS_STATE/$name.log"
}

sx_client() {
	local ns=$1
	shift
	SX_RC=0
	SX_OUTPUT=$(ip netns exec "$ns" timeout "$(sx_ms 30)" "$SX_CLI" connect "$@" 2>&1) || SX_RC=$?
	SX_MS=$(sed -n 's/^connected in \([0-9]*\) ms$/\1/p; s/^connect: .* after \([0-9]*\) ms$/\1/p' <<<"$SX_OUTPUT")
	SX_MS=${SX_MS:-0}
	tap_diag "client $* -> rc=$SX_RC, connect() ${SX_MS} ms"
	sed 's/^/#   /' <<<"$SX_OUTPUT"
}

sx_field() {
	local text=${2:-$SX_OUTPUT}
	sed -n "s/^client: .*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$text" | tail -n 1
}

sx_query_has() {
	tr ',' '\n' <<<"$(sx_field state "${2:-$SX_OUTPUT}")" | grep -qx "$1"
}

sx_errno_is() {
	[[ $SX_RC -ne 0 ]] && grep -q "(errno $1)" <<<"$SX_OUTPUT"
}

sx_aborts() {
	local n=0 r
	for r in no_sa weak_sa no_ktls hold_timeout tls_budget; do
		n=$((n + $(sx_counter "$1" "aborted_$r")))
	done
	echo $n
}

sx_counter() {
	ip netns exec "$1" cat /proc/net/socksec | awk -v k="$2" '$1 == k { print $2 }'
}

# sx_sa NS SRC DST SPI [ARGS...]: a manual ESP transport SA (AES-GCM, a
# fixed test key) with socksec's reqid, as an IKE daemon would install it;
# ARGS go to `ip xfrm state add` (lifetimes, ...).
sx_sa() {
	local ns=$1 src=$2 dst=$3 spi=$4
	shift 4
	ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp spi "$spi" \
		reqid "$SS_REQID" mode transport \
		aead 'rfc4106(gcm(aes))' "0x$(printf '5a%.0s' $(seq 36))" 128 "$@"
}
