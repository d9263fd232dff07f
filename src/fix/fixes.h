/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixes.h - the rows of enforce.c's fix table: what each fix repairs, the
 * policy switch that turns it on, and the function that acts. One file per
 * subject: modules.c, bind.c, acs.c, ats.c. Fixes read the findings of the
 * first check run and change the host only through write.h.
 */
#ifndef GPUGATE_FIXES_H
#define GPUGATE_FIXES_H

#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "enforce.h"
#include "write.h"

/* fix.on of a fix that no policy switch turns off. */
#define FIX_ALWAYS SIZE_MAX

struct fix {
	const char *ids[4]; /* the checks whose failures it repairs, NULL-terminated */
	size_t on;	    /* offsetof the bool in struct policy that enables it, or FIX_ALWAYS */
	unsigned int scope; /* ENFORCE_BIND or ENFORCE_ACS_ATS (enforce.h) */
	/* Act; returns the number of failed actions. WRITES HARDWARE unless w->dry_run. */
	int (*run)(struct ctx *c, const struct fix *row, const struct write_ctx *w);
};

/* Does @row repair failures of check @id? */
bool fix_repairs(const struct fix *row, const char *id);

/*
 * modules.c: load vfio, vfio_iommu_type1 and the policy's driver, vetoed by
 * a forbidden module option. Only planned unless the machine may be acted on.
 */
int fix_modules(struct ctx *c, const struct fix *row, const struct write_ctx *w);

/* bind.c: bind every protected function to the policy's driver. */
int fix_bind(struct ctx *c, const struct fix *row, const struct write_ctx *w);

/* acs.c: write ACS control (and ACS Enhanced) on every port a failed finding of @row names. */
int fix_acs(struct ctx *c, const struct fix *row, const struct write_ctx *w);

/* ats.c: clear ATS, PRI and PASID Enable on every protected function. */
int fix_ats(struct ctx *c, const struct fix *row, const struct write_ctx *w);

#endif
