#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - check that the VM harness (run.sh) reports what it should:
# a command's exit status, timeouts, kernel WARNs and oopses, setup errors;
# that namespaces + veth, host programs and the output share work in the
# guest; and no false alarm from a test that prints "WARNING:".
#
# Usage: tools/testing/vm/selftest.sh [NAME...]
#   NAME: run only these cases (see the list at the bottom).
# Output directories: build/vm/selftest/<case>/ in the repository.
# Takes about 1-2 minutes (one VM per case).  Needs gcc and make for the
# warn/oops cases, which build a small module against the installed headers.

# The guest commands below are single-quoted on purpose.
# shellcheck disable=SC2016

set -euo pipefail

self_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
repo="$(cd "$self_dir/../../.." && pwd -P)"
run="$self_dir/run.sh"
base="$repo/build/vm/selftest"
mkdir -p "$base"

kdir="$("$self_dir/fetch-kernel.sh" -q)"
kver="${kdir##*/kernel-}"

passed=0
failed=0
failures=()

# expect NAME WANT_RC WANT_STATUS [GREP_CONSOLE] -- run.sh arguments
expect() {
	local name="$1" want_rc="$2" want_status="$3" pattern="" rc status
	shift 3
	if [[ "$1" != "--" ]]; then
		pattern="$1"
		shift
	fi
	shift
	echo "=== $name: run.sh $*"
	set +e
	"$run" -q --out "$base/$name" "$@" >/dev/null 2>"$base/$name.stderr"
	rc=$?
	set -e
	status="$(sed -n 's/^status=//p' "$base/$name/result" 2>/dev/null || true)"
	local ok=1 why=""
	if [[ "$rc" != "$want_rc" ]]; then
		ok=0
		why+=" exit status $rc, wanted $want_rc;"
	fi
	if [[ "$status" != "$want_status" ]]; then
		ok=0
		why+=" status '$status', wanted '$want_status';"
	fi
	if [[ -n "$pattern" ]] && ! grep -aqE -- "$pattern" "$base/$name/console.log"; then
		ok=0
		why+=" console.log lacks /$pattern/;"
	fi
	if [[ $ok -eq 1 ]]; then
		echo "    ok ($(sed -n 's/^boot_to_cmd_s=//p' "$base/$name/result")s to command," \
			"$(sed -n 's/^wall_s=//p' "$base/$name/result")s total)"
		passed=$((passed + 1))
	else
		echo "    FAILED:$why see $base/$name/ and $base/$name.stderr"
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

crash_ko=""
build_crash_module() {
	[[ -z "$crash_ko" ]] || return 0
	local b="$base/vmtest_crash-build"
	rm -rf "$b"
	mkdir -p "$b"
	cp "$self_dir/selftest/vmtest_crash.c" "$b/"
	echo 'obj-m := vmtest_crash.o' >"$b/Kbuild"
	make -s -C "/usr/src/linux-headers-$kver" M="$b" modules >"$b/build.log" 2>&1 || {
		cat "$b/build.log" >&2
		echo "selftest: cannot build vmtest_crash.ko" >&2
		exit 1
	}
	crash_ko="$b/vmtest_crash.ko"
}

case_pass() {
	expect pass 0 pass "^VETH-OK" -- --no-module -- sh -c \
		'[ "$(uname -r)" = "$SOCKSEC_KVER" ] && ip netns add a && ip link add v0 type veth peer name v1 netns a && echo VETH-OK'
}
case_false() { expect false 1 fail -- --no-module -- false; }
case_exit7() { expect exit7 7 fail -- --no-module -- sh -c 'exit 7'; }
case_timeout() {
	expect timeout 124 timeout "NMI backtrace" -- --no-module --timeout 20 -- sleep 100
}
case_warn() {
	build_crash_module
	expect warn 125 kernel-error "WARNING: CPU" -- --module "$crash_ko" --module-params what=warn -- true
}
case_oops() {
	build_crash_module
	expect oops 125 kernel-error "Oops" -- --module "$crash_ko" --module-params what=oops -- true
}
case_module() {
	build_crash_module
	expect module 0 pass -- --module "$crash_ko" -- sh -c \
		'[ "$SOCKSEC_VM_MODULE" = vmtest_crash.ko ] && grep -q "^vmtest_crash " /proc/modules'
}
case_hosttools() {
	expect hosttools 0 pass "^OpenSSL 3" -- --no-module -- sh -c \
		'openssl version && tcpdump --version && tshark --version | head -n 1'
}
case_outshare() {
	expect outshare 0 pass -- --no-module -- sh -c 'echo from-guest >"$SOCKSEC_VM_OUT/hello.txt"'
	if [[ "$(cat "$base/outshare/hello.txt" 2>/dev/null)" != from-guest ]]; then
		echo "    FAILED: hello.txt did not reach the host"
		failed=$((failed + 1))
		failures+=(outshare-file)
	fi
}
case_kmsgwarn() {
	# A report that does not panic and is below the console log level: found
	# in dmesg.log.
	expect kmsgwarn 125 kernel-error -- --no-module -- sh -c \
		'echo "<4>WARNING: CPU: 0 PID: 1 at selftest (fake report)" >/dev/kmsg'
}
case_setuperr() { expect setuperr 125 harness-error -- --no-module --preload no_such_module -- true; }
case_nofalsealarm() {
	expect nofalsealarm 0 pass -- --no-module -- sh -c 'echo "WARNING: just a test talking"; echo "BUG: not the kernel"'
}

case_bootdeath() {
	# A kernel that dies before /init is booted once more, then reported;
	# the first boot's console is kept.
	expect bootdeath 125 kernel-error "Kernel panic" -- --no-module \
		--append "rdinit=/nonexistent init=/nonexistent" -- true
	if [[ ! -s "$base/bootdeath/console-boot1.log" ]]; then
		echo "    FAILED: no console-boot1.log: the boot was not retried"
		failed=$((failed + 1))
		failures+=(bootdeath-retry)
	fi
}

all=(pass false exit7 timeout warn oops kmsgwarn module hosttools outshare setuperr nofalsealarm bootdeath)
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=("${all[@]}")
for c in "${cases[@]}"; do
	declare -F "case_$c" >/dev/null || {
		echo "selftest: unknown case $c (have: ${all[*]})" >&2
		exit 2
	}
	"case_$c"
done

echo "selftest: $passed passed, $failed failed${failures[*]:+ (${failures[*]})}"
[[ $failed -eq 0 ]]
