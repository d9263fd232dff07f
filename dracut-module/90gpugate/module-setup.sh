#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module 90gpugate: put gpugate, its policy, the VFIO modules, a
# modprobe.d file that keeps the host GPU drivers off, and the two hooks
# into the initramfs. Included only when asked for (dracut.conf.d/90-gpugate.conf
# or --add gpugate); works for hostonly and generic images alike.

# Where the build host keeps them; a lab or a package build may point
# these elsewhere.
GPUGATE_BINARY=${GPUGATE_BINARY:-/usr/sbin/gpugate}
GPUGATE_POLICY=${GPUGATE_POLICY:-/etc/gpugate/policy.conf}

# called by dracut
check() {
	[[ -x $GPUGATE_BINARY ]] || return 1
	return 255
}

# called by dracut
depends() {
	return 0
}

# called by dracut: the VFIO modules, also in hostonly mode where nothing
# on the build host may have loaded them.
installkernel() {
	hostonly='' instmods vfio vfio_iommu_type1 vfio_pci
}

# called by dracut
install() {
	local _conf _baseline

	inst_simple "$GPUGATE_BINARY" /usr/sbin/gpugate || return 1
	if [[ -f $GPUGATE_POLICY ]]; then
		inst_simple "$GPUGATE_POLICY" /etc/gpugate/policy.conf || return 1
	else
		derror "gpugate: $GPUGATE_POLICY is missing; the initramfs would run on built-in defaults"
		return 1
	fi
	# shellcheck source=hook/gpugate-lib.sh
	. "$moddir/gpugate-lib.sh" || return 1
	_baseline=$(gpugate_policy_value file)
	if [[ -n $_baseline ]]; then
		inst_simple "$_baseline" "$_baseline" || return 1
	fi
	# The blacklist comes from the policy through gpugate itself, so that
	# the policy parser is the only one. dracut copies /etc/modprobe.d only
	# in hostonly mode, hence a file of our own.
	_conf="${initdir}/etc/modprobe.d/gpugate.conf"
	mkdir -p "${initdir}/etc/modprobe.d"
	if ! "$GPUGATE_BINARY" -p "$GPUGATE_POLICY" modprobe >"$_conf"; then
		derror "gpugate: cannot generate the modprobe.d blacklist from $GPUGATE_POLICY"
		return 1
	fi
	inst_simple "$moddir/gpugate-lib.sh" /lib/gpugate-lib.sh || return 1
	inst_multiple sleep || return 1
	# the hooks stop the machine with these when the binary cannot
	inst_multiple -o poweroff halt reboot
	inst_hook pre-udev 00 "$moddir/gpugate-pre-udev.sh"
	inst_hook pre-pivot 99 "$moddir/gpugate-pre-pivot.sh"
}
