#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side, TAP: socksec unloads cleanly while no socket has used it,
# and refuses to unload (EBUSY, "in use") once one has, keeping the
# sysfs defaults and the options alive for the sockets that rely on them.
set -uo pipefail
ko=${1:?usage: unload.sh path/to/socksec.ko}
# The TAP also goes to the host, for make check to count.
if [ -z "${UNLOAD_TEE:-}" ] && [ -n "${SOCKSEC_VM_OUT:-}" ]; then
	UNLOAD_TEE=1 "$0" "$@" | tee "$SOCKSEC_VM_OUT/unload.tap"
	exit "${PIPESTATUS[0]}"
fi
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

echo "TAP version 13"
echo "1..10"
check "unused module unloads" "rmmod socksec"
check "sysfs directory gone after unload" "[ ! -e /sys/kernel/socksec ]"
check "module loads again" "insmod '$ko'"
# A socket without settings that carries socksec's mark (SO_MARK) has its
# SYN held on demand, but is no socksec socket: it must not be watched,
# so nothing of socksec's runs once the (unpinned) module is gone.
echo 300 >/sys/kernel/socksec/hold_timeout_ms
echo 1 >/sys/kernel/socksec/protect_loopback
echo 4242 >/sys/kernel/socksec/ipsec_reqid
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, int(sys.argv[1], 0))
s.setblocking(False)
s.connect_ex(("127.0.0.1", 9))
print("held", flush=True)
time.sleep(3)' "$(cat /sys/kernel/socksec/ipsec_mark)" >/tmp/marked.out 2>&1 &
marked=$!
for _ in $(seq 50); do grep -q held /tmp/marked.out && break; sleep 0.1; done
check "a marked socket without settings pins nothing: rmmod" "rmmod socksec"
# Past the hold timeout: a watch left behind would run in freed module code.
sleep 1
check "kernel still sound after the hold timeout; module loads again" "insmod '$ko'"
kill $marked 2>/dev/null
# An unprivileged process protects one socket and keeps it open.
setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 4800, struct.pack("II", 1, 1))
print("protected", flush=True)
time.sleep(30)' > /tmp/holder.out 2>&1 &
holder=$!
for _ in $(seq 50); do grep -q protected /tmp/holder.out && break; sleep 0.1; done
check "unprivileged socket protected" "grep -q protected /tmp/holder.out"
check "rmmod refused once a socket used it" "! rmmod socksec 2>/dev/null"
check "module still loaded and configurable" \
	"[ -e /sys/kernel/socksec/mode ] && grep -q '^socksec ' /proc/modules"
mark=$(cat /sys/kernel/socksec/ipsec_mark)
check "ipsec_mark fixed once used: EBUSY" \
	"! echo 0x00100000 2>/tmp/mark.err >/sys/kernel/socksec/ipsec_mark && grep -q 'busy' /tmp/mark.err"
check "ipsec_mark unchanged" "[ \"\$(cat /sys/kernel/socksec/ipsec_mark)\" = '$mark' ]"
kill $holder 2>/dev/null
echo "# Totals: pass:$((n - fail)) fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
