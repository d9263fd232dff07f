#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-pivot hook: verify, just before switch_root, that nothing
# drifted while the initramfs ran (a driver bound by udev, ATS enabled by an
# IOMMU domain attach). Changes nothing in the machine. Then, when the
# boot goes on, makes /run (the report, the TPM event log) reach the root
# whatever switch_root runs next (gpugate_carry_run). Sourced by dracut's
# init, which sets NEWROOT.
. /lib/gpugate-lib.sh
gpugate_run gate --verify
# shellcheck disable=SC2154 # NEWROOT is dracut's
gpugate_carry_run "$NEWROOT"
