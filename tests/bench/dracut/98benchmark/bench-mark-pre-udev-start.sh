#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
echo "<6>BENCH-MARK pre-udev-start" >/dev/kmsg
