#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# gpugate-lib.sh - shared by the gpugate initramfs hooks (POSIX sh; the
# hooks are sourced by dracut's init, so nothing here may call exit) and by
# the two image builders (dracut's module-setup.sh, initramfs-tools' hook).
#
# gpugate_run ARGS...  runs /usr/sbin/gpugate; any failure that the binary
# did not already act on (binary missing, not executable, killed by a
# signal, on_failure=emergency, a reboot(2) that returned) ends here, in
# gpugate_fail: when this boot enforces, gpugate_stop, which never returns;
# when it does not (audit modes, an allowed rd.gpugate=audit|off), a loud
# line and the boot goes on. dracut's own failure paths are not used: a
# hook's "die" without rd.shell=0 gives a root shell, and emergency_shell
# with rd.shell=0 continues the boot.
#
# The policy is read by the binary only. At image build time
# gpugate_write_conf asks it (`gpugate policy KEY...`) for the values the
# boot scripts need and puts them into the image as /etc/gpugate/hook.conf,
# so that they are known even when the binary is missing or crashes at
# boot. Without that file the boot scripts fail closed: enforce, halt.

GPUGATE_BIN=${GPUGATE_BIN:-/usr/sbin/gpugate}
GPUGATE_POLICY=${GPUGATE_POLICY:-/etc/gpugate/policy.conf}
GPUGATE_CONF=${GPUGATE_CONF:-/etc/gpugate/hook.conf}
GPUGATE_CMDLINE=${GPUGATE_CMDLINE:-/proc/cmdline}
GPUGATE_MOUNTS=${GPUGATE_MOUNTS:-/proc/self/mounts}
GPUGATE_RUN=${GPUGATE_RUN:-/run}
# what the boot scripts read from hook.conf
GPUGATE_CONF_KEYS="gate.mode gate.on_failure gate.allow_cmdline_override gate.preflight baseline.file"

gpugate_say() {
	echo "gpugate: $*" >/dev/console 2>/dev/null
	echo "<2>gpugate: $*" >/dev/kmsg 2>/dev/null
}

# gpugate_conf_get FILE KEY: the value of the last "KEY=" line of FILE, a
# file `gpugate policy` wrote (one "section.key=value" a line, nothing
# else to parse). Empty when FILE cannot be read. No sed or tail, which an
# initramfs may lack.
gpugate_conf_get() {
	_gg_val=
	[ -r "$1" ] || return 0
	while IFS= read -r _gg_line || [ -n "$_gg_line" ]; do
		case "$_gg_line" in
		"$2="*) _gg_val=${_gg_line#"$2="} ;;
		esac
	done <"$1"
	echo "$_gg_val"
}

# gpugate_write_conf BINARY POLICY OUT: at image build time, the values the
# boot scripts need, as the binary reads the policy. Non-zero when the
# binary cannot answer (then no image may be built).
gpugate_write_conf() {
	# shellcheck disable=SC2086 # a list of keys
	"$1" -p "$2" policy $GPUGATE_CONF_KEYS >"$3"
}

# on_failure from hook.conf. Anything else or unreadable means halt.
gpugate_on_failure() {
	case "$(gpugate_conf_get "$GPUGATE_CONF" gate.on_failure)" in
	poweroff) echo poweroff ;;
	reboot) echo reboot ;;
	emergency) echo emergency ;;
	*) echo halt ;;
	esac
}

# The last rd.gpugate= on the kernel command line (as the binary reads it).
gpugate_cmdline_override() {
	_gg_ovr=
	read -r _gg_cmdline <"$GPUGATE_CMDLINE" 2>/dev/null || _gg_cmdline=
	set -f
	for _gg_word in $_gg_cmdline; do
		case "$_gg_word" in
		rd.gpugate=*) _gg_ovr=${_gg_word#rd.gpugate=} ;;
		esac
	done
	set +f
	echo "$_gg_ovr"
}

# Why this boot does not enforce (empty: it enforces). Enforcing unless
# hook.conf says an audit mode, or allows a command-line override and
# rd.gpugate=audit|off is given: a missing hook.conf means enforce.
gpugate_not_enforcing() {
	case "$(gpugate_conf_get "$GPUGATE_CONF" gate.mode)" in
	audit | audit-readonly)
		echo "mode $(gpugate_conf_get "$GPUGATE_CONF" gate.mode)"
		return
		;;
	esac
	[ "$(gpugate_conf_get "$GPUGATE_CONF" gate.allow_cmdline_override)" = yes ] || return 0
	case "$(gpugate_cmdline_override)" in
	audit | off) echo "rd.gpugate=$(gpugate_cmdline_override), allowed by the policy" ;;
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
			gpugate_fail "udev is already running (${_gg_comm%/comm}): the gate did not run before it"
			return 0
			;;
		esac
	done
}

# A failure the binary did not act on: stop the machine when this boot
# enforces; otherwise say so loudly and let the boot go on.
gpugate_fail() {
	_gg_why=$(gpugate_not_enforcing)
	if [ -z "$_gg_why" ]; then
		gpugate_stop "$*"
	fi
	gpugate_say "AUDIT, NOT ENFORCED: $*; the boot continues ($_gg_why)"
}

gpugate_run() {
	if [ ! -e "$GPUGATE_BIN" ]; then
		gpugate_fail "$GPUGATE_BIN is missing"
		return 0
	fi
	if [ ! -x "$GPUGATE_BIN" ]; then
		gpugate_fail "$GPUGATE_BIN is not executable"
		return 0
	fi
	"$GPUGATE_BIN" -p "$GPUGATE_POLICY" "$@"
	_gg_rc=$?
	if [ "$_gg_rc" -gt 128 ]; then
		gpugate_fail "gpugate $* was killed by signal $((_gg_rc - 128))"
	elif [ "$_gg_rc" -ne 0 ]; then
		gpugate_fail "gpugate $* failed with exit status $_gg_rc"
	else
		gpugate_say "gpugate $*: exit status 0, the boot continues"
	fi
	return 0
}

# gpugate_is_mountpoint DIR: DIR is a mount point (a mount target in
# /proc/self/mounts; no mountpoint or grep, which an initramfs may lack).
gpugate_is_mountpoint() {
	while read -r _gg_src _gg_dir _gg_rest; do
		[ "$_gg_dir" = "$1" ] && return 0
	done <"$GPUGATE_MOUNTS"
	return 1
}

# gpugate_carry_run NEWROOT: let the initramfs' /run (the report in
# /run/gpugate/, the TPM event log in /run/log/systemd/) become the booted
# root's /run. dracut's init ends in `exec switch_root`; in a busybox
# image ash runs busybox's own switch_root applet, which only deletes the
# initramfs' files, moves NEWROOT onto / and chroots: it does not move
# /run, whose tmpfs stays mounted on the old root, out of reach, and the
# root mounts an empty tmpfs of its own on /run. util-linux' switch_root
# and systemd's move /run themselves. A bind mount of /run on NEWROOT/run
# travels with NEWROOT's move in every case (util-linux' switch_root sees
# NEWROOT/run mounted already and only detaches the old /run), and the
# root's init finds /run a mount point and keeps it, as after a move.
# Not under systemd (its switch-root moves /run), not when NEWROOT/run is
# a mount point already. A failure is said, never fatal: the gate's
# verdict was reached and acted on before.
gpugate_carry_run() {
	[ -d "$GPUGATE_RUN/systemd/system" ] && return 0
	if [ -z "$1" ] || [ ! -d "$1/run" ]; then
		gpugate_say "no directory ${1:-(NEWROOT unset)}/run: the report and the TPM event log in /run stay in the initramfs"
		return 0
	fi
	gpugate_is_mountpoint "$1/run" && return 0
	mount -o bind "$GPUGATE_RUN" "$1/run" ||
		gpugate_say "mount -o bind $GPUGATE_RUN $1/run failed: the report and the TPM event log in /run stay in the initramfs"
	return 0
}

# gpugate_preflight BINARY POLICY CONF: at image build time, run `gpugate
# check` on the build host (or on GPUGATE_PREFLIGHT_ROOT, an unpacked
# `gpugate snapshot` of the host the image is for). When it fails and the
# image would enforce, [gate] preflight decides: refuse (return 1: no
# image), warn (a loud warning), off (no check). Messages on stderr.
gpugate_preflight() {
	_gg_mode=$(gpugate_conf_get "$3" gate.mode)
	_gg_pf=$(gpugate_conf_get "$3" gate.preflight)
	if [ "$_gg_pf" = off ]; then
		echo "gpugate: pre-flight check off ([gate] preflight = off); the image runs in $_gg_mode mode" >&2
		return 0
	fi
	echo "gpugate: pre-flight: gpugate check on ${GPUGATE_PREFLIGHT_ROOT:-this host}" >&2
	"$1" -q -p "$2" ${GPUGATE_PREFLIGHT_ROOT:+-r "$GPUGATE_PREFLIGHT_ROOT"} check >&2
	_gg_rc=$?
	if [ "$_gg_rc" -eq 0 ]; then
		echo "gpugate: pre-flight: the policy holds; the image runs in $_gg_mode mode" >&2
		return 0
	fi
	if [ "$_gg_mode" != enforce ]; then
		echo "gpugate: WARNING: pre-flight check failed (exit status $_gg_rc); the image runs in $_gg_mode mode and will not stop the boot" >&2
		return 0
	fi
	if [ "$_gg_pf" = warn ]; then
		echo "gpugate: WARNING: pre-flight check failed (exit status $_gg_rc): THIS IMAGE WILL STOP THE BOOT of this host ([gate] mode = enforce, preflight = warn)" >&2
		return 0
	fi
	echo "gpugate: pre-flight check failed (exit status $_gg_rc): this image would stop the boot of this host; not building it ([gate] preflight = refuse). Fix the findings above, or run [gate] mode = audit first, or set preflight = warn to build anyway (docs/operations.md)" >&2
	return 1
}
