#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lab-only cmdline hook, see module-setup.sh. Sourced by dracut's init
# (getarg is dracut's).

_lab_line="LAB-TPM-PRE uptime=$(read -r _lab_up _lab_x </proc/uptime && echo "$_lab_up")"
if [ -d /sys/class/tpm/tpm0 ]; then
	_lab_line="$_lab_line tpm0=yes"
else
	_lab_line="$_lab_line tpm0=no"
fi
_lab_n=$(getarg lab.pcr=)
if [ -n "$_lab_n" ]; then
	_lab_v=unreadable
	read -r _lab_v 2>/dev/null <"/sys/class/tpm/tpm0/pcr-sha256/$_lab_n"
	_lab_line="$_lab_line pcr$_lab_n=$_lab_v"
fi
echo "$_lab_line" >/dev/console
if [ "$(getarg lab.tpm=)" = stall ]; then
	read -r _lab_up _lab_x </proc/uptime
	echo "LAB-TPM-STALL-NOW uptime=$_lab_up" >/dev/console
	sleep 3
	read -r _lab_up _lab_x </proc/uptime
	echo "LAB-TPM-STALL-GO uptime=$_lab_up" >/dev/console
fi
