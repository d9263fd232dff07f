#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab-only pre-udev hook, see module-setup.sh. Sourced by dracut's init.

_lab_bl=$(/usr/sbin/gpugate -p /etc/gpugate/policy.conf baseline 2>/tmp/lab-baseline.err)
_lab_rc=$?
{
	echo "LAB-BASELINE-BEGIN rc=$_lab_rc"
	printf '%s\n' "$_lab_bl" | while IFS= read -r _lab_l; do
		echo "LAB-BASELINE $_lab_l"
	done
	while IFS= read -r _lab_l; do
		echo "LAB-BASELINE-ERR $_lab_l"
	done </tmp/lab-baseline.err
	echo "LAB-BASELINE-END rc=$_lab_rc lines=$(printf '%s\n' "$_lab_bl" | wc -l)"
} >/dev/console
poweroff -f
