#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# gpugate-lib.sh - shared by the gpugate initramfs hooks (POSIX sh; the
# hooks are sourced by dracut's init, so nothing here may call exit).
#
# gpugate_run ARGS...  runs /usr/sbin/gpugate; any failure that the binary
# did not already act on (binary missing, not executable, killed by a
# signal, on_failure=emergency, a reboot(2) that returned) ends here, in
# gpugate_stop, which never returns. dracut's own failure paths are not
# used: a hook's "die" without rd.shell=0 gives a root shell, and
# emergency_shell with rd.shell=0 continues the boot.

GPUGATE_BIN=${GPUGATE_BIN:-/usr/sbin/gpugate}
GPUGATE_POLICY=${GPUGATE_POLICY:-/etc/gpugate/policy.conf}

gpugate_say() {
	echo "gpugate: $*" >/dev/console 2>/dev/null
	echo "<2>gpugate: $*" >/dev/kmsg 2>/dev/null
}

# gpugate_policy_value KEY: the first word after "KEY =" on the last line
# of the policy that sets KEY (any section), read without the binary (it
# may be the thing that is missing) and without sed or tail, which an
# initramfs may lack. Empty when the policy cannot be read.
gpugate_policy_value() {
	_gg_val=
	[ -r "$GPUGATE_POLICY" ] || return 0
	while read -r _gg_line || [ -n "$_gg_line" ]; do
		case "$_gg_line" in
		"$1"*=*) ;;
		*) continue ;;
		esac
		_gg_rest=${_gg_line#"$1"}
		# only blanks between the key and "="
		case "${_gg_rest%%=*}" in
		*[!\ \	]*) continue ;;
		esac
		_gg_rest=${_gg_rest#*=}
		_gg_rest=${_gg_rest%%#*}
		set -f
		# shellcheck disable=SC2086 # split into words on purpose
		set -- "$1" $_gg_rest
		set +f
		_gg_val=${2:-}
	done <"$GPUGATE_POLICY"
	echo "$_gg_val"
}

# on_failure from the policy. Anything else or unreadable means the
# default, halt.
gpugate_on_failure() {
	case "$(gpugate_policy_value on_failure)" in
	poweroff) echo poweroff ;;
	reboot) echo reboot ;;
	emergency) echo emergency ;;
	*) echo halt ;;
	esac
}

# Ask the kernel directly (sync, then o = power off, b = reboot) when the
# halt/poweroff/reboot commands are missing from the image.
gpugate_sysrq() {
	echo s >/proc/sysrq-trigger 2>/dev/null
	echo "$1" >/proc/sysrq-trigger 2>/dev/null
}

# Stop the machine. Never returns.
gpugate_stop() {
	gpugate_say "BOOT STOPPED: $*"
	case "$(gpugate_on_failure)" in
	poweroff) poweroff -f || gpugate_sysrq o ;;
	reboot) reboot -f || gpugate_sysrq b ;;
	emergency)
		gpugate_say "emergency: root shell on the console; the boot will not continue"
		sh -i </dev/console >/dev/console 2>&1
		poweroff -f || gpugate_sysrq o
		;;
	*) halt -f ;;
	esac
	# halt -f leaves the machine up; nothing after this may run
	while :; do sleep 3600; done
}

# The gate must run before udev, which loads the host GPU drivers. udevd
# is looked for as a process: with systemd in the initramfs its control
# socket exists before the daemon runs.
gpugate_before_udev() {
	for _gg_comm in /proc/[0-9]*/comm; do
		read -r _gg_name <"$_gg_comm" 2>/dev/null || continue
		case "$_gg_name" in
		systemd-udevd | udevd)
			gpugate_stop "udev is already running (${_gg_comm%/comm}): the gate did not run before it"
			;;
		esac
	done
}

gpugate_run() {
	if [ ! -e "$GPUGATE_BIN" ]; then
		gpugate_stop "$GPUGATE_BIN is missing"
	fi
	if [ ! -x "$GPUGATE_BIN" ]; then
		gpugate_stop "$GPUGATE_BIN is not executable"
	fi
	"$GPUGATE_BIN" -p "$GPUGATE_POLICY" "$@"
	_gg_rc=$?
	if [ "$_gg_rc" -gt 128 ]; then
		gpugate_stop "gpugate $* was killed by signal $((_gg_rc - 128))"
	fi
	if [ "$_gg_rc" -ne 0 ]; then
		gpugate_stop "gpugate $* failed with exit status $_gg_rc"
	fi
	gpugate_say "gpugate $*: exit status 0, the boot continues"
}
