#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian 12 host packages the QEMU lab needs, only the missing
# ones. dracut-core (the dracut program and its modules) is used, never the
# `dracut` package: that one hooks into kernel installs and, on a host
# with initramfs-tools, would replace it. Likewise initramfs-tools-core
# (mkinitramfs), never initramfs-tools, whose kernel hooks would rebuild the
# host's own images. Every install is simulated first and refused if apt
# would remove anything. apt's output goes to a log (tests/apt-install.sh).
# Usage: qemu/install-deps.sh [bootconfig]
set -euo pipefail
# shellcheck source=tests/apt-install.sh
. "$(dirname "$0")/../tests/apt-install.sh"

packages=(
	qemu-system-x86 # qemu-system-x86_64, pvh.bin
	dracut-core     # /usr/bin/dracut and /usr/lib/dracut
	initramfs-tools-core # mkinitramfs for the initramfs-tools images (no kernel hooks)
	busybox-static  # the guest's root file system and the initramfs shell
	e2fsprogs       # mke2fs -d for the root disk
	cpio            # unpacking and repacking an initramfs
	python3         # vmlinux extraction (lzma)
	zstd            # vmlinux extraction for 6.12 (a zstd bzImage); .ko.zst modules
	xz-utils        # .ko.xz modules for the compressed image
	kmod            # depmod -b for the guest kernel's modules
	grub-common     # /etc/grub.d/10_linux, grub-script-check, grub-mkrescue (BOOT=grub scenarios)
	grub-pc-bin     # GRUB's i386-pc modules for the BIOS-bootable CD (installs no boot loader)
	xorriso         # grub-mkrescue writes the CD image with it
	swtpm           # the TPM 2.0 of the TPM= scenarios (-tpmdev emulator)
)
# `qemu/install-deps.sh bootconfig`: also what qemu/bootconfig-kernel.sh
# needs to build a kernel (Debian's kernels lack CONFIG_BOOT_CONFIG)
if [ "${1:-}" = bootconfig ]; then
	packages+=(linux-source-6.1 gcc make flex bison bc libelf-dev libssl-dev xz-utils)
fi

is_installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

main() {
	local missing=() p
	for p in "${packages[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "qemu/install-deps: missing ${missing[*]}; run as root to install them" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt_update qemu/install-deps
	if apt-get -s install --no-install-recommends "${missing[@]}" | grep -q '^Remv '; then
		echo "qemu/install-deps: installing ${missing[*]} would remove packages:" >&2
		apt-get -s install --no-install-recommends "${missing[@]}" | grep '^Remv ' >&2
		return 1
	fi
	apt_get_install qemu/install-deps "${missing[@]}"
}

main "$@"
