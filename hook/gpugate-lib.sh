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

# on_failure from the policy, read without the binary (it may be the thing
# that is missing). Anything unreadable means the default, halt.
gpugate_on_failure() {
	_gg_v=$(sed -n 's/^[[:space:]]*on_failure[[:space:]]*=[[:space:]]*\([a-z]*\).*/\1/p' \
		"$GPUGATE_POLICY" 2>/dev/null | tail -n 1)
	case "$_gg_v" in
	poweroff | reboot | emergency) echo "$_gg_v" ;;
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
