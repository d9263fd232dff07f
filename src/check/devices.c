// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devices.c - devices.none and devices.expect: the policy protects what it
 * should (a listed BDF exists, something matches, enough GPUs are present).
 */
#include <stdio.h>

#include "checks.h"
#include "model.h"

void check_devices_none(struct ctx *c)
{
	const char *id = "devices.none";
	int n = 0, missing = 0;
	struct finding *f;

	for (int i = 0; i < c->p->nbdf; i++) {
		if (model_find(c->m, c->p->bdf[i]) >= 0)
			continue;
		missing++;
		f = check_add(c, id, NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s present", c->p->bdf[i]);
		snprintf(f->actual, sizeof(f->actual), "absent");
		finding_msg(f, "policy lists %s in [devices] bdf but no such function exists", c->p->bdf[i]);
	}
	for (int i = 0; i < c->m->ndevs; i++)
		n += pdev_protected(&c->m->devs[i]);
	if (missing)
		return;
	f = check_add(c, id, NULL, NULL, n || c->p->allow_none ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), c->p->allow_none ? "any number" : "at least 1");
	snprintf(f->actual, sizeof(f->actual), "%d protected function%s", n, n == 1 ? "" : "s");
	if (n)
		finding_msg(f, "%d function%s protected", n, n == 1 ? "" : "s");
	else if (c->p->allow_none)
		finding_msg(f, "no function matches the policy, and [devices] allow_none = yes");
	else
		finding_msg(f, "no function matches [devices] match or bdf: nothing would be protected; fix: correct the match list, or set allow_none = yes on hosts without GPUs");
}

/*
 * [devices] expect = N: at least N matched functions (companions do not
 * count), so that a GPU that fell off the bus fails the host. No finding
 * when the policy does not set it.
 */
void check_devices_expect(struct ctx *c)
{
	int n = 0, want = c->p->expect;
	struct finding *f;

	if (!want)
		return;
	for (int i = 0; i < c->m->ndevs; i++)
		n += c->m->devs[i].matched;
	f = check_add(c, "devices.expect", NULL, NULL, n >= want ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "at least %d matched", want);
	snprintf(f->actual, sizeof(f->actual), "%d matched", n);
	if (n >= want)
		finding_msg(f, "%d functions match [devices] match or bdf, the policy expects %d", n, want);
	else
		finding_msg(f, "only %d of the %d GPUs the policy expects are present (functions matched by [devices] match or bdf; companions do not count); fix: find the missing GPU (lspci; dmesg for a link down or a device that fell off the bus), or correct [devices] expect",
			    n, want);
}
