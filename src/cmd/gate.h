/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gate.h - the runs that can change the host (enforce) and the boot gate
 * that the initramfs hooks call.
 */
#ifndef GPUGATE_GATE_H
#define GPUGATE_GATE_H

#include <stdbool.h>
#include <stdio.h>

#include "gpugate.h"
#include "print.h"
#include "report.h"

struct run_opts {
	const struct policy *policy;
	bool dry_run;	/* plan, write nothing */
	bool verify;	/* gate --verify: check only */
	enum format format;
	bool quiet;
	bool verbose;	/* -v: say on stderr what was scanned and protected */
	const char *report; /* -o FILE, or NULL */
};

/*
 * `gpugate check`: scan, check, print. Reads only. Returns the verdict, or
 * VERDICT_ERROR with a message on stderr when nothing could be scanned.
 */
enum verdict run_check(const struct run_opts *o);

/*
 * `gpugate enforce`: check, carry out every change, scan again and check
 * again; the verdict is that of the second check, worse if an action failed.
 * WRITES HARDWARE unless o->dry_run.
 */
enum verdict run_enforce(const struct run_opts *o);

/*
 * `gpugate gate`: enforce (or check with --verify), write the report to the
 * policy's path, and on failure print a banner per failed check to the
 * console and kmsg and carry out [gate] on_failure itself (sync, then
 * reboot(2)), unless --root or --dry-run, where it prints what it would do.
 * Returns the verdict; sets *@boot_goes_on when it is not pass and the boot
 * continues all the same (audit mode, rd.gpugate=audit or off). main.c
 * turns both into the exit status.
 */
enum verdict run_gate(const struct run_opts *o, bool *boot_goes_on);

#endif
