#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - build the kernel's own kTLS and IPsec selftests
# (tools/testing/selftests/net/tls.c and ipsec.c of Debian's
# linux-source-6.1, tools/testing/ksrc.sh) into build/kselftests/.
#
# Usage: tools/testing/kselftests/build.sh
#
# The two sources and the kselftest harness are copied into
# build/kselftests/src/ (the source tree stays untouched); tls.c gets
# tls-6.1-build.patch, without which the 6.1 tree's tls.c does not compile,
# ipsec.c ipsec-parallel-expire.patch, and the harness harness-select.patch,
# with which KSFT_EXCLUDE leaves tests out and KSFT_SHARD splits the rest
# among processes (see each patch's header). Both are compiled as the
# kernel's selftest Makefile does (-O2 -Wall, -lpthread), against the
# installed user-space kernel headers (linux-libc-dev, the same 6.1
# release), with -Werror.
# Prints the directory of the binaries: build/kselftests/{tls,ipsec}, and
# build/kselftests/source-id names the linux-source package they came from.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
ksrc=$(tools/testing/ksrc.sh)
out=$root/build/kselftests
src=$out/src
sel=$ksrc/tools/testing/selftests

rm -rf "$src"
mkdir -p "$src/net"
cp "$sel/kselftest.h" "$sel/kselftest_harness.h" "$src/"
cp "$sel/net/tls.c" "$sel/net/ipsec.c" "$src/net/"
for p in tls-6.1-build harness-select ipsec-parallel-expire; do
	patch -s -p1 -d "$src" --no-backup-if-mismatch \
		<"tools/testing/kselftests/$p.patch"
done
for t in tls ipsec; do
	${CC:-cc} -O2 -g -Wall -Werror -Wl,--no-as-needed -o "$out/$t.tmp" \
		"$src/net/$t.c" -lpthread
	mv "$out/$t.tmp" "$out/$t"
done
cat "$ksrc/.socksec-source-id" >"$out/source-id"
echo "$out"
