#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the socksec guarantee, shown in a QEMU VM that boots Debian's
# stock kernel with socksec.ko loaded (tools/testing/vm/run.sh).
#
# Builds the module and the socksec CLI, then runs
# tools/testing/guest/demo.sh in the VM, which tells the story on the
# console: a protected client refused with ENOKEY while no IKE daemon runs;
# strongSwan started; the same client held until IPsec is negotiated on
# demand, then encrypted end to end; a capture with only IKE and ESP on the
# wire and 0 clear-text payload bytes of the protected socket.
#
# Exit status: 0 when every claim of the story holds; non-zero otherwise
# (the VM's output directory, build/vm/KVER/demo/, keeps the console, the kernel
# log, the charon logs and the captures).
#
# Environment: DEMO_TIMEOUT (seconds for the VM, default 300),
# DEMO_HOLD_MS (hold_timeout_ms in the story, default 4000).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
kver=${KVER:-$(tools/testing/kver.sh)}
out=$root/build/vm/$kver/demo
log=$root/build/demo-build.log
started=$(date +%s)

mkdir -p build
echo "demo: building socksec.ko and the socksec CLI (log: build/demo-build.log)"
# Only what the story runs: the module and the CLI (not the C tests, which
# need the kernel sources).
if ! { make module && make -C tools ../build/tools/socksec; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "demo: build failed (see build/demo-build.log)" >&2
	exit 1
fi

envs=()
if [[ -n "${DEMO_HOLD_MS:-}" ]]; then
	envs+=(--env "DEMO_HOLD_MS=$DEMO_HOLD_MS")
fi

echo "demo: booting the VM (Debian's kernel under QEMU, about 10 s)"
# The harness's own progress lines stay in $out/console.log; the
# story (and any harness error) goes to the terminal.
set +e
tools/testing/vm/run.sh --kernel "$kver" --name demo --timeout "${DEMO_TIMEOUT:-300}" \
	"${envs[@]}" -- tools/testing/guest/demo.sh 2>&1 |
	sed -u -e '/^SOCKSEC-VM/d' -e '/^run\.sh: kernel .*, output in /d' \
		-e '/^run\.sh: pass (rc=0)/d'
rc=${PIPESTATUS[0]}
set -e

story=$out/demo.tap
secs=$(( $(date +%s) - started ))
if [[ $rc -eq 0 ]] && grep -q '^demo: all [0-9]* claims hold' "$story" 2>/dev/null; then
	echo "demo: passed in ${secs}s; captures and logs in ${out#"$root"/}/"
	exit 0
fi
echo "demo: FAILED (exit status $rc) after ${secs}s; see ${out#"$root"/}/ (console.log, dmesg.log, demo.tap, charon-*.log, *.pcap)" >&2
[[ $rc -ne 0 ]] || rc=1
exit "$rc"
