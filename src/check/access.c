// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * access.c - access.config: every ID, config space, place in the device
 * tree, group link and driver link the model needed was read; and what a
 * run could not do outside the checks (check_access_failed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

#define ACCESS_ID "access.config"

/* Report one access problem of @d; returns 1 if there was one. */
static int access_one(struct ctx *c, struct pdev *d)
{
	char why[240];

	if (d->ident_err)
		snprintf(why, sizeof(why), "cannot read IDs or class: %s", d->ident_why);
	else if (d->cfg_loaded && d->cfg_err)
		snprintf(why, sizeof(why), "%s", d->cfg_why);
	else if (d->path_err)
		snprintf(why, sizeof(why), "cannot resolve its place in the device tree: %s",
			 d->path_why[0] ? d->path_why : strerror(-d->path_err));
	else if (d->group_err)
		snprintf(why, sizeof(why), "cannot read iommu_group link: %s",
			 strerror(-d->group_err));
	else if (d->driver_err)
		snprintf(why, sizeof(why), "cannot read driver link: %s", strerror(-d->driver_err));
	else if (d->override_err)
		snprintf(why, sizeof(why), "cannot read driver_override: %s",
			 strerror(-d->override_err));
	else
		return 0;
	finding_unknown(check_add(c, ACCESS_ID, d, NULL, ST_FAIL), why);
	return 1;
}

void check_access_config(struct ctx *c)
{
	int bad = 0, read = 0;

	for (int i = 0; i < c->m->ndevs; i++) {
		bad += access_one(c, &c->m->devs[i]);
		read += c->m->devs[i].cfg_loaded;
	}
	if (!bad)
		finding_msg(check_add(c, ACCESS_ID, NULL, NULL, ST_PASS),
			    "%d config spaces read and parsed, %d functions scanned", read,
			    c->m->ndevs);
}

void check_access_failed(struct ctx *c, const char *why)
{
	finding_unknown(check_add(c, ACCESS_ID, NULL, NULL, ST_FAIL), why);
}
