#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab-only pre-pivot hook, see module-setup.sh. Sourced by dracut's init;
# also the lab's initramfs-tools init-bottom script (qemu/itools.sh), where
# dracut's getargs does not exist.

labdrift_ats() {
	_cfg=/sys/bus/pci/devices/$1/config
	_hdr=$(dd if="$_cfg" bs=1 skip=256 count=4 2>/dev/null | od -An -tx4 | tr -d ' ')
	if [ "$((0x$_hdr & 0xffff))" -ne 15 ]; then
		echo "LAB-DRIFT ats $1: no ATS capability at 0x100 (header $_hdr)" >/dev/console
		return
	fi
	printf '\000\200' | dd of="$_cfg" bs=1 seek=262 count=2 conv=notrunc 2>/dev/null
	_ctl=$(dd if="$_cfg" bs=1 skip=262 count=2 2>/dev/null | od -An -tx2 | tr -d ' ')
	echo "LAB-DRIFT ats $1: ATS control set to 0x$_ctl" >/dev/console
}

labdrift_unbind() {
	echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind" 2>/dev/null
	echo "LAB-DRIFT unbind $1: driver now $(basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null)" >/dev/console
}

labdrift_args() {
	if command -v getargs >/dev/null 2>&1; then
		getargs lab.drift=
		return
	fi
	for _lab_w in $(cat /proc/cmdline); do
		case "$_lab_w" in lab.drift=*) echo "${_lab_w#lab.drift=}" ;; esac
	done
}

for _lab_arg in $(labdrift_args); do
	case "$_lab_arg" in
	ats:*) labdrift_ats "${_lab_arg#ats:}" ;;
	unbind:*) labdrift_unbind "${_lab_arg#unbind:}" ;;
	esac
done
