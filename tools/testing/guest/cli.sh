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
