#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check socksec has, in order, each counted.
#   build     module at W=1 with -Werror for each kernel, tools with -Werror
#   sparse    C=2 over the module, for each kernel
#   checkpatch  the kernel's checkpatch.pl over every C file
#   library   libsocksec's unit test, every public header compiled alone,
#             the installed headers through pkg-config
#   manuals   mandoc -T lint and man -l over man/
#   packaging versions agree; DKMS installs the module for each kernel;
#             the Debian packages build, lintian, socksec-dkms builds for
#             each kernel
#   kunit     KUnit suites on a KUnit kernel (built from linux-source-6.1)
#   vm        the C tests, the unload test, the CLI test, the DKMS-built
#             module, the packages installed, and the scenario scripts
#             (IPsec, kernel TLS) in QEMU, on each kernel; one command from
#             a copy under /tmp
#   kselftests  the kernel's own tls and ipsec selftests (built from
#             linux-source-6.1) in QEMU on the first kernel, without
#             socksec, with it loaded (the same outcome for every test) and
#             with every socket protected through socksec-run (only the
#             differences listed, Documentation/kselftests.rst)
#   debug     the unload test, the C tests (the fuzzer's 1e5 inputs among
#             them), every IPsec and kernel TLS scenario and a stress run on
#             the debug kernel (KASAN, lockdep, kmemleak, ...: the KUnit
#             kernel, see tools/testing/debug/), each VM ending with a
#             kmemleak scan (Documentation/debug.rst); started once the
#             KUnit kernel is built, beside the VM suites of Debian's
#             kernels, and awaited at the end: its own
#             `check.sh --debug-only`, logs in build/check-debug/, its
#             counts added to these
#
# Usage: tools/testing/check.sh [--debug-only] [KVER...]
# --debug-only runs the debug stage alone (make check-debug).
# The kernels are Debian's builds whose headers are installed; by default
# every kernel of `tools/testing/kver.sh --all`: Debian 12's own and Debian's
# 6.12 from bookworm-backports (`make check KVER=...` picks one). The first
# one also boots the harness' self-test.
#
# Prints one line "N passed, M failed" at the end; non-zero on any failure.
# Logs: build/check/*.log (build/check/KVER/*.log for each kernel); VM runs
# keep console.log and dmesg.log under build/vm/KVER/NAME/. The module is
# built for each kernel in build/kernel/KVER/ (build-module.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
debug_only=0
logs=$root/build/check
case "${1:-}" in
--debug-only)
	debug_only=1
	logs=$root/build/check-debug
	shift
	;;
esac
rm -rf "$logs"
mkdir -p "$logs"
pass=0 fail=0
started=$(date +%s)

note() { printf '%-44s %s\n' "$1" "$2"; }
ok() { pass=$((pass + 1)); note "$1" ok; }
bad() { fail=$((fail + 1)); note "$1" "FAILED (see $2)"; }
if [ $# -gt 0 ]; then
	kvers=("$@")
elif list=$(tools/testing/kver.sh --all 2>"$logs/kver.log"); then
	mapfile -t kvers <<<"$list"
else
	bad "kernels to test" "$logs/kver.log"
	mapfile -t kvers < <(tools/testing/kver.sh)
fi
[ ${#kvers[@]} -gt 0 ] || { echo "check.sh: no kernel to test" >&2; exit 1; }
export KVER=${kvers[0]}
ksrc=$(tools/testing/ksrc.sh) || exit 1
echo "kernels: ${kvers[*]}"

# A step whose success is its exit status; the log is $logs/LOG.log.
step() {
	local name=$1 log=$logs/$2.log
	shift 2
	if "$@" >"$log" 2>&1; then ok "$name"; else bad "$name" "$log"; fi
}

# Add the counts of kselftest/TAP "# Totals:" lines in the given files.
add_totals() {
	local name=$1 p f
	shift
	read -r p f < <(cat "$@" 2>/dev/null | awk '
		/^# Totals:/ { for (i = 3; i <= NF; i++) { split($i, kv, ":");
			if (kv[1] == "pass") p += kv[2];
			if (kv[1] == "fail" || kv[1] == "error" || kv[1] == "xpass") f += kv[2]; } n++ }
		END { print p + 0, (n ? f : 1) + 0 }')
	pass=$((pass + p))
	fail=$((fail + f))
	note "$name" "$p passed, $f failed"
}

# One command in the test VM on kernel $kver with its module; its TAP
# files are counted, and the run itself (boot, no WARN/oops, exit status)
# counts once more.
# A run of several commands (debug/guest.sh --then) has a directory of
# TAP files for each: counted one by one.
vm() {
	local d=$root/build/vm/$kver/$1 s
	vm_run "$@"
	if compgen -G "$d/*/*.tap" >/dev/null; then
		for s in "$d"/*/; do
			s=${s%/}
			add_totals "    $1: ${s##*/} tests" "$s"/*.tap
		done
	else
		add_totals "    $1 tests" "$d"/*.tap
	fi
}

# The same for a command that writes no TAP: only the run counts.
vm_run() {
	local name=$1 out=$root/build/vm/$kver/$1 log=$logs/$kver/vm-$1.log
	shift
	if tools/testing/vm/run.sh -q --kernel "$kver" --module "$ko" \
		--name "$name" "${vm_args[@]}" "$@" >"$log" 2>&1; then
		ok "  vm $name"
	else
		bad "  vm $name" "$log and $out/"
	fi
}

# The module for one kernel, at W=1 -Werror, in build/kernel/KVER/.
build_module() {
	tools/testing/build-module.sh "$1" KCFLAGS=-Werror
}

# Sparse over every file of the module (C=2 checks even what is built).
sparse_module() {
	tools/testing/build-module.sh "$1" C=2 KCFLAGS=-Werror \
		>"$logs/$1/sparse.raw" 2>&1 || return 1
	! grep -E '(warning|error):' "$logs/$1/sparse.raw"
}

checkpatch() {
	local cp="$ksrc/scripts/checkpatch.pl"
	# Trace event definitions follow the tracing macros' own layout;
	# compat.h is where kernel versions are compared, on purpose.
	perl "$cp" --no-tree --terse --strict --ignore SPDX_LICENSE_TAG \
		-f $(ls module/*.[ch] | grep -v -e '\.mod\.c$' -e 'trace\.h$' -e 'compat\.h$') \
		uapi/linux/socksec.h kunit/*.[ch] &&
	perl "$cp" --no-tree --terse --strict \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h &&
	perl "$cp" --no-tree --terse -f module/trace.h &&
	perl "$cp" --no-tree --terse --strict -f tools/lib/*.c \
		tools/lib/include/*.h tools/lib/examples/*.c tools/lib/tests/*.c \
		tools/socksec/*.[ch] tools/selftests/*.[ch] tools/socksec-run/*.c \
		tools/testing/ktls/*.c
}

# Every public header compiles on its own, in C and C++; installed, as
# <socksec/socksec.h> and, with pkg-config's flags, as <socksec.h>.
headers_standalone() {
	local h tmp rc=0
	for h in tools/lib/include/*.h uapi/linux/*.h; do
		echo "== $h"
		printf '#include "%s"\n' "$PWD/$h" | cc -Iuapi -std=c99 -Wall -Wextra \
			-Werror -pedantic -x c -fsyntax-only - || rc=1
		printf '#include "%s"\n' "$PWD/$h" | c++ -Iuapi -Wall -Wextra -Werror \
			-x c++ -fsyntax-only - || rc=1
	done
	tmp=$(mktemp -d) || return 1
	make -s -C tools install-dev O="$tmp/o" DESTDIR="$tmp/root" PREFIX=/usr \
		LIBDIR=/usr/lib >/dev/null || rc=1
	echo '#include <socksec/socksec.h>' |
		cc -nostdinc -isystem "$(cc -print-file-name=include)" \
			-isystem "/usr/include/$(cc -print-multiarch)" -isystem /usr/include \
			-I"$tmp/root/usr/include" -Wall -Werror -x c -fsyntax-only - || rc=1
	# shellcheck disable=SC2046
	echo '#include <socksec.h>' | cc $(PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
		PKG_CONFIG_LIBDIR="$tmp/root/usr/lib/pkgconfig" pkg-config --cflags libsocksec) \
		-Wall -Werror -x c -fsyntax-only - || rc=1
	rm -rf "$tmp"
	return $rc
}

# mandoc's lint at warning level and man-db's groff warnings: none.
manuals() {
	local m out rc=0
	mandoc -T lint -W warning man/*.[0-9] || rc=1
	for m in man/*.[0-9]; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$m: $out"; rc=1; }
	done
	return $rc
}

# tools/Makefile's VERSION is the version of dkms.conf, debian/changelog
# and the manuals.
versions_agree() {
	local v rc=0
	v=$(sed -n 's/^VERSION *:= *//p' tools/Makefile)
	echo "tools/Makefile: $v"
	grep -qx "PACKAGE_VERSION=\"$v\"" dkms.conf || { echo "dkms.conf differs"; rc=1; }
	[ "$(dpkg-parsechangelog -S Version)" = "$v" ] || { echo "debian/changelog differs"; rc=1; }
	for m in man/*.[0-9]; do
		grep -q "^\.TH .* \"socksec $v\"" "$m" || { echo "$m differs"; rc=1; }
	done
	return $rc
}

# make dkms-install for every kernel; a copy of the .ko DKMS installed
# for each goes to build/check/dkms/KVER/ for the VM.
dkms_install() {
	local k f
	make dkms-install DKMS_KVERS="${kvers[*]}" || return 1
	for k in "${kvers[@]}"; do
		f=$(dkms_ko "/lib/modules/$k/updates/dkms" "$k") || return 1
		mkdir -p "$logs/dkms/$k" && cp "$f" "$logs/dkms/$k/" || return 1
	done
}

# The socksec.ko(.xz) under DIR, built for KVER; its path.
dkms_ko() {
	local f
	for f in "$1"/socksec.ko "$1"/socksec.ko.xz; do
		[ -f "$f" ] || continue
		if [ "$(modinfo -F vermagic "$f" | awk '{ print $1 }')" = "$2" ]; then
			echo "$f"
			return 0
		fi
		echo "$f is not built for $2" >&2
		return 1
	done
	echo "no socksec.ko in $1" >&2
	return 1
}

dkms_remove() {
	make dkms-remove || return 1
	if dkms status -m socksec | grep .; then
		return 1
	fi
	! compgen -G '/lib/modules/*/updates/dkms/socksec.ko*'
}

# The packages, from a copy of the tree in build/deb/ (dpkg-buildpackage
# writes them next to the source directory).
debs=$root/build/deb
deb_build() {
	local v src
	v=$(dpkg-parsechangelog -S Version)
	src=$debs/socksec-$v
	rm -rf "$debs"
	mkdir -p "$src" &&
	tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src" &&
	(cd "$src" && dpkg-buildpackage -us -uc -b)
}

# The module as the socksec-dkms package has DKMS build it, for each kernel,
# in a DKMS tree of its own under build/deb/ (the system's stays as it is).
deb_dkms() {
	local v k
	v=$(dpkg-parsechangelog -S Version)
	rm -rf "$debs/dkms-root" "$debs/dkms-tree"
	mkdir -p "$debs/dkms-tree" &&
	dpkg-deb -x "$debs/socksec-dkms_${v}_all.deb" "$debs/dkms-root" || return 1
	set -- --dkmstree "$debs/dkms-tree" --sourcetree "$debs/dkms-root/usr/src" \
		-m socksec -v "$v"
	dkms add "$@" || return 1
	for k in "${kvers[@]}"; do
		dkms build "$@" -k "$k" &&
		dkms_ko "$debs/dkms-tree/socksec/$v/$k/x86_64/module" "$k" || return 1
	done
}

# A copy of the checkout under /tmp, where the guest mounts a fresh tmpfs,
# runs a command in the VM from its own directory.
vm_from_tmp() {
	local tmp rc
	tmp=$(mktemp -d /tmp/socksec-copy.XXXXXX) || return 1
	# shellcheck disable=SC2016  # $(pwd -P) is the guest's
	mkdir "$tmp/socksec" &&
	tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$tmp/socksec" &&
	"$tmp/socksec/tools/testing/vm/run.sh" -q --no-module --kernel "$KVER" \
		--timeout 120 --name copy -- sh -c \
		'test "$(pwd -P)" = "$SOCKSEC_REPO" && test -f tools/testing/vm/run.sh && echo copy-ok'
	rc=$?
	grep -q '^copy-ok' "$tmp/socksec/build/vm/$KVER/copy/console.log" || rc=1
	cp "$tmp/socksec/build/vm/$KVER/copy/console.log" "$logs/vm-from-tmp-console.log"
	rm -rf "$tmp"
	return $rc
}

# The debug stage: the debug kernel, socksec.ko built for it, the unload
# test, then in one boot the C tests and every scenario, then the stress
# run; each VM ends with debug/guest.sh's leak scan. (The CLI, DKMS and
# package tests are about user space and Debian's kernels; they run on
# those.)
debug_stage() {
	local g=tools/testing/debug/guest.sh s
	local -a all=(tools/testing/guest/selftests.sh)
	echo "debug kernel:"
	if ! kver=$(tools/testing/debug/kernel.sh 2>"$logs/debug-kernel.log"); then
		bad "debug kernel and its module" "$logs/debug-kernel.log"
		return
	fi
	ok "debug kernel $kver and its module"
	mkdir -p "$logs/$kver"
	# q35: i440fx's ACPI _PRT is an AML loop, which this kernel's
	# instrumented interpreter does not finish within ACPI's loop timeout.
	vm_args=(--machine q35)
	ko=$root/build/kernel/$kver/module/socksec.ko
	t0=$(date +%s)
	# Alone: it needs the module unused, and leaves it pinned.
	vm unload --timeout 600 -- $g tools/testing/guest/unload.sh "$ko"
	for s in tools/testing/ipsec/scenarios/*.sh tools/testing/ktls/scenarios/*.sh; do
		all+=(--then "$s")
	done
	vm scenarios --timeout 4200 -- $g "${all[@]}"
	vm stress --timeout $((SOCKSEC_STRESS_SECONDS + 900)) \
		--env SOCKSEC_STRESS_SECONDS="$SOCKSEC_STRESS_SECONDS" \
		-- $g tools/testing/debug/stress.sh
	times+=("$kver $(( $(date +%s) - t0 ))s")
	vm_args=()
}
: "${SOCKSEC_STRESS_SECONDS:=300}"
times=()
vm_args=()

# The debug stage beside the rest: another check.sh, whose counts and
# times are added once it is over.
debug_start() {
	"$root/tools/testing/check.sh" --debug-only >"$logs/debug-stage.log" 2>&1 &
	debug_pid=$!
}
debug_wait() {
	local p f t
	wait "$debug_pid"
	echo "debug kernel (build/check-debug/, log: $logs/debug-stage.log):"
	grep -E '^ |^debug kernel' "$logs/debug-stage.log"
	read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$logs/debug-stage.log")
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-1}))
	t=$(sed -n 's/^vm suite on \(.*\) took \(.*\)$/\1 \2/p' "$logs/debug-stage.log")
	[ -z "$t" ] || times+=("$t")
}

# The last lines: how long each VM suite and the whole took, the counts.
summary() {
	for t in "${times[@]}"; do
		echo "vm suite on ${t% *} took ${t##* }"
	done
	echo "check took $(( $(date +%s) - started ))s"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

if [ $debug_only -eq 1 ]; then
	step build-tools build-tools make tools
	debug_stage
	summary
	exit
fi

for kver in "${kvers[@]}"; do
	mkdir -p "$logs/$kver"
	step "build-module $kver" "$kver/build-module" build_module "$kver"
	step "sparse $kver" "$kver/sparse" sparse_module "$kver"
done
step build-tools build-tools make tools
step build-kselftests build-kselftests tools/testing/kselftests/build.sh
step uapi-header-standalone uapi-header-standalone sh -c \
	'echo "#include <linux/socksec.h>" | cc -Iuapi -Wall -Werror -x c -fsyntax-only -'
step "public headers standalone, installed" headers-standalone headers_standalone
if build/tools/lib_test >"$logs/lib-test.log" 2>&1; then
	ok "libsocksec unit test"
else
	bad "libsocksec unit test" "$logs/lib-test.log"
fi
add_totals "  libsocksec tests" "$logs/lib-test.log"
step checkpatch checkpatch checkpatch
step manuals manuals manuals
step "versions agree" versions versions_agree
step "dkms install ${kvers[*]}" dkms-install dkms_install
step "debian packages build" deb-build deb_build
step "dkms remove" dkms-remove dkms_remove
step "lintian clean" lintian lintian -I --pedantic --fail-on error,warning,info,pedantic \
	"$debs"/socksec_*.changes
step "socksec-dkms builds for ${kvers[*]}" deb-dkms deb_dkms
rm -f build/kunit/ktap.log
if tools/testing/kunit/run.sh >"$logs/kunit.log" 2>&1; then
	ok "kunit run"
else
	bad "kunit run" "$logs/kunit.log"
fi
add_totals "  kunit tests" build/kunit/ktap.log

# The harness itself: exit statuses, timeouts, WARN/oops detection.
if tools/testing/vm/selftest.sh >"$logs/vm-harness.log" 2>&1; then
	ok "vm harness self-test"
else
	bad "vm harness self-test" "$logs/vm-harness.log"
fi
read -r hp hf < <(sed -n 's/^selftest: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$logs/vm-harness.log")
pass=$((pass + ${hp:-0}))
fail=$((fail + ${hf:-1}))
note "  harness cases" "${hp:-0} passed, ${hf:-1} failed"

# The debug stage, beside the VM suites from here on: the KUnit run has
# built its kernel.
debug_start

# The VM suite, on each kernel with the module built for it.
for kver in "${kvers[@]}"; do
	echo "kernel $kver:"
	t0=$(date +%s)
	ko=$root/build/kernel/$kver/module/socksec.ko
	vm selftests --timeout 300 -- tools/testing/guest/selftests.sh
	vm unload --timeout 120 -- tools/testing/guest/unload.sh "$ko"
	vm cli --timeout 600 -- tools/testing/guest/cli.sh
	# The module DKMS installed, and the one socksec-dkms had it build.
	if ko=$(dkms_ko "$logs/dkms/$kver" "$kver" 2>/dev/null); then
		vm_run dkms --timeout 120 -- sh -c 'build/tools/socksec defaults -j && build/tools/socksec stats -j'
	else
		bad "  vm dkms" "$logs/dkms-install.log"
	fi
	if ko=$(dkms_ko "$debs/dkms-tree/socksec/$(dpkg-parsechangelog -S Version)/$kver/x86_64/module" \
		"$kver" 2>/dev/null); then
		vm packages --timeout 1200 -- tools/testing/guest/packages.sh build/deb
	else
		bad "  vm packages" "$logs/deb-dkms.log"
	fi
	ko=$root/build/kernel/$kver/module/socksec.ko
	for s in tools/testing/ipsec/scenarios/*.sh; do
		[ -e "$s" ] || continue
		vm "$(basename "$s" .sh)" --timeout 600 -- "$s"
	done
	for s in tools/testing/ktls/scenarios/*.sh; do
		[ -e "$s" ] || continue
		vm "ktls-$(basename "$s" .sh)" --timeout 600 -- "$s"
	done
	# The kernel's own selftests come from linux-source-6.1: on the first
	# kernel (Debian 12's), the one whose source they are, to keep the
	# suite within its time. Without the module first (the baseline),
	# then insmod, then every socket protected through socksec-run.
	if [ "$kver" = "${kvers[0]}" ]; then
		vm kselftests --no-module --timeout 2700 -- \
			tools/testing/kselftests/guest.sh "$ko"
	fi
	times+=("$kver $(( $(date +%s) - t0 ))s")
done

step "vm from a copy under /tmp" vm-from-tmp vm_from_tmp
debug_wait
summary
