// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acs.c - the ACS fix: one write of ACS Control on every port a failed
 * acs.path, acs.peers or acs.enhanced finding names. For acs.path and
 * acs.peers it sets the required ACS controls the port implements and
 * clears the forbidden ones (only the multifunction bits on a foreign
 * function of the card); for acs.enhanced it sets the ACS Enhanced controls
 * the policy requires and the port applies (acsx.h). One write, so that a
 * dry run plans exactly what the real run writes. A port without the
 * capability, or whose config space could not be read, has nothing
 * software can write.
 */
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "acsx.h"
#include "fixes.h"
#include "model.h"

/* What a port's failed findings ask of its ACS Control. */
enum acs_need { NEED_ACS = 1, NEED_ACSX = 2 };

/* The ACS bits (SV..DT) to set and clear on @port for policy @p. */
static void acs_bits(const struct policy *p, const struct pdev *port, uint16_t cap, uint16_t *set,
		     uint16_t *clear)
{
	uint16_t req = p->acs_require, forb = p->acs_forbid;

	if (port->foreign) {
		req &= ACS_MFD_BITS;
		forb &= ACS_MFD_BITS;
	}
	*set |= req & cap;
	*clear |= forb;
}

/*
 * The ACS Enhanced bits to set and clear on @port for policy @p: those it
 * advertises and that apply to its type, a Memory Target Access field to
 * redirect (acsx_fix_bits).
 */
static void acsx_bits(const struct policy *p, const struct pdev *port, uint16_t cap, uint16_t ctl,
		      uint16_t *set, uint16_t *clear)
{
	uint16_t s, c;
	unsigned int want;

	if (!(cap & ACSX_CAP_ENHANCED))
		return;
	want = p->acs_enhanced & acsx_applies(port->caps.pcie_type, pdev_mem_bar(port));
	acsx_fix_bits(ctl, acsx_unmet(ctl, want), &s, &c);
	*set |= s;
	*clear |= c;
}

/* Write ACS Control on @port for policy @p and the findings' @need. */
static int acs_write(const struct write_ctx *w, const struct policy *p, struct pdev *port,
		     unsigned int need)
{
	uint16_t cap = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CAP);
	uint16_t ctl = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CTRL);
	uint16_t set = 0, clear = 0;

	if (need & NEED_ACS)
		acs_bits(p, port, cap, &set, &clear);
	if (need & NEED_ACSX)
		acsx_bits(p, port, cap, ctl, &set, &clear);
	return write_reg(w, port, port->caps.acs + PCI_ACS_CTRL, set, clear, "write acs ctrl");
}

/* Mark in @need (one per device) what the failed findings of @row ask of each port. */
static void acs_needs(struct ctx *c, const struct fix *row, unsigned char *need)
{
	for (int i = 0; i < c->r->nfindings; i++) {
		const struct finding *f = &c->r->findings[i];
		int k = f->port[0] ? model_find(c->m, f->port) : -1;

		if (k < 0 || f->status != ST_FAIL || f->undetermined || !fix_repairs(row, f->id))
			continue;
		need[k] |= strcmp(f->id, "acs.enhanced") ? NEED_ACS : NEED_ACSX;
	}
}

int fix_acs(struct ctx *c, const struct fix *row, const struct write_ctx *w)
{
	unsigned char *need = calloc((size_t)c->m->ndevs + 1, sizeof(*need));
	int bad = 0;

	if (!need)
		return 1;
	acs_needs(c, row, need);
	for (int i = 0; i < c->r->nfindings; i++) { /* in report order, once per port */
		const struct finding *f = &c->r->findings[i];
		int k = f->port[0] ? model_find(c->m, f->port) : -1;
		struct pdev *port;

		if (k < 0 || !need[k])
			continue;
		port = &c->m->devs[k];
		/* without config space or an ACS capability, nothing software can write */
		if (port->cfg_loaded && !port->cfg_err && port->caps.acs)
			bad += acs_write(w, c->p, port, need[k]) != 0;
		need[k] = 0;
	}
	free(need);
	return bad;
}
