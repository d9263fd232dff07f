#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/lab.sh SCENARIO - boot one scenario of qemu/scenarios/ under QEMU/TCG
# (q35, PVH vmlinux, an emulated IOMMU, the dracut initramfs with gpugate)
# and judge the outcome from the serial log and QEMU's exit status.
#
# Outcomes (observed):
#   root      /sbin/init of the root disk ran (LAB-ROOT-INIT) and powered off
#   poweroff  the boot stopped in the initramfs: "reboot: Power down", rc 0
#   reboot    the boot stopped with a reboot (-no-reboot: QEMU exits, rc 0)
#   halted    "reboot: System halted" and the machine still up HALT_HOLD s later
#   shell     gpugate's emergency root shell on the console, the boot not
#             continuing, the machine still up HALT_HOLD s later
#   panic     kernel panic (pvpanic + -action panic=exit-failure: rc 1)
#   timeout   none of the above within TIMEOUT s
#   qemu-error  QEMU failed before the kernel printed anything (qemu.err)
#
# Writes build/qemu/runs/SCENARIO/{serial.log,qemu.err,cmd,result}; the
# last line on stdout is "RESULT name|expected|observed|wall|PASS or FAIL".
# Options: -q  only the RESULT line;  -n  do not (re)build kernel/images.
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=qemu/topologies.sh
. "$QEMU_DIR/topologies.sh"
# shellcheck source=qemu/grub.sh
. "$QEMU_DIR/grub.sh"

HALT_HOLD=${HALT_HOLD:-5}
# a machine that printed one of these is watched HALT_HOLD s more, then stopped
HOLD_RE='reboot: System halted|gpugate: emergency: root shell'
# no_timer_check: under TCG on a loaded host the kernel's early IO-APIC timer
# test can miss its ticks and panic ("timer doesn't work through
# Interrupt-remapped IO-APIC", seen at load 5-8 on 2 cores)
BASE_CMDLINE="console=ttyS0,115200 root=/dev/vda rootfstype=ext4 rw panic=-1 no_timer_check"

usage() {
	echo "usage: qemu/lab.sh [-q] [-n] SCENARIO   (scenarios: $(scenario_names))" >&2
	exit 2
}

scenario_names() {
	local f
	for f in "$QEMU_DIR"/scenarios/*.conf; do
		f=${f##*/}
		printf '%s ' "${f%.conf}"
	done
}

# Load a scenario file: shell assignments, see qemu/README.md.
# NAME is a file of qemu/scenarios/, or a path to a .conf file elsewhere
# (qemu/baseline/take-baseline.conf, booted by images.sh).
load_scenario() {
	local file=$QEMU_DIR/scenarios/$1.conf
	case "$1" in */*.conf) file=$1 ;; esac
	[ -f "$file" ] || die "no scenario $1 ($file)"
	DESC="" IOMMU=intel TOPO=basic CMDLINE="" IMAGE=poweroff BOOT=direct GRUB_QUOTE=yes EXPECT=root TIMEOUT=${GPUGATE_LAB_TIMEOUT:-150} KERNELS="6.1 6.12"
	VERIFY="" ATS="" EXPECT_VERIFY=ok EXPECT_FAILED=""
	EXPECT_LOG=() REJECT_LOG=()
	# shellcheck source=/dev/null
	. "$file"
	declare -F "topo_$TOPO" >/dev/null || die "$1: no topology '$TOPO' in topologies.sh"
	mapfile -t TOPOLOGY < <("topo_$TOPO")
	case "$BOOT" in
	direct | grub) ;;
	*) die "$1: BOOT=$BOOT is not direct|grub" ;;
	esac
	case "$EXPECT" in
	root | poweroff | reboot | halted | shell | panic | timeout) ;;
	*) die "$1: EXPECT=$EXPECT is not root|poweroff|reboot|halted|shell|panic|timeout" ;;
	esac
}

iommu_args() {
	case "$IOMMU" in
	intel)
		echo "-machine q35,kernel-irqchip=split"
		echo "-device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on"
		;;
	amd)
		echo "-machine q35,kernel-irqchip=split"
		echo "-device amd-iommu,intremap=on,device-iotlb=on"
		;;
	none) echo "-machine q35" ;;
	*) die "IOMMU=$IOMMU is not intel|amd|none" ;;
	esac
}

qemu_cmd() { # KVER LOG NAME
	local kver=$1 log=$2 cmdline
	cmdline="$BASE_CMDLINE $CMDLINE"
	[ -n "$VERIFY" ] && cmdline+=" lab.verify=${VERIFY// /,}"
	[ -n "$ATS" ] && cmdline+=" lab.ats=${ATS// /,}"
	QEMU=(qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 768 -nodefaults
		-display none -monitor none -no-reboot -serial "file:$log")
	# shellcheck disable=SC2207 # word splitting wanted: fixed words
	QEMU+=($(iommu_args))
	if [ "$BOOT" = grub ]; then
		# SeaBIOS boots GRUB from a CD; GRUB loads the bzImage (qemu/grub.sh)
		grub_iso "$3" "$kver" "$cmdline" "$IMAGES/initrd-$IMAGE.img"
		QEMU+=(-drive "file=$GRUB_ISO,media=cdrom,if=ide,readonly=on" -boot d)
	else
		QEMU+=(-kernel "$LAB/vmlinux-$kver" -initrd "$IMAGES/initrd-$IMAGE.img"
			-append "$cmdline")
	fi
	QEMU+=(-device pvpanic -action panic=exit-failure)
	QEMU+=("${TOPOLOGY[@]}")
	# the root disk: virtio-blk on its own root port (after the GPUs' buses)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	QEMU+=(-device pcie-root-port,id=rpdisk,bus=pcie.0,chassis=30,addr=0x1c
		-drive "if=none,id=rootdisk,file=$IMAGES/root.ext4,format=raw,snapshot=on"
		-device virtio-blk-pci,drive=rootdisk,bus=rpdisk)
}

# Run QEMU; sets RC (exit status; 124 timeout, 200 halted and killed) and WALL.
boot() {
	local log=$1 err=$2 pid t0 halted_at=""
	: >"$log"
	t0=$(date +%s.%N)
	"${QEMU[@]}" </dev/null 2>"$err" &
	pid=$!
	RC=""
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" && RC=0 || RC=$?
			break
		fi
		local now
		now=$(date +%s.%N)
		if [ -z "$halted_at" ] && grep -aqE "$HOLD_RE" "$log"; then
			halted_at=$now
		fi
		if [ -n "$halted_at" ] && awk -v a="$now" -v b="$halted_at" -v h="$HALT_HOLD" \
			'BEGIN{exit !(a - b >= h)}'; then
			RC=200
		elif awk -v a="$now" -v b="$t0" -v t="$TIMEOUT" 'BEGIN{exit !(a - b >= t)}'; then
			RC=124
		fi
		if [ -n "$RC" ]; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	WALL=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a - b}')
}

# The check ids of the GATE FAILED lines in the log, unique, in order.
failed_ids() {
	{ grep -a 'gpugate: GATE FAILED ' "$1" || true; } |
		awk '{ sub(/.*gpugate: GATE FAILED /, ""); id = $1
		       if (id == "action") { w = $3; sub(/:$/, "", w); id = "action:" w }
		       if (!seen[id]++) printf "%s%s", (n++ ? " " : ""), id }'
}

sorted_words() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u | tr '\n' ' '; }

classify() {
	local log=$1
	if grep -aq 'LAB-ROOT-INIT reached' "$log"; then
		OBSERVED=root
	elif [ "$RC" = 200 ] && grep -aq 'reboot: System halted' "$log"; then
		OBSERVED=halted
	elif [ "$RC" = 200 ]; then
		OBSERVED=shell
	elif [ "$RC" != 0 ] && ! grep -aq 'Linux version' "$log"; then
		OBSERVED=qemu-error # see qemu.err
	elif [ "$RC" = 1 ] || grep -aq 'Kernel panic' "$log"; then
		OBSERVED=panic
	elif [ "$RC" = 124 ]; then
		OBSERVED=timeout
	elif [ "$RC" = 0 ] && grep -aq 'reboot: Power down' "$log"; then
		OBSERVED=poweroff
	elif [ "$RC" = 0 ] && grep -aq 'reboot: Restarting system' "$log"; then
		OBSERVED=reboot
	else
		OBSERVED="qemu-rc-$RC"
	fi
}

# Judge: sets VERDICT (PASS/FAIL), DETAIL (observed, short) and WHY (reasons).
judge() {
	local log=$1 re ok nverify
	VERDICT=PASS WHY=()
	classify "$log"
	if [ "$OBSERVED" != "$EXPECT" ]; then
		WHY+=("outcome $OBSERVED, expected $EXPECT")
	fi
	DETAIL=$OBSERVED
	if [ "$OBSERVED" = root ]; then
		ok=$(grep -ac 'LAB-VERIFY [a-z]* [0-9a-f:.]* OK' "$log" || true)
		nverify=$(grep -ac 'LAB-VERIFY [a-z]* [0-9a-f:.]* ' "$log" || true)
		DETAIL+=", verify $ok/$nverify OK"
		local want=$(($(wc -w <<<"$VERIFY") * 5))
		[ "$nverify" -eq "$want" ] || WHY+=("$nverify LAB-VERIFY lines, expected $want")
		grep -aq 'LAB-VERIFY-DONE failures=' "$log" || WHY+=("root init did not finish")
		if [ "$EXPECT_VERIFY" = ok ]; then
			[ "$ok" -eq "$nverify" ] || WHY+=("$((nverify - ok)) LAB-VERIFY FAIL")
		else
			[ "$ok" -lt "$nverify" ] || WHY+=("every LAB-VERIFY OK, expected failures")
		fi
		if grep -aq 'BOOT STOPPED' "$log"; then
			WHY+=("BOOT STOPPED, yet the boot went on")
		fi
		re=$({ grep -ao 'LAB-REPORT result=[a-z]*' "$log" || true; } | head -n 1 | cut -d= -f2)
		if [ -n "$re" ]; then DETAIL+=", report $re"; fi
	fi
	local ids
	ids=$(failed_ids "$log")
	if [ -n "$ids" ]; then DETAIL+=": $ids"; fi
	if [ "$(sorted_words "$ids")" != "$(sorted_words "$EXPECT_FAILED")" ]; then
		WHY+=("GATE FAILED ids [${ids}], expected exactly [${EXPECT_FAILED}]")
	fi
	if grep -aq 'BOOT STOPPED' "$log"; then DETAIL+=" BOOT STOPPED"; fi
	for re in "${EXPECT_LOG[@]}"; do
		grep -aqE -- "$re" "$log" || WHY+=("missing /$re/")
	done
	for re in "${REJECT_LOG[@]}"; do
		! grep -aqE -- "$re" "$log" || WHY+=("unexpected /$re/")
	done
	# one kernel log record per banner line: no "<N>" level inside a record
	if grep -aqE '<[0-7]>gpugate' "$log"; then
		WHY+=("banner lines share a kernel log record (<N>gpugate: in the log)")
	fi
	[ ${#WHY[@]} -eq 0 ] || VERDICT=FAIL
}

# A panic of the kernel's own early boot, before it started the initramfs'
# /init, in a scenario that does not expect a panic.
early_panic() {
	[ "$OBSERVED" = panic ] && [ "$EXPECT" != panic ] &&
		! grep -aq 'Run /init as init process' "$1"
}

main() {
	local quiet=no build=yes name kver dir
	while getopts qn o; do
		case "$o" in
		q) quiet=yes ;;
		n) build=no ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 1 ] || usage
	load_scenario "$1"
	name=${1##*/}
	name=${name%.conf}
	case " $KERNELS " in
	*" $KSERIES "*) ;;
	*) die "$name is booted on $KERNELS only (GPUGATE_KERNEL=$KSERIES)" ;;
	esac
	if [ $build = yes ]; then
		"$QEMU_DIR/fetch.sh" >&2
		"$QEMU_DIR/images.sh" "$IMAGE" >&2
	fi
	kver=$(lab_kver)
	dir=$RUNS/$name
	mkdir -p "$dir"
	qemu_cmd "$kver" "$dir/serial.log" "$name"
	printf '%q ' "${QEMU[@]}" >"$dir/cmd"
	echo >>"$dir/cmd"
	[ $quiet = yes ] || log "$name: $DESC"
	rm -f "$dir/early-panic.log"
	boot "$dir/serial.log" "$dir/qemu.err"
	judge "$dir/serial.log"
	if early_panic "$dir/serial.log"; then
		# the kernel died before it ran /init: nothing of gpugate's had run
		# (TCG timing under load); keep that log and boot once more
		mv "$dir/serial.log" "$dir/early-panic.log"
		log "$name: kernel panic before /init (log early-panic.log); booting once more"
		boot "$dir/serial.log" "$dir/qemu.err"
		judge "$dir/serial.log"
		DETAIL+=" (2nd boot: 1st panicked before /init)"
	fi
	if [ $quiet = no ]; then
		grep -aE 'gpugate:|LAB-' "$dir/serial.log" | sed 's/^/    | /' >&2 || true
		if [ -s "$dir/qemu.err" ]; then sed 's/^/    qemu: /' "$dir/qemu.err" >&2; fi
		for re in "${WHY[@]}"; do log "$name: $re"; done
		log "$name: qemu rc=$RC, wall ${WALL}s, log $dir/serial.log"
	fi
	local expected=$EXPECT
	[ "$EXPECT" = root ] && expected+=", verify $EXPECT_VERIFY"
	[ -n "$EXPECT_FAILED" ] && expected+=": $EXPECT_FAILED"
	echo "$name|$EXPECT|$DETAIL|$WALL|$VERDICT" >"$dir/result"
	printf '%s\n' "${WHY[@]}" >"$dir/why"
	echo "RESULT $name|$expected|$DETAIL|$WALL|$VERDICT"
	[ $VERDICT = PASS ]
}

main "$@"
