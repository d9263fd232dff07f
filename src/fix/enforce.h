/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce.h - change the host so that the policy holds: load the VFIO
 * modules, bind the protected functions to vfio-pci, write ACS and clear
 * ATS. Every change is an action in the report; nothing is "fixed" until
 * it has been read back.
 */
#ifndef GPUGATE_ENFORCE_H
#define GPUGATE_ENFORCE_H

#include "checks.h"

/*
 * Plan and (unless @dry_run) carry out every change the findings of a
 * check run in c->r call for, in the order modules, binding, ACS, ATS.
 * WRITES HARDWARE unless @dry_run. Under --root it never loads a module
 * (it reports the modules it would load). Returns the number of failed
 * actions (0 when all took).
 */
int enforce_apply(struct ctx *c, bool dry_run);

/*
 * Read-modify-write-read-back of the 16-bit config register @pos of @d:
 * set @set, clear @clear, leave every other bit alone. Records an action
 * named @what when the value changes. WRITES HARDWARE unless @dry_run.
 * Returns 0, or -errno when the write failed or did not read back.
 */
int enforce_reg(struct ctx *c, struct pdev *d, int pos, uint16_t set, uint16_t clear,
		const char *what, bool dry_run);

/* Set the sysfs attribute @attr of @d to @value, recorded as an action. */
int enforce_attr(struct ctx *c, struct pdev *d, const char *attr, const char *value,
		 const char *before, bool dry_run);

/* acs.c: write ACS control on every port the ACS checks failed on. */
int acs_fix(struct ctx *c, bool dry_run);

/* ats.c: clear ATS, PRI and PASID enable on every protected function. */
int ats_fix(struct ctx *c, bool dry_run);

/* bind.c: bind every protected function to the policy's driver. */
int bind_fix(struct ctx *c, bool dry_run);

#endif
