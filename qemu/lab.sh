#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/lab.sh SCENARIO - boot one scenario of qemu/scenarios/ under QEMU/TCG
# (q35, PVH vmlinux, an emulated IOMMU, the dracut initramfs with gpugate;
# with TPM=: the bzImage and swtpm behind -device tpm-crb) and judge the
# outcome from the serial log and QEMU's exit status.
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
# Writes build/qemu/runs/SCENARIO/{serial.log,qemu.err,cmd,result} (TPM
# scenarios also policy.conf, the image's policy, tpm2-measure.log, the
# event log copied out of the guest, and tpm/, swtpm's state); the
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
	TPM="" PCR=8 EXPECT_PCR="" EXPECT_PCR_FOLD=() EXPECT_PCR_DIFFERS=() EXPECT_LOG_REPLAY=no
	EXPECT_STOP_WITHIN=""
	ROOT="" EXPECT_PROM=() LATENCY=()
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
	case "$TPM" in
	"" | swtpm | stalled) ;;
	*) die "$1: TPM=$TPM is not swtpm|stalled (or empty: no TPM)" ;;
	esac
	case "$EXPECT_PCR" in
	"" | pass | not-pass) ;;
	*) die "$1: EXPECT_PCR=$EXPECT_PCR is not pass|not-pass" ;;
	esac
	if [ "$EXPECT_PCR" = not-pass ] && [ ${#EXPECT_PCR_FOLD[@]} -eq 0 ]; then
		die "$1: EXPECT_PCR=not-pass needs EXPECT_PCR_FOLD (the verdict words it must equal)"
	fi
	if [ "$BOOT" = grub ] && [ -n "$TPM" ]; then
		die "$1: TPM= with BOOT=grub is not supported"
	fi
	case "$ROOT" in
	"" | udev) ;;
	*) die "$1: ROOT=$ROOT is not udev (or empty: root.ext4)" ;;
	esac
}

# The root disk image: root.ext4, or root-$ROOT.ext4 (ROOT=udev).
root_image() { echo "$IMAGES/root${ROOT:+-$ROOT}.ext4"; }

# A scenario with a TPM or expectations about one: root init and the
# labtpm hook print PCR $PCR (lab.pcr=), the judge reads them.
tpm_scenario() {
	[ -n "$TPM$EXPECT_PCR$EXPECT_STOP_WITHIN" ] || [ "$EXPECT_LOG_REPLAY" = yes ]
}

# The TPM scenarios' device: one swtpm per boot, its state in $TPMDIR
# (fresh each boot), its control socket the one QEMU's emulator backend
# talks to ($TPMDIR/sock). TPM=stalled puts qemu/tpm-stall.py in between
# (swtpm's socket is then $TPMDIR/swtpm.sock), which stops passing TPM
# commands on SIGUSR1. --terminate: swtpm ends when QEMU closes the
# connection; tpm_stop makes sure both are gone in every case (timeout,
# a kill of the lab).
SWTPM_PID="" RELAY_PID=""
wait_socket() { # PATH PID WHAT
	local n=0
	while [ ! -S "$1" ]; do
		kill -0 "$2" 2>/dev/null || die "$3 exited at start: $(cat "$TPMDIR/$3.out")"
		n=$((n + 1))
		[ $n -lt 100 ] || die "$3 did not create $1 in 10 s"
		sleep 0.1
	done
}

tpm_start() {
	local sock=$TPMDIR/sock
	rm -rf "$TPMDIR"
	mkdir -p "$TPMDIR"
	[ "$TPM" = stalled ] && sock=$TPMDIR/swtpm.sock
	swtpm socket --tpm2 --tpmstate dir="$TPMDIR" --ctrl type=unixio,path="$sock" \
		--terminate --log file="$TPMDIR/swtpm.log" </dev/null >"$TPMDIR/swtpm.out" 2>&1 &
	SWTPM_PID=$!
	wait_socket "$sock" "$SWTPM_PID" swtpm
	if [ "$TPM" = stalled ]; then
		python3 "$QEMU_DIR/tpm-stall.py" "$TPMDIR/sock" "$sock" "$TPMDIR/relay.log" \
			</dev/null >"$TPMDIR/relay.out" 2>&1 &
		RELAY_PID=$!
		wait_socket "$TPMDIR/sock" "$RELAY_PID" relay
	fi
}

tpm_stop() {
	local p
	for p in "$RELAY_PID" "$SWTPM_PID"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SWTPM_PID="" RELAY_PID=""
}

tpm_args() {
	# shellcheck disable=SC2054 # commas inside QEMU option values
	QEMU+=(-chardev "socket,id=chrtpm,path=$TPMDIR/sock" -tpmdev emulator,id=tpm0,chardev=chrtpm
		-device tpm-crb,tpmdev=tpm0)
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
	if tpm_scenario; then cmdline+=" lab.pcr=$PCR"; fi
	[ "$TPM" = stalled ] && cmdline+=" lab.tpm=stall"
	QEMU=(qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 768 -nodefaults
		-display none -monitor none -no-reboot -serial "file:$log")
	# shellcheck disable=SC2207 # word splitting wanted: fixed words
	QEMU+=($(iommu_args))
	if [ "$BOOT" = grub ]; then
		# SeaBIOS boots GRUB from a CD; GRUB loads the bzImage (qemu/grub.sh)
		grub_iso "$3" "$kver" "$cmdline" "$IMAGES/initrd-$IMAGE.img"
		QEMU+=(-drive "file=$GRUB_ISO,media=cdrom,if=ide,readonly=on" -boot d)
	elif [ -n "$TPM" ]; then
		# the bzImage: under the PVH entry the kernel finds no RSDT, hence
		# no ACPI TPM table and no TPM (QEMU-FINDINGS, 6.12 and the TPM)
		QEMU+=(-kernel "$KERNEL_ROOT/boot/vmlinuz-$kver" -initrd "$IMAGES/initrd-$IMAGE.img"
			-append "$cmdline")
		tpm_args
	else
		QEMU+=(-kernel "$LAB/vmlinux-$kver" -initrd "$IMAGES/initrd-$IMAGE.img"
			-append "$cmdline")
	fi
	QEMU+=(-device pvpanic -action panic=exit-failure)
	QEMU+=("${TOPOLOGY[@]}")
	# the root disk: virtio-blk on its own root port (after the GPUs' buses)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	QEMU+=(-device pcie-root-port,id=rpdisk,bus=pcie.0,chassis=30,addr=0x1c
		-drive "if=none,id=rootdisk,file=$(root_image),format=raw,snapshot=on"
		-device virtio-blk-pci,drive=rootdisk,bus=rpdisk)
}

# Run QEMU (and swtpm for a TPM scenario); sets RC (exit status; 124
# timeout, 200 halted and killed) and WALL. TPM=stalled: the relay stops
# passing TPM commands when the guest prints LAB-TPM-STALL-NOW
# (qemu/dracut/99labtpm), and passes them again once the boot was stopped
# (GATE FAILED tpm.measure, or the hook's BOOT STOPPED), so that the
# kernel's TPM2_Shutdown at power-off is answered (GPUGATE_LAB_TPM_RESUME=no:
# never, as with a TPM that is dead for good).
boot() {
	local log=$1 err=$2 pid t0 halted_at="" stalled=no
	: >"$log"
	[ -z "$TPM" ] || tpm_start
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
		if [ "$TPM" = stalled ]; then
			if [ $stalled = no ] && grep -aq 'LAB-TPM-STALL-NOW' "$log"; then
				kill -USR1 "$RELAY_PID" 2>/dev/null || true
				stalled=yes
			elif [ $stalled = yes ] && [ "${GPUGATE_LAB_TPM_RESUME:-yes}" = yes ] &&
				grep -aqE 'GATE FAILED tpm\.measure|BOOT STOPPED' "$log"; then
				kill -USR2 "$RELAY_PID" 2>/dev/null || true
				stalled=resumed
			fi
		fi
		if [ -n "$halted_at" ] && awk -v a="$now" -v b="$halted_at" -v h="$HALT_HOLD" \
			'BEGIN{exit !(a - b >= h)}'; then
			RC=200
		elif awk -v a="$now" -v b="$t0" -v t="$TIMEOUT" 'BEGIN{exit !(a - b >= t)}'; then
			RC=124
		fi
		if [ -n "$RC" ]; then
			kill "$pid" 2>/dev/null || true
			tpm_stop
			wait "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	tpm_stop
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

# pcr_fold STRING...: the SHA-256 PCR value after extending SHA-256 of each
# string in turn from 32 zero bytes (the contract's fold, computed here
# independently of gpugate).
pcr_fold() {
	python3 -c '
import hashlib, sys
v = bytes(32)
for s in sys.argv[1:]:
    v = hashlib.sha256(v + hashlib.sha256(s.encode()).digest()).digest()
print(v.hex())' "$@"
}

# The measured-gate expectations (TPM scenarios), after judge: adds to
# DETAIL and WHY. The policy is the one inside the booted image
# ($dir/policy.conf, cut out of it before the boot).
#   EXPECT_PCR=pass      LAB-PCR equals `gpugate -p POLICY pcr`
#   EXPECT_PCR=not-pass  LAB-PCR differs from it and equals the fold of the
#                        policy event and EXPECT_PCR_FOLD's strings
#   EXPECT_PCR_DIFFERS   policies (repo paths) whose pass value LAB-PCR's
#                        must differ from
#   EXPECT_LOG_REPLAY=yes  the event log reached the root, and
#                        `gpugate -p POLICY pcr --log LOG` equals LAB-PCR
#   EXPECT_STOP_WITHIN=S the gate decided to stop the boot (the kernel log's
#                        first "gpugate: GATE FAILED tpm.measure" or
#                        "gpugate: BOOT STOPPED") at most S s after
#                        LAB-TPM-STALL-GO (guest uptime); the power-off
#                        ("reboot: ...") is reported too
judge_tpm() {
	local log=$1 dir=$2 policy=$2/policy.conf got pass want p t t0 t1 n
	local gg=${GPUGATE_LAB_BINARY:-$REPO/build/gpugate} # the binary in the image
	tpm_scenario || return 0
	got=$(tr -d '\r' <"$log" | sed -n "s/^LAB-PCR $PCR \([0-9A-Fa-f]\{64\}\)$/\1/p" | head -n 1 |
		tr 'A-F' 'a-f')
	p=$(tr -d '\r' <"$log" | sed -n "s/^LAB-TPM-PRE .* pcr$PCR=\([^ ]*\).*/\1/p" | head -n 1 | tr 'A-F' 'a-f')
	[ -z "$p" ] || DETAIL+=", PCR $PCR before the gate ${p:0:8}"
	if [ -n "$EXPECT_PCR" ]; then
		if [ -z "$got" ]; then
			WHY+=("no LAB-PCR $PCR line with a value")
		else
			DETAIL+=", PCR $PCR ${got:0:8}"
			pass=$("$gg" -p "$policy" pcr) || WHY+=("gpugate -p $policy pcr failed")
			if [ "$EXPECT_PCR" = pass ]; then
				[ "$got" = "$pass" ] || WHY+=("PCR $PCR $got, gpugate pcr says $pass")
			else
				want=$(pcr_fold "gpugate policy sha256:$(sha256sum "$policy" | cut -c1-64)" \
					"${EXPECT_PCR_FOLD[@]}")
				[ "$got" != "$pass" ] || WHY+=("PCR $PCR holds the pass value $pass")
				[ "$got" = "$want" ] || WHY+=("PCR $PCR $got, the fold of [${EXPECT_PCR_FOLD[*]}] is $want")
			fi
		fi
		for p in "${EXPECT_PCR_DIFFERS[@]}"; do
			want=$("$gg" -p "$REPO/$p" pcr) || WHY+=("gpugate -p $p pcr failed")
			[ "$got" != "$want" ] || WHY+=("PCR $PCR equals the pass value of $p")
		done
	fi
	if [ "$EXPECT_LOG_REPLAY" = yes ]; then
		tr -d '\r' <"$log" | sed -n 's/^LAB-MEASLOG \([A-Za-z0-9+/=]*\)$/\1/p' |
			base64 -d >"$dir/tpm2-measure.log" 2>/dev/null || true
		n=$(tr -d '\r' <"$log" | sed -n 's/^LAB-MEASLOG-BEGIN bytes=\([0-9]*\)$/\1/p' | head -n 1)
		if [ -z "$n" ]; then
			WHY+=("the event log did not reach the root (no LAB-MEASLOG-BEGIN)")
		elif [ "$(wc -c <"$dir/tpm2-measure.log")" != "$n" ]; then
			WHY+=("copied $(wc -c <"$dir/tpm2-measure.log") bytes of the event log, the guest has $n")
		else
			want=$("$gg" -p "$policy" pcr --log "$dir/tpm2-measure.log" 2>"$dir/pcr-log.err") ||
				WHY+=("gpugate pcr --log failed: $(cat "$dir/pcr-log.err")")
			DETAIL+=", log $(grep -c . "$dir/tpm2-measure.log") records"
			[ "$want" = "$got" ] || WHY+=("the event log replays to $want, PCR $PCR holds ${got:-nothing}")
		fi
	fi
	if [ -n "$EXPECT_STOP_WITHIN" ]; then
		t0=$(tr -d '\r' <"$log" | sed -n 's/^LAB-TPM-STALL-GO uptime=\([0-9.]*\)$/\1/p' | head -n 1)
		t1=$(tr -d '\r' <"$log" | sed -n 's/^\[ *\([0-9.]*\)\] reboot: \(Power down\|Restarting system\|System halted\)$/\1/p' | head -n 1)
		if [ -z "$t0" ] || [ -z "$t1" ]; then
			WHY+=("no LAB-TPM-STALL-GO or no stop in the kernel log")
		else
			DETAIL+=", powered off $(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.2f", a - b}') s"
			t1=$(tr -d '\r' <"$log" | sed -n 's/^\[ *\([0-9.]*\)\] gpugate: \(GATE FAILED tpm\.measure\|BOOT STOPPED\).*/\1/p' | head -n 1)
			if [ -z "$t1" ]; then
				WHY+=("no GATE FAILED tpm.measure or BOOT STOPPED line in the kernel log")
			else
				t=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.2f", a - b}')
				DETAIL+=", stop decided ${t} s after the TPM stalled"
				awk -v t="$t" -v m="$EXPECT_STOP_WITHIN" 'BEGIN{exit !(t <= m)}' ||
					WHY+=("the stop came $t s after the TPM stalled, more than $EXPECT_STOP_WITHIN s")
			fi
		fi
	fi
	[ ${#WHY[@]} -eq 0 ] || VERDICT=FAIL
}

# The guard scenarios' expectations (ROOT=udev, qemu/guest/guard-init.sh),
# after judge: adds to DETAIL and WHY.
#   EXPECT_PROM  metric lines the guard's textfile (LAB-PROM lines) must
#                hold exactly; the textfile, cut out into $dir/guard.prom,
#                must also pass tests/prom/validate.py
#   LATENCY      "LABEL|START|END_ERE": for each kernel log record that
#                is START or starts with "START " (START "LAB-GUARD-MARK
#                bind-write" matches every "... bind-write try=N"), the
#                time to the first kernel log record after it that matches
#                END_ERE; each START must find its END. DETAIL gets
#                "LABEL min-max ms (N)". A record is found after text that
#                user space wrote to the console without a newline.
judge_guard() {
	local log=$1 dir=$2 m l label start end out n miss lo hi
	[ "$ROOT" = udev ] || return 0
	tr -d '\r' <"$log" | sed -n 's/^LAB-PROM //p' >"$dir/guard.prom"
	if [ ${#EXPECT_PROM[@]} -gt 0 ]; then
		if [ ! -s "$dir/guard.prom" ]; then
			WHY+=("no LAB-PROM lines (the guard's textfile)")
		elif ! out=$(python3 "$REPO/tests/prom/validate.py" "$dir/guard.prom" 2>&1); then
			WHY+=("the guard's textfile does not validate: $out")
		fi
	fi
	for m in "${EXPECT_PROM[@]}"; do
		grep -qxF -- "$m" "$dir/guard.prom" || WHY+=("textfile lacks '$m'")
	done
	for l in "${LATENCY[@]}"; do
		IFS='|' read -r label start end <<<"$l"
		out=$(tr -d '\r' <"$log" | awk -v s="$start" -v e="$end" '
			function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line + 0 }
			# a console line can carry a user-space write before the
			# kernel record (no newline between them): keep the record
			match($0, /\[ *[0-9]+\.[0-9]+\] /) { $0 = substr($0, RSTART) }
			!/^\[ *[0-9.]+\] / { next }
			{ rest = $0; sub(/^\[[^]]*\] /, "", rest) }
			rest == s || index(rest, s " ") == 1 {
				if (open) miss++
				t0 = ts($0); open = 1; next
			}
			open && rest ~ e {
				d = (ts($0) - t0) * 1000; n++; open = 0
				if (n == 1 || d < lo) lo = d
				if (n == 1 || d > hi) hi = d
			}
			END { if (open) miss++; printf "%d %d %.0f %.0f\n", n, miss, lo, hi }')
		read -r n miss lo hi <<<"$out"
		if [ "$n" -eq 0 ] || [ "$miss" -ne 0 ]; then
			WHY+=("$label: $n of $((n + miss)) '$start' marks followed by /$end/")
		else
			DETAIL+=", $label ${lo}-${hi} ms ($n)"
		fi
	done
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
		"$QEMU_DIR/images.sh" "$IMAGE" ${ROOT:+root-$ROOT} >&2
	fi
	kver=$(lab_kver)
	dir=$RUNS/$name
	mkdir -p "$dir"
	TPMDIR=$dir/tpm
	trap tpm_stop EXIT
	if tpm_scenario; then
		# the policy exactly as the image holds it, for `gpugate pcr`
		rm -f "$dir/policy.conf" "$dir/tpm2-measure.log"
		cpio -i --quiet --to-stdout etc/gpugate/policy.conf <"$IMAGES/initrd-$IMAGE.img" >"$dir/policy.conf"
		[ -s "$dir/policy.conf" ] || die "no etc/gpugate/policy.conf in initrd-$IMAGE.img"
	fi
	qemu_cmd "$kver" "$dir/serial.log" "$name"
	printf '%q ' "${QEMU[@]}" >"$dir/cmd"
	echo >>"$dir/cmd"
	[ $quiet = yes ] || log "$name: $DESC"
	rm -f "$dir/early-panic.log"
	boot "$dir/serial.log" "$dir/qemu.err"
	judge "$dir/serial.log"
	judge_tpm "$dir/serial.log" "$dir"
	judge_guard "$dir/serial.log" "$dir"
	if early_panic "$dir/serial.log"; then
		# the kernel died before it ran /init: nothing of gpugate's had run
		# (TCG timing under load); keep that log and boot once more
		mv "$dir/serial.log" "$dir/early-panic.log"
		log "$name: kernel panic before /init (log early-panic.log); booting once more"
		boot "$dir/serial.log" "$dir/qemu.err"
		judge "$dir/serial.log"
		judge_tpm "$dir/serial.log" "$dir"
		judge_guard "$dir/serial.log" "$dir"
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
