#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-pivot hook: verify, just before switch_root, that nothing
# drifted while the initramfs ran (a driver bound by udev, ATS enabled by an
# IOMMU domain attach). Changes nothing. Sourced by dracut's init.
. /lib/gpugate-lib.sh
gpugate_run gate --verify
