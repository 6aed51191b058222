#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel releases socksec builds for and tests on.
#
#   kver.sh         the default one: the running kernel if its build tree is
#                   installed, else Debian 12's own kernel (the headers
#                   linux-headers-amd64 depends on), else the newest Debian
#                   amd64 headers installed.  Never a backports kernel just
#                   because its headers are newer.
#   kver.sh --all   every kernel `make check` tests, one a line, the default
#                   one first: then the newest installed headers of each
#                   series in SOCKSEC_SERIES (default "6.12", Debian 12's
#                   backports kernel, installed by deps.sh).
set -euo pipefail

# The newest installed linux-headers-<VER>-amd64 whose VER starts with $1.
newest() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1*-amd64" -printf '%f\n' |
		sed 's/^linux-headers-//' | sort -V | tail -n 1
}

default_kver() {
	local v
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		uname -r
		return 0
	fi
	v=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/^linux-headers-\([^ ,]*-amd64\).*/\1/p')
	if [ -n "$v" ] && [ -d "/usr/src/linux-headers-$v" ]; then
		echo "$v"
		return 0
	fi
	v=$(newest '')
	[ -n "$v" ] || { echo "kver.sh: no kernel headers installed" >&2; return 1; }
	echo "$v"
}

case "${1:-}" in
"")
	default_kver
	;;
--all)
	d=$(default_kver)
	echo "$d"
	for s in ${SOCKSEC_SERIES-6.12}; do
		v=$(newest "$s.")
		if [ -z "$v" ]; then
			echo "kver.sh: no linux-headers-$s.*-amd64 installed (make deps)" >&2
			exit 1
		fi
		[ "$v" = "$d" ] || echo "$v"
	done
	;;
*)
	echo "usage: $0 [--all]" >&2
	exit 2
	;;
esac
