#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
_bt=/sys/kernel/tracing
if [ -d $_bt/events/syscalls ]; then
	echo 0 >$_bt/tracing_on
	echo 0 >$_bt/events/enable
	echo "BENCH-TRACE-BEGIN" >/dev/console
	cat $_bt/trace >/dev/console
	echo "BENCH-TRACE-END" >/dev/console
fi
