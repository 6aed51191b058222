#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: the socksec CLI (show, defaults, stats, their JSON and their
# errors), its bash completion and the boot-time configuration, against
# the module the harness loaded. TAP in $SOCKSEC_VM_OUT/cli.tap.
#
# SOCKSEC_CLI: the CLI to test (default build/tools/socksec); SOCKSEC_ETC:
# where its boot files are (default tools/socksec/boot).
set -uo pipefail
out=${SOCKSEC_VM_OUT:?}
cli=$(realpath "${SOCKSEC_CLI:-build/tools/socksec}")
boot=$(realpath "${SOCKSEC_ETC:-tools/socksec/boot}")
comp=$(realpath tools/socksec/bash-completion)
ko=$out/.vm/${SOCKSEC_VM_MODULE:?the harness loads the module}
sys=/sys/kernel/socksec
state=$(mktemp -d)
exec > >(tee "$out/cli.tap") 2>&1
tee_pid=$!

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
# check DESC CMD...: one test, its output shown as diagnostics on failure.
check() {
	local desc=$1 o
	shift
	if o=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' <<<"$o"
	fi
}
diag() { echo "# $*"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# run CMD...: stdout in $state/o, stderr in $state/e, status in $rc.
run() {
	rc=0
	"$@" >"$state/o" 2>"$state/e" || rc=$?
}
# err_is RC TEXT: the last run failed with status RC and one stderr line
# containing TEXT.
err_is() {
	[[ $rc -eq $1 ]] || { echo "status $rc, wanted $1"; cat "$state/e"; return 1; }
	[[ $(wc -l <"$state/e") -eq 1 ]] || { echo "not one line:"; cat "$state/e"; return 1; }
	grep -qF -- "$2" "$state/e" || { echo "no '$2' in:"; cat "$state/e"; return 1; }
}
# pyj EXPR: evaluate a Python expression over the JSON of $state/o (as j).
pyj() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print("false:", sys.argv[2]); print(json.dumps(j, indent=1))
sys.exit(0 if ok else 1)' "$state/o" "$1"
}

echo "TAP version 13"


# --- without the module --------------------------------------------------

rmmod socksec || diag "rmmod socksec failed"
for c in "show" "stats -j" "defaults set mode audit"; do
	# shellcheck disable=SC2086
	run "$cli" $c
	check "not loaded: socksec $c says so in one line, exit 1" err_is 1 "module is not loaded"
done
insmod "$ko" || diag "insmod $ko failed"

# --- stats ---------------------------------------------------------------

run "$cli" stats -j
check "stats -j: every counter of /proc/net/socksec, as numbers" pyj \
	"j == {l.split()[0]: int(l.split()[1]) for l in open('/proc/net/socksec') if len(l.split()) == 2 and not l.startswith('#')} and 'sockets_protected' in j"
run "$cli" -j stats
cp "$state/o" "$state/stats1"
run "$cli" --pretty stats
check "-j before the command, --pretty: the same JSON, indented" eval \
	"pyj 'True' && python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' '$state/o' '$state/stats1' && [[ \$(wc -l <'$state/o') -gt 3 && \$(wc -l <'$state/stats1') -eq 1 ]]"
run "$cli" stats out_held sockets_protected
check "stats NAME...: those counters, in that order" \
	test "$(awk '{ print $1 }' "$state/o" | tr '\n' ' ')" = "out_held sockets_protected "
run "$cli" stats no_such_counter
check "stats with an unknown counter: exit 2" err_is 2 "unknown counter 'no_such_counter'"

# --- defaults ------------------------------------------------------------

run "$cli" defaults -j
check "defaults -j: every file of $sys" pyj \
	"sorted(j) == sorted(__import__('os').listdir('$sys')) and j['mode'] == 'enforce' and j['hold_timeout_ms'] == 5000 and j['default_flags'] == 0"
run "$cli" defaults
check "defaults: one 'key value' line per file" \
	test "$(wc -l <"$state/o")" -eq "$(find "$sys" -maxdepth 1 -type f | wc -l)"
run "$cli" defaults set mode audit
check "defaults set mode audit" test "$rc" -eq 0 -a "$(cat $sys/mode)" = audit
run "$cli" defaults get mode
check "defaults get mode: the value alone" test "$(cat "$state/o")" = audit
"$cli" defaults set mode enforce
run "$cli" defaults set default_flags encrypt
check "defaults set default_flags takes flag names" test "$rc" -eq 0 -a "$(cat $sys/default_flags)" = 0x1
"$cli" defaults set default_flags none
run "$cli" defaults set no_such_key 1
check "an unknown key: exit 2, the keys listed" err_is 2 "unknown key 'no_such_key' (keys: default_flags, default_protocol"
run "$cli" defaults set mode strict
check "a bad value: exit 2, what the key accepts" err_is 2 "bad value 'strict' for mode: enforce, audit or off"
check "... and the old value stays" test "$(cat $sys/mode)" = enforce
run "$cli" defaults set hold_timeout_ms 5
check "hold_timeout_ms out of range: exit 2 with the range" err_is 2 "from 100 to 600000"
run "$cli" defaults set ktls_handshake_budget 2000000
check "ktls_handshake_budget out of range: exit 2 with the range" err_is 2 "from 0 to 1048576"
run "$cli" defaults set default_flags encrypt,insecure
check "both flags at once: exit 2" err_is 2 "not both"
run nobody "$cli" defaults set mode audit
check "not root: exit 1, 'needs root'" err_is 1 "setting mode needs root"
check "... and the old value stays" test "$(cat $sys/mode)" = enforce
run "$cli" defaults set ../mode audit
check "a path is no key: exit 2" err_is 2 "unknown key '../mode'"
run "$cli" set hold_timeout_ms 3000
check "the old 'socksec set KEY VALUE' still works" test "$rc" -eq 0 -a "$(cat $sys/hold_timeout_ms)" = 3000
"$cli" defaults set hold_timeout_ms 5000

# --- bad input: a precise message and exit status, nothing changed ------

snapshot() { # every default and the protected-socket counter
	grep -H . "$sys"/*
	awk '$1 == "sockets_protected"' /proc/net/socksec
}
snapshot >"$state/before"
# bad RC TEXT ARGS...: socksec ARGS fails with RC and one line with TEXT.
bad() {
	local want=$1 text=$2
	shift 2
	run "$cli" "$@"
	check "socksec ${*//$'\n'/\\n}: exit $want, '$text'" err_is "$want" "$text"
}
# usage_is TEXT: the last run failed with status 2, TEXT and a usage
# text on stderr.
usage_is() {
	[[ $rc -eq 2 ]] || { echo "status $rc, wanted 2"; cat "$state/e"; return 1; }
	grep -qF -- "$1" "$state/e" || { echo "no '$1' in:"; cat "$state/e"; return 1; }
	grep -q '^usage:' "$state/e" || { echo "no usage in:"; cat "$state/e"; return 1; }
}
# bad_usage TEXT ARGS...: socksec ARGS fails with 2, TEXT and the usage.
bad_usage() {
	local text=$1
	shift
	run "$cli" "$@"
	check "socksec $*: exit 2, '$text' and the usage" usage_is "$text"
}
bad 2 "unknown command 'bogus'" bogus
bad 2 "unknown command 'Show'" Show
bad_usage "invalid option -- 'x'" -x
bad_usage "doesn't allow an argument" --json=1
bad_usage "" -j
bad 2 "show: unknown filter 'extra' (sport, dport)" show extra
bad 2 "show: unknown filter 'extra'" show sport 1 extra
bad 2 "show: unknown protocol 'bogus'" show --protocol bogus
bad 2 "show: unknown protocol 'default'" show --protocol default
bad_usage "requires an argument" show --protocol
for c in show defaults set stats connect serve; do
	run "$cli" help "$c"
	check "socksec help $c: that command's usage" \
		eval '[[ $rc -eq 0 ]] && grep -q "^usage:" "$state/o" && grep -q "socksec ${c/set/defaults} " "$state/o"'
done
bad 2 "help: unknown command 'bogus'" help bogus
bad_usage "help: one command at most" help show extra
bad 2 "show: unknown state 'encrypte'" show --state encrypte
bad 2 "show: sport: bad port '70000'" show sport 70000
bad 2 "show: sport: bad port ' 80'" show sport ' 80'
bad 2 "show: dport: bad port '+80'" show dport +80
bad 2 "show: dport: bad port 'no-such-service'" show dport = no-such-service
bad 2 "show: dport wants a port" show dport '<'
bad_usage "unknown subcommand 'bogus' (show, get, set)" defaults bogus
bad_usage "defaults get: wrong number of arguments" defaults get
bad_usage "defaults get: wrong number of arguments" defaults get mode extra
bad_usage "defaults set: wrong number of arguments" defaults set mode
bad_usage "defaults set: wrong number of arguments" defaults set mode audit extra
bad_usage "defaults show: wrong number of arguments" defaults show extra
bad 2 "unknown key '../mode'" defaults get ../mode
bad 2 "unknown key ''" defaults set '' 1
bad 2 "bad value for mode: enforce, audit or off" defaults set mode ''
bad 2 "bad value for mode" defaults set mode $'audit\nenforce'
bad 2 "bad value 'audit ' for mode" defaults set mode 'audit '
bad 2 "bad value '10' for protect_loopback: 0 or 1" defaults set protect_loopback 10
bad 2 "bad value 'yes please' for protect_loopback" defaults set protect_loopback 'yes please'
bad 2 "bad value '-1' for ipsec_reqid" defaults set ipsec_reqid -1
bad 2 "bad value '0x0000000000000000000000000000002a' for ipsec_reqid" \
	defaults set ipsec_reqid 0x0000000000000000000000000000002a
bad 2 "bad value '-5' for hold_timeout_ms: a number of milliseconds from 100 to 600000" \
	defaults set hold_timeout_ms -5
bad 2 "bad value '+0x3' for default_flags" defaults set default_flags +0x3
bad 2 "bad value 'encrypt,bogus' for default_flags" defaults set default_flags encrypt,bogus
bad 2 "usage: socksec set KEY VALUE" set mode
bad 2 "stats: unknown counter 'bogus'" stats -z sockets_protected bogus
bad_usage "invalid option -- 'x'" stats -x
bad 2 "connect: bad value 'x' for -c: a number from 0 to 1000000" connect -c x 127.0.0.1 7399
bad 2 "connect: bad value '-1' for -w" connect -w -1 127.0.0.1 7399
bad 2 "connect: bad value '600001' for -i: a number from 0 to 600000" connect -i 600001 127.0.0.1 7399
bad 2 "connect: bad port '99999': a service name or a number from 1 to 65535" connect 127.0.0.1 99999
bad 2 "connect: bad port '0'" connect 127.0.0.1 0
bad 2 "connect: bad protocol 'bogus': default, ipsec, ipsec2, ktls or any" connect -p bogus 127.0.0.1 7399
bad 2 "connect: bad flags 'encrypt,,insecure'" connect -p ipsec -f encrypt,,insecure 127.0.0.1 7399
bad 2 "serve: bad value '1x' for -n" serve -n 1x 7399
bad 2 "serve: bad port '65536'" serve 65536
bad_usage "" connect 127.0.0.1
bad_usage "" connect 127.0.0.1 7399 extra
bad_usage "" serve 7399 extra
# Contradictory flags get through the CLI to the kernel, which refuses.
run "$cli" connect -p ipsec -f encrypt,insecure 127.0.0.1 7399
check "connect with encrypt,insecure: exit 1, the kernel's EINVAL" \
	err_is 1 "socksec_set: Invalid argument"
snapshot >"$state/after"
check "bad input changed no default and protected no socket" \
	diff "$state/before" "$state/after"

# --- show ----------------------------------------------------------------

before=$(awk '$1 == "sockets_protected" { print $2 }' /proc/net/socksec)
"$cli" serve -4 -p ipsec -f encrypt -n 0 7300 >"$state/srv" 2>&1 &
srv=$!
"$cli" serve -6 -u -p any -n 0 7301 >"$state/udp" 2>&1 &
udp=$!
for _ in $(seq 100); do
	grep -q listening "$state/srv" && grep -q listening "$state/udp" && break
	sleep 0.1
done
# Loopback is exempt: the exchange works and the sockets stay "required".
"$cli" connect -4 -p ipsec -f encrypt -c 1000 -i 100 127.0.0.1 7300 >"$state/cl" 2>&1 &
cl=$!
for _ in $(seq 100); do
	grep -q '^echo:' "$state/cl" && break
	sleep 0.1
done

run "$cli" show -j
cp "$state/o" "$out/show.json"
check "show -j: the TCP listener, ipsec+encrypt" pyj \
	"[s for s in j if s['transport'] == 'tcp' and s['local']['port'] == 7300 and s['peer']['port'] == 0 and s['protocol'] == 'ipsec' and s['flags'] == 1 and s['flag_names'] == ['encrypt'] and s['family'] == 'inet']"
check "show -j: the client and the socket it was accepted as, paired" pyj \
	"[1 for c in j for a in j if c['peer'] == {'address': '127.0.0.1', 'port': 7300} and a['local'] == c['peer'] and a['peer'] == c['local']]"
check "show -j: the UDP socket, inet6, any" pyj \
	"[s for s in j if s['transport'] == 'udp' and s['family'] == 'inet6' and s['local']['port'] == 7301 and s['protocol'] == 'any' and s['flags'] == 0]"
check "show -j: state, mechanism, SPIs and cipher of loopback (exempt)" pyj \
	"len(j) == 4 and all(s['state'] == 'required' and s['mechanism'] == 'none' and s['spi_out'] == 0 and s['spi_in'] == 0 and s['cipher'] is None for s in j)"
run "$cli" show -j -t
check "show -t: TCP only" pyj "len(j) == 3 and all(s['transport'] == 'tcp' for s in j)"
run "$cli" show -u --json
check "show -u: UDP only" pyj "len(j) == 1 and j[0]['transport'] == 'udp'"
run "$cli" show -j -6
check "show -6: inet6 only" pyj "len(j) == 1 and j[0]['family'] == 'inet6'"
run "$cli" show -j -4
check "show -4: inet only" pyj "len(j) == 3 and all(s['family'] == 'inet' for s in j)"
run "$cli" show -j -6 -4
check "show -6 -4: both families" pyj "len(j) == 4"
run "$cli" show -j sport 7300
check "show sport 7300: the listener and the accepted socket" pyj \
	"len(j) == 2 and all(s['local']['port'] == 7300 for s in j)"
run "$cli" show -j dport = :7300
check "show dport = :7300: the client" pyj \
	"len(j) == 1 and j[0]['peer']['port'] == 7300 and j[0]['local']['address'] == '127.0.0.1'"
run "$cli" show -j sport '>' 7300
check "show sport > 7300: the UDP socket and the client" pyj \
	"len(j) == 2 and all(s['local']['port'] > 7300 for s in j)"
run "$cli" show -j --protocol any
check "show --protocol any" pyj "len(j) == 1 and j[0]['protocol'] == 'any'"
run "$cli" show -j --state encrypted
check "show --state encrypted: none on loopback" pyj "j == []"
run "$cli" show
plain_ok() {
	if [[ $(wc -l <"$state/o") -eq 5 ]] &&
		head -n 1 "$state/o" | grep -q '^Proto *State *Local Address:Port *Peer Address:Port *Requires *Mechanism *SPI out/in *Cipher$' &&
		grep -qE '^tcp +required +0\.0\.0\.0:7300 +0\.0\.0\.0:0 +ipsec\+encrypt +none +- +-$' "$state/o" &&
		grep -qE '^udp +required +\[::\]:7301 +\[::\]:0 +any +none ' "$state/o"; then
		return 0
	fi
	cat "$state/o"
	return 1
}
check "show: a header and one line per socket" plain_ok
run nobody "$cli" show -j
check "show as another user: the kernel shows none of root's sockets" pyj "j == []"
run "$cli" show --state bogus
check "show --state bogus: exit 2" err_is 2 "unknown state 'bogus'"
run "$cli" show sport
check "show sport without a port: exit 2" err_is 2 "sport wants a port"
run "$cli" stats -j sockets_protected
check "stats: sockets_protected counted the listener, the client and UDP" \
	pyj "j['sockets_protected'] - $before >= 3"
check "the client was still exchanging throughout" kill -0 "$cl"
kill "$cl" "$srv" "$udp" 2>/dev/null
wait "$cl" "$srv" "$udp" 2>/dev/null

# --- an IPsec-protected connection: static SAs, no IKE ------------------

modprobe -a esp4 xfrm_user || diag "modprobe esp4 xfrm_user failed"
if ! { ip netns add cla && ip netns add clb &&
	ip link add va netns cla type veth peer name vb netns clb; }; then
	diag "no veth pair"
fi
key=0x000102030405060708090a0b0c0d0e0f10111213
for ns in cla clb; do
	if [[ $ns == cla ]]; then me=192.0.2.1 peer=192.0.2.2 dev=va; else me=192.0.2.2 peer=192.0.2.1 dev=vb; fi
	ip -n $ns addr add $me/24 dev $dev
	ip -n $ns link set $dev up
	ip -n $ns link set lo up
	ip -n $ns xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 \
		mode transport aead 'rfc4106(gcm(aes))' $key 128
	ip -n $ns xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1002 \
		mode transport aead 'rfc4106(gcm(aes))' $key 128
	ip -n $ns xfrm policy add src $me dst $peer dir out tmpl proto esp mode transport
	ip -n $ns xfrm policy add src $peer dst $me dir in tmpl proto esp mode transport
done
ip netns exec clb "$cli" serve -4 -p ipsec -f encrypt -n 0 7500 >"$state/esrv" 2>&1 &
esrv=$!
for _ in $(seq 100); do
	grep -q listening "$state/esrv" && break
	sleep 0.1
done
ip netns exec cla "$cli" connect -4 -p ipsec -f encrypt -c 1000 -i 100 192.0.2.2 7500 >"$state/ecl" 2>&1 &
ecl=$!
for _ in $(seq 100); do
	grep -qE '^(echo|connect):' "$state/ecl" && break
	sleep 0.1
done
run ip netns exec cla "$cli" show -j dport 7500
cp "$state/o" "$out/show-ipsec.json"
check "show -j over ESP: encrypted, mechanism ipsec, both SPIs, the cipher" pyj \
	"len(j) == 1 and j[0]['state'] == 'encrypted' and j[0]['mechanism'] == 'ipsec' and j[0]['spi_out'] == 0x1001 and j[0]['spi_in'] == 0x1002 and j[0]['cipher'] == 'rfc4106(gcm(aes))'"
run ip netns exec cla "$cli" show --state encrypted
check "show --state encrypted: the SPIs in hex, the cipher" \
	grep -qE '^tcp +encrypted +192\.0\.2\.1:[0-9]+ +192\.0\.2\.2:7500 +ipsec\+encrypt +ipsec +0x00001001/0x00001002 +rfc4106\(gcm\(aes\)\)$' "$state/o"
kill "$ecl" "$esrv" 2>/dev/null
wait "$ecl" "$esrv" 2>/dev/null

# --- bash completion ----------------------------------------------------

complete_words() { # the words completion offers for the command line "$@"
	# shellcheck disable=SC2016
	bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_socksec socksec; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
check "completion: commands" test "$(complete_words socksec s | sort | tr '\n' ' ')" = "serve show stats "
check "completion: keys of $sys for defaults set" \
	test "$(complete_words socksec defaults set hold | tr '\n' ' ')" = "hold_timeout_ms "
check "completion: values of mode" \
	test "$(complete_words socksec defaults set mode '' | tr '\n' ' ')" = "enforce audit off "

# --- boot-time configuration ---------------------------------------------

# What an administrator puts in /etc/tmpfiles.d, applied the way the udev
# rule applies it when the module is loaded.
conf=$state/socksec.conf
sed -n 's/^#\(w .*\/\(mode\|hold_timeout_ms\) .*\)$/\1/p' "$boot/socksec.tmpfiles" |
	sed 's/enforce$/audit/; s/5000$/2500/' >"$conf"
rule_cmd=$(sed -n 's/.*RUN+="\([^"]*\)".*/\1/p' "$boot/60-socksec.rules")
read -r -a argv <<<"$rule_cmd"
run "${argv[@]}" "$conf"
check "the udev rule's command applies tmpfiles lines to $sys" \
	test "$rc" -eq 0 -a "$(cat $sys/mode)" = audit -a "$(cat $sys/hold_timeout_ms)" = 2500
"$cli" defaults set mode enforce
"$cli" defaults set hold_timeout_ms 5000

echo "1..$n"
echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
exec >&- 2>&-
wait "$tee_pid"
rm -rf "$state"
[[ $failed -eq 0 ]]
