#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-udev hook: enforce the gpugate policy before udevd starts, so
# before any host GPU driver can be loaded for a protected GPU. Binds the
# GPUs to vfio-pci, writes ACS and ATS, checks, and stops the boot when the
# policy does not hold. Sourced by dracut's init (or, with systemd in the
# initramfs, by dracut-pre-udev.service, Before=systemd-udevd.service):
# no exit here.
. /lib/gpugate-lib.sh
gpugate_before_udev
gpugate_run gate
