#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Held packets give their routes back. A route lookup that meets socksec's
# policy while no SA exists gets xfrm's queue bundle, which keeps a
# reference on its route that the kernel never drops; socksec drops it
# (module/xdst.c). Without that, a route a waiting socket used is never
# freed once its table replaces it. Each round here has a protected client
# held and refused (no IKE daemon), then adds and removes an address, which
# makes IPv4 replace its cached routes. Once the namespaces are gone, the
# kernel's count of IPv4 routes (/proc/net/stat/rt_cache) is back where it
# was: no route was lost. The debug kernel's kmemleak checks the same for
# IPv6 in every scenario. Nothing held ever left in clear.
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

HOLD_MS=1000
ROUNDS=6
M=SOCKSEC-SECRET-ROUTES

# The kernel's count of IPv4 routes (dsts), every namespace's.
rt_entries() {
	echo $((16#$(awk 'NR == 2 { print $1 }' /proc/net/stat/rt_cache)))
}

tap_diag "at load: $(dmesg | grep -o 'socksec: xfrm queue bundles.*' || echo 'socksec: no word on queue bundles')"
ns_setup
sx_ondemand $HOLD_MS
pcap=$SS_OUT/route_refs.pcap
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"
sleep 1
before=$(rt_entries)
refused=0
for i in $(seq $ROUNDS); do
	sx_client "$SS_NS_A" -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
	if sx_errno_is 126; then
		refused=$((refused + 1))
	fi
	ip -n "$SS_NS_A" addr add "198.51.100.$i/32" dev "$SS_IF_A"
	ip -n "$SS_NS_A" addr del "198.51.100.$i/32" dev "$SS_IF_A"
done
tap_check "every round: held, then refused with ENOKEY ($refused of $ROUNDS)" \
	test "$refused" -eq $ROUNDS
tap_check "packets were held" test "$(sx_counter "$SS_NS_A" out_held)" -ge $ROUNDS
capture_stop "$pcap"
tap_check "capture: nothing to port 7000 in clear" assert_no_cleartext "$pcap" "$M" 7000

ns_teardown
# The namespaces go in the background (cleanup_net), their routes with them.
gone() { [ "$(rt_entries)" -le $((before + 1)) ]; }
ss_wait 30 "IPv4 routes freed" gone || true
after=$(rt_entries)
tap_check "IPv4 routes after the namespaces went: $after, before: $before" gone

tap_done
