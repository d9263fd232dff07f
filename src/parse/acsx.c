// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acsx.c - the ACS Enhanced controls (acsx.h): their names, the port types
 * they apply to, whether a Control word meets them and the bits that make
 * it do so. Pure functions of their arguments.
 */
#include <stdio.h>

#include <pci/header.h>

#include "acsx.h"
#include "flags.h"

static const struct flag_name controls[] = {
    {"IB", ACSX_IB},
    {"DSP", ACSX_DSP},
    {"USP", ACSX_USP},
    {"URR", ACSX_URR},
};

#define NCONTROLS (sizeof(controls) / sizeof(controls[0]))

static const char *const mt_names[] = {"direct", "blocking", "redirect", "reserved"};

const char *acsx_names(unsigned int set, char *buf, size_t len)
{
	return flag_names(controls, NCONTROLS, set, buf, len);
}

int acsx_parse(char *val, unsigned int *set, const char **bad)
{
	return flag_parse(controls, NCONTROLS, val, set, bad);
}

/*
 * The ACS Enhanced Capability ECN (PCI-SIG, 2019) defines the four as
 * services "for Downstream Ports". I/O Request Blocking applies to Root
 * Ports and Switch Downstream Ports; DSP Memory Target Access to those of
 * them with memory BAR space; USP Memory Target Access and Unclaimed
 * Request Redirect to Switch Downstream Ports only (they concern the
 * switch's Upstream Port BARs and its memory window). docs/kernel-facts.md
 * §9 says which of this was read where.
 */
unsigned int acsx_applies(int pcie_type, bool mem_bar)
{
	unsigned int dsp = mem_bar ? ACSX_DSP : 0;

	switch (pcie_type) {
	case PCI_EXP_TYPE_ROOT_PORT:
		return ACSX_IB | dsp;
	case PCI_EXP_TYPE_DOWNSTREAM:
		return ACSX_IB | dsp | ACSX_USP | ACSX_URR;
	default:
		return 0;
	}
}

static enum acsx_mt mt_field(uint16_t ctl, uint16_t mask, int shift)
{
	return (enum acsx_mt)((ctl & mask) >> shift);
}

/* A Memory Target Access field keeps requests off the direct path: blocking or redirect. */
static bool mt_guarded(enum acsx_mt v)
{
	return v == ACSX_MT_BLOCK || v == ACSX_MT_REDIRECT;
}

unsigned int acsx_unmet(uint16_t ctl, unsigned int want)
{
	unsigned int unmet = 0;

	if ((want & ACSX_IB) && !(ctl & ACSX_CTRL_IB))
		unmet |= ACSX_IB;
	if ((want & ACSX_DSP) &&
	    !mt_guarded(mt_field(ctl, ACSX_CTRL_DSP_MT, ACSX_CTRL_DSP_MT_SHIFT)))
		unmet |= ACSX_DSP;
	if ((want & ACSX_USP) &&
	    !mt_guarded(mt_field(ctl, ACSX_CTRL_USP_MT, ACSX_CTRL_USP_MT_SHIFT)))
		unmet |= ACSX_USP;
	if ((want & ACSX_URR) && !(ctl & ACSX_CTRL_URR))
		unmet |= ACSX_URR;
	return unmet;
}

uint16_t acsx_fix_bits(uint16_t ctl, unsigned int unmet, uint16_t *set, uint16_t *clear)
{
	*set = 0;
	*clear = 0;
	if (unmet & ACSX_IB)
		*set |= ACSX_CTRL_IB;
	if (unmet & ACSX_DSP) {
		*set |= (uint16_t)(ACSX_MT_REDIRECT << ACSX_CTRL_DSP_MT_SHIFT);
		*clear |= (uint16_t)(ACSX_MT_BLOCK << ACSX_CTRL_DSP_MT_SHIFT);
	}
	if (unmet & ACSX_USP) {
		*set |= (uint16_t)(ACSX_MT_REDIRECT << ACSX_CTRL_USP_MT_SHIFT);
		*clear |= (uint16_t)(ACSX_MT_BLOCK << ACSX_CTRL_USP_MT_SHIFT);
	}
	if (unmet & ACSX_URR)
		*set |= ACSX_CTRL_URR;
	return (uint16_t)((ctl | *set) & ~*clear);
}

const char *acsx_describe(uint16_t ctl, char *buf, size_t len)
{
	snprintf(buf, len, "IB%c DSP:%s USP:%s URR%c", ctl & ACSX_CTRL_IB ? '+' : '-',
		 mt_names[mt_field(ctl, ACSX_CTRL_DSP_MT, ACSX_CTRL_DSP_MT_SHIFT)],
		 mt_names[mt_field(ctl, ACSX_CTRL_USP_MT, ACSX_CTRL_USP_MT_SHIFT)],
		 ctl & ACSX_CTRL_URR ? '+' : '-');
	return buf;
}
