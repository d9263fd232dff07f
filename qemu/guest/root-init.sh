#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /sbin/init of the lab's root disk (busybox sh, PID 1 after switch_root).
# Reaching it means the initramfs let the boot continue. It then checks,
# from the guest itself and without trusting gpugate's report, that the
# functions named by lab.verify=BDF,BDF... on the kernel command line are
# isolated as the policy demands, prints one LAB-VERIFY line per check,
# and powers the machine off.
#
#   LAB-VERIFY driver  BDF OK|FAIL   driver link is vfio-pci
#   LAB-VERIFY hostdrv BDF OK|FAIL   no host driver took it (no drm/virtio child)
#   LAB-VERIFY ats     BDF OK|FAIL   ATS Enable (ext cap 0x000f, ctl bit 15) is 0,
#                                    or the function is conventional PCI
#   LAB-VERIFY acs     BDF OK|FAIL   the upstream port's ACS control is 0x001f
#   LAB-VERIFY vfio    BDF OK|FAIL   /dev/vfio/<its IOMMU group> exists
# lab.ats=BDF,... names functions that must have an ATS capability (so
# that "no capability" cannot pass for "disabled").
# lab.pcr=N (TPM scenarios): also what the TPM and the event log hold,
#   LAB-PCR N <hex>                  /sys/class/tpm/tpm0/pcr-sha256/N
#   LAB-MEASLOG-BEGIN bytes=N, LAB-MEASLOG <base64>..., LAB-MEASLOG-END
#                                    /run/log/systemd/tpm2-measure.log
# With LAB_INIT_LIB=yes in the environment the file only defines its
# functions (qemu/guest/guard-init.sh sources it for the same checks).

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

mounted() { grep -q " $1 " /proc/mounts 2>/dev/null; }

setup() {
	[ -e /proc/self ] || mount -t proc proc /proc
	mounted /sys || mount -t sysfs sysfs /sys
	mounted /dev || mount -t devtmpfs devtmpfs /dev
	mounted /run || mount -t tmpfs tmpfs /run
}

say() { echo "$*" >/dev/console; }

# cmdline_value NAME: value of NAME= on the kernel command line, commas to spaces
cmdline_value() {
	read -r _line </proc/cmdline
	for _w in $_line; do
		case "$_w" in
		"$1"=*) echo "${_w#*=}" | tr ',' ' ' ;;
		esac
	done
}

# cfg16 BDF OFFSET / cfg32 BDF OFFSET: config space read, as a decimal number
cfg16() {
	_h=$(dd if="/sys/bus/pci/devices/$1/config" bs=1 skip="$2" count=2 2>/dev/null | od -An -tx2 | tr -d ' ')
	[ -n "$_h" ] && echo $((0x$_h))
}
cfg32() {
	_h=$(dd if="/sys/bus/pci/devices/$1/config" bs=1 skip="$2" count=4 2>/dev/null | od -An -tx4 | tr -d ' ')
	[ -n "$_h" ] && echo $((0x$_h))
}

cfg8() {
	_h=$(dd if="/sys/bus/pci/devices/$1/config" bs=1 skip="$2" count=1 2>/dev/null | od -An -tx1 | tr -d ' ')
	[ -n "$_h" ] && echo $((0x$_h))
}

# is_pcie BDF: has a PCI Express capability (0x10) in the standard list,
# hence 4096 bytes of config space. Bounded walk.
is_pcie() {
	[ $(($(cfg16 "$1" 6) & 0x10)) -ne 0 ] || return 1
	_p=$(($(cfg8 "$1" 52) & 0xfc))
	_n=0
	while [ "$_p" -ge 64 ] && [ "$_n" -lt 48 ]; do
		[ "$(cfg8 "$1" "$_p")" -eq 16 ] && return 0
		_p=$(($(cfg8 "$1" $((_p + 1))) & 0xfc))
		_n=$((_n + 1))
	done
	return 1
}

# ecap BDF ID: offset of extended capability ID, or nothing. Bounded walk.
ecap() {
	_off=256
	_n=0
	while [ "$_off" -ge 256 ] && [ "$_n" -lt 96 ]; do
		_hdr=$(cfg32 "$1" "$_off") || return 1
		[ -n "$_hdr" ] && [ "$_hdr" -ne 0 ] && [ "$_hdr" -ne 4294967295 ] || return 1
		if [ $((_hdr & 0xffff)) -eq "$2" ]; then
			echo "$_off"
			return 0
		fi
		_off=$(((_hdr >> 20) & 0xffc))
		_n=$((_n + 1))
	done
	return 1
}

verdict() { # verdict CHECK BDF OK|FAIL DETAIL
	say "LAB-VERIFY $1 $2 $3 $4"
	[ "$3" = OK ] || FAILS=$((FAILS + 1))
}

verify_driver() {
	_drv=$(basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null)
	if [ "$_drv" = vfio-pci ]; then
		verdict driver "$1" OK "driver=vfio-pci"
	else
		verdict driver "$1" FAIL "driver=${_drv:-none}"
	fi
}

verify_hostdrv() {
	_d=/sys/bus/pci/devices/$1
	_drv=$(basename "$(readlink "$_d/driver" 2>/dev/null)" 2>/dev/null)
	_kids=""
	for _k in "$_d"/drm "$_d"/virtio*; do
		[ -e "$_k" ] && _kids="$_kids${_k##*/} "
	done
	case "$_drv" in
	virtio-pci | bochs-drm | virtio_gpu | bochs) verdict hostdrv "$1" FAIL "host driver $_drv bound" ;;
	*)
		if [ -n "$_kids" ]; then
			verdict hostdrv "$1" FAIL "host driver children: $_kids"
		else
			verdict hostdrv "$1" OK "no host driver (driver=${_drv:-none}, no drm/virtio child)"
		fi
		;;
	esac
}

verify_ats() {
	_size=$(wc -c <"/sys/bus/pci/devices/$1/config")
	if ! is_pcie "$1"; then
		verdict ats "$1" OK "conventional PCI function (no PCIe capability, $_size bytes of config space): no ATS possible"
		return
	fi
	if [ "$_size" -lt 4096 ]; then
		verdict ats "$1" FAIL "config space is $_size bytes: extended capabilities unreadable"
		return
	fi
	_need=no
	for _a in $ATS_REQUIRED; do [ "$_a" = "$1" ] && _need=yes; done
	if ! _cap=$(ecap "$1" 15); then
		if [ $_need = yes ]; then
			verdict ats "$1" FAIL "no ATS capability, but lab.ats says it has one"
		else
			verdict ats "$1" OK "no ATS capability"
		fi
		return
	fi
	_ctl=$(cfg16 "$1" $((_cap + 6)))
	if [ $((_ctl & 0x8000)) -eq 0 ]; then
		verdict ats "$1" OK "$(printf 'cap@0x%03x ctl=0x%04x Enable-' "$_cap" "$_ctl")"
	else
		verdict ats "$1" FAIL "$(printf 'cap@0x%03x ctl=0x%04x Enable+' "$_cap" "$_ctl")"
	fi
}

verify_acs() {
	_port=$(basename "$(dirname "$(readlink -f "/sys/bus/pci/devices/$1")")")
	if [ ! -e "/sys/bus/pci/devices/$_port/config" ]; then
		verdict acs "$1" FAIL "no upstream PCI port ($_port)"
		return
	fi
	if ! _cap=$(ecap "$_port" 13); then
		verdict acs "$1" FAIL "port $_port has no ACS capability"
		return
	fi
	_ctl=$(cfg16 "$_port" $((_cap + 6)))
	if [ "$_ctl" -eq 31 ]; then
		verdict acs "$1" OK "$(printf 'port %s cap@0x%03x ctl=0x%04x' "$_port" "$_cap" "$_ctl")"
	else
		verdict acs "$1" FAIL "$(printf 'port %s cap@0x%03x ctl=0x%04x, want 0x001f' "$_port" "$_cap" "$_ctl")"
	fi
}

verify_vfio() {
	_g=$(basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group" 2>/dev/null)" 2>/dev/null)
	if [ -z "$_g" ]; then
		verdict vfio "$1" FAIL "no IOMMU group"
	elif [ -c "/dev/vfio/$_g" ]; then
		verdict vfio "$1" OK "group $_g, /dev/vfio/$_g present"
	else
		verdict vfio "$1" FAIL "group $_g, /dev/vfio/$_g missing"
	fi
}

verify_device() {
	if [ ! -e "/sys/bus/pci/devices/$1" ]; then
		verdict present "$1" FAIL "no such PCI function"
		return
	fi
	verify_driver "$1"
	verify_hostdrv "$1"
	verify_ats "$1"
	verify_acs "$1"
	verify_vfio "$1"
}

# The LAB-VERIFY checks of every function in lab.verify=; FAILS counts
# the failed ones.
verify_all() {
	FAILS=0
	ATS_REQUIRED=$(cmdline_value lab.ats)
	for _bdf in $(cmdline_value lab.verify); do
		verify_device "$_bdf"
	done
}

# What gpugate recorded; it survives switch_root in /run/gpugate/.
show_report() {
	_r=/run/gpugate/report.json
	if [ ! -f "$_r" ]; then
		say "LAB-REPORT missing $_r"
		return
	fi
	_res=$(tr -d '\n' <"$_r" | sed -n 's/^[^{]*{[^{]*"result": *"\([a-z]*\)".*/\1/p')
	_failed=$(tr -d '\n' <"$_r" | sed 's/}/}\n/g' | grep '"status": *"fail"' |
		sed -n 's/.*"id": *"\([a-z._]*\)".*/\1/p' | sort -u | tr '\n' ' ')
	_ovr=$(head -n 1 "$_r" | sed -n 's/.*"override": *"\([a-z]*\)".*/\1/p')
	_enf=$(head -n 1 "$_r" | sed -n 's/.*"enforcing": *\([a-z]*\).*/\1/p')
	say "LAB-REPORT result=${_res:-unknown} failed=[${_failed% }] override=${_ovr:-unknown} enforcing=${_enf:-unknown}"
	_lock=$(tr -d '\n' <"$_r" | sed -n 's/.*"lockdown": *"\([a-z]*\)".*/\1/p')
	say "LAB-REPORT lockdown=${_lock:-absent}"
}

# What `gpugate cmdline` prints for this machine, one LAB-CMDLINE line each
# (the pci=config_acs= round trip boots with exactly that fragment).
show_cmdline() {
	[ -x /usr/sbin/gpugate ] || return 0
	/usr/sbin/gpugate -p /etc/gpugate/policy.conf cmdline 2>&1 | while read -r _l; do
		say "LAB-CMDLINE $_l"
	done
}

# The measured gate's traces on the booted root: PCR N and the event log
# (base64, one LAB-MEASLOG line per 76 characters, so that kernel lines in
# between cannot be mistaken for it), for the host to compare with
# `gpugate pcr` and to replay.
show_tpm() {
	_n=$(cmdline_value lab.pcr)
	[ -n "$_n" ] || return 0
	_t=/sys/class/tpm/tpm0
	if [ ! -d "$_t" ]; then
		say "LAB-PCR $_n none: no $_t"
	elif read -r _v <"$_t/pcr-sha256/$_n"; then
		say "LAB-PCR $_n $_v"
	else
		say "LAB-PCR $_n unreadable"
	fi
	_l=/run/log/systemd/tpm2-measure.log
	if [ ! -f "$_l" ]; then
		say "LAB-MEASLOG missing $_l"
		return
	fi
	say "LAB-MEASLOG-BEGIN bytes=$(wc -c <"$_l")"
	base64 "$_l" | while read -r _b; do
		say "LAB-MEASLOG $_b"
	done
	say "LAB-MEASLOG-END"
}

main() {
	setup
	say "LAB-ROOT-INIT reached real root, uptime=$(cut -d' ' -f1 /proc/uptime)"
	if grep -qw lab.debug /proc/cmdline; then
		say "LAB-DEBUG mounts: $(tr '\n' ';' </proc/mounts)"
		say "LAB-DEBUG /run: $(echo /run/*)"
	fi
	verify_all
	show_report
	show_tpm
	show_cmdline
	_mods=""
	for _m in vfio vfio_iommu_type1 vfio_pci virtio_pci virtio_gpu bochs; do
		[ -d "/sys/module/$_m" ] && _mods="$_mods $_m"
	done
	say "LAB-INFO modules loaded:$_mods"
	# lab.param=MOD.PARAM,...: the value the kernel holds for each
	for _p in $(cmdline_value lab.param); do
		_v=$(cat "/sys/module/${_p%%.*}/parameters/${_p#*.}" 2>/dev/null) || _v=absent
		say "LAB-INFO param $_p=$_v"
	done
	say "LAB-VERIFY-DONE failures=$FAILS"
	sync
	poweroff -f
	while :; do sleep 60; done
}

[ "${LAB_INIT_LIB:-}" = yes ] || main
