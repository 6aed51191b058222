#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# openssl.sh - OpenSSL with kernel TLS, for the kTLS tests.
#
# Debian 12's OpenSSL 3.0 is built without kTLS (no "enable-ktls"). This
# builds the very version Debian ships (its source package, its patches)
# with kTLS enabled and installs the shared libraries and the openssl
# program into
#
#   ${SOCKSEC_CACHE:-/var/cache/socksec}/openssl-ktls-<debian version>/
#     lib/libssl.so.3 lib/libcrypto.so.3   same sonames as Debian's libssl3
#     bin/openssl                          the openssl program, with -ktls
#     openssl.cnf                          system_default: Options = KTLS
#
# Any dynamically linked OpenSSL program of Debian's then uses kernel TLS
# with LD_LIBRARY_PATH=<dir>/lib and OPENSSL_CONF=<dir>/openssl.cnf.
# The cache directory is visible inside the test VM (it shares the host's
# root file system).
#
# The source comes from the deb-src entries of the archive apt already uses
# for bookworm (a sources file of its own, like deps.sh's backports one).
# The version is the installed libssl3's when the archive still has its
# source, else the newest there. Idempotent: does nothing when that build
# exists. Prints the directory on its last line. About 5 minutes on two
# cores.
#
# Usage: tools/testing/ktls/openssl.sh [--print-dir]
#   --print-dir   only print the newest complete build's directory (exit 1
#                 if there is none); needs neither root nor apt
set -euo pipefail

cache=${SOCKSEC_CACHE:-/var/cache/socksec}
src_list=/etc/apt/sources.list.d/socksec-src.sources

built() {
	[ -f "$1/.complete" ] && [ -x "$1/bin/openssl" ] &&
		[ -f "$1/lib/libssl.so.3" ] && [ -f "$1/openssl.cnf" ]
}

# The newest complete build in the cache.
newest_built() {
	local d
	for d in $(find "$cache" -maxdepth 1 -type d -name 'openssl-ktls-*' \
		! -name '*.build' 2>/dev/null | sort -rV); do
		if built "$d"; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

if [ "${1:-}" = --print-dir ]; then
	newest_built
	exit
fi
ver=$(dpkg-query -W -f='${Version}' libssl3 2>/dev/null) || {
	echo "openssl.sh: libssl3 is not installed" >&2
	exit 1
}
if built "$cache/openssl-ktls-$ver"; then
	echo "$cache/openssl-ktls-$ver"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "openssl.sh: $dir is not built; run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
for p in dpkg-dev gcc make perl; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		apt-get install -y -q "$p"
done

if [ ! -f "$src_list" ]; then
	# Every archive and suite apt uses for bookworm's binary packages
	# (apt's own $(...) fields), as deb-src.
	# shellcheck disable=SC2016
	mapfile -t lines < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
		'Identifier: Packages' | awk '$2 ~ /^bookworm(-updates|-security)?$/' | sort -u)
	[ ${#lines[@]} -gt 0 ] || { echo "openssl.sh: apt has no bookworm archive" >&2; exit 1; }
	echo "openssl.sh: adding deb-src entries ($src_list)"
	{
		echo "# Added by socksec's tools/testing/ktls/openssl.sh: OpenSSL's source, to"
		echo "# build it with kernel TLS for tests."
		for l in "${lines[@]}"; do
			echo
			echo "Types: deb-src"
			echo "URIs: ${l% *}"
			echo "Suites: ${l#* }"
			echo "Components: main"
			echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		done
	} >"$src_list"
	apt-get update -q
fi

# The installed libssl3's version when the archive still has its source,
# else the newest source there that can be fetched (a security update the
# host has not installed yet): either way the same sonames and ABI as
# Debian's libssl3.
avail=$(apt-cache showsrc openssl 2>/dev/null | sed -n 's/^Version: //p' | sort -rV)
if [ -z "$avail" ]; then
	apt-get update -q
	avail=$(apt-cache showsrc openssl | sed -n 's/^Version: //p' | sort -rV)
fi
mapfile -t vers < <(printf '%s\n' "$ver" "$avail" | awk '!seen[$0]++')
# A build of any of them will do: nothing to fetch.
for v in "${vers[@]}"; do
	if built "$cache/openssl-ktls-$v"; then
		echo "$cache/openssl-ktls-$v"
		exit 0
	fi
done
fetched=
for v in "${vers[@]}"; do
	grep -qx -- "$v" <<<"$avail" || continue
	dir=$cache/openssl-ktls-$v
	if built "$dir"; then
		echo "$dir"
		exit 0
	fi
	work=$cache/openssl-ktls-$v.build
	rm -rf "$dir"
	# An interrupted build resumes (make is incremental).
	if [ -f "$work/.unpacked" ]; then
		cd "$work"
		fetched=$v
		break
	fi
	rm -rf "$work"
	mkdir -p "$work"
	cd "$work"
	if apt-get source -q "openssl=$v" >source.log 2>&1; then
		touch .unpacked
		fetched=$v
		break
	fi
	echo "openssl.sh: cannot fetch the source of openssl $v:" >&2
	grep -E '^(E|Err):' source.log >&2 || true
	cd /
	rm -rf "$work"
done
[ -n "$fetched" ] || { echo "openssl.sh: no openssl source could be fetched" >&2; exit 1; }
ver=$fetched
srcdir=$(find . -maxdepth 1 -type d -name 'openssl-*' | head -n 1)
[ -n "$srcdir" ] || { echo "openssl.sh: no source tree in $work" >&2; exit 1; }
cd "$srcdir"
# The same feature set as Debian's build where it matters for TLS, plus
# kTLS; no tests or documentation. OPENSSLDIR is the cache directory: the
# configuration there is the default one when OPENSSL_CONF is unset.
[ -f configdata.pm ] ||
	./Configure linux-x86_64 enable-ktls shared no-tests \
	--prefix="$dir" --libdir=lib --openssldir="$dir" >configure.log
grep -q '^#  *define OPENSSL_NO_KTLS' include/openssl/configuration.h &&
	{ echo "openssl.sh: Configure disabled kTLS" >&2; exit 1; }
jobs=$(nproc)
# One target: OpenSSL's build_libs and build_programs race when made at once.
nice make -s -j"$jobs" build_sw >build.log 2>&1 ||
	{ tail -n 40 build.log >&2; exit 1; }
make -s install_runtime_libs install_programs >install.log 2>&1 ||
	{ tail -n 40 install.log >&2; exit 1; }
# Whatever the default configuration says, then kTLS for every TLS context.
cat >"$dir/openssl.cnf" <<EOT
# socksec tests: OpenSSL with kernel TLS ($ver built with enable-ktls).
# OPENSSL_CONF=<this file> makes every SSL_CTX enable kTLS (SSL_OP_ENABLE_KTLS).
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_module

[ssl_module]
system_default = system_default_sect

[system_default_sect]
Options = KTLS
EOT
# Without kTLS: the same libraries, TLS in user space only.
cat >"$dir/openssl-noktls.cnf" <<EOT
# socksec tests: the kTLS build with kernel TLS left off.
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_module

[ssl_module]
system_default = system_default_sect

[system_default_sect]
MinProtocol = TLSv1.2
EOT
LD_LIBRARY_PATH=$dir/lib "$dir/bin/openssl" version >"$dir/version"
touch "$dir/.complete"
cd /
rm -rf "$work"
echo "$dir"
