#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The initramfs hook library (hook/gpugate-lib.sh) must fail closed: a
# missing, non-executable, crashing or failing gpugate stops the machine
# with the policy's on_failure, and only exit status 0 lets the boot go on.
# Runs the library under dash/sh with poweroff/halt/reboot replaced by
# stubs that record the call and end the hook shell (the real ones never
# return), and /dev/console, /dev/kmsg and /proc pointed at files. Also the
# hook.conf reader (without sed or tail), the policy values the real binary
# writes into hook.conf (CRLF and BOM policies read as the binary reads
# them), audit modes and allowed overrides that never stop the boot, the
# image builders' pre-flight check, the udev ordering guard, and the
# initramfs-tools boot scripts (hook/initramfs-tools/scripts/), which /init
# runs as children and goes on after whatever they return.
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/../../hook/gpugate-lib.sh
itscripts=$here/../../hook/initramfs-tools/scripts
GPUGATE=${GPUGATE:-$here/../../build/gpugate}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

mkdir -p "$work/bin"
for c in poweroff halt reboot; do
	cat >"$work/bin/$c" <<STUB
#!/bin/sh
echo "$c \$*" >>"$work/stops"
kill -TERM \$PPID
STUB
	chmod +x "$work/bin/$c"
done

# The library with the console, kmsg, sysrq and /proc pointed into $work.
make_lib() {
	sed -e "s|/dev/console|$work/console|g" -e "s|/dev/kmsg|$work/kmsg|g" \
		-e "s|/proc/sysrq-trigger|$work/sysrq|g" -e "s|/proc/\[0-9\]|$work/proc/[0-9]|g" \
		"$lib" >"$work/lib.sh"
}
mkdir -p "$work/proc/1"
echo init >"$work/proc/1/comm"

# run_hook BINARY_SCRIPT ON_FAILURE: prints what the hook shell did.
# HOOK_CONF: more hook.conf lines; CMDLINE: the kernel command line.
run_hook() {
	local body=$1 how=$2
	rm -f "$work/stops" "$work/console"
	printf 'gate.on_failure=%s\n%s' "$how" "${HOOK_CONF:-}" >"$work/hook.conf"
	printf '%s\n' "${CMDLINE:-quiet}" >"$work/cmdline"
	if [ "$body" = missing ]; then
		rm -f "$work/gpugate"
	else
		printf '#!/bin/sh\n%s\n' "$body" >"$work/gpugate"
		chmod +x "$work/gpugate"
		[ "$body" = "exit 0 # not executable" ] && chmod -x "$work/gpugate"
	fi
	make_lib
	{ PATH=$work/bin:$PATH GPUGATE_BIN=$work/gpugate GPUGATE_POLICY=$work/policy.conf \
		GPUGATE_CONF=${NO_CONF:-$work/hook.conf} GPUGATE_CMDLINE=$work/cmdline \
		timeout 10 sh -c ". '$work/lib.sh'; ${GATE_CMD:-gpugate_run gate}; echo CONTINUED" \
		>"$work/out" 2>&1; } 2>/dev/null
	cat "$work/stops" 2>/dev/null
	grep -h CONTINUED "$work/out"
}

check() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: got '$2', want '$3'"
		fail=$((fail + 1))
	fi
}

expect() { # NAME BINARY_SCRIPT ON_FAILURE WANT
	check "$1" "$(run_hook "$2" "$3" | tr '\n' ' ' | sed 's/ $//')" "$4"
}

expect pass_continues 'exit 0' halt "CONTINUED"
expect missing_binary_halts missing halt "halt -f"
expect missing_binary_poweroff missing poweroff "poweroff -f"
expect not_executable_stops 'exit 0 # not executable' reboot "reboot -f"
expect killed_by_signal_stops 'kill -9 $$' poweroff "poweroff -f"
expect segfault_status_stops 'exit 139' halt "halt -f"
expect policy_violated_stops 'exit 1' poweroff "poweroff -f"
expect undetermined_stops 'exit 3' reboot "reboot -f"
expect usage_error_stops 'exit 2' halt "halt -f"
expect unknown_on_failure_halts 'exit 1' bogus "halt -f"
# the console says why
run_hook missing halt >/dev/null
if grep -q "BOOT STOPPED: .*gpugate is missing" "$work/console"; then
	echo "ok console_names_missing_binary"; pass=$((pass + 1))
else
	echo "FAIL console_names_missing_binary: $(cat "$work/console" 2>/dev/null)"; fail=$((fail + 1))
fi


# No hook.conf in the image: fail closed, whatever rd.gpugate= says.
NO_CONF=$work/no-such-hook.conf CMDLINE="rd.gpugate=off" \
	expect no_hook_conf_halts 'exit 1' poweroff "halt -f"

# Audit modes and allowed overrides never stop the boot, whatever the
# binary did; the console says so.
HOOK_CONF='gate.mode=audit' expect audit_crash_continues 'kill -SEGV $$' halt "CONTINUED"
check audit_crash_says_so "$(grep -c 'AUDIT, NOT ENFORCED: gpugate gate was killed by signal 11; the boot continues (mode audit)' "$work/console")" 1
HOOK_CONF='gate.mode=audit-readonly' expect audit_readonly_missing_continues missing halt "CONTINUED"
HOOK_CONF='gate.mode=audit' expect audit_usage_error_continues 'exit 2' poweroff "CONTINUED"
HOOK_CONF='gate.allow_cmdline_override=yes' CMDLINE='quiet rd.gpugate=off' \
	expect override_off_allowed_crash_continues 'kill -SEGV $$' poweroff "CONTINUED"
HOOK_CONF='gate.allow_cmdline_override=yes' CMDLINE='rd.gpugate=audit ro' \
	expect override_audit_allowed_continues 'exit 3' poweroff "CONTINUED"
# the last rd.gpugate= wins, as in the binary
HOOK_CONF='gate.allow_cmdline_override=yes' CMDLINE='rd.gpugate=off rd.gpugate=enforce' \
	expect override_last_wins 'exit 1' poweroff "poweroff -f"
HOOK_CONF='gate.allow_cmdline_override=no' CMDLINE='rd.gpugate=off' \
	expect override_not_allowed_stops 'kill -SEGV $$' reboot "reboot -f"
HOOK_CONF='gate.mode=enforce' expect enforce_crash_stops 'kill -SEGV $$' poweroff "poweroff -f"

# hook.conf reader: the last line of a key wins; other keys do not match.
conf_value() { # CONTENT (printf format) KEY
	# shellcheck disable=SC2059
	printf "$1" >"$work/hook.conf"
	make_lib
	sh -c ". '$work/lib.sh'; gpugate_conf_get '$work/hook.conf' '$2'"
}
check conf_plain "$(conf_value 'gate.on_failure=poweroff\n' gate.on_failure)" poweroff
check conf_last_wins "$(conf_value 'gate.on_failure=poweroff\ngate.on_failure=reboot\n' gate.on_failure)" reboot
check conf_no_newline "$(conf_value 'gate.on_failure=reboot' gate.on_failure)" reboot
check conf_other_key "$(conf_value 'gate.on_failure_x=reboot\n' gate.on_failure)" ""
check conf_spaces_kept "$(conf_value 'baseline.file=/a b\n' baseline.file)" "/a b"
check conf_missing "$(rm -f "$work/hook.conf"; make_lib
	sh -c ". '$work/lib.sh'; gpugate_conf_get '$work/hook.conf' gate.on_failure")" ""
check on_failure_unknown_halts "$(printf 'gate.on_failure=shutdown\n' >"$work/hook.conf"
	GPUGATE_CONF=$work/hook.conf sh -c ". '$work/lib.sh'; gpugate_on_failure")" halt

# One policy reader: the builders ask the binary (gpugate policy), so a
# CRLF or BOM policy reads the same in hook.conf as in the binary.
built_conf() { # POLICY TEXT (printf format): hook.conf as a builder writes it
	# shellcheck disable=SC2059
	printf "$1" >"$work/policy.conf"
	make_lib
	sh -c ". '$work/lib.sh'; gpugate_write_conf '$GPUGATE' '$work/policy.conf' '$work/hook.conf'" ||
		echo "write_conf failed"
	GPUGATE_CONF=$work/hook.conf sh -c ". '$work/lib.sh'; gpugate_on_failure;
		gpugate_conf_get '$work/hook.conf' baseline.file; gpugate_conf_get '$work/hook.conf' gate.mode" |
		tr '\n' ' '
}
want='emergency /etc/gpugate/b audit '
check policy_lf_read_by_binary "$(built_conf '[gate]\non_failure = emergency\nmode = audit\n[baseline]\nfile = /etc/gpugate/b\n')" "$want"
check policy_crlf_read_by_binary "$(built_conf '[gate]\r\non_failure = emergency\r\nmode = audit\r\n[baseline]\r\nfile = /etc/gpugate/b\r\n')" "$want"
check policy_crlf_binary_agrees "$("$GPUGATE" -p "$work/policy.conf" policy gate.on_failure baseline.file | tr '\n' ' ')" \
	"gate.on_failure=emergency baseline.file=/etc/gpugate/b "
check policy_bom_read_by_binary "$(built_conf '\357\273\277[gate]\non_failure = emergency\nmode = audit\n[baseline]\nfile = /etc/gpugate/b\n')" "$want"
check policy_rejected_no_conf "$(built_conf '[gate]\non_failure = sideways\n' 2>/dev/null | head -n 1)" "write_conf failed"

# The pre-flight check of the image builders, with a binary that answers
# `policy` for real and exits CHECK_RC for `check` (recording its options).
preflight() { # MODE PREFLIGHT CHECK_RC: what gpugate_preflight returned and said
	printf '[gate]\nmode = %s\npreflight = %s\n' "$1" "$2" >"$work/policy.conf"
	cat >"$work/stub" <<STUB
#!/bin/sh
case "\$*" in
*" check") echo "\$*" >"$work/check-args"; exit $3 ;;
*) exec "$GPUGATE" "\$@" ;;
esac
STUB
	chmod +x "$work/stub"
	rm -f "$work/check-args"
	make_lib
	sh -c ". '$work/lib.sh'; gpugate_write_conf '$work/stub' '$work/policy.conf' '$work/hook.conf' &&
		gpugate_preflight '$work/stub' '$work/policy.conf' '$work/hook.conf'" >"$work/pf.out" 2>&1
	echo "rc=$?"
}
check preflight_enforce_fail_refused "$(preflight enforce refuse 1)" "rc=1"
check preflight_refusal_says_why "$(grep -c 'this image would stop the boot of this host; not building it' "$work/pf.out")" 1
check preflight_enforce_undetermined_refused "$(preflight enforce refuse 3)" "rc=1"
check preflight_enforce_pass_builds "$(preflight enforce refuse 0)" "rc=0"
check preflight_warn_builds "$(preflight enforce warn 1)" "rc=0"
check preflight_warn_is_loud "$(grep -c 'THIS IMAGE WILL STOP THE BOOT' "$work/pf.out")" 1
check preflight_audit_builds "$(preflight audit refuse 1)" "rc=0"
check preflight_audit_says_so "$(grep -c 'runs in audit mode and will not stop the boot' "$work/pf.out")" 1
check preflight_off_skips_check "$(preflight enforce off 1; cat "$work/check-args" 2>/dev/null)" "rc=0"
check preflight_checks_target_root "$(GPUGATE_PREFLIGHT_ROOT=/snap/host1 preflight enforce refuse 0 >/dev/null
	cat "$work/check-args")" "-q -p $work/policy.conf -r /snap/host1 check"

# The udev guard: the gate refuses to run once udevd is a process.
GATE_CMD='gpugate_before_udev; gpugate_run gate'
expect before_udev_continues 'exit 0' poweroff "CONTINUED"
mkdir -p "$work/proc/106"
echo systemd-udevd >"$work/proc/106/comm"
expect udev_running_stops 'exit 0' poweroff "poweroff -f"
check udev_running_says_why "$(grep -c 'BOOT STOPPED: udev is already running' "$work/console")" 1
rm -rf "$work/proc/106"
unset GATE_CMD

# The initramfs-tools boot scripts. prereqs: init-top has none (tsort then
# puts it before udev, which qemu/itools.sh checks in every image),
# init-bottom waits for udev's.
check it_top_prereqs "$(sh "$itscripts/init-top/gpugate" prereqs)" ""
check it_bottom_prereqs "$(sh "$itscripts/init-bottom/gpugate" prereqs)" udev
# run_script SCRIPT LIB_PRESENT: what the script did, and its exit status
run_script() {
	local script=$1
	rm -f "$work/stops" "$work/console"
	make_lib
	[ "$2" = yes ] || rm -f "$work/lib.sh"
	sed -e "s|/scripts/gpugate-lib.sh|$work/lib.sh|g" -e "s|/dev/console|$work/console|g" \
		"$itscripts/$script" >"$work/script"
	printf '#!/bin/sh\nexit 0\n' >"$work/gpugate"
	chmod +x "$work/gpugate"
	printf 'gate.on_failure=poweroff\n' >"$work/hook.conf"
	{ PATH=$work/bin:$PATH GPUGATE_BIN=$work/gpugate GPUGATE_POLICY=$work/policy.conf \
		GPUGATE_CONF=$work/hook.conf timeout 10 sh "$work/script"; echo "rc=$?"; } 2>/dev/null | tail -n 1
	cat "$work/stops" 2>/dev/null
}
for s in init-top init-bottom; do
	check "it_${s}_passes" "$(run_script "$s/gpugate" yes | tr '\n' ' ')" "rc=0 "
	# without the library the script halts (it cannot read the policy) and
	# never returns 0
	got=$(run_script "$s/gpugate" no | tr '\n' ' ')
	case "$got" in
	rc=0*) check "it_${s}_no_lib_stops" "$got" "rc=<not 0> halt -f " ;;
	*) check "it_${s}_no_lib_stops" "${got#* }" "halt -f " ;;
	esac
done
# gpugate_carry_run NEWROOT (dracut's pre-pivot hook): /run bound onto
# NEWROOT/run, so that busybox's switch_root applet (which does not move
# /run) carries it along; not under systemd, not when NEWROOT/run is
# mounted already; a failure is said and never stops the boot.
# carry CASE: what mount was asked, what was said, and that the hook went on.
carry() {
	local root=$work/carry/newroot run=$work/carry/run
	rm -rf "$work/carry" "$work/console" "$work/mount.calls"
	mkdir -p "$run/gpugate" "$root"
	[ "$1" = norun ] || mkdir -p "$root/run"
	[ "$1" = systemd ] && mkdir -p "$run/systemd/system"
	printf 'rootfs / rootfs rw 0 0\ntmpfs /run tmpfs rw 0 0\n' >"$work/carry/mounts"
	[ "$1" = mounted ] && printf 'tmpfs %s tmpfs rw 0 0\n' "$root/run" >>"$work/carry/mounts"
	mkdir -p "$work/carry/bin"
	printf '#!/bin/sh\necho "mount $*" >>"%s"\n%s\n' "$work/mount.calls" \
		"$([ "$1" = fails ] && echo 'exit 32' || echo 'exit 0')" >"$work/carry/bin/mount"
	chmod +x "$work/carry/bin/mount"
	make_lib
	PATH=$work/carry/bin:$PATH GPUGATE_MOUNTS=$work/carry/mounts GPUGATE_RUN=$run \
		sh -c ". '$work/lib.sh'; gpugate_carry_run '$root'; echo CONTINUED" 2>&1 |
		sed "s|$work/carry/||g"
	sed "s|$work/carry/||g" "$work/mount.calls" 2>/dev/null
	sed "s|$work/carry/||g" "$work/console" 2>/dev/null
}
check carry_run_binds "$(carry plain | tr '\n' ' ')" "CONTINUED mount -o bind run newroot/run "
check carry_run_mounted "$(carry mounted | tr '\n' ' ')" "CONTINUED "
check carry_run_systemd "$(carry systemd | tr '\n' ' ')" "CONTINUED "
check carry_run_no_dir "$(carry norun | tr '\n' ' ')" \
	"CONTINUED gpugate: no directory newroot/run: the report and the TPM event log in /run stay in the initramfs "
check carry_run_fails "$(carry fails | tr '\n' ' ')" \
	"CONTINUED mount -o bind run newroot/run gpugate: mount -o bind run newroot/run failed: the report and the TPM event log in /run stay in the initramfs "
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
