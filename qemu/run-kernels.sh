#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/run-kernels.sh [KERNEL...] - `make qemu-test`: the lab on each
# kernel series (default: 6.1 6.12, Debian 12's linux-image-amd64 and
# linux-image-6.12-amd64). The inputs are fetched and the images built one
# kernel after the other; then each kernel's scenarios boot in a run-all.sh
# of its own, side by side (TCG uses one core per guest; the machine has
# two). Prints both tables; exit status 0 only when both passed.
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"

main() {
	local kernels=("$@") k t0 rc=0 pids=() logs=()
	[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12)
	t0=$(date +%s)
	# each run-all.sh runs `make all`: build once here, so that they never race
	make -s -C "$REPO" all
	for k in "${kernels[@]}"; do
		GPUGATE_KERNEL=$k "$QEMU_DIR/fetch.sh"
	done
	for k in "${kernels[@]}"; do
		logs+=("$(GPUGATE_KERNEL=$k bash -c '. "$1/common.sh"; echo "$LAB"' _ "$QEMU_DIR")/run-all.log")
		GPUGATE_KERNEL=$k "$QEMU_DIR/run-all.sh" >"${logs[-1]}" 2>&1 &
		pids+=($!)
		log "kernel $k: booting in the background, log ${logs[-1]}"
	done
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || rc=1
		sed -n '/^kernel: /,$p' "${logs[$k]}"
	done
	echo "lab wall time, ${kernels[*]}: $(($(date +%s) - t0)) s"
	return $rc
}

main "$@"
