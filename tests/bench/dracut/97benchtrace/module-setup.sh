#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark-only dracut module (tests/bench/qemu-boot.sh, image gate-trace):
# where the pre-udev `gpugate gate` spends its time. Before the gate runs,
# a pre-udev hook turns on the kernel's syscall trace events for processes
# named gpugate, plus module_load and process exec/exit; after it, a second
# hook prints the trace buffer to the console between BENCH-TRACE-BEGIN and
# BENCH-TRACE-END. Never in an image that is measured for boot time: the
# tracing and the dump cost time of their own.

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	# pre-udev hooks run in name order: 00-bench-trace-on.sh < 00-gpugate-pre-udev.sh < 01-bench-trace-dump.sh
	inst_hook pre-udev 00 "$moddir/bench-trace-on.sh"
	inst_hook pre-udev 01 "$moddir/bench-trace-dump.sh"
}
