#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the socksec test VM: PID 1 inside the guest, running from the
# host's root file system (read-only 9p + tmpfs overlay) after the initramfs
# switched root.  Do not run this on the host.
#
# It loads the requested modules, runs the command given to run.sh from the
# repository directory, saves the kernel log to the output share, prints
#     SOCKSEC-VM-RESULT: <exit status>
# on the console and powers the VM off through the isa-debug-exit port.
# Settings come from .vm/config.sh in the output share (written by run.sh).

set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 SHELL=/bin/bash USER=root LOGNAME=root
umask 022

VM_OUT_GUEST=${1:-/mnt/vm-out}
# shellcheck disable=SC1091
source "$VM_OUT_GUEST/.vm/config.sh" || {
	echo "SOCKSEC-VM-ERROR: stage2: cannot read $VM_OUT_GUEST/.vm/config.sh"
	echo o >/proc/sysrq-trigger
	sleep 1000
}
# Provides VM_CMD (array), VM_ENV (array of NAME=VALUE), VM_PRELOAD (array).
# shellcheck disable=SC1091
source "$VM_OUT_GUEST/.vm/cmd.sh"

state="$VM_OUT_GUEST/.vm"

poweroff_now() { # status byte for isa-debug-exit
	sync
	printf '%b' "\\$(printf '%03o' "$(($1 & 0xff))")" |
		dd of=/dev/port bs=1 seek=$((0xf4)) count=1 status=none 2>/dev/null
	# Not reached when the debug-exit device is there.
	echo o >/proc/sysrq-trigger
	sleep 1000
}

save_dmesg() {
	dmesg >"$VM_OUT_GUEST/dmesg.log" 2>&1 || true
}

harness_error() {
	echo "SOCKSEC-VM-ERROR: $*"
	save_dmesg
	poweroff_now 125
}

# --- environment ---------------------------------------------------------

# Stage 1 mounted proc, sys, dev, devpts, /dev/shm, debugfs, tracefs,
# cgroup2, bpf, fresh tmpfs /run and /tmp, and set the host name: every
# program started here is read over 9p, so keep this script lean.

export SOCKSEC_VM=1
export SOCKSEC_VM_OUT="$VM_OUT_GUEST"
export SOCKSEC_KVER="$VM_KVER"
export SOCKSEC_REPO="$VM_REPO"
if [[ $VM_INTERACTIVE -eq 1 ]]; then
	export TERM="${VM_TERM:-vt100}"
else
	export TERM=dumb
fi

# --- modules -------------------------------------------------------------

# One modprobe for all: every program started costs time over 9p.
if [[ ${#VM_PRELOAD[@]} -gt 0 ]]; then
	modprobe -a "${VM_PRELOAD[@]}" || harness_error "modprobe -a ${VM_PRELOAD[*]} (--preload) failed"
fi

if [[ -n "$VM_MODULE" ]]; then
	# insmod does not resolve dependencies: load them with modprobe first.
	deps="$(modinfo -F depends "$VM_MODULE" 2>/dev/null)" ||
		harness_error "modinfo $VM_MODULE failed"
	IFS=, read -r -a deplist <<<"$deps"
	if [[ ${#deplist[@]} -gt 0 ]]; then
		modprobe -a "${deplist[@]}" ||
			harness_error "modprobe -a ${deplist[*]} (needed by $VM_MODULE_NAME) failed"
	fi
	read -r -a params <<<"$VM_MODULE_PARAMS"
	insmod "$VM_MODULE" "${params[@]}" || harness_error "insmod $VM_MODULE_NAME ${params[*]} failed"
	export SOCKSEC_VM_MODULE="$VM_MODULE_NAME"
	echo "SOCKSEC-VM: loaded $VM_MODULE_NAME${VM_MODULE_PARAMS:+ $VM_MODULE_PARAMS}"
fi

# --- the command ---------------------------------------------------------

cd "$VM_REPO" || harness_error "cannot cd to $VM_REPO in the guest"

read -r up _ </proc/uptime
echo "$up" >"$state/cmd-start-uptime"
# Shell-like quoting, but readable.
shown=""
for a in "${VM_CMD[@]}"; do
	if [[ "$a" =~ ^[][A-Za-z0-9_./=:,+@%^-]+$ ]]; then
		shown+=" $a"
	else
		shown+=" '${a//\'/\'\\\'\'}'"
	fi
done
echo "SOCKSEC-VM: running after ${up}s:$shown"

if [[ $VM_INTERACTIVE -eq 1 ]]; then
	# A session with the serial line as controlling terminal (job control,
	# ^C), sized like the host terminal.
	if [[ -n "$VM_STTY_SIZE" ]]; then
		# shellcheck disable=SC2086
		stty -F /dev/ttyS0 rows ${VM_STTY_SIZE% *} cols ${VM_STTY_SIZE#* } 2>/dev/null
	fi
	setsid -c -w env "${VM_ENV[@]}" "${VM_CMD[@]}" <>/dev/ttyS0 >&0 2>&0
	rc=$?
else
	env "${VM_ENV[@]}" "${VM_CMD[@]}" </dev/null
	rc=$?
fi

echo "$rc" >"$state/rc"
save_dmesg
echo "SOCKSEC-VM-RESULT: $rc"
poweroff_now "$rc"
