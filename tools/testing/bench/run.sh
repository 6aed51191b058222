#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - socksec's benchmark: first-connect latency on demand and ESP
# throughput with and without socksec's enforcement, in one run of the
# test VM (Debian's stock kernel under QEMU, socksec.ko loaded).
#
# Usage: tools/testing/bench/run.sh [-q] [--ktls]
#   -q      do not copy the VM console to the terminal (progress lines)
#   --ktls  the kernel TLS benchmark instead: bulk TCP over kernel TLS with
#           socksec not loaded and loaded with the sender protected by
#           SOCKSEC_PROTO_KTLS (tools/testing/bench/ktls.sh, in a VM that
#           starts without the module; everything in build/vm/KVER/bench-ktls/)
#
# Builds socksec.ko, the socksec CLI and build/bench/bulk (bulk.c, with cc),
# runs tools/testing/bench/guest.sh in the VM (it says what is measured and
# how), then prints the results table and the machine-readable summary.
# Everything stays in build/vm/KVER/bench/: results.txt, summary.txt,
# bench.json, samples.txt (every sample), the console and the charon logs.
# Documentation/performance.rst explains the figures.
#
# Environment (passed to the guest): BENCH_RUNS (counted first connects
# per setup, default 11), BENCH_BLOCKS (default 2), BENCH_XFER_S (seconds
# per throughput sample, default 5), BENCH_ROUNDS (default 6);
# BENCH_DEBUG=1 (how long each latency run's steps took); BENCH_TIMEOUT
# (seconds for the VM, default 900). --ktls takes BENCH_XFER_S and
# BENCH_ROUNDS (default 8 there).
set -euo pipefail
cd "$(dirname "$0")/../../.."
quiet=()
mode=ipsec
for a in "$@"; do
	case "$a" in
	-q) quiet=(-q) ;;
	--ktls) mode=ktls ;;
	*) echo "usage: $0 [-q] [--ktls]" >&2; exit 2 ;;
	esac
done

kver=${KVER:-$(tools/testing/kver.sh)}
name=bench
[[ $mode == ipsec ]] || name=bench-$mode
out=build/vm/$kver/$name
mkdir -p build/bench
log=build/bench/build.log
# The ESP benchmark runs with module/socksec.ko and needs the CLI; the
# kernel TLS one loads build/kernel/KVER/module/socksec.ko itself.
build() {
	if [[ $mode == ktls ]]; then
		tools/testing/build-module.sh "$kver"
	else
		make module && make -C tools ../build/tools/socksec
	fi &&
	${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror -Iuapi \
		-o build/bench/bulk tools/testing/bench/bulk.c
}
echo "bench: building socksec.ko$([[ $mode == ktls ]] || echo ', the socksec CLI') and build/bench/bulk (log: $log)"
if ! build >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "bench: build failed" >&2
	exit 1
fi

envs=(--env BENCH_BULK=build/bench/bulk)
for v in BENCH_RUNS BENCH_BLOCKS BENCH_XFER_S BENCH_ROUNDS BENCH_DEBUG; do
	if [[ -n "${!v:-}" ]]; then
		envs+=(--env "$v=${!v}")
	fi
done
if [[ $mode == ktls ]]; then
	envs+=(--no-module --env "BENCH_KO=build/kernel/$kver/module/socksec.ko")
	guest=tools/testing/bench/ktls.sh
else
	guest=tools/testing/bench/guest.sh
fi

started=$(date +%s)
rc=0
tools/testing/vm/run.sh "${quiet[@]}" --kernel "$kver" --name "$name" --timeout "${BENCH_TIMEOUT:-900}" \
	"${envs[@]}" -- "$guest" || rc=$?
if [[ $rc -ne 0 || ! -s $out/summary.txt ]]; then
	echo "bench: FAILED (exit status $rc); see $out/ (console.log, guest.tap, samples.txt)" >&2
	[[ $rc -ne 0 ]] || rc=1
	exit "$rc"
fi
echo
cat "$out/results.txt"
echo
echo "summary ($out/summary.txt, also $out/bench.json):"
sed 's/^/  /' "$out/summary.txt"
echo "bench: took $(( $(date +%s) - started ))s"
