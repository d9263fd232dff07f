#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
_bt=/sys/kernel/tracing
[ -d $_bt/events ] || mount -t tracefs nodev $_bt 2>/dev/null
if [ -d $_bt/events/syscalls ]; then
	echo 8192 >$_bt/buffer_size_kb
	echo 'comm == "gpugate"' >$_bt/events/syscalls/filter
	echo 1 >$_bt/events/syscalls/enable
	echo 1 >$_bt/events/module/module_load/enable
	echo 1 >$_bt/events/sched/sched_process_exec/enable
	echo 1 >$_bt/events/sched/sched_process_exit/enable
	echo 1 >$_bt/tracing_on
else
	echo "BENCH-TRACE unavailable: no tracefs syscall events" >/dev/console
fi
