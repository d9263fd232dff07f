/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel_caps.h - the kernel's capability lookups, restated for the fuzz
 * targets from drivers/pci/pci.c (Linux 6.1) independently of src/parse/caps.c:
 *
 *   __pci_bus_find_cap_start()  Status bit 4 (Capabilities List) gates the
 *                               standard list; it starts at 0x34 for header
 *                               types 0 and 1, at 0x14 for CardBus (2), and
 *                               there is none for any other type;
 *   __pci_find_next_cap_ttl()   follow byte pointers while pos >= 0x40, the
 *                               low two bits masked, at most
 *                               PCI_FIND_CAP_TTL (48) entries; an ID of 0xff
 *                               ends the walk;
 *   pci_find_next_ext_capability()  only when dev->cfg_size > 256; the
 *                               header at 0x100 being 0 means none; follow
 *                               PCI_EXT_CAP_NEXT() (bits 31:20 & 0xffc) while
 *                               pos >= 0x100, at most (4096 - 256) / 8 = 480
 *                               entries; the first match wins.
 *
 * @len is the config space the kernel exposes (its cfg_size, the sysfs
 * config length, the bytes of an lspci dump); a read past it fails, and
 * the kernel gives up on a failed read.
 */
#ifndef GPUGATE_KERNEL_CAPS_H
#define GPUGATE_KERNEL_CAPS_H

#include <stddef.h>
#include <stdint.h>

static inline int k_read(const uint8_t *cfg, size_t len, int pos, int n, uint32_t *v)
{
	*v = 0;
	if (pos < 0 || (size_t)pos + (size_t)n > len)
		return -1;
	for (int i = n - 1; i >= 0; i--)
		*v = *v << 8 | cfg[pos + i];
	return 0;
}

static inline int k_find_capability(const uint8_t *cfg, size_t len, int cap)
{
	uint32_t status, hdr, ent, pos;
	int start, ttl = 48;

	if (k_read(cfg, len, 0x06, 2, &status) || !(status & 0x10))
		return 0;
	if (k_read(cfg, len, 0x0e, 1, &hdr))
		return 0;
	hdr &= 0x7f;
	start = hdr == 0 || hdr == 1 ? 0x34 : hdr == 2 ? 0x14 : 0;
	if (!start || k_read(cfg, len, start, 1, &pos))
		return 0;
	while (ttl--) {
		if (pos < 0x40)
			break;
		pos &= ~3u;
		if (k_read(cfg, len, (int)pos, 2, &ent))
			break;
		if ((ent & 0xff) == 0xff)
			break;
		if ((int)(ent & 0xff) == cap)
			return (int)pos;
		pos = ent >> 8;
	}
	return 0;
}

static inline int k_find_ext_capability(const uint8_t *cfg, size_t len, int cap)
{
	int ttl = (4096 - 256) / 8, pos = 256;
	uint32_t header;

	if (len <= 256 || k_read(cfg, len, pos, 4, &header) || header == 0)
		return 0;
	while (ttl-- > 0) {
		if ((int)(header & 0xffff) == cap)
			return pos;
		pos = (int)(header >> 20) & 0xffc;
		if (pos < 256 || k_read(cfg, len, pos, 4, &header))
			break;
	}
	return 0;
}

/*
 * Is an ATS (0x0f), PRI (0x13) or PASID (0x1b) capability that the kernel
 * finds enabled? The Enable bits: ATS Control bit 15 (+6), PRI Control bit
 * 0 (+4), PASID Control bit 0 (+6).
 */
static inline int k_translation_enabled(const uint8_t *cfg, size_t len)
{
	static const int id[] = {0x0f, 0x13, 0x1b}, reg[] = {6, 4, 6};
	static const uint32_t bit[] = {0x8000, 0x0001, 0x0001};

	for (int i = 0; i < 3; i++) {
		int pos = k_find_ext_capability(cfg, len, id[i]);
		uint32_t v;

		if (pos && !k_read(cfg, len, pos + reg[i], 2, &v) && (v & bit[i]))
			return 1;
	}
	return 0;
}

#endif
