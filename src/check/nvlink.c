// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvlink.c - nvlink.nvswitch: NVLink peer-to-peer between GPUs goes through
 * NVSwitch functions and never through the IOMMU.
 */
#include <stdio.h>

#include "checks.h"

void check_nvlink_nvswitch(struct ctx *c)
{
	const char *id = "nvlink.nvswitch";
	int found = 0;

	for (int i = 0; i < c->m->ndevs; i++) {
		struct pdev *d = &c->m->devs[i];
		struct finding *f;

		if (d->ident_err || d->vendor != 0x10de || d->class != 0x0680)
			continue;
		found++;
		f = check_add(c, id, d, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "no NVSwitch function");
		snprintf(f->actual, sizeof(f->actual), "10de:%04x class 0680", d->device);
		finding_msg(f, "NVSwitch present: NVLink peer-to-peer between GPUs bypasses the IOMMU; fix: pass the whole HGX board to one tenant with a fabric manager policy, or set [nvlink] forbid_nvswitch = no knowingly");
	}
	if (!found)
		finding_msg(check_add(c, id, NULL, NULL, ST_PASS), "no NVSwitch function (10de, class 0680)");
}
