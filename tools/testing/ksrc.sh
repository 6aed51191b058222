#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the directory of Debian's linux-source-6.1, extracted once into the
# cache (the KUnit kernel, checkpatch and the kselftest harness use it).
# The stamp names the package version it came from; a newer package is
# extracted anew, under a lock so concurrent runs do not collide.
set -euo pipefail
cache=${SOCKSEC_CACHE:-/var/cache/socksec}
pkg=linux-source-6.1
tarball=/usr/src/$pkg.tar.xz
[ -f "$tarball" ] || { echo "ksrc.sh: $pkg is not installed (make deps)" >&2; exit 1; }
id="$pkg $(dpkg-query -W -f='${Version}' $pkg)"
dir=$cache/$pkg
mkdir -p "$cache"
exec 8>"$cache/.$pkg.lock"
flock 8
if [ "$(cat "$dir/.socksec-source-id" 2>/dev/null)" != "$id" ]; then
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	tar -xJf "$tarball" -C "$tmp"
	echo "$id" >"$tmp/$pkg/.socksec-source-id"
	[ ! -e "$dir" ] || mv "$dir" "$tmp/old"
	mv "$tmp/$pkg" "$dir"
	rm -rf "$tmp"
fi
echo "$dir"
