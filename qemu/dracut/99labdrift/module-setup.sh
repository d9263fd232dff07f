#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lab-only dracut module (image variant "drift"): a pre-pivot hook that runs
# before gpugate's (50 < 99) and, when asked on the kernel command line,
# undoes part of what the pre-udev gate did, so that the pre-pivot
# `gpugate gate --verify` has drift to find:
#   lab.drift=ats:BDF     set ATS Enable on BDF again (ext cap 0x000f)
#   lab.drift=unbind:BDF  unbind BDF from its driver (vfio-pci)

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	inst_hook pre-pivot 50 "$moddir/labdrift.sh"
	inst_multiple dd od
}
