#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything socksec needs to build, test and demo on Debian 12, as
# root. Quick when all is there already: apt runs only for what is missing.
#
# Two kernels: Debian 12's own (linux-headers-amd64) and Debian's 6.12 from
# bookworm-backports. The backports suite of the archive apt already uses is
# added in a sources file of its own; backports packages are never preferred
# by default, so nothing else is upgraded: only the 6.12 headers are
# installed from it, by name and version (the newest 6.12 there). The
# kernels' images are fetched into the cache by vm/fetch-kernel.sh.
set -euo pipefail

pkgs=(
	# building the module, the tools and the KUnit kernel
	gcc make libc6-dev binutils linux-headers-amd64 linux-source-6.1
	bc flex bison libelf-dev libssl-dev kmod cpio xz-utils zstd rsync
	python3 perl sparse
	# pahole: the 6.12 kbuild generates BTF for modules
	dwarves
	# packaging: DKMS, the Debian packages and their checks, the manuals
	dkms dh-dkms debhelper dpkg-dev lintian mandoc man-db pkg-config
	bash-completion g++
	# the test VM
	qemu-system-x86 busybox-static
	# what runs inside it
	iproute2 procps psmisc openssl tcpdump tshark nftables
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	# the kTLS tests: OpenSSL's source (ktls/openssl.sh), real clients
	dpkg-dev curl util-linux
)
bpo=bookworm-backports
bpo_list=/etc/apt/sources.list.d/socksec-backports.sources

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: $1; run as root" >&2
		exit 1
	fi
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
	need_root "missing packages (${missing[*]})"
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q "${missing[@]}"
fi

# --- OpenSSL with kernel TLS, for the kTLS tests ---------------------------

# Debian 12's libssl3 is built without kTLS: build the same OpenSSL with it
# once, into the cache (about 5 minutes on two cores).
if ! "$(dirname "$0")/ktls/openssl.sh" --print-dir >/dev/null; then
	need_root "no OpenSSL with kTLS in the cache"
	"$(dirname "$0")/ktls/openssl.sh" >/dev/null
fi

# --- Debian's 6.12 from bookworm-backports -------------------------------

if compgen -G '/usr/src/linux-headers-6.12.*-amd64' >/dev/null; then
	exit 0
fi
need_root "no linux-headers-6.12.*-amd64 (from $bpo)"
export DEBIAN_FRONTEND=noninteractive
if [ ! -f "$bpo_list" ]; then
	# The archive that serves bookworm itself (apt's own $(...) fields).
	# shellcheck disable=SC2016
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' |
		awk '$2 == "bookworm" { print $1; exit }')
	[ -n "$uri" ] || { echo "deps.sh: apt has no bookworm archive" >&2; exit 1; }
	echo "deps.sh: adding $bpo from $uri ($bpo_list)"
	cat >"$bpo_list" <<EOT
# Added by socksec's tools/testing/deps.sh: Debian's 6.12 kernel for tests.
Types: deb
URIs: $uri
Suites: $bpo
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
fi
apt-get update -q
# The headers the backports metapackage points at; the metapackage itself
# stays Debian 12's (kver.sh's default kernel follows it).
meta=$(apt-cache madison linux-headers-amd64 |
	awk -F ' *[|] *' -v s="$bpo" '$3 ~ s"/main" { print $2; exit }')
[ -n "$meta" ] || { echo "deps.sh: no linux-headers-amd64 in $bpo" >&2; exit 1; }
kver=$(apt-cache show "linux-headers-amd64=$meta" |
	sed -n 's/^Depends:.*linux-headers-\(6\.12\.[^ ,]*-amd64\) (= .*/\1/p' | head -n 1)
[ -n "$kver" ] || { echo "deps.sh: no 6.12 headers behind linux-headers-amd64=$meta" >&2; exit 1; }
kbuild=linux-kbuild-${kver%-amd64}
common=linux-headers-${kver%-amd64}-common
# Each package by name and version, and no -t: a target release would make
# every backports package the candidate, and apt would upgrade systemd,
# linux-libc-dev and the like on the way. The headers depend on the image.
echo "deps.sh: installing the $kver headers from $bpo"
apt-get install -y -q --no-install-recommends "linux-headers-$kver=$meta" \
	"$common=$meta" "$kbuild=$meta" "linux-image-$kver=$meta"
