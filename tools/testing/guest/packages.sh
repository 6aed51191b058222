#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: install the Debian packages of DIR (dpkg-buildpackage's
# output) into the VM's throw-away root, as a new user would, and use them:
# the CLI, its manuals and completion, the library through pkg-config with
# the example program, then remove them. The harness loaded the module
# DKMS built from socksec-dkms on the host. TAP in packages.tap.
#
# Usage: packages.sh DIR
set -uo pipefail
debs=$(realpath "${1:?usage: packages.sh DIR}")
out=${SOCKSEC_VM_OUT:?}
state=$(mktemp -d)
exec > >(tee "$out/packages.tap") 2>&1
tee_pid=$!

n=0 failed=0
check() {
	local desc=$1 o
	shift
	n=$((n + 1))
	if o=$("$@" 2>&1); then
		echo "ok $n $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n $desc"
		sed 's/^/#   /' <<<"$o"
	fi
}
pyj() { # FILE EXPR: a Python expression over FILE's JSON (as j)
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" || { cat "$1"; return 1; }
}
echo "TAP version 13"

# man-db's trigger would re-index every manual of the system, minutes
# over 9p; this root is thrown away with the VM.
rm -f /var/lib/man-db/auto-update
arch=$(dpkg --print-architecture)
ver=$(dpkg-deb -f "$debs"/socksec-tools_*_"$arch".deb Version)
export DEBIAN_FRONTEND=noninteractive
check "dpkg -i libsocksec1 libsocksec-dev socksec-tools $ver" \
	timeout 120 dpkg -i "$debs/libsocksec1_${ver}_$arch.deb" "$debs/libsocksec-dev_${ver}_$arch.deb" \
	"$debs/socksec-tools_${ver}_$arch.deb"
# Its postinst would have DKMS build the module for this kernel, whose
# headers the VM lacks; the host did that build from the same package.
check "socksec-dkms unpacks its DKMS source" eval \
	"dpkg --unpack '$debs/socksec-dkms_${ver}_all.deb' && grep -qx 'PACKAGE_VERSION=\"$ver\"' /usr/src/socksec-$ver/dkms.conf"
lib=$(ldd /usr/bin/socksec | sed -n 's/.*libsocksec\.so\.1 => \([^ ]*\) .*/\1/p')
check "socksec is /usr/bin/socksec, linked to the packaged libsocksec.so.1" eval \
	"[[ \$(command -v socksec) == /usr/bin/socksec && -n '$lib' ]] && dpkg -S '$(realpath -m "${lib:-/none}")' | grep -q '^libsocksec1:'"
check "socksec --version: $ver" eval "[[ \$(socksec --version) == 'socksec $ver' ]]"

socksec serve -4 -p ipsec -f encrypt -n 0 7400 >"$state/srv" 2>&1 &
srv=$!
for _ in $(seq 100); do
	grep -q listening "$state/srv" && break
	sleep 0.1
done
socksec show -j >"$state/show.json"
check "socksec show -j: the packaged CLI lists its protected listener" pyj "$state/show.json" \
	"[s for s in j if s['local']['port'] == 7400 and s['protocol'] == 'ipsec' and s['flag_names'] == ['encrypt']]"
socksec defaults -j >"$state/defaults.json"
check "socksec defaults -j" pyj "$state/defaults.json" "j['mode'] == 'enforce'"
socksec stats -j >"$state/stats.json"
check "socksec stats -j" pyj "$state/stats.json" "j['sockets_protected'] >= 1"

# The library, as a developer uses it.
ex=/usr/share/doc/libsocksec-dev/examples/protected-connect.c
check "the example builds with pkg-config's flags" eval \
	"cc -Wall -Werror -o '$state/pc' '$ex' \$(pkg-config --cflags --libs libsocksec)"
check "... and connects, protected (loopback: exempt)" eval \
	"'$state/pc' 127.0.0.1 7400 | grep -x 'protocol=ipsec state=required spi_out=0x00000000 enc=-'"
printf '#include <socksec/socksec.h>\nint main(void) { return socksec_protocol_name(1) == NULL; }\n' >"$state/inc.c"
check "<socksec/socksec.h> without pkg-config, linked with -lsocksec" eval \
	"cc -Wall -Werror -o '$state/inc' '$state/inc.c' -lsocksec && '$state/inc'"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

check "manuals: socksec(7), socksec(8), socksec_set(3), socksec_query(3) and links" eval \
	"man -w 7 socksec && man -w 8 socksec && man -w socksec_set && man -w socksec_query && man -w socksec_state_format"
check "man socksec_get renders socksec_set(3)" eval \
	"MANWIDTH=80 man socksec_get 2>/dev/null | grep -qE 'socksec_set, +socksec_get'"
check "bash completion, udev rule, tmpfiles.d template installed" test \
	-f /usr/share/bash-completion/completions/socksec -a \
	-f /usr/lib/udev/rules.d/60-socksec.rules -a -f /usr/lib/tmpfiles.d/socksec.conf
check "dpkg -r removes them all" eval \
	"timeout 120 dpkg -r socksec-tools libsocksec-dev libsocksec1 socksec-dkms >/dev/null && [[ ! -e /usr/bin/socksec && ! -e /usr/include/socksec && ! -e /usr/src/socksec-$ver ]]"

echo "1..$n"
echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
exec >&- 2>&-
wait "$tee_pid"
rm -rf "$state"
[[ $failed -eq 0 ]]
