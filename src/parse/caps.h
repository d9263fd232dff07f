/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.h - bounded parser for a function's configuration space. The input
 * comes from a device that may be hostile, so every walk is bounded and every
 * malformed structure is an error, never "capability not present".
 */
#ifndef GPUGATE_CAPS_H
#define GPUGATE_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_SPACE_STD 256
#define CFG_SPACE_EXT 4096

/*
 * The ACS control bits that mean something on a function of a
 * multifunction device (PCI_ACS_CTRL_* of <pci/header.h>, which the user
 * includes): acs.peers judges a foreign function by them, enforce writes them.
 */
#define ACS_MFD_BITS (PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_EGRESS | \
		      PCI_ACS_CTRL_TRANS)

struct caps {
	int pcie;      /* offset of the PCI Express capability, 0 if none */
	int pcie_type; /* Device/Port Type (PCI_EXP_TYPE_*), -1 if not PCIe */
	int acs;       /* offsets of extended capabilities, 0 if absent */
	int ats;
	int pri;
	int pasid;
	uint8_t hdr_type; /* header layout, multifunction bit masked off */
	bool pcix_ext;	  /* PCI-X Mode 2 capability (266/533 MHz) */
	int multifunction;
};

/*
 * Parse a configuration space of @len bytes: the size the kernel exposes
 * (the length of the sysfs config file, the bytes an lspci dump holds).
 * More than 256 bytes means an extended space, which is always walked.
 * Returns 0 and fills @out, or a negative errno with a human reason in @why:
 * -EIO for malformed or inconsistent data (a standard list that does not end
 * cleanly, a space larger than 256 bytes without the Capabilities List bit
 * or a PCI Express capability), -ENODATA for a space too short to read what
 * it announces. @out holds what was found before the error.
 */
int caps_parse(const uint8_t *cfg, size_t len, struct caps *out, char *why, size_t whylen);

/*
 * The header and the standard list only, for what a function is (its
 * PCIe Device/Port Type), not what it may hide: the extended space is not
 * read and its size not judged.
 */
int caps_parse_std(const uint8_t *cfg, size_t len, struct caps *out, char *why, size_t whylen);

/* Little-endian accessors; the caller guarantees the bounds. */
static inline uint16_t cfg_word(const uint8_t *cfg, int pos)
{
	return (uint16_t)(cfg[pos] | cfg[pos + 1] << 8);
}

static inline uint32_t cfg_dword(const uint8_t *cfg, int pos)
{
	return (uint32_t)cfg[pos] | (uint32_t)cfg[pos + 1] << 8 | (uint32_t)cfg[pos + 2] << 16 |
	       (uint32_t)cfg[pos + 3] << 24;
}

/* What @c found, one line for -v (0x000: not found). */
void caps_describe(char *buf, size_t len, const struct caps *c);

/* Name of a PCI_EXP_TYPE_* value, for humans. */
const char *caps_type_name(int pcie_type);

#endif
