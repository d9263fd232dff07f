/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guardev.h - what a runtime-guard event was and what came of it: the two
 * labels of the guard's metrics (gpugate guard, docs/man/gpugate.8).
 */
#ifndef GPUGATE_GUARDEV_H
#define GPUGATE_GUARDEV_H

enum guard_kind {
	GUARD_ADD,	/* udev add: a PCI function appeared */
	GUARD_BIND,	/* udev bind: a driver bound a function */
	GUARD_CHANGE,	/* udev change with ERROR_EVENT= (AER/DPC recovery) */
	GUARD_ONCE,	/* gpugate guard once */
	GUARD_START,	/* the daemon's first run */
	GUARD_POLL,	/* the daemon saw a register or driver link change */
	GUARD_VFIO,	/* the daemon saw /dev/vfio opened or closed */
	GUARD_NKINDS
};

enum guard_outcome {
	GUARD_OK,	/* the policy held; nothing was changed */
	GUARD_FIXED,	/* it did not hold, and holds after the guard's writes */
	GUARD_FINDING,	/* it does not hold (reported, not or not fully fixed) */
	GUARD_ERROR,	/* the state could not be determined */
	GUARD_NOUTCOMES
};

/* "add", "bind", "change", "once", "start", "poll", "vfio" */
const char *guard_kind_name(enum guard_kind k);

/* "ok", "fixed", "finding", "error" */
const char *guard_outcome_name(enum guard_outcome o);

#endif
