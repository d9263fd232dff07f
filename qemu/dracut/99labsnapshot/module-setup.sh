#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lab-only dracut module (image variant "takesnapshot", qemu/images.sh): a
# pre-udev hook that runs after gpugate's gate (10 > 00), writes
# `gpugate snapshot` (the files gpugate reads, as a tar), prints it gzipped
# and base64-encoded on the console between LAB-SNAPSHOT-BEGIN and
# LAB-SNAPSHOT-END (each line prefixed with "LAB-SNAPSHOT ", so that kernel
# messages in between cannot be mistaken for data), and powers the machine
# off. qemu/take-snapshot.sh cuts the tar out of the serial log: a real
# 6.1 sysfs tree for the tests (tests/trees/real/). The image holds the
# lab kernel's /boot/config-KVER, as an installed host has it.

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	inst_hook pre-udev 10 "$moddir/labsnapshot.sh"
	inst_multiple gzip base64 sha256sum
	# the kernel's own config, where a snapshot of an installed host finds
	# it: it says whether a missing /proc/bootconfig means "not built in"
	if [ ! -f "${GPUGATE_LAB_KCONFIG:-}" ]; then
		derror "labsnapshot: no kernel config at '${GPUGATE_LAB_KCONFIG:-}' (GPUGATE_LAB_KCONFIG, qemu/images.sh)"
		return 1
	fi
	# shellcheck disable=SC2154 # kernel is set by dracut
	inst_simple "$GPUGATE_LAB_KCONFIG" "/boot/config-$kernel"
}
