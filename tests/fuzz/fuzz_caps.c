// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_caps.c - libFuzzer target for caps_parse(), the parser that reads a
 * protected (possibly hostile) device's configuration space.
 *
 * The input is a configuration space of up to 4096 bytes. It is parsed at
 * its own length, at the lengths the kernel's sysfs config file can have
 * (64 for non-root, 256 conventional, 4096 extended) and at 260 (an
 * extended space cut right after its first header), each time from a
 * heap block of exactly that size so that AddressSanitizer sees any read
 * past the bytes that were "read". Beyond memory safety the target checks
 * the contract of caps.h: the result is 0, -EIO or -ENODATA, an error has a
 * reason, and every offset reported lies inside the space and its range.
 *
 * A successful parse is also compared with the kernel's own lookups,
 * restated independently in kernel_caps.h: the PCIe capability and the
 * first ACS, ATS, PRI and PASID capability must be exactly where the kernel
 * finds them in a space of that length. There is no exception: where
 * caps.c is stricter than the kernel (an ID of 0xff, a pointer below the
 * header, a loop, a duplicate, a list longer than the kernel's TTL, a
 * 256-byte PCIe function) it returns an error, which gpugate reports as
 * undetermined. So a successful parse never misses an ATS, PRI or PASID
 * capability the kernel would find and use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "kernel_caps.h"

#define MAX_LEN CFG_SPACE_EXT

static void check_kernel_agrees(const uint8_t *cfg, size_t len, const struct caps *c)
{
	static const int ids[] = {0x0d, 0x0f, 0x13, 0x1b}; /* ACS ATS PRI PASID */
	const int got[] = {c->acs, c->ats, c->pri, c->pasid};

	if (k_find_capability(cfg, len, 0x10) != c->pcie)
		abort();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (k_find_ext_capability(cfg, len, ids[i]) != got[i])
			abort();
}

static void check_ext(int off, size_t len)
{
	if (off == 0)
		return;
	if (off < CFG_SPACE_STD || off > CFG_SPACE_EXT - 4 || off % 4 || (size_t)off + 8 > len)
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
	if (len < CFG_SPACE_STD)
		abort();
	if (c->pcie) {
		if (c->pcie < 0x40 || c->pcie > 0xfc || c->pcie % 4 || len < CFG_SPACE_STD)
			abort();
		if (c->pcie_type < 0 || c->pcie_type > 15)
			abort();
	} else if (c->pcie_type != -1) {
		abort();
	}
	if (c->pcie && len == CFG_SPACE_STD && (c->acs || c->ats || c->pri || c->pasid))
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
	static const size_t lens[] = {64, CFG_SPACE_STD, CFG_SPACE_STD + 4, CFG_SPACE_EXT};

	if (size > MAX_LEN)
		size = MAX_LEN;
	parse_at(data, size, size);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (lens[i] != size)
			parse_at(data, size, lens[i]);
	return 0;
}
