/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * acsx.h - the ACS Enhanced controls (PCIe 5.0 "ACS Enhanced Capability"
 * ECN, in the Base Specification from 6.0): what the ACS Capability and
 * Control words say about them, which port types they apply to, and the
 * policy names of [acs] require_enhanced. Pure functions of register words;
 * nothing here reads or writes hardware.
 *
 * libpci's <pci/header.h> (3.9) and the kernel's pci_regs.h (up to 6.18)
 * name only ACS Control bits 0-6, so the enhanced bits are named here
 * (docs/kernel-facts.md §9).
 */
#ifndef GPUGATE_ACSX_H
#define GPUGATE_ACSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ACS Capability register, bit 7: the port implements the four controls below. */
#define ACSX_CAP_ENHANCED 0x0080

/* ACS Control register */
#define ACSX_CTRL_IB	       0x0080 /* I/O Request Blocking Enable */
#define ACSX_CTRL_DSP_MT       0x0300 /* DSP Memory Target Access Control, 2 bits */
#define ACSX_CTRL_USP_MT       0x0c00 /* USP Memory Target Access Control, 2 bits */
#define ACSX_CTRL_URR	       0x1000 /* Unclaimed Request Redirect Control */
#define ACSX_CTRL_DSP_MT_SHIFT 8
#define ACSX_CTRL_USP_MT_SHIFT 10
#define ACSX_CTRL_BITS	       (ACSX_CTRL_IB | ACSX_CTRL_DSP_MT | ACSX_CTRL_USP_MT | ACSX_CTRL_URR)

/* The values of a Memory Target Access Control field. */
enum acsx_mt { ACSX_MT_DIRECT, ACSX_MT_BLOCK, ACSX_MT_REDIRECT, ACSX_MT_RESERVED };

/* The controls, as [acs] require_enhanced names them (a set is an OR). */
enum acsx_control {
	ACSX_IB = 1,  /* "IB": I/O Request Blocking enabled */
	ACSX_DSP = 2, /* "DSP": DSP Memory Target Access blocking or redirect */
	ACSX_USP = 4, /* "USP": USP Memory Target Access blocking or redirect */
	ACSX_URR = 8, /* "URR": Unclaimed Request Redirect enabled */
	ACSX_ALL = 15,
};

/* Format the control set @set as "IB DSP USP URR" into @buf; "none" when empty. */
const char *acsx_names(unsigned int set, char *buf, size_t len);

/*
 * Parse the control names of @val ("IB DSP USP URR", split in place) into
 * @set. Returns 0, or -EINVAL with the first unknown word in @bad.
 */
int acsx_parse(char *val, unsigned int *set, const char **bad);

/*
 * The controls that apply to a port of PCIe Device/Port Type @pcie_type
 * (PCI_EXP_TYPE_*): on a Root Port IB, and DSP when @mem_bar (it has a
 * memory BAR to protect); on a Switch Downstream Port all four (DSP only
 * with @mem_bar). No other type: 0.
 */
unsigned int acsx_applies(int pcie_type, bool mem_bar);

/* The controls of @want that ACS Control word @ctl does not meet (a reserved 11 fails). */
unsigned int acsx_unmet(uint16_t ctl, unsigned int want);

/*
 * The ACS Control bits to set and to clear so that @ctl meets the controls
 * @unmet: IB and URR set, a Memory Target Access field written to redirect
 * (10), which sends the request up to the root complex and the IOMMU like
 * RR does. Returns @ctl as it would read after the write.
 */
uint16_t acsx_fix_bits(uint16_t ctl, unsigned int unmet, uint16_t *set, uint16_t *clear);

/* "IB+ DSP:redirect USP:direct URR-", the enhanced controls of @ctl, into @buf. */
const char *acsx_describe(uint16_t ctl, char *buf, size_t len);

#endif
