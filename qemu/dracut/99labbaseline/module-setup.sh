#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lab-only dracut module (image variant "takebaseline", qemu/images.sh): a
# pre-udev hook that runs after gpugate's gate (10 > 00), prints
# `gpugate -p /etc/gpugate/policy.conf baseline` on the console between
# LAB-BASELINE-BEGIN and LAB-BASELINE-END (each line prefixed with
# "LAB-BASELINE ", so that kernel messages in between cannot be mistaken
# for baseline lines), and powers the machine off. images.sh extracts the
# baseline from the serial log and builds the "baseline" variant with it.

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	inst_hook pre-udev 10 "$moddir/labbaseline.sh"
	inst_multiple wc
}
