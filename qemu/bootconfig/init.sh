#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the bootconfig lab's initramfs (qemu/bootconfig-kernel.sh): a
# static busybox and gpugate. Prints what the kernel applied, each line
# prefixed so that kernel messages in between cannot be mistaken for it,
# binds the display functions to vfio-pci as the gate would, runs
# `gpugate check`, prints `gpugate snapshot` (gzip, base64) and powers off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
# the initramfs has no /dev/console node: the kernel could not open it
exec </dev/console >/dev/console 2>&1

fact() { echo "LAB-FACT $*"; }

fact "osrelease $(cat /proc/sys/kernel/osrelease)"
fact "cmdline $(cat /proc/cmdline)"
if [ -e /proc/bootconfig ]; then
	while IFS= read -r l; do fact "bootconfig $l"; done </proc/bootconfig
else
	fact "bootconfig-absent"
fi
fact "param vfio_iommu_type1.allow_unsafe_interrupts $(cat /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts)"

# The display functions (class 03xxxx) to vfio-pci, as gpugate's gate does.
for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/class") in 0x03*) ;; *) continue ;; esac
	echo vfio-pci >"$d/driver_override"
	[ -e "$d/driver" ] && echo "${d##*/}" >"$d/driver/unbind"
	echo "${d##*/}" >/sys/bus/pci/drivers_probe
done

# ATS Control of every function that has ATS: the ext. capability list
# from 0x100 (header: ID bits 15:0, next bits 31:20), Control at cap + 6.
rd() { od -An -t"$1" -j "$2" -N "$3" "$4" | tr -d ' '; }
for d in /sys/bus/pci/devices/*; do
	cfg=$d/config
	[ "$(stat -c %s "$cfg")" -gt 256 ] || continue
	off=256 n=0
	while [ "$off" -ge 256 ] && [ $n -lt 64 ]; do
		h=$(rd x4 "$off" 4 "$cfg")
		[ -n "$h" ] || break
		if [ $((0x$h & 0xffff)) -eq 15 ]; then
			c=$(rd x2 $((off + 6)) 2 "$cfg")
			fact "ats ${d##*/} cap=$(printf %#x "$off") ctl=0x$c enable=$(((0x$c >> 15) & 1))"
		fi
		off=$(((0x$h >> 20) & 0xffc)) n=$((n + 1))
	done
done
for g in /sys/kernel/iommu_groups/*; do
	fact "group ${g##*/} type=$(cat "$g/type") devices=$(cd "$g/devices" && echo *)"
done
for d in /sys/bus/pci/devices/*; do
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	fact "driver ${d##*/} $drv"
done
dmesg | while IFS= read -r l; do echo "LAB-DMESG $l"; done

/usr/sbin/gpugate -p /etc/gpugate/policy.conf -f json check >/tmp/check.json 2>/tmp/check.err
rc=$?
while IFS= read -r l; do echo "LAB-CHECK $l"; done </tmp/check.json
while IFS= read -r l; do echo "LAB-CHECK-ERR $l"; done </tmp/check.err
echo "LAB-CHECK-END rc=$rc"

/usr/sbin/gpugate -p /etc/gpugate/policy.conf snapshot /tmp/snap.tar 2>/tmp/snap.err
rc=$?
echo "LAB-SNAPSHOT-BEGIN rc=$rc"
if [ $rc -eq 0 ]; then
	gzip -9 -n -c /tmp/snap.tar | base64 | while IFS= read -r l; do echo "LAB-SNAPSHOT $l"; done
fi
while IFS= read -r l; do echo "LAB-SNAPSHOT-ERR $l"; done </tmp/snap.err
echo "LAB-SNAPSHOT-END rc=$rc sha256=$(sha256sum </tmp/snap.tar | cut -d' ' -f1)"
poweroff -f
