/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce.h - change the host so that the policy holds: load the VFIO
 * modules, bind the protected functions to vfio-pci, write ACS and clear
 * ATS. Every change is an action in the report; nothing is "fixed" until
 * it has been read back.
 */
#ifndef GPUGATE_ENFORCE_H
#define GPUGATE_ENFORCE_H

#include <stddef.h>

#include "checks.h"

/* Which rows of the fix table a run may carry out: an OR of these, 0 all. */
enum enforce_scope {
	ENFORCE_BIND = 1,    /* load the VFIO modules, bind the protected functions */
	ENFORCE_ACS_ATS = 2, /* write ACS on the paths, clear ATS/PRI/PASID */
};

/*
 * Plan and (unless @dry_run) carry out every change the findings of a
 * check run in c->r call for: the fix table in order, modules, binding,
 * ACS, ATS, each row only when its policy switch is on and it is in
 * @scope (0: every row; the runtime guard fixes ACS/ATS alone). WRITES
 * HARDWARE unless @dry_run. Under --root it never loads a module (it
 * reports the modules it would load). Returns the number of failed actions
 * (0 when all took).
 */
int enforce_apply(struct ctx *c, bool dry_run, unsigned int scope);

/*
 * The @i-th check id the fix table names (row by row, in order), or NULL
 * past the last: tests/lib/check-ids.c holds them to the check table.
 */
const char *enforce_fix_id(size_t i);

#endif
