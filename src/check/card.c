// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * card.c - card.functions: no function of a protected GPU's physical card
 * is left to a host driver.
 *
 * A card is one device on its PCIe link (model_card_first()): every
 * function below the GPU's port, ARI functions and SR-IOV VFs included.
 * Its firmware can issue DMA with any of the card's requester IDs, so a
 * function bound to a host driver (a NIC on mlx5_core, say) hands a
 * hostile card that driver's DMA mappings in the host's DMA domain, whatever
 * ACS and the IOMMU groups say. A foreign function (one the policy does not
 * protect) therefore passes only while it is unbound or bound to the
 * policy's VFIO driver, whose groups have no host mappings.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "model.h"

/* Judge foreign function @o of the card led by @d; returns 1 when it fails. */
static int card_foreign(struct ctx *c, struct pdev *d, struct pdev *o)
{
	const char *want = c->p->driver;
	struct finding *f;
	char why[128];

	if (o->driver_err) {
		snprintf(why, sizeof(why),
			 "cannot read the driver link of %s, a function of the card", o->bdf);
		finding_unknown(check_add(c, "card.functions", d, o, ST_FAIL), why);
		return 1;
	}
	if (!o->driver[0] || !strcmp(o->driver, want))
		return 0;
	f = check_add(c, "card.functions", d, o, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "unbound or bound to %s", want);
	snprintf(f->actual, sizeof(f->actual), "class %04x bound to %s", (unsigned int)o->class,
		 o->driver);
	finding_msg(f, "%s is a function of the protected card and is bound to host driver %s: the card can DMA with its requester ID into that driver's host DMA domain; fix: bind it to %s too (add it to [devices] bdf) or unbind it, or move the GPU to a card of its own",
		    o->bdf, o->driver, want);
	return 1;
}

void check_card_functions(struct ctx *c, struct pdev *d)
{
	int n = 0, bad = 0;

	for (int k = model_card_first(c->m, d); k >= 0; k = c->m->devs[k].card_next) {
		struct pdev *o = &c->m->devs[k];

		n++;
		if (o->foreign)
			bad += card_foreign(c, d, o);
	}
	if (!bad)
		finding_msg(check_add(c, "card.functions", d, NULL, ST_PASS),
			    "%d function(s) on the card: each protected, unbound or on %s", n,
			    c->p->driver);
}
