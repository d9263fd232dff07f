#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The initramfs hook library (hook/gpugate-lib.sh) must fail closed: a
# missing, non-executable, crashing or failing gpugate stops the machine
# with the policy's on_failure, and only exit status 0 lets the boot go on.
# Runs the library under dash/sh with poweroff/halt/reboot replaced by
# stubs that record the call and end the hook shell (the real ones never
# return), and /dev/console, /dev/kmsg and /proc pointed at files. Also the
# policy reader (without sed or tail), the udev ordering guard, and the
# initramfs-tools boot scripts (hook/initramfs-tools/scripts/), which /init
# runs as children and goes on after whatever they return.
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/../../hook/gpugate-lib.sh
itscripts=$here/../../hook/initramfs-tools/scripts
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
run_hook() {
	local body=$1 how=$2
	rm -f "$work/stops"
	printf '[gate]\non_failure = %s\n' "$how" >"$work/policy.conf"
	if [ "$body" = missing ]; then
		rm -f "$work/gpugate"
	else
		printf '#!/bin/sh\n%s\n' "$body" >"$work/gpugate"
		chmod +x "$work/gpugate"
		[ "$body" = "exit 0 # not executable" ] && chmod -x "$work/gpugate"
	fi
	make_lib
	{ PATH=$work/bin:$PATH GPUGATE_BIN=$work/gpugate GPUGATE_POLICY=$work/policy.conf \
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


# The policy reader: the last "on_failure =" line wins, blanks and comments
# around the value do not matter, anything it cannot read means halt.
on_failure_of() { # POLICY TEXT (printf format)
	# shellcheck disable=SC2059
	printf "$1" >"$work/policy.conf"
	make_lib
	GPUGATE_POLICY=$work/policy.conf sh -c ". '$work/lib.sh'; gpugate_on_failure"
}
check policy_spaces "$(on_failure_of '[gate]\non_failure = poweroff\n')" poweroff
check policy_no_spaces "$(on_failure_of 'on_failure=reboot\n')" reboot
check policy_tabs_comment "$(on_failure_of '\t on_failure\t=\temergency # why\n')" emergency
check policy_last_wins "$(on_failure_of 'on_failure = poweroff\non_failure = reboot\n')" reboot
check policy_no_newline "$(on_failure_of 'on_failure = poweroff')" poweroff
check policy_other_key "$(on_failure_of 'on_failure_x = poweroff\n')" halt
check policy_commented "$(on_failure_of '# on_failure = poweroff\n')" halt
check policy_unknown "$(on_failure_of 'on_failure = shutdown\n')" halt
check policy_empty "$(on_failure_of '')" halt
check policy_missing "$(rm -f "$work/policy.conf"; make_lib
	GPUGATE_POLICY=$work/policy.conf sh -c ". '$work/lib.sh'; gpugate_on_failure")" halt
check policy_baseline_file "$(printf '[baseline]\nfile = /etc/gpugate/b # x\n' >"$work/policy.conf"
	GPUGATE_POLICY=$work/policy.conf sh -c ". '$work/lib.sh'; gpugate_policy_value file")" /etc/gpugate/b

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
	printf 'on_failure = poweroff\n' >"$work/policy.conf"
	{ PATH=$work/bin:$PATH GPUGATE_BIN=$work/gpugate GPUGATE_POLICY=$work/policy.conf \
		timeout 10 sh "$work/script"; echo "rc=$?"; } 2>/dev/null | tail -n 1
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
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
