#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel release socksec builds for and tests on: the running kernel if
# its build tree is installed, else the newest Debian amd64 headers.
set -euo pipefail
if [ -d "/lib/modules/$(uname -r)/build" ]; then
	uname -r
	exit 0
fi
v=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' |
	sed 's/^linux-headers-//' | sort -V | tail -n 1)
[ -n "$v" ] || { echo "kver.sh: no kernel headers installed" >&2; exit 1; }
echo "$v"
