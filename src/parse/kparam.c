// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kparam.c - kernel releases and the parameters they take: the release
 * comparison and the pci=config_acs= mask of a policy. Pure functions of
 * their arguments.
 */
#include <stdint.h>
#include <stdio.h>

#include <pci/header.h>

#include "kparam.h"

bool kernel_at_least(const char *rel, int major, int minor)
{
	int a = 0, b = 0;

	if (sscanf(rel, "%d.%d", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

/*
 * The config_acs mask: one character per ACS control bit, most significant
 * (bit 6, DT) first; '1' set, '0' clear, 'x' keep the firmware's value.
 * 'x' also drops what the kernel itself would set (pci_std_enable_acs()
 * sets SV RR CR UF), so those four are never left at 'x'.
 */
void acs_mask(const struct policy *p, char out[8])
{
	const uint16_t kernel_sets = PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_REQ_RED |
				     PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_FORWARD;

	for (int bit = 6; bit >= 0; bit--) {
		uint16_t b = (uint16_t)(1u << bit);

		out[6 - bit] = p->acs_forbid & b			? '0'
			       : (p->acs_require | kernel_sets) & b ? '1'
								    : 'x';
	}
	out[7] = '\0';
}
