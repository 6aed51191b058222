#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run one command as root inside a throw-away QEMU VM that boots
# Debian's stock kernel (by default Debian 12's own, see tools/testing/kver.sh;
# --kernel picks another whose headers are installed, such as Debian's 6.12
# from bookworm-backports), with the socksec module loaded.
#
# Usage:
#   tools/testing/vm/run.sh [OPTIONS] -- CMD [ARGS...]
#
# Examples:
#   tools/testing/vm/run.sh -- tools/testing/selftests/foo
#   tools/testing/vm/run.sh --no-module -- sh -c 'uname -r; ip -br link'
#   tools/testing/vm/run.sh --preload "xfrm_user esp4" --timeout 120 -- ./scenario.sh
#   tools/testing/vm/run.sh -i --timeout 0 -- bash        # poke around by hand
#
# The guest sees the host's whole file system read-only with a throw-away
# tmpfs layer on top (writes succeed but vanish), fresh /run and /tmp (a
# checkout under them is mounted back at its own path), the
# kernel's own modules under /lib/modules/<VER> (modprobe and autoload work),
# and lo up.  CMD runs as root from the repository's top directory, with
# stdin from /dev/null; its output appears on the serial console, which this
# script copies to the terminal.
#
# Options:
#   --kernel VER     boot Debian's kernel VER (default: SOCKSEC_KVER, else
#                    KVER, else kver.sh's default kernel).
#   --module PATH    insmod this module (its dependencies are modprobed
#                    first).  Default: module/socksec.ko of this repository
#                    if it is built for the kernel booted, else
#                    build/kernel/VER/module/socksec.ko if it exists
#                    (tools/testing/build-module.sh VER builds it).
#   --module-params "P=V..."
#                    parameters for that insmod.
#   --no-module      load no socksec module.
#   --preload "M..." modprobe these modules before CMD (repeatable).
#   --timeout SECS   stop the VM after SECS seconds (default 300, or none
#                    with -i; 0 = never).  The guest is first sent an NMI so
#                    that it panics with backtraces into console.log.
#   --out DIR        per-run output directory (default build/vm/VER/NAME in the
#                    repository; the default one is emptied first).
#   --name NAME      run name for the default output directory (default: the
#                    base name of CMD).
#   --env NAME=VAL   set an environment variable for CMD (repeatable).
#   --append ARGS    extra kernel command-line arguments (e.g. ignore_loglevel).
#   --mem SIZE       guest memory (default 2G).
#   --cpus N         guest CPUs (default 2).
#   --machine TYPE   QEMU machine type (default QEMU's, i440fx "pc"); the
#                    debug kernel boots on q35, whose ACPI tables have no
#                    AML loops for its slow interpreter to time out in.
#   --bzimage        boot the compressed vmlinuz through the BIOS instead of
#                    the extracted vmlinux through its PVH entry (slower;
#                    for checking that the two boot the same).
#   -i, --interactive
#                    CMD gets the serial line as its terminal (for `bash`);
#                    type Ctrl-A x to kill the VM.
#   -q, --quiet      do not copy the console to the terminal (it is still
#                    saved; shown on failure).
#   -h, --help       this text.
#
# Inside the guest, CMD finds:
#   SOCKSEC_VM=1, SOCKSEC_VM_OUT (a directory shared writable with the host's
#   output directory: leave captures and logs there), SOCKSEC_KVER,
#   SOCKSEC_REPO, SOCKSEC_VM_MODULE (module file name, when one was loaded).
#
# Output directory (printed at the end):
#   console.log   the complete serial console (kernel messages at warning
#                 level and worse, CMD's output, harness messages)
#   dmesg.log     the guest's whole kernel log, saved just before power-off
#                 (missing when the kernel panicked: see console.log, where
#                 a panic replays the whole kernel log)
#   result        status=..., rc=..., timings
#   anything CMD wrote to $SOCKSEC_VM_OUT
#
# Exit status: CMD's exit status when the VM ran cleanly.  124 if the VM hit
# the timeout; 125 on any other harness or kernel failure: no result token
# (the guest crashed or setup failed), or a kernel WARNING/BUG/Oops/panic/
# KASAN/UBSAN report on the console or in the kernel log -- even if CMD
# itself succeeded.  The kernel runs with panic_on_warn=1 oops=panic, so a
# WARN or an oops stops the VM at once.
#
# Environment: SOCKSEC_CACHE (default /var/cache/socksec) holds the kernel
# and the initramfs, see fetch-kernel.sh; QEMU (default qemu-system-x86_64).

set -euo pipefail

self_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
repo="$(cd "$self_dir/../../.." && pwd -P)"
prog="run.sh"

die() {
	echo "$prog: error: $*" >&2
	exit 125
}
usage() {
	sed -n '/^# Usage:/,/^# Environment:/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# --- options -------------------------------------------------------------

kernel=""
module=""
module_params=""
module_set=0
no_module=0
preload=()
timeout_s=""
out=""
name=""
envs=()
append=""
mem=2G
cpus=2
machine=""
interactive=0
quiet=0
bzimage=0

need_arg() {
	[[ $# -ge 2 ]] || die "option $1 needs an argument (see --help)"
}
while [[ $# -gt 0 ]]; do
	case "$1" in
	--kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
	--kernel=*) kernel="${1#*=}"; shift ;;
	--module) need_arg "$@"; module="$2"; module_set=1; shift 2 ;;
	--module=*) module="${1#*=}"; module_set=1; shift ;;
	--module-params) need_arg "$@"; module_params="$2"; shift 2 ;;
	--module-params=*) module_params="${1#*=}"; shift ;;
	--no-module) no_module=1; shift ;;
	--preload) need_arg "$@"; read -r -a m <<<"$2"; preload+=("${m[@]}"); shift 2 ;;
	--preload=*) read -r -a m <<<"${1#*=}"; preload+=("${m[@]}"); shift ;;
	--timeout) need_arg "$@"; timeout_s="$2"; shift 2 ;;
	--timeout=*) timeout_s="${1#*=}"; shift ;;
	--out) need_arg "$@"; out="$2"; shift 2 ;;
	--out=*) out="${1#*=}"; shift ;;
	--name) need_arg "$@"; name="$2"; shift 2 ;;
	--name=*) name="${1#*=}"; shift ;;
	--env) need_arg "$@"; envs+=("$2"); shift 2 ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--append) need_arg "$@"; append+=" $2"; shift 2 ;;
	--append=*) append+=" ${1#*=}"; shift ;;
	--mem) need_arg "$@"; mem="$2"; shift 2 ;;
	--mem=*) mem="${1#*=}"; shift ;;
	--cpus) need_arg "$@"; cpus="$2"; shift 2 ;;
	--cpus=*) cpus="${1#*=}"; shift ;;
	--machine) need_arg "$@"; machine="$2"; shift 2 ;;
	--machine=*) machine="${1#*=}"; shift ;;
	--bzimage) bzimage=1; shift ;;
	-i | --interactive) interactive=1; shift ;;
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[[ $# -gt 0 ]] || die "no command given: run.sh [OPTIONS] -- CMD [ARGS...] (see --help)"
cmd=("$@")

if [[ -z "$timeout_s" ]]; then
	# By hand (-i) there is no deadline unless asked for.
	timeout_s=300
	[[ $interactive -eq 0 ]] || timeout_s=0
fi
[[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, got '$timeout_s'"
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "--cpus wants a number, got '$cpus'"
[[ "$machine" =~ ^[A-Za-z0-9._,=-]*$ ]] || die "--machine: odd machine type '$machine'"
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"
done
for m in "${preload[@]}"; do
	[[ "$m" =~ ^[A-Za-z0-9_-]+$ ]] || die "--preload: odd module name '$m'"
done

if [[ $no_module -eq 1 ]]; then
	module=""
elif [[ $module_set -eq 1 ]]; then
	[[ -f "$module" ]] || die "--module $module: no such file"
fi

# The guest has its own /dev, /proc and /sys: a checkout there is out of
# its reach. Anywhere else works (under /run and /tmp, stage 1 mounts it
# back over the guest's fresh tmpfs).
case "$repo" in
/dev | /dev/* | /proc | /proc/* | /sys | /sys/*)
	die "the checkout $repo is under ${repo:0:4}, which the guest replaces with its own; clone the repository anywhere else"
	;;
esac

qemu="${QEMU:-qemu-system-x86_64}"
for tool in "$qemu" timeout flock cpio modprobe modinfo sha256sum mkfifo; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

# --- kernel and initramfs ------------------------------------------------

kdir="$("$self_dir/fetch-kernel.sh" ${kernel:+"$kernel"})" ||
	die "could not obtain the kernel (fetch-kernel.sh)"
kver="${kdir##*/kernel-}"
[[ -f "$kdir/vmlinuz" && -d "$kdir/lib/modules/$kver" ]] || die "incomplete kernel cache $kdir"

# The default module: the one built for this kernel.
vermagic() {
	modinfo -F vermagic "$1" 2>/dev/null | awk '{ print $1 }'
}
if [[ $no_module -eq 0 && $module_set -eq 0 ]]; then
	built="$repo/module/socksec.ko"
	if [[ -f "$built" && "$(vermagic "$built")" == "$kver" ]]; then
		module="$built"
	elif [[ -f "$repo/build/kernel/$kver/module/socksec.ko" ]]; then
		module="$repo/build/kernel/$kver/module/socksec.ko"
	elif [[ -f "$built" ]]; then
		die "module/socksec.ko is built for $(vermagic "$built"), not $kver: make module KVER=$kver, or tools/testing/build-module.sh $kver"
	fi
fi

# Modules the initramfs loads, with what they depend on (netfs, and fscache
# before 6.8 merged it into netfs), in dependency order.
initrd_modules=(virtio_pci 9pnet 9pnet_virtio 9p overlay)

find_busybox() {
	local b l
	for b in "$(command -v busybox || true)" /bin/busybox /usr/bin/busybox; do
		[[ -n "$b" && -x "$b" ]] || continue
		# It runs before any library is there: it must be static.
		l="$(LC_ALL=C ldd "$b" 2>&1 || true)"
		[[ "$l" == *"not a dynamic executable"* || "$l" == *"statically linked"* ]] || continue
		echo "$b"
		return 0
	done
	return 1
}

build_initramfs() {
	local bb order inputs stamp img tmp m p
	bb="$(find_busybox)" || die "no static busybox found: apt-get install busybox-static"
	order="$(
		for m in "${initrd_modules[@]}"; do
			modprobe -d "$kdir" -S "$kver" --show-depends "$m" ||
				echo "MISSING $m"
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 } $1 == "MISSING" { print }'
	)"
	if grep -q '^MISSING' <<<"$order"; then
		die "initramfs modules not found in $kdir: $(grep '^MISSING' <<<"$order" | tr '\n' ' ')"
	fi
	inputs="$(
		echo "format 3 $kver"
		sha256sum "$self_dir/initramfs-init" "$bb" | awk '{ print $1 }'
		for p in $order; do
			sha256sum "$p" | awk '{ print $1 }'
		done
	)"
	img="$kdir/initramfs.cpio"
	stamp="$kdir/initramfs.inputs"
	if [[ -f "$img" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$inputs" ]]; then
		return 0
	fi
	exec 8>"$kdir/.initramfs.lock"
	flock 8
	if [[ -f "$img" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$inputs" ]]; then
		exec 8>&-
		return 0
	fi
	echo "$prog: building initramfs for $kver" >&2
	tmp="$(mktemp -d "$kdir/.initramfs.XXXXXX")"
	mkdir -p "$tmp/root/bin" "$tmp/root/modules" "$tmp/root/dev" "$tmp/root/proc" \
		"$tmp/root/sys" "$tmp/root/mnt"
	cp "$bb" "$tmp/root/bin/busybox"
	ln -s busybox "$tmp/root/bin/sh"
	install -m 0755 "$self_dir/initramfs-init" "$tmp/root/init"
	# A kernel with everything built in (the debug kernel) loads none.
	: >"$tmp/root/modules/load-order"
	for p in $order; do
		# Debian's 6.12 ships its modules xz-compressed; busybox's insmod
		# would first offer the kernel the compressed file.
		m="$(basename "$p")"
		m="${m%.ko*}"
		case "$p" in
		*.ko.xz) xz -dc "$p" >"$tmp/root/modules/$m.ko" ;;
		*.ko.zst) zstd -dcq "$p" >"$tmp/root/modules/$m.ko" ;;
		*) cp "$p" "$tmp/root/modules/$m.ko" ;;
		esac
		echo "$m" >>"$tmp/root/modules/load-order"
	done
	(cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$tmp/initramfs.cpio"
	mv -f "$tmp/initramfs.cpio" "$img"
	printf '%s\n' "$inputs" >"$stamp"
	rm -rf "$tmp"
	exec 8>&-
}
build_initramfs

# --- output directory ----------------------------------------------------

if [[ -z "$name" ]]; then
	name="$(basename -- "${cmd[0]}")"
fi
name="${name//[^A-Za-z0-9._-]/_}"
[[ "$name" != "." && "$name" != ".." && -n "$name" ]] || name=run
default_out=0
if [[ -z "$out" ]]; then
	out="$repo/build/vm/$kver/$name"
	default_out=1
fi
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"
exec 9>"$out/.vm-lock"
flock -n 9 || die "another run is using $out (pick another --name or --out)"
if [[ $default_out -eq 1 ]]; then
	find "$out" -mindepth 1 -maxdepth 1 ! -name .vm-lock -exec rm -rf {} +
else
	rm -rf "$out/.vm" "$out/console.log" "$out/dmesg.log" "$out/result"
fi
mkdir -p "$out/.vm"

# --- per-run guest configuration -----------------------------------------

# POSIX single quoting: both busybox sh (stage 1) and bash read config.sh.
shq() {
	local s="${1//\'/\'\\\'\'}"
	printf "'%s'" "$s"
}

vm_out_guest=/mnt/vm-out
module_guest=""
module_name=""
if [[ -n "$module" ]]; then
	module_name="$(basename "$module")"
	# A private copy: the guest loads exactly what was there at start, and
	# it is reachable even if the original lives under /tmp or /run.
	cp "$module" "$out/.vm/$module_name"
	module_guest="$vm_out_guest/.vm/$module_name"
fi
stty_size=""
if [[ $interactive -eq 1 ]] && [[ -t 0 ]]; then
	stty_size="$(stty size 2>/dev/null || true)"
fi

{
	echo "# written by run.sh for one run"
	echo "VM_KVER=$(shq "$kver")"
	echo "VM_MODDIR=$(shq "$kdir/lib/modules/$kver")"
	echo "VM_STAGE2=$(shq "$self_dir/guest-init.sh")"
	echo "VM_OUT_GUEST=$(shq "$vm_out_guest")"
	echo "VM_REPO=$(shq "$repo")"
	echo "VM_MODULE=$(shq "$module_guest")"
	echo "VM_MODULE_NAME=$(shq "$module_name")"
	echo "VM_MODULE_PARAMS=$(shq "$module_params")"
	echo "VM_INTERACTIVE=$interactive"
	echo "VM_TERM=$(shq "${TERM:-}")"
	echo "VM_STTY_SIZE=$(shq "$stty_size")"
} >"$out/.vm/config.sh"
{
	printf 'VM_CMD=('
	printf ' %q' "${cmd[@]}"
	printf ' )\nVM_ENV=('
	[[ ${#envs[@]} -eq 0 ]] || printf ' %q' "${envs[@]}"
	printf ' )\nVM_PRELOAD=('
	[[ ${#preload[@]} -eq 0 ]] || printf ' %q' "${preload[@]}"
	printf ' )\n'
} >"$out/.vm/cmd.sh"

# --- boot ----------------------------------------------------------------

kcmdline="console=ttyS0 loglevel=4 printk.time=1 panic_on_warn=1 oops=panic panic=-1"
# On panic, print all CPUs' backtraces and replay the whole kernel log on the
# console (dmesg.log cannot be written then).  The watchdog's NMI on timeout
# panics too (unknown_nmi_panic), for the same report.
kcmdline+=" panic_print=0x60 unknown_nmi_panic"
# The CPU's RDRAND seeds the random pool at boot, as Debian's kernels are
# built to; a kernel built without that trust (the debug kernel) would
# wait a minute or two under emulation for entropy, and with it strongSwan
# and every hold timeout set for its first SA.
kcmdline+=" random.trust_cpu=on"

# The uncompressed kernel boots through its PVH entry point and saves the
# xz decompression (about 2 s under TCG); --bzimage boots vmlinuz as is.
kernel_image="$kdir/vmlinuz"
if [[ $bzimage -eq 0 && -f "$kdir/vmlinux" ]]; then
	kernel_image="$kdir/vmlinux"
else
	kcmdline+=" edd=off"
fi
kcmdline+="$append"

p9="security_model=none,multidevs=remap"
qemu_args=(
	-accel tcg -cpu max -m "$mem" -smp "$cpus"
	-nographic -no-reboot -nodefaults
	-kernel "$kernel_image" -initrd "$kdir/initramfs.cpio"
	-append "$kcmdline"
	-virtfs "local,path=/,mount_tag=hostroot,$p9,readonly=on"
	-virtfs "local,path=$out,mount_tag=vmout,$p9"
	-device "isa-debug-exit,iobase=0xf4,iosize=0x04"
)
if [[ -n "$machine" ]]; then
	qemu_args+=(-machine "$machine")
fi
# qboot (from qemu-system-data) starts the kernel silently and faster than
# SeaBIOS, which also prints its banner on the serial line.
if [[ -f /usr/share/qemu/qboot.rom ]]; then
	qemu_args+=(-bios /usr/share/qemu/qboot.rom)
fi
if [[ $interactive -eq 1 ]]; then
	# Serial line and monitor share the terminal: Ctrl-A x quits, Ctrl-A c
	# switches to the monitor.
	qemu_args+=(-serial mon:stdio)
else
	qemu_args+=(-serial stdio)
fi

# Host-only run-time files (not in the share the guest sees).
rt="$(mktemp -d "${TMPDIR:-/tmp}/socksec-vm.XXXXXX")"
watchdog_pid=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	local pid
	if [[ -n "$watchdog_pid" ]]; then
		kill "$watchdog_pid" 2>/dev/null || true
		wait "$watchdog_pid" 2>/dev/null || true
	fi
	pid="$(cat "$rt/qemu.pid" 2>/dev/null || true)"
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -rf "$rt"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

qemu_args+=(-pidfile "$rt/qemu.pid")
if [[ $interactive -eq 0 ]]; then
	# A monitor (off the terminal) the watchdog can talk to.
	mkfifo "$rt/monitor.in" "$rt/monitor.out"
	qemu_args+=(-monitor "pipe:$rt/monitor")
fi

# On timeout: inject an NMI, which the guest turns into a panic
# (unknown_nmi_panic) that prints every CPU's backtrace and replays the whole
# kernel log on the console; then make sure QEMU is gone.
watchdog() {
	local pid i
	# Wait without a child process (nothing to leak when we are killed):
	# a read on a FIFO nobody writes to, with a time limit.
	if read -r -t "$timeout_s" _ <>"$rt/watchdog.fifo"; then
		return 0
	fi
	pid="$(cat "$rt/qemu.pid" 2>/dev/null)" || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	: >"$rt/timed-out"
	echo "$prog: timeout after ${timeout_s}s, stopping the VM" >&2
	if [[ $interactive -eq 0 ]]; then
		# shellcheck disable=SC2016
		timeout 5 bash -c 'echo nmi >"$1"' _ "$rt/monitor.in" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || return 0
			sleep 0.1
		done
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# What the terminal shows of the console: everything, except that after a
# panic the kernel replays its whole log (panic_print), which stays in
# console.log only.
console_filter() {
	local line panicked=0
	while IFS= read -r line || [[ -n "$line" ]]; do
		if [[ $panicked -eq 1 && "$line" == *"] Linux version "* ]]; then
			echo "[... kernel log replay after the panic: see $out/console.log ...]"
			cat >/dev/null
			return 0
		fi
		[[ "$line" != *"Kernel panic - not syncing"* ]] || panicked=1
		printf '%s\n' "$line"
	done
}

if [[ $quiet -eq 0 ]]; then
	echo "$prog: kernel $kver, output in $out" >&2
fi
t0="$(date +%s.%N)"
if [[ "$timeout_s" -gt 0 ]]; then
	mkfifo "$rt/watchdog.fifo"
	watchdog &
	watchdog_pid=$!
fi
# Kernel trouble, only on lines the kernel printed (they carry a printk
# timestamp), so a test's own "WARNING:" output does not count.
splat_re='\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|WARNING:|BUG:|Oops|KASAN|UBSAN|general protection fault|kernel BUG|INFO: task .* blocked for more than|INFO: rcu_.* detected stall)'

# A kernel that died booting, before it ran /init (so before any module,
# test or guest script of ours), is booted once more: TCG now and then
# trips on the kernel patching its own code early on (seen once: an int3
# in sched_clock_cpu() at 1.5 s on Debian's 6.12). The panic replays the
# kernel's log on the console, so "Run /init" is there if init ran. The
# first console stays, as console-boot1.log; a second death is reported.
died_booting() {
	[[ $interactive -eq 0 && ! -e "$rt/timed-out" ]] &&
		grep -aqE "$splat_re" "$out/console.log" &&
		! grep -aq 'Run /init as init process' "$out/console.log"
}

set +e
for attempt in 1 2; do
	if [[ $interactive -eq 1 ]]; then
		"$qemu" "${qemu_args[@]}" 2>&1 | tee "$out/console.raw"
		st=("${PIPESTATUS[@]}")
		sed 's/\r$//' "$out/console.raw" >"$out/console.log"
		rm -f "$out/console.raw"
	elif [[ $quiet -eq 1 ]]; then
		"$qemu" "${qemu_args[@]}" </dev/null 2>&1 | sed -u 's/\r$//' >"$out/console.log"
		st=("${PIPESTATUS[@]}")
	else
		"$qemu" "${qemu_args[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$out/console.log" | console_filter
		st=("${PIPESTATUS[@]}")
	fi
	[[ $attempt -eq 1 ]] && died_booting || break
	mv "$out/console.log" "$out/console-boot1.log"
	echo "$prog: the kernel died booting, before /init; booting once more (see console-boot1.log)" >&2
done
set -e
qemu_rc="${st[0]}"
t1="$(date +%s.%N)"
timed_out=0
[[ -e "$rt/timed-out" ]] && timed_out=1
wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"

# --- verdict -------------------------------------------------------------

console="$out/console.log"
dmesg_log="$out/dmesg.log"

token="$(grep -aoE 'SOCKSEC-VM-RESULT: [0-9]+' "$console" | tail -n 1 | awk '{ print $2 }' || true)"
harness_err="$(grep -a 'SOCKSEC-VM-ERROR:' "$console" | tail -n 1 || true)"
# Earliest first (by printk time): the first report is usually the cause,
# the rest (panic_on_warn's panic, ...) its consequences.  Only the part from
# the "[" on: a report may follow a test's unterminated output on its line.
splats="$(grep -aEoh "$splat_re.*" "$console" "$dmesg_log" 2>/dev/null |
	awk '!seen[$0]++' | sort -s -t ']' -k1.2,1n | head -n 5 || true)"
boot_s="$(cat "$out/.vm/cmd-start-uptime" 2>/dev/null || echo "?")"

if [[ $timed_out -eq 1 ]]; then
	status=timeout
	reason="no result after ${timeout_s}s: VM stopped (--timeout); see the backtraces at the end of console.log"
	rc=124
elif [[ -n "$splats" ]]; then
	status=kernel-error
	reason="kernel reported a problem: $(head -n 1 <<<"$splats" | sed 's/^.*\] //')"
	rc=125
elif [[ -z "$token" ]]; then
	status=harness-error
	if [[ -n "$harness_err" ]]; then
		reason="${harness_err#*SOCKSEC-VM-ERROR: }"
	else
		reason="no SOCKSEC-VM-RESULT token on the console (qemu exit status $qemu_rc)"
	fi
	rc=125
else
	rc="$token"
	if [[ "$rc" -eq 0 ]]; then
		status=pass
	else
		status=fail
	fi
	reason="command exited with status $rc"
fi

{
	echo "status=$status"
	echo "rc=$rc"
	echo "reason=$reason"
	echo "qemu_rc=$qemu_rc"
	echo "boot_to_cmd_s=$boot_s"
	echo "wall_s=$wall"
	echo "kernel=$kver"
	echo "module=${module_name:-none}"
	printf 'cmd=%s\n' "${cmd[*]}"
} >"$out/result"

if [[ "$status" != pass ]]; then
	{
		echo
		echo "===== $prog: $status: $reason"
		if [[ -n "$splats" ]]; then
			echo "----- kernel reports:"
			echo "$splats"
		fi
		first="$(head -n 1 <<<"$splats")"
		n=""
		if [[ "$status" == kernel-error ]]; then
			# The first report with its backtrace: from the console (the
			# kernel replays its log there on panic), else from dmesg.log.
			for f in "$console" "$dmesg_log"; do
				n="$(grep -anF -- "$first" "$f" 2>/dev/null | tail -n 1 | cut -d: -f1 || true)"
				if [[ -n "$n" ]]; then
					echo "----- first report, ${f##*/} line $n:"
					# No pipe into head: its early exit would be a
					# SIGPIPE, fatal under pipefail.
					sed -n "${n},$((n + 49))p" "$f"
					break
				fi
			done
		fi
		if [[ -z "$n" ]] && [[ $quiet -eq 1 || "$status" != fail ]]; then
			echo "----- tail of $console:"
			tail -n 40 "$console"
		fi
		if [[ -f "$dmesg_log" ]]; then
			echo "----- tail of $dmesg_log:"
			tail -n 25 "$dmesg_log"
		else
			echo "----- no dmesg.log (the guest did not reach the end)"
		fi
	} >&2
fi
echo "$prog: $status (rc=$rc): boot-to-command ${boot_s}s, total ${wall}s; logs in $out" >&2
exit "$rc"
