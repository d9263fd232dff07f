// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_caps.c - libFuzzer target for caps_parse(), the parser that reads a
 * protected (possibly hostile) device's configuration space.
 *
 * The input is a configuration space of up to 4096 bytes. It is parsed at
 * its own length and at the three lengths the kernel's sysfs config file can
 * have (64 for non-root, 256 conventional, 4096 extended), each time from a
 * heap block of exactly that size so that AddressSanitizer sees any read
 * past the bytes that were "read". Beyond memory safety the target checks
 * the contract of caps.h: the result is 0, -EIO or -ENODATA, an error has a
 * reason, and every offset reported lies inside the space and its range.
 *
 * A successful parse is also compared with the kernel's own walks, restated
 * here (drivers/pci/pci.c __pci_find_next_cap_ttl() and
 * pci_find_next_ext_capability()): the PCIe capability and the first ACS,
 * ATS, PRI and PASID capability must be where the kernel finds them. Two
 * known, deliberate differences are left out: the kernel ends a standard
 * list at an ID of 0xff (caps.c reads on; then a PCIe function with a
 * 256-byte config file is an error, not "conventional PCI"), and it gives
 * up on an extended list after 480 entries (caps.c follows up to all 960
 * dwords, each once).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

#define MAX_LEN CFG_SPACE_EXT

#define KERNEL_EXT_TTL ((CFG_SPACE_EXT - CFG_SPACE_STD) / 8)

/* The kernel's standard walk for capability @id; -1: it stopped at 0xff. */
static int kernel_std_find(const uint8_t *cfg, int id)
{
	int pos = cfg[0x34];

	for (int ttl = 48; ttl--;) {
		int cur;

		if (pos < 0x40)
			break;
		pos &= ~3;
		cur = cfg[pos];
		if (cur == 0xff)
			return -1;
		if (cur == id)
			return pos;
		pos = cfg[pos + 1];
	}
	return 0;
}

/* The kernel's extended walk; -1 when it ran out of ttl. */
static int kernel_ext_find(const uint8_t *cfg, int id)
{
	int pos = CFG_SPACE_STD;
	uint32_t hdr = cfg_dword(cfg, pos);

	if (hdr == 0)
		return 0;
	for (int ttl = KERNEL_EXT_TTL; ttl > 0; ttl--) {
		if ((int)(hdr & 0xffff) == id)
			return pos;
		pos = (int)(hdr >> 20) & 0xffc;
		if (pos < CFG_SPACE_STD)
			return 0;
		hdr = cfg_dword(cfg, pos);
	}
	return -1;
}

static void check_kernel_agrees(const uint8_t *cfg, size_t len, const struct caps *c)
{
	static const int ids[] = { 0x0d, 0x0f, 0x13, 0x1b }; /* ACS ATS PRI PASID */
	const int got[] = { c->acs, c->ats, c->pri, c->pasid };
	int k;

	if (!(cfg_word(cfg, 0x06) & 0x10) || len < CFG_SPACE_STD)
		return;
	k = kernel_std_find(cfg, 0x10);
	if (k >= 0 && k != c->pcie)
		abort();
	if (!c->pcie || len < CFG_SPACE_EXT)
		return;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		k = kernel_ext_find(cfg, ids[i]);
		if (k >= 0 && k != got[i])
			abort();
	}
}

static void check_ext(int off, size_t len)
{
	if (off == 0)
		return;
	if (off < CFG_SPACE_STD || off > CFG_SPACE_EXT - 4 || off % 4 ||
	    (size_t)off + 8 > len)
		abort();
}

static void check_result(int rc, const struct caps *c, size_t len, const char *why)
{
	if (rc != 0 && rc != -EIO && rc != -ENODATA)
		abort();
	if (rc) {
		if (!memchr(why, '\0', 256) || !why[0])
			abort();
		return;
	}
	if (len < 64)
		abort();
	if (c->pcie) {
		if (c->pcie < 0x40 || c->pcie > 0xfc || c->pcie % 4 || len < CFG_SPACE_STD)
			abort();
		if (c->pcie_type < 0 || c->pcie_type > 15)
			abort();
	} else if (c->pcie_type != -1) {
		abort();
	}
	if (!c->pcie && (c->acs || c->ats || c->pri || c->pasid))
		abort();
	check_ext(c->acs, len);
	check_ext(c->ats, len);
	check_ext(c->pri, len);
	check_ext(c->pasid, len);
	if (c->hdr_type > 0x7f || (c->multifunction != 0 && c->multifunction != 1))
		abort();
	if (!caps_type_name(c->pcie_type))
		abort();
}

/* Parse the first @len bytes of @data (zero-padded) from an exact-size block. */
static void parse_at(const uint8_t *data, size_t size, size_t len)
{
	uint8_t *cfg = malloc(len ? len : 1);
	struct caps c;
	char why[256];
	int rc;

	if (!cfg)
		abort();
	memset(cfg, 0, len);
	memcpy(cfg, data, size < len ? size : len);
	memset(why, 0x55, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	rc = caps_parse(cfg, len, &c, why, sizeof(why));
	check_result(rc, &c, len, why);
	if (rc == 0)
		check_kernel_agrees(cfg, len, &c);
	free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 64, CFG_SPACE_STD, CFG_SPACE_EXT };

	if (size > MAX_LEN)
		size = MAX_LEN;
	parse_at(data, size, size);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (lens[i] != size)
			parse_at(data, size, lens[i]);
	return 0;
}
