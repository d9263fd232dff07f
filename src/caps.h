/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.h - bounded parser for a function's configuration space. The input
 * comes from a device that may be hostile, so every walk is bounded and every
 * malformed structure is an error, never "capability not present".
 */
#ifndef GPUGATE_CAPS_H
#define GPUGATE_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define CFG_SPACE_STD 256
#define CFG_SPACE_EXT 4096

struct caps {
	int pcie;	/* offset of the PCI Express capability, 0 if none */
	int pcie_type;	/* Device/Port Type (PCI_EXP_TYPE_*), -1 if not PCIe */
	int acs;	/* offsets of extended capabilities, 0 if absent */
	int ats;
	int pri;
	int pasid;
	uint8_t hdr_type; /* header layout, multifunction bit masked off */
	int multifunction;
};

/*
 * Parse @len bytes of configuration space. Returns 0 and fills @out, or a
 * negative errno (-EIO for malformed data, -ENODATA for a space too short
 * to hold what the header announces) with a human reason in @why.
 */
int caps_parse(const uint8_t *cfg, size_t len, struct caps *out, char *why,
	       size_t whylen);

/* Little-endian accessors; the caller guarantees the bounds. */
static inline uint16_t cfg_word(const uint8_t *cfg, int pos)
{
	return (uint16_t)(cfg[pos] | cfg[pos + 1] << 8);
}

static inline uint32_t cfg_dword(const uint8_t *cfg, int pos)
{
	return (uint32_t)cfg[pos] | (uint32_t)cfg[pos + 1] << 8 |
	       (uint32_t)cfg[pos + 2] << 16 | (uint32_t)cfg[pos + 3] << 24;
}

/* Name of a PCI_EXP_TYPE_* value, for humans. */
const char *caps_type_name(int pcie_type);

#endif
