#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/demo.sh - `make demo`: boot the Debian 6.1 kernel under QEMU twice
# with gpugate in its dracut initramfs, once on a host that satisfies the
# policy and once on one that does not, and show what the console says.
# DEMO_SCENARIOS="a b" picks other scenarios from qemu/scenarios/.
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"

SCENARIOS=${DEMO_SCENARIOS:-pass-intel stop-switch}

show() {
	local name=$1 i=$2 n=$3 desc result
	desc=$(sed -n 's/^DESC="\(.*\)"$/\1/p' "$QEMU_DIR/scenarios/$name.conf")
	printf '\n=== %d/%d  %s\n%s\n' "$i" "$n" "$name" "$desc" | fold -s -w 100
	printf 'kernel command line: ... %s\n' \
		"$(sed -n 's/^CMDLINE="\(.*\)"$/\1/p' "$QEMU_DIR/scenarios/$name.conf")"
	echo "--- console (gpugate and lab lines) ---"
	result=$("$QEMU_DIR/lab.sh" -q -n "$name" | tail -n 1) || true
	grep -aE 'gpugate:|LAB-|reboot: ' "$RUNS/$name/serial.log" | grep -av '^\[' | sed 's/\r$//' || true
	IFS='|' read -r _ _ observed wall verdict <<<"${result#RESULT }"
	echo "--- outcome: $observed (${wall} s under TCG) -> ${verdict:-FAIL}"
	[ "${verdict:-FAIL}" = PASS ]
}

main() {
	local i=0 n rc=0 name
	read -ra names <<<"$SCENARIOS"
	n=${#names[@]}
	"$QEMU_DIR/install-deps.sh"
	"$QEMU_DIR/fetch.sh"
	# shellcheck disable=SC2046 # one word per image variant
	"$QEMU_DIR/images.sh" $(images_of "${names[@]}")
	for name in "${names[@]}"; do
		i=$((i + 1))
		show "$name" "$i" "$n" || rc=1
	done
	echo
	echo "full serial logs: $RUNS/<scenario>/serial.log; all scenarios: make qemu-test"
	return $rc
}

main "$@"
