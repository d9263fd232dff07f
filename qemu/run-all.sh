#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/run-all.sh [SCENARIO...] - one kernel's lab (GPUGATE_KERNEL, default
# 6.1): fetch and build once, boot every scenario meant for that kernel
# (sequentially: TCG is single-threaded; qemu/run-kernels.sh runs two
# kernels side by side), print a table naming the kernel and "N passed,
# M failed".
# Exit status 0 only when every scenario passed.
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"

# A boot log's panic or oops lines, if any, then its last 20 lines.
log_tail() {
	grep -aE -m 5 -B 3 'Kernel panic|not syncing|BUG:|Oops' "$1" 2>/dev/null | sed 's/^/    ! /'
	tail -n 20 "$1" 2>/dev/null | sed 's/^/    | /'
}

# What a failed boot printed last, for a log read far from this machine
# (CI keeps only the output).
failure_detail() {
	local dir=$RUNS/$1
	echo
	echo "--- $1 failed: $(cat "$dir/result" 2>/dev/null)"
	sed '/^$/d; s/^/    why: /' "$dir/why" 2>/dev/null
	echo "    its serial log:"
	log_tail "$dir/serial.log"
	if [ -s "$dir/qemu.err" ]; then sed 's/^/    qemu: /' "$dir/qemu.err"; fi
}

row() { printf '%-18s | %-40s | %-56s | %6s | %s\n' "$@"; }

main() {
	local names=("$@") t0 name line passed=0 failed=0 rows=() failures=()
	if [ ${#names[@]} -eq 0 ]; then
		for f in "$QEMU_DIR"/scenarios/*.conf; do
			f=${f##*/}
			scenario_on_kernel "${f%.conf}" && names+=("${f%.conf}")
		done
	fi
	t0=$(date +%s)
	"$QEMU_DIR/install-deps.sh"
	"$QEMU_DIR/fetch.sh"
	# shellcheck disable=SC2046 # one word per image variant
	"$QEMU_DIR/images.sh" $(images_of "${names[@]}")
	log "images ready after $(($(date +%s) - t0)) s; booting ${#names[@]} scenarios"
	for name in "${names[@]}"; do
		if line=$("$QEMU_DIR/lab.sh" -q -n "$name" | tail -n 1); then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			failures+=("$name")
		fi
		line=${line#RESULT }
		IFS='|' read -r n expected observed wall verdict <<<"$line"
		rows+=("$n|$expected|$observed|$wall|${verdict:-FAIL}")
		printf '%s\n' "lab: $n: ${verdict:-FAIL} ($observed, ${wall}s)" >&2
	done
	echo
	echo "kernel: $(lab_kver) (GPUGATE_KERNEL=$KSERIES)"
	row scenario expected observed "wall s" "PASS/FAIL"
	row "$(printf '%018d' 0 | tr 0 -)" "$(printf '%040d' 0 | tr 0 -)" "$(printf '%056d' 0 | tr 0 -)" "------" "---------"
	for line in "${rows[@]}"; do
		IFS='|' read -r n expected observed wall verdict <<<"$line"
		row "$n" "$expected" "$observed" "$wall" "$verdict"
	done
	echo
	echo "total wall time: $(($(date +%s) - t0)) s (logs in $RUNS/)"
	echo "$passed passed, $failed failed"
	for name in "${failures[@]}"; do
		failure_detail "$name"
	done
	for name in "${names[@]}"; do
		[ -f "$RUNS/$name/early-panic.log" ] || continue
		echo
		echo "--- $name: the first boot panicked before /init:"
		log_tail "$RUNS/$name/early-panic.log"
	done
	[ "$failed" -eq 0 ]
}

main "$@"
