#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix, administration and life-cycle faults
# (Documentation/faults.rst):
#  4. the defaults change under a connected DEFAULT stream: DEFAULT is
#     resolved per packet, so the stream follows them at once (tighter
#     flags it meets survive, mode=off lets it go in clear and enforce
#     protects it again, a default it cannot meet aborts it);
#  7. a held socket floods xfrm's hold queue: at most 32 packets per user
#     wait, the rest fail with ENOBUFS, and once the socket is aborted its
#     held packets are freed;
#  6. rmmod with protected sockets open and packets held: refused (the
#     module pins itself once used), enforcement goes on;
#  5. the network namespace is deleted with protected sockets open and
#     packets held: the sockets are aborted as usual, and the namespace is
#     dismantled once its last socket is gone.
# Not one protected byte leaves in clear (except under mode=off, by
# design, which the capture of that phase shows).
set -euo pipefail
# shellcheck source=../socksec.sh
source "$(dirname "${BASH_SOURCE[0]}")/../socksec.sh"

M=SOCKSEC-SECRET-LIFE
pcap=$SS_OUT/faults_life.pcap
pcap_dflt=$SS_OUT/faults_life-defaults.pcap
pcap_off=$SS_OUT/faults_life-off.pcap
pcap_on=$SS_OUT/faults_life-on.pcap
pcap_ns=$SS_OUT/faults_life-netns.pcap
PY="$SS_STATE/held.py"

# held.py flood DST PORT: three protected UDP sockets (two of root, one of
# uid 1000) with IP_RECVERR send datagrams to DST, which nobody
# negotiates SAs for; prints what each managed to queue, the bytes each
# has in flight (SIOCOUTQ: its held packets), waits for the hold timeout
# and prints them again.
# held.py udp DST PORT N SECS: N datagrams, then linger.
cat >"$PY" <<'EOF'
import fcntl, os, socket, struct, sys, time
def mk(uid=0):
    if uid:
        os.seteuid(uid)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if uid:
        os.seteuid(0)
    s.setsockopt(socket.SOL_IP, 4800, struct.pack('II', 1, 1))
    s.setsockopt(socket.SOL_IP, 11, 1)  # IP_RECVERR
    return s
def send(s, n, dst, msg):
    ok, errs = 0, {}
    for _ in range(n):
        try:
            s.sendto(msg, dst)
            ok += 1
        except OSError as e:
            errs[e.errno] = errs.get(e.errno, 0) + 1
    return ok, errs
def outq(s):
    return struct.unpack('i', fcntl.ioctl(s, 0x5411, b'\0' * 4))[0]
cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
msg = sys.argv[4].encode() if len(sys.argv) > 4 else b'x'
if cmd == 'udp':
    s = mk()
    print('queued', *send(s, int(sys.argv[5]), (host, port), msg), flush=True)
    time.sleep(float(sys.argv[6]))
    sys.exit(0)
socks = {'root1': mk(), 'root2': mk(), 'uid1000': mk(1000)}
for name, n in (('root1', 200), ('root2', 20), ('uid1000', 200)):
    ok, errs = send(socks[name], n, (host, port), msg)
    print(f'{name} sent={n} queued={ok} enobufs={errs.get(105, 0)} '
          f'other={sum(v for k, v in errs.items() if k != 105)} '
          f'outq={outq(socks[name])}', flush=True)
time.sleep(float(sys.argv[5]))
for name, s in socks.items():
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print(f'{name} after outq={outq(s)} so_error={err}', flush=True)
EOF

stream() {
	ss_bg "$SS_NS_A" "$1" "$SX_CLI" connect -4 -p default -c "$2" -i 200 \
		-w "$(sx_ms 20000)" -m "$3" "$SS_B4" 7000
	SPID=$SS_BG_PID
}
echoes() {
	grep -c '^echo:' "$SS_STATE/$1.log" || true
}
# more_echoes NAME N: wait until the stream has N more echoes than now.
more_echoes() {
	local want=$(($(echoes "$1") + $2))
	ss_wait 30 "$want echoes of $1" eval \
		"[[ \$(echoes $1) -ge $want ]] || ! kill -0 $SPID" || true
	[[ $(echoes "$1") -ge $want ]]
}
client_line() {
	ip netns exec "$SS_NS_A" cat /proc/net/socksec |
		awk '$1 == "tcp" && index($3, ":7000")' | head -n 1
}
# knob_step DESC KNOB VALUE: change a knob under the stream; it must go on.
knob_step() {
	local desc=$1 a0
	a0=$(sx_aborts "$SS_NS_A")
	sx_knob "$2" "$3"
	tap_check "$desc: the stream goes on" more_echoes dflt 3
	tap_diag "  $(client_line)"
	tap_check "$desc: no abort" test "$(sx_aborts "$SS_NS_A")" -eq "$a0"
}

ns_setup
ss_preload_crypto
sx_ondemand 15000
sx_server "$SS_NS_B" tcp4 -4 -p ipsec -n 0 7000
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap_dflt"
charon_start "$SS_NS_A" ondemand
charon_start "$SS_NS_B" ondemand

# --- 4. Defaults changed under a connected DEFAULT socket ----------------------
sx_knob default_protocol ipsec
sx_knob default_flags 0
# 400 echoes, 80 s or more: it outlasts the steps below, scaled with them.
stream dflt "$(sx_ms 400)" "$M"
tap_check "DEFAULT stream secured" more_echoes dflt 2
tap_diag "  $(client_line)"
knob_step "default_flags=0x1 (encryption, met by the AEAD SA)" default_flags 0x1
tap_check "  and /proc/net/socksec shows the new flags at once" \
	eval 'client_line | grep -q " ipsec 0x1 encrypted "'
knob_step "default_protocol=any (met by IPsec)" default_protocol any
knob_step "default_flags=0x2 (clear text allowed; the SA still protects)" default_flags 0x2
tap_check "  still encrypted" eval 'client_line | grep -q " encrypted "'
knob_step "mode=audit" mode audit
sx_knob default_flags 0
sx_knob default_protocol ipsec

# mode=off: enforcement and the on-demand policies go, the stream goes on
# in clear, by design. The stream pauses (SIGSTOP) while the captures
# switch, so each capture holds only its own phase.
kill -STOP "$SPID"
sleep 0.5
capture_stop "$pcap_dflt"
tap_check "capture (defaults changed, enforced): no clear text" \
	assert_no_cleartext "$pcap_dflt" "$M" 7000
sx_knob mode off
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap_off"
kill -CONT "$SPID"
tap_check "mode=off: the stream goes on" more_echoes dflt 3
kill -STOP "$SPID"
sleep 0.5
capture_stop "$pcap_off"
tap_check "mode=off: in clear, by design (the capture sees it)" \
	test "$(count_clear_port "$pcap_off" 7000)" -gt 0
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap_on"
a0=$(sx_aborts "$SS_NS_A")
sx_knob mode enforce
kill -CONT "$SPID"
tap_check "mode=enforce again: the stream goes on" more_echoes dflt 3
tap_diag "  $(client_line)"
tap_check "mode=enforce again: protected again, not aborted" \
	eval 'client_line | grep -q " encrypted " && test "$(sx_aborts "$SS_NS_A")" -eq "$a0"'

# A default the connection cannot meet: kernel TLS was never set up, so
# its next payload byte is refused and the connection aborted (EACCES).
before=$(sx_counter "$SS_NS_A" aborted_no_ktls)
sx_knob default_protocol ktls
ss_wait 20 "DEFAULT stream to end" eval "! kill -0 $SPID" || true
sed 's/^/#   /' <(tail -n 4 "$SS_STATE/dflt.log")
tap_check "default_protocol=ktls: the stream is aborted with EACCES" \
	grep -Eq '(send|recv): .*\(errno 13\)' "$SS_STATE/dflt.log"
tap_check "default_protocol=ktls: counted aborted_no_ktls" \
	test "$(sx_counter "$SS_NS_A" aborted_no_ktls)" -gt "$before"
sx_knob default_protocol ipsec
capture_stop "$pcap_on"
tap_check "capture (after mode=enforce): no clear text" \
	assert_no_cleartext "$pcap_on" "$M" 7000

# --- 7 and 6. A flood of held packets; rmmod meanwhile ----------------------------
# No IKE daemon from here on: protected packets wait until the hold timeout.
charon_stop "$SS_NS_A"
charon_stop "$SS_NS_B"
ip -n "$SS_NS_A" xfrm state flush
ip -n "$SS_NS_B" xfrm state flush
sx_knob hold_timeout_ms 4000
capture_start "$SS_NS_A" "$SS_IF_A" "$pcap"
limited0=$(sx_counter "$SS_NS_A" out_hold_limited)
ss_bg "$SS_NS_A" flood python3 "$PY" flood "$SS_B4" 7300 "$M" "$(sx_ms 6)"
fpid=$SS_BG_PID
# Another user's held connect (its SYN would take a place in root's share).
ss_bg "$SS_NS_A" tcpheld setpriv --reuid=2000 --regid=2000 --clear-groups \
	"$SX_CLI" connect -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
tpid=$SS_BG_PID
ss_wait 20 "the flood to be queued" grep -q '^uid1000 sent' "$SS_STATE/flood.log" || true
sed 's/^/#   /' "$SS_STATE/flood.log"
q() { sed -n "s/^$1 sent=.* queued=\\([0-9]*\\) .*/\\1/p" "$SS_STATE/flood.log"; }
e() { sed -n "s/^$1 sent=.* enobufs=\\([0-9]*\\) .*/\\1/p" "$SS_STATE/flood.log"; }
o() { sed -n "s/^$1 sent=.* outq=\\([0-9]*\\)$/\\1/p" "$SS_STATE/flood.log"; }
tap_check "flood: root's first socket queued 32 datagrams, 168 got ENOBUFS" \
	test "$(q root1)" = 32 -a "$(e root1)" = 168
tap_check "flood: root's second socket shares that bound: all 20 got ENOBUFS" \
	test "$(q root2)" = 0 -a "$(e root2)" = 20
tap_check "flood: another user has a bound of its own: 32 queued, 168 ENOBUFS" \
	test "$(q uid1000)" = 32 -a "$(e uid1000)" = 168
tap_check "flood: the held datagrams are all the flooder has in flight (outq > 0)" \
	test "$(o root1)" -gt 0 -a "$(o uid1000)" -gt 0
tap_check "flood: counted out_hold_limited" \
	test "$(sx_counter "$SS_NS_A" out_hold_limited)" -ge $((limited0 + 356))

# 6. rmmod now, with protected sockets open and packets held.
rm_out=$(rmmod socksec 2>&1) && rm_rc=0 || rm_rc=$?
tap_diag "rmmod socksec: rc=$rm_rc: $rm_out"
tap_check "rmmod with held packets: refused, module in use" \
	eval 'test $rm_rc -ne 0 && grep -qi "in use" <<<"$rm_out"'
dm_err=$(python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(176, b"socksec", os.O_NONBLOCK)
print(ctypes.get_errno() if r else 0)')
tap_check "delete_module(socksec, O_NONBLOCK): EWOULDBLOCK (errno $dm_err)" \
	test "$dm_err" -eq 11
tap_check "the module stays, pinned (refcnt $(cat /sys/module/socksec/refcnt))" \
	test "$(cat /sys/module/socksec/refcnt)" -ge 1 -a -e "$SX_SYSFS/mode"

ss_wait 20 "the flood's sockets to be aborted" grep -q '^uid1000 after' "$SS_STATE/flood.log" || true
sed -n 's/^/#   /; /after/p' "$SS_STATE/flood.log"
tap_check "flood: every socket aborted after the hold timeout (ENOKEY), held packets freed (outq 0)" \
	eval '[[ $(grep -c "after outq=0 so_error=126$" "$SS_STATE/flood.log") -eq 3 ]]'
ss_wait 20 "the held connect to end" eval "! kill -0 $tpid" || true
sed 's/^/#   /' "$SS_STATE/tcpheld.log"
tap_check "rmmod refused: enforcement went on, the held connect got ENOKEY" \
	grep -q '^connect: .*(errno 126)' "$SS_STATE/tcpheld.log"
ss_stop_pid "$fpid" 2
rm_out=$(rmmod socksec 2>&1) && rm_rc=0 || rm_rc=$?
tap_check "every protected socket closed: rmmod still refused (pinned until reboot)" \
	eval 'test $rm_rc -ne 0 && grep -q "^socksec " /proc/modules'
capture_stop "$pcap"
tap_check "capture (defaults, flood, rmmod): no clear text" \
	assert_no_cleartext "$pcap" "$M" 7000
tap_check "capture (flood): no datagram to port 7300 at all" \
	test "$(count_clear_port "$pcap" 7300)" -eq 0

# --- 5. The namespace deleted under protected sockets with held packets ------------
# A probe link into the client's namespace: it goes when the namespace
# is dismantled (its devices are unregistered first).
ip link add ssprobe type veth peer name ssprobe netns "$SS_NS_A"
sx_knob hold_timeout_ms 8000
capture_start "$SS_NS_B" "$SS_IF_B" "$pcap_ns"
held0=$(sx_counter "$SS_NS_A" out_held)
ss_bg "$SS_NS_A" nsudp python3 "$PY" udp "$SS_B4" 7300 "$M" 5 "$(sx_ms 60)"
upid=$SS_BG_PID
ss_wait 20 "datagrams held" grep -q queued "$SS_STATE/nsudp.log" || true
ss_bg "$SS_NS_A" nsopen "$SX_CLI" connect -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
opid=$SS_BG_PID
ss_bg "$SS_NS_A" nsclosed "$SX_CLI" connect -4 -p ipsec -f encrypt -m "$M" "$SS_B4" 7000
cpid=$SS_BG_PID
ss_wait 10 "SYNs held" eval \
	"[[ \$(sx_counter $SS_NS_A out_held) -ge \$((held0 + 7)) ]]" || true
tap_diag "held: $(( $(sx_counter "$SS_NS_A" out_held) - held0 )) packets"
t0=$(ss_now_ms)
ip netns del "$SS_NS_A"
# Two of the three sockets close with their packets still held.
tap_check "namespace deleted while all three sockets wait" \
	eval 'kill -0 $opid && kill -0 $cpid && kill -0 $upid'
kill -KILL "$cpid" "$upid" 2>/dev/null || true
ss_reap "$cpid"
ss_reap "$upid"
ss_wait 20 "the open socket's connect to end" eval "! kill -0 $opid" || true
sed 's/^/#   /' "$SS_STATE/nsopen.log"
tap_check "namespace deleted: its open socket is aborted with ENOKEY, as anywhere" \
	grep -q '^connect: .*(errno 126)' "$SS_STATE/nsopen.log"
ss_reap "$opid"
ss_wait 30 "the namespace to be dismantled" eval "! ip link show ssprobe" || true
t1=$(ss_now_ms)
tap_check "namespace dismantled once its last socket went ($((t1 - t0)) ms): nothing keeps it" \
	eval '! ip link show ssprobe >/dev/null 2>&1'
tap_check "the kernel is sound: no BUG, WARNING or leak report in dmesg" \
	eval '! dmesg | grep -Eq "BUG:|WARNING:|kmemleak: [0-9]+ new suspected|refcount_t|unregister_netdevice: waiting"'
capture_stop "$pcap_ns"
tap_check "capture (namespace deleted): no clear text" \
	assert_no_cleartext "$pcap_ns" "$M" 7000
tap_check "capture (namespace deleted): no datagram to port 7300" \
	test "$(count_clear_port "$pcap_ns" 7300)" -eq 0

tap_done
