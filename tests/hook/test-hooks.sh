#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The initramfs hook library (hook/gpugate-lib.sh) must fail closed: a
# missing, non-executable, crashing or failing gpugate stops the machine
# with the policy's on_failure, and only exit status 0 lets the boot go on.
# Runs the library under dash/sh with poweroff/halt/reboot replaced by
# stubs that record the call and end the hook shell (the real ones never
# return), and /dev/console and /dev/kmsg pointed at files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/../../hook/gpugate-lib.sh
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
	# the library writes the console and kmsg: point them at files
	sed -e "s|/dev/console|$work/console|g" -e "s|/dev/kmsg|$work/kmsg|g" \
		-e "s|/proc/sysrq-trigger|$work/sysrq|g" "$lib" >"$work/lib.sh"
	{ PATH=$work/bin:$PATH GPUGATE_BIN=$work/gpugate GPUGATE_POLICY=$work/policy.conf \
		timeout 10 sh -c ". '$work/lib.sh'; gpugate_run gate; echo CONTINUED" \
		>"$work/out" 2>&1; } 2>/dev/null
	cat "$work/stops" 2>/dev/null
	grep -h CONTINUED "$work/out"
}

expect() {
	local name=$1 body=$2 how=$3 want=$4 got
	got=$(run_hook "$body" "$how" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		echo "ok $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: got '$got', want '$want'"
		fail=$((fail + 1))
	fi
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
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
