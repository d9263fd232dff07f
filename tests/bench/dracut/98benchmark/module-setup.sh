#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark-only dracut module (tests/bench/qemu-boot.sh): kernel log
# markers right before and right after gpugate's two hooks, so that the
# gate's own run time can be read from the kmsg timestamps of a boot. In
# images without gpugate the markers are adjacent (the control).

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	# hooks run in name order: 00-bench-mark-* < 00-gpugate-pre-udev.sh < 01-*, and 98-* < 99-gpugate-pre-pivot.sh < 99-zz-*
	inst_hook pre-udev 00 "$moddir/bench-mark-pre-udev-start.sh"
	inst_hook pre-udev 01 "$moddir/bench-mark-pre-udev-end.sh"
	inst_hook pre-pivot 98 "$moddir/bench-mark-pre-pivot-start.sh"
	inst_hook pre-pivot 99 "$moddir/zz-bench-mark-pre-pivot-end.sh"
}
