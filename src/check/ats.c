// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ats.c - ats.disabled (cmdline.noats is in cmdline.c).
 *
 * A device with ATS Enable set may send requests marked "translated", which
 * the IOMMU passes through untranslated and which DT-enabled ACS ports route
 * peer-to-peer. Clearing ATS Enable from user space does not last: the Intel
 * and AMD IOMMU drivers set it again when a domain is attached (e.g. when
 * VFIO opens the device). Only pci=noats makes the kernel refuse ATS
 * (pci_ats_disabled()); see docs/kernel-facts.md. PRI and PASID build on ATS
 * and are checked with it.
 */
#include <stdio.h>

#include <pci/header.h>

#include "checks.h"

/* Is the enable bit @bit of the 16-bit register at @reg set? */
static bool reg_set(const struct pdev *d, int cap, int reg, uint16_t bit)
{
	return cap && (cfg_word(d->cfg, cap + reg) & bit);
}

void check_ats_disabled(struct ctx *c, struct pdev *d)
{
	const char *id = "ats.disabled";
	struct finding *f;
	bool ats, pri, pasid;

	if (!check_config(c, id, d, d))
		return;
	ats = reg_set(d, d->caps.ats, PCI_ATS_CTRL, PCI_ATS_CTRL_ENABLE);
	pri = reg_set(d, d->caps.pri, PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
	pasid = reg_set(d, d->caps.pasid, PCI_PASID_CTRL, PCI_PASID_CTRL_ENABLE);
	f = check_add(c, id, d, NULL, ats || pri || pasid ? ST_FAIL : ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "ATS, PRI and PASID disabled");
	if (!d->caps.ats && !d->caps.pri && !d->caps.pasid) {
		snprintf(f->actual, sizeof(f->actual), "no ATS capability");
		finding_msg(f, "device has no ATS, PRI or PASID capability");
		return;
	}
	snprintf(f->actual, sizeof(f->actual), "ATS %s, PRI %s, PASID %s",
		 !d->caps.ats ? "absent" : ats ? "enabled" : "disabled",
		 !d->caps.pri ? "absent" : pri ? "enabled" : "disabled",
		 !d->caps.pasid ? "absent" : pasid ? "enabled" : "disabled");
	if (f->status == ST_FAIL)
		finding_msg(f, "the device may issue pre-translated requests that bypass the IOMMU; fix: gpugate enforce clears the enable bits, and pci=noats keeps ATS off");
	else
		finding_msg(f, "address translation services are off");
}
