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

# dracut ignores what install() returns: a gate that cannot be built ends
# dracut itself (its EXIT trap removes the temporary tree; no image is
# written).
gpugate_fatal() {
	dfatal "gpugate: $*"
	exit 1
}

# called by dracut (which sets moddir and initdir)
# shellcheck disable=SC2154
install() {
	local _conf _baseline _hookconf

	inst_simple "$GPUGATE_BINARY" /usr/sbin/gpugate ||
		gpugate_fatal "cannot install $GPUGATE_BINARY"
	[[ -f $GPUGATE_POLICY ]] ||
		gpugate_fatal "$GPUGATE_POLICY is missing; the initramfs would run on built-in defaults"
	inst_simple "$GPUGATE_POLICY" /etc/gpugate/policy.conf ||
		gpugate_fatal "cannot install $GPUGATE_POLICY"
	# shellcheck source=hook/gpugate-lib.sh
	. "$moddir/gpugate-lib.sh" || gpugate_fatal "cannot read $moddir/gpugate-lib.sh"
	# The policy values the boot scripts need, read by gpugate itself, so
	# that its parser is the only one.
	_hookconf="${initdir}/etc/gpugate/hook.conf"
	mkdir -p "${initdir}/etc/gpugate"
	gpugate_write_conf "$GPUGATE_BINARY" "$GPUGATE_POLICY" "$_hookconf" ||
		gpugate_fatal "cannot read the policy $GPUGATE_POLICY"
	gpugate_preflight "$GPUGATE_BINARY" "$GPUGATE_POLICY" "$_hookconf" ||
		gpugate_fatal "pre-flight check failed: not building an image that would stop this host"
	_baseline=$(gpugate_conf_get "$_hookconf" baseline.file)
	if [[ -n $_baseline ]]; then
		inst_simple "$_baseline" "$_baseline" || gpugate_fatal "cannot install the baseline $_baseline"
	fi
	# dracut copies /etc/modprobe.d only in hostonly mode, hence a file of
	# our own, from the policy through gpugate.
	_conf="${initdir}/etc/modprobe.d/gpugate.conf"
	mkdir -p "${initdir}/etc/modprobe.d"
	"$GPUGATE_BINARY" -p "$GPUGATE_POLICY" modprobe >"$_conf" ||
		gpugate_fatal "cannot generate the modprobe.d blacklist from $GPUGATE_POLICY"
	inst_simple "$moddir/gpugate-lib.sh" /lib/gpugate-lib.sh ||
		gpugate_fatal "cannot install gpugate-lib.sh"
	inst_multiple sleep || gpugate_fatal "cannot install sleep"
	# the hooks stop the machine with these when the binary cannot
	inst_multiple -o poweroff halt reboot
	inst_hook pre-udev 00 "$moddir/gpugate-pre-udev.sh"
	inst_hook pre-pivot 99 "$moddir/gpugate-pre-pivot.sh"
}
