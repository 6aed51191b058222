#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything socksec needs to build, test and demo on Debian 12, as
# root. Quick when all is there already: apt runs only for what is missing.
set -euo pipefail

pkgs=(
	# building the module, the tools and the KUnit kernel
	gcc make libc6-dev binutils linux-headers-amd64 linux-source-6.1
	bc flex bison libelf-dev libssl-dev kmod cpio xz-utils rsync
	python3 perl sparse
	# the test VM
	qemu-system-x86 busybox-static
	# what runs inside it
	iproute2 procps psmisc openssl tcpdump tshark
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
