#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run socksec's KUnit suites (kunit/*_test.c) in QEMU.
#
#  1. Build a minimal KUnit-enabled x86_64 kernel from Debian's
#     linux-source-6.1: allnoconfig + kunit/.kunitconfig +
#     tools/testing/debug/kernel.config (merge_config.sh -n) + olddefconfig,
#     every requested option verified. The second fragment makes it the
#     debug kernel too (KASAN, lockdep, kmemleak, ...): the KUnit suites run
#     under those detectors, and tools/testing/debug/ boots the same kernel
#     for the VM suite. The build tree is
#     cached in $SOCKSEC_CACHE/kunit-<hash>/, the hash covering the config
#     inputs, the source package version and the toolchain, and it is kept
#     complete (Module.symvers, headers) so modules can be built against it.
#  2. Build kunit/socksec_kunit.ko against it with W=1 and -Werror, from a
#     staged copy of the sources (the repository stays free of objects).
#  3. Boot the kernel under qemu-system-x86_64 -accel tcg with a
#     busybox-static initramfs whose init loads the module (KUnit runs the
#     suites on load), unloads it and powers the machine off.
#  4. Parse the KTAP with the kernel's own tools/testing/kunit/kunit.py
#     and with ktap_check.py (strict: every planned suite and test present,
#     none failed, crashed or skipped), and print the totals.
#
# Exit status: 0 only if every test passed. Logs: build/kunit/ in the repo.
# Run with --help for options.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd -- "$SCRIPT_DIR/../../.." && pwd -P)

CACHE=${SOCKSEC_CACHE:-/var/cache/socksec}
TARBALL=${SOCKSEC_LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC_PKG=linux-source-6.1
LOGDIR=${SOCKSEC_KUNIT_LOGDIR:-$REPO/build/kunit}
TIMEOUT=${SOCKSEC_KUNIT_TIMEOUT:-300}
JOBS=${SOCKSEC_JOBS:-$(nproc)}
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${BUSYBOX:-}
ALLOW_SKIP=${SOCKSEC_KUNIT_ALLOW_SKIP:-0}
REBUILD=0
KERNEL_ONLY=0
REPLACE=()

# Bump when the way the kernel is configured or built changes, so every
# cached tree built the old way is ignored.
RECIPE="socksec-kunit-kernel v2: ARCH=x86_64 allnoconfig + merge_config.sh -n kunit debug + olddefconfig; make all"

usage() {
	cat <<EOF
usage: ${0##*/} [options]

Build the cached KUnit kernel if needed, build socksec_kunit.ko against
it, run it in QEMU and check the KTAP results. Exit 0 only if all passed.

options:
  --rebuild-kernel     rebuild the cached kernel from scratch
  --kernel-only        only make sure the cached kernel exists, print its path
  --replace REL=FILE   use FILE instead of the repository file REL (e.g.
                       module/decide.c=/tmp/mutant.c) in the staged sources;
                       for mutation checks, may be repeated
  --timeout SECONDS    hard limit for the QEMU run (default $TIMEOUT)
  -j, --jobs N         parallel make jobs (default $JOBS)
  -h, --help           this text

environment:
  SOCKSEC_CACHE        cache directory (default /var/cache/socksec)
  SOCKSEC_LINUX_TARBALL  source tarball (default /usr/src/linux-source-6.1.tar.xz)
  SOCKSEC_KUNIT_LOGDIR log directory (default <repo>/build/kunit)
  SOCKSEC_KUNIT_ALLOW_SKIP=1  do not count skipped tests as a failure
  QEMU, BUSYBOX        binaries to use (busybox must be statically linked)
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--rebuild-kernel) REBUILD=1 ;;
	--kernel-only) KERNEL_ONLY=1 ;;
	--replace) [ $# -ge 2 ] || { usage >&2; exit 2; }; REPLACE+=("$2"); shift ;;
	--replace=*) REPLACE+=("${1#*=}") ;;
	--timeout) [ $# -ge 2 ] || { usage >&2; exit 2; }; TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#*=} ;;
	-j|--jobs) [ $# -ge 2 ] || { usage >&2; exit 2; }; JOBS=$2; shift ;;
	-j*) JOBS=${1#-j} ;;
	--jobs=*) JOBS=${1#*=} ;;
	-h|--help) usage; exit 0 ;;
	*) echo "${0##*/}: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

log() { printf '[kunit] %s\n' "$*"; }
die() { printf '[kunit] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_START=$(now)

# ---------------------------------------------------------------- tools ---
for tool in make gcc ld flex bison bc tar xz gzip python3 sha256sum flock \
	    timeout readelf awk sed; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done
command -v "$QEMU" >/dev/null || die "missing $QEMU (apt-get install qemu-system-x86)"
if [ -z "$BUSYBOX" ]; then
	BUSYBOX=$(command -v busybox || true)
fi
if [ -z "$BUSYBOX" ] || [ ! -x "$BUSYBOX" ]; then
	die "missing busybox (apt-get install busybox-static)"
fi
if readelf -lW "$BUSYBOX" 2>/dev/null | grep -q 'INTERP'; then
	die "$BUSYBOX is dynamically linked; install busybox-static or set BUSYBOX"
fi
FRAG=$REPO/kunit/.kunitconfig
DFRAG=$REPO/tools/testing/debug/kernel.config
[ -f "$FRAG" ] || die "missing $FRAG"
[ -f "$DFRAG" ] || die "missing $DFRAG"
[ -f "$TARBALL" ] || die "missing $TARBALL (apt-get install $SRC_PKG)"

mkdir -p "$CACHE" "$LOGDIR"
CACHE=$(cd -- "$CACHE" && pwd -P)
LOGDIR=$(cd -- "$LOGDIR" && pwd -P)

# --------------------------------------------------------------- source ---
# Which source we build: the Debian package version when dpkg knows it,
# else the tarball's checksum.
if PKG_VERSION=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) &&
   [ -n "$PKG_VERSION" ]; then
	PKG_ID="$SRC_PKG $PKG_VERSION"
else
	PKG_ID="$SRC_PKG tarball sha256 $(sha256sum <"$TARBALL" | cut -d' ' -f1)"
fi
SRC=$CACHE/$SRC_PKG
SRC_STAMP=$SRC/.socksec-source-id

# The upstream version the tarball's Makefile must show (6.1.192-2 -> 6.1.192).
upstream_version() {
	awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 }
	     /^SUBLEVEL =/ { s = $3 } END { print v "." p "." s }' "$1/Makefile"
}

ensure_source() {
	exec 8>"$CACHE/.$SRC_PKG.lock"
	flock 8
	if [ -f "$SRC_STAMP" ] && [ "$(cat "$SRC_STAMP")" = "$PKG_ID" ]; then
		exec 8>&-
		return
	fi
	if [ -d "$SRC" ] && [ ! -f "$SRC_STAMP" ] && [ -f "$SRC/Makefile" ] &&
	   [ -f "$SRC/tools/testing/kunit/kunit.py" ] &&
	   [ -n "${PKG_VERSION:-}" ] &&
	   [ "$(upstream_version "$SRC")" = "${PKG_VERSION%%-*}" ]; then
		# Extracted by someone else from this very package.
		log "using existing source tree $SRC"
		echo "$PKG_ID" >"$SRC_STAMP"
		exec 8>&-
		return
	fi
	log "extracting $TARBALL into $CACHE"
	local tmp
	rm -rf "$CACHE"/.extract.*	# left by an interrupted extraction
	tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
	tar -xJf "$TARBALL" -C "$tmp"
	[ -f "$tmp/$SRC_PKG/Makefile" ] || die "$TARBALL has no $SRC_PKG/Makefile"
	echo "$PKG_ID" >"$tmp/$SRC_PKG/.socksec-source-id"
	if [ -e "$SRC" ]; then
		mv "$SRC" "$tmp/old"
	fi
	mv "$tmp/$SRC_PKG" "$SRC"
	rm -rf "$tmp"
	exec 8>&-
}
ensure_source
if [ -e "$SRC/.config" ] || [ -d "$SRC/include/config" ]; then
	die "$SRC has been configured in place; O= builds need a clean tree (make -C $SRC mrproper)"
fi

# --------------------------------------------------------------- kernel ---
HOST_CC=$(gcc --version | head -n1)
HOST_LD=$(ld --version | head -n1)
HASH=$( {
	echo "$RECIPE"
	echo "$PKG_ID"
	echo "$HOST_CC"
	echo "$HOST_LD"
	cat "$FRAG" "$DFRAG"
} | sha256sum | cut -c1-16)
KBASE=$CACHE/kunit-$HASH
KDIR=$KBASE/build
KSTAMP=$KBASE/complete
BZIMAGE=$KDIR/arch/x86/boot/bzImage
GEN_CPIO=$KDIR/usr/gen_init_cpio

# Every CONFIG_X=v line of the fragment must be in .config verbatim, and
# every "# CONFIG_X is not set" must not be set.
verify_config() {
	local frag=$1 cfg=$2 line sym bad=0 got
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			if ! grep -qxF -- "$line" "$cfg"; then
				sym=${line%%=*}
				got=$(grep -E "^(# )?${sym}[= ]" "$cfg" || echo "absent")
				echo "  requested $line, got: $got" >&2
				bad=1
			fi ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -qE "^$sym=" "$cfg"; then
				echo "  requested $line, got: $(grep -E "^$sym=" "$cfg")" >&2
				bad=1
			fi ;;
		esac
	done <"$frag"
	return $bad
}

build_kernel() {
	local t0 blog=$KBASE/build.log
	t0=$(now)
	if [ "$REBUILD" = 1 ]; then
		rm -rf "$KDIR"
	fi
	rm -f "$KSTAMP"
	mkdir -p "$KDIR"
	cp "$FRAG" "$KBASE/kunitconfig"
	cp "$DFRAG" "$KBASE/debugconfig"
	log "configuring kernel in $KDIR"
	{
		echo "# $RECIPE"
		echo "# $PKG_ID"
		echo "# $HOST_CC"
		echo "# $HOST_LD"
	} >"$KBASE/inputs"
	(cd "$SRC" && ARCH=x86_64 scripts/kconfig/merge_config.sh -n -O "$KDIR" \
		"$KBASE/kunitconfig" "$KBASE/debugconfig") >"$KBASE/config.log" 2>&1 ||
		{ tail -n 30 "$KBASE/config.log" >&2; die "merge_config.sh failed"; }
	make -s -C "$SRC" O="$KDIR" ARCH=x86_64 olddefconfig >>"$KBASE/config.log" 2>&1 ||
		{ tail -n 30 "$KBASE/config.log" >&2; die "olddefconfig failed"; }
	verify_config "$KBASE/kunitconfig" "$KDIR/.config" ||
		die "kernel config lacks options requested by kunit/.kunitconfig (see above)"
	verify_config "$KBASE/debugconfig" "$KDIR/.config" ||
		die "kernel config lacks options requested by $DFRAG (see above)"
	log "building kernel with make -j$JOBS (log: $blog) ..."
	if ! make -C "$SRC" O="$KDIR" ARCH=x86_64 -j"$JOBS" all >"$blog" 2>&1; then
		grep -E 'error|Error' "$blog" | head -n 20 >&2 || true
		tail -n 20 "$blog" >&2
		die "kernel build failed (full log: $blog)"
	fi
	for f in "$BZIMAGE" "$GEN_CPIO" "$KDIR/Module.symvers" "$KDIR/vmlinux"; do
		[ -f "$f" ] || die "kernel build did not produce $f"
	done
	elapsed "$t0" >"$KBASE/build-seconds"
	touch "$KSTAMP"
	log "kernel built in $(cat "$KBASE/build-seconds") s"
}

mkdir -p "$KBASE"
exec 9>"$KBASE/lock"
flock 9
if [ "$REBUILD" = 1 ] || [ ! -f "$KSTAMP" ]; then
	build_kernel
else
	{ verify_config "$FRAG" "$KDIR/.config" && verify_config "$DFRAG" "$KDIR/.config"; } ||
		die "cached kernel $KDIR does not match its fragments; rerun with --rebuild-kernel"
	log "using cached kernel $KDIR (built in $(cat "$KBASE/build-seconds" 2>/dev/null || echo '?') s)"
fi
exec 9>&-
KREL=$(cat "$KDIR/include/config/kernel.release")
if [ "$KERNEL_ONLY" = 1 ]; then
	echo "$KDIR"
	exit 0
fi

# --------------------------------------------------------------- module ---
# Stage the sources the module is built from, so objects stay out of the
# repository and --replace can swap a file without touching it.
STAGE=$LOGDIR/src
rm -rf "$STAGE"
mkdir -p "$STAGE/kunit" "$STAGE/module"
find "$REPO/kunit" -maxdepth 1 -type f \
	\( -name '*.c' -o -name '*.h' -o -name 'Kbuild' -o -name '.kunitconfig' \) \
	-exec cp -p {} "$STAGE/kunit/" \;
find "$REPO/module" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) \
	-exec cp -p {} "$STAGE/module/" \;
cp -pR "$REPO/uapi" "$STAGE/uapi"
if [ ${#REPLACE[@]} -gt 0 ]; then
	for r in "${REPLACE[@]}"; do
		rel=${r%%=*}
		file=${r#*=}
		case $rel in /*|*..*|"") die "--replace: bad path '$rel'" ;; esac
		if [ "$rel" = "$r" ] || [ ! -f "$file" ]; then
			die "--replace: expected REL=FILE (an existing file), got '$r'"
		fi
		[ -f "$STAGE/$rel" ] || die "--replace: $rel is not a staged file"
		cp "$file" "$STAGE/$rel"
		log "replaced $rel with $file"
	done
fi

MLOG=$LOGDIR/module-build.log
log "building socksec_kunit.ko (W=1, -Werror) against $KREL"
if ! make -C "$KDIR" ARCH=x86_64 M="$STAGE/kunit" W=1 KCFLAGS=-Werror \
	-j"$JOBS" modules >"$MLOG" 2>&1; then
	cat "$MLOG" >&2
	die "module build failed (log: $MLOG)"
fi
if grep -Eiq 'warning' "$MLOG"; then
	cat "$MLOG" >&2
	die "module build printed warnings (log: $MLOG)"
fi
KO=$STAGE/kunit/socksec_kunit.ko
[ -f "$KO" ] || die "module build did not produce $KO"

# How many suites the module holds: its .kunit_test_suites section is an
# array of pointers. The top-level KTAP plan is built from this, so a suite
# that never reports is caught.
SUITES_SIZE=$(readelf -SW "$KO" | awk '
	{ for (i = 1; i <= NF; i++) if ($i == ".kunit_test_suites") {
		print $(i + 4); exit } }')
[ -n "$SUITES_SIZE" ] || die "$KO has no .kunit_test_suites section"
NSUITES=$(( 16#$SUITES_SIZE / 8 ))
[ "$NSUITES" -gt 0 ] || die "$KO has an empty .kunit_test_suites section"
log "module has $NSUITES suite(s)"

# ------------------------------------------------------------ initramfs ---
RUN=$LOGDIR/run
rm -rf "$RUN"
mkdir -p "$RUN"
cat >"$RUN/init" <<'EOF'
#!/bin/sh
# socksec KUnit guest: load the module (KUnit runs its suites on load),
# unload it, power off. Markers go through /dev/kmsg so they are ordered
# with the kernel's own output.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
echo "socksec-kunit: begin" >/dev/kmsg
$bb insmod /socksec_kunit.ko
rc=$?
echo "socksec-kunit: end insmod=$rc" >/dev/kmsg
$bb rmmod socksec_kunit
echo "socksec-kunit: rmmod=$?" >/dev/kmsg
$bb sync
# -no-reboot turns the reboot into QEMU exiting: a power-off that needs no ACPI.
$bb reboot -f
EOF
cat >"$RUN/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/kmsg 0644 0 0 c 1 11
nod /dev/null 0666 0 0 c 1 3
dir /bin 0755 0 0
file /bin/busybox $BUSYBOX 0755 0 0
slink /bin/sh busybox 0777 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
file /init $RUN/init 0755 0 0
file /socksec_kunit.ko $KO 0644 0 0
EOF
"$GEN_CPIO" "$RUN/initramfs.list" | gzip -1 >"$RUN/initramfs.cpio.gz"

# ------------------------------------------------------------------ run ---
CONSOLE=$LOGDIR/console.log
CMDLINE="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 printk.devkmsg=on kunit.enable=1"
log "booting under $QEMU -accel tcg (timeout ${TIMEOUT}s, console: $CONSOLE)"
T_QEMU=$(now)
set +e
timeout --kill-after=10 "$TIMEOUT" "$QEMU" \
	-accel tcg -nographic -no-reboot -m 1G -smp 1 -nic none \
	-kernel "$BZIMAGE" -initrd "$RUN/initramfs.cpio.gz" \
	-append "$CMDLINE" </dev/null >"$RUN/console.raw" 2>"$RUN/qemu.stderr"
QRC=$?
set -e
# Drop carriage returns and the firmware's terminal escapes.
sed -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' \
	<"$RUN/console.raw" >"$CONSOLE"
log "QEMU exited with $QRC after $(elapsed "$T_QEMU") s"

fail=0
problem() { printf "[kunit] FAIL: %s\n" "$*"; fail=1; }
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	problem "guest did not finish within ${TIMEOUT}s"
elif [ "$QRC" != 0 ]; then
	problem "QEMU failed (exit $QRC): $(head -c 2000 "$RUN/qemu.stderr")"
fi
if grep -nE 'Kernel panic|BUG:|WARNING:|Oops|general protection fault|Call Trace:|KASAN|UBSAN' "$CONSOLE" >&2; then
	problem "kernel reported a crash or warning (see above, log: $CONSOLE)"
fi
grep -q '^socksec-kunit: begin$' "$CONSOLE" ||
	problem "guest never started the tests"
if ! grep -q '^socksec-kunit: end insmod=0$' "$CONSOLE"; then
	problem "the module did not load cleanly: $(grep '^socksec-kunit: end' "$CONSOLE" || echo 'no end marker')"
fi
grep -q '^socksec-kunit: rmmod=0$' "$CONSOLE" ||
	problem "the module did not unload cleanly"

# ---------------------------------------------------------------- parse ---
# KTAP as the module printed it, under a top-level header naming the number
# of suites it holds (a module has no executor to print one).
KTAP=$LOGDIR/ktap.log
{
	echo "KTAP version 1"
	echo "1..$NSUITES"
	sed -n '/^socksec-kunit: begin$/,/^socksec-kunit: end /{/^socksec-kunit: /d;p}' "$CONSOLE"
} >"$KTAP"

PARSE_LOG=$LOGDIR/kunit-parse.log
set +e
python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$LOGDIR/results.json" \
	"$KTAP" >"$PARSE_LOG" 2>&1
PRC=$?
set -e
# The full report (one line per test) is in the log; show failures, their
# diagnostics and the totals, not the passes and their banners.
grep -vE '\[PASSED\]|^\[[0-9:]+\] =+( [^[]* =+)?$' "$PARSE_LOG" || true
if grep -q '^Traceback' "$PARSE_LOG" || ! grep -q 'Testing complete\.' "$PARSE_LOG"; then
	log "kunit.py parse misbehaved (exit $PRC); relying on ktap_check.py alone"
elif [ "$PRC" != 0 ]; then
	problem "kunit.py parse reports failures (exit $PRC)"
fi

STRICT=(python3 "$SCRIPT_DIR/ktap_check.py")
[ "$ALLOW_SKIP" = 1 ] && STRICT+=(--allow-skip)
if ! "${STRICT[@]}" "$KTAP"; then
	problem "ktap_check.py: results incomplete or failed"
fi

log "logs: $LOGDIR (console.log, ktap.log, kunit-parse.log, results.json)"
log "total time $(elapsed "$T_START") s"
if [ "$fail" != 0 ]; then
	log "RESULT: FAILED"
	exit 1
fi
log "RESULT: all tests passed"
