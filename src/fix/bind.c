// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - the binding fix: every protected function gets driver_override
 * set to the policy's driver (read back), is unbound from its current driver
 * and probed again through drivers_probe, and its driver link is read back. A function
 * whose driver link or driver_override could not be read is left alone
 * (access.config already failed).
 */
#include <string.h>

#include "fixes.h"

/* Unbind the current driver and probe again, with driver_override set. */
static int bind_one(const struct write_ctx *w, struct pdev *d, const char *want)
{
	int rc = 0;

	if (d->driver_err || d->override_err)
		return 0; /* binding unknown: access.config failed, act on nothing */
	if (strcmp(d->override, want))
		rc = write_attr_back(w, d, "driver_override", want,
				     d->override[0] ? d->override : "(null)");
	if (rc || !strcmp(d->driver, want))
		return rc;
	if (d->driver[0])
		rc = write_attr(w, d, "driver/unbind", d->bdf, d->driver);
	if (rc)
		return rc;
	return write_probe(w, d, want);
}

int fix_bind(struct ctx *c, const struct fix *row, const struct write_ctx *w)
{
	int bad = 0;

	(void)row; /* it acts on every protected function, failed or not */
	for (int i = 0; i < c->m->ndevs; i++)
		if (pdev_protected(&c->m->devs[i]))
			bad += bind_one(w, &c->m->devs[i], c->p->driver) != 0;
	return bad;
}
