// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ats.c - the ATS fix: clear ATS, PRI and PASID Enable on every protected
 * function. It runs after binding, because vfio-pci may reset the function
 * and a reset restores the ATS state the kernel saved
 * (pci_restore_ats_state()). The IOMMU drivers set ATS again when a domain
 * is attached; only pci=noats keeps it off (docs/kernel-facts.md).
 */
#include <pci/header.h>

#include "fixes.h"
#include "model.h"

int fix_ats(struct ctx *c, const struct fix *row, const struct write_ctx *w)
{
	int bad = 0;

	(void)row; /* it acts on every protected function, failed or not */
	for (int i = 0; i < c->m->ndevs; i++) {
		struct pdev *d = &c->m->devs[i];

		if (!pdev_protected(d) || model_config(d))
			continue; /* unreadable: ats.disabled already failed */
		if (d->caps.ats)
			bad += write_reg(w, d, d->caps.ats + PCI_ATS_CTRL, 0, PCI_ATS_CTRL_ENABLE,
					 "write ats ctrl") != 0;
		if (d->caps.pri)
			bad += write_reg(w, d, d->caps.pri + PCI_PRI_CTRL, 0, PCI_PRI_CTRL_ENABLE,
					 "write pri ctrl") != 0;
		if (d->caps.pasid)
			bad += write_reg(w, d, d->caps.pasid + PCI_PASID_CTRL, 0,
					 PCI_PASID_CTRL_ENABLE, "write pasid ctrl") != 0;
	}
	return bad;
}
