#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lab-only dracut module (qemu/images.sh): make the busybox-based lab
# initramfs behave like a Debian host's dracut image in the two respects
# the gate's report depends on.
#
# With dracut's busybox module, /bin/sh is busybox ash, and ash runs its
# own switch_root applet for dracut's `exec switch_root` whatever file is
# on disk. BusyBox switch_root does not move /run, /proc, /sys and /dev to
# the new root, so /run/gpugate/report.json never reaches the real root.
# Here /bin/sh is dash and switch_root is util-linux's, which moves them
# (dracut's init relies on that), as on a host without busybox.
# The busybox applets (poweroff -f, halt -f, ...) stay.

check() {
	require_binaries dash switch_root || return 1
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # initdir is set by dracut
install() {
	local _dash _sr
	_dash=$(find_binary dash) || return 1
	_sr=$(find_binary switch_root) || return 1
	rm -f "${initdir}/usr/bin/sh" "${initdir}/usr/sbin/switch_root"
	inst "$_dash" /usr/bin/dash || return 1
	ln -s dash "${initdir}/usr/bin/sh"
	inst "$_sr" /usr/sbin/switch_root
}
