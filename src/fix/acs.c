// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acs.c - the ACS fix: on every port an acs.path or acs.peers finding
 * failed on, set the required ACS controls the port implements and clear
 * the forbidden ones (only the multifunction bits on a foreign function of
 * the card). A port without the capability, or whose config space could not
 * be read, has nothing software can write.
 */
#include <stdlib.h>

#include <pci/header.h>

#include "fixes.h"
#include "model.h"

/* Write ACS control on @port for policy @p. */
static int acs_write(const struct write_ctx *w, const struct policy *p, struct pdev *port)
{
	uint16_t cap, req = p->acs_require, forb = p->acs_forbid;

	if (port->foreign) {
		req &= ACS_MFD_BITS;
		forb &= ACS_MFD_BITS;
	}
	cap = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CAP);
	return write_reg(w, port, port->caps.acs + PCI_ACS_CTRL, req & cap, forb, "write acs ctrl");
}

int fix_acs(struct ctx *c, const struct fix *row, const struct write_ctx *w)
{
	bool *done = calloc((size_t)c->m->ndevs + 1, sizeof(*done));
	int bad = 0;

	if (!done)
		return 1;
	for (int i = 0; i < c->r->nfindings; i++) {
		const struct finding *f = &c->r->findings[i];
		int k = f->port[0] ? model_find(c->m, f->port) : -1;
		struct pdev *port;

		if (k < 0 || done[k] || f->status != ST_FAIL || f->undetermined ||
		    !fix_repairs(row, f->id))
			continue;
		port = &c->m->devs[k];
		if (!port->cfg_loaded || port->cfg_err || !port->caps.acs)
			continue; /* nothing software can write */
		done[k] = true;
		bad += acs_write(w, c->p, port) != 0;
	}
	free(done);
	return bad;
}
