// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * caps.c - walk the standard and extended capability lists of one function.
 *
 * The configuration space of a protected device is controlled by whoever
 * last owned the device, so nothing here trusts it: pointers are checked
 * against the space that was actually read, every offset may be visited only
 * once, and each list is bounded by the number of dwords it could occupy.
 * The rules follow PCI 3.0 6.7 and PCIe Base Spec 6.0 7.6.3 (Extended
 * Capability Header): the two low bits of a pointer are reserved and
 * software must mask them (as the kernel's PCI_EXT_CAP_NEXT() and libpci
 * do); a pointer below the header or past the end is malformed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <pci/header.h>

#include "caps.h"

#define STD_FIRST 0x40
#define STD_LAST 0xfc
#define EXT_FIRST CFG_SPACE_STD
#define EXT_LAST (CFG_SPACE_EXT - 4)
#define DWORDS (CFG_SPACE_EXT / 4)

struct walk {
	const uint8_t *cfg;
	size_t len;
	bool seen[DWORDS];
	char *why;
	size_t whylen;
};

static int walk_fail(struct walk *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int walk_fail(struct walk *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->whylen, fmt, ap);
	va_end(ap);
	return err;
}

/* Mark @pos visited; a second visit means the list loops. */
static int walk_visit(struct walk *w, int pos, int first, int last)
{
	if (pos < first || pos > last)
		return walk_fail(w, -EIO, "capability pointer 0x%03x outside 0x%03x..0x%03x",
				 pos, first, last);
	if ((size_t)pos + 4 > w->len)
		return walk_fail(w, -ENODATA, "capability at 0x%03x beyond the %d bytes read",
				 pos, (int)w->len);
	if (w->seen[pos / 4])
		return walk_fail(w, -EIO, "capability list loops at 0x%03x", pos);
	w->seen[pos / 4] = true;
	return 0;
}

/* Record an extended capability, refusing duplicates and truncated ones. */
static int ext_record(struct walk *w, int *slot, int pos, int need)
{
	if (*slot)
		return walk_fail(w, -EIO, "duplicate extended capability at 0x%03x (first 0x%03x)",
				 pos, *slot);
	if ((size_t)pos + need > w->len)
		return walk_fail(w, -EIO, "extended capability at 0x%03x truncated", pos);
	*slot = pos;
	return 0;
}

static int std_walk(struct walk *w, struct caps *out)
{
	int pos = w->cfg[PCI_CAPABILITY_LIST] & ~3;

	while (pos) {
		int err = walk_visit(w, pos, STD_FIRST, STD_LAST);

		if (err)
			return err;
		if (w->cfg[pos] == PCI_CAP_ID_EXP && !out->pcie) {
			/*
			 * The smallest structure of each version must fit: v1 may
			 * end after 0x0c bytes (an RC integrated endpoint), v2
			 * after 0x2c (an endpoint); the kernel's
			 * PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V1 and _ENDPOINT_SIZEOF_V2.
			 */
			int size = (cfg_word(w->cfg, pos + PCI_EXP_FLAGS) & 0xf) == 1 ? 0x0c : 0x2c;

			if (pos + size > CFG_SPACE_STD)
				return walk_fail(w, -EIO, "PCI Express capability at 0x%02x runs past the header (%d bytes)",
						 pos, size);
			out->pcie = pos;
			out->pcie_type =
				(cfg_word(w->cfg, pos + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
		}
		pos = w->cfg[pos + 1] & ~3;
	}
	return 0;
}

static int ext_one(struct walk *w, struct caps *out, int pos, uint32_t hdr)
{
	switch (hdr & 0xffff) {
	case PCI_EXT_CAP_ID_ACS:
		return ext_record(w, &out->acs, pos, 8);
	case PCI_EXT_CAP_ID_ATS:
		return ext_record(w, &out->ats, pos, 8);
	case PCI_EXT_CAP_ID_PRI:
		return ext_record(w, &out->pri, pos, 8);
	case PCI_EXT_CAP_ID_PASID:
		return ext_record(w, &out->pasid, pos, 8);
	default:
		return 0;
	}
}

static int ext_walk(struct walk *w, struct caps *out)
{
	int pos = EXT_FIRST;
	uint32_t hdr;

	if (w->len < CFG_SPACE_EXT)
		return walk_fail(w, -ENODATA,
				 "cannot read extended config space: %d of %d bytes readable",
				 (int)w->len, CFG_SPACE_EXT);
	hdr = cfg_dword(w->cfg, EXT_FIRST);
	if (hdr == 0)
		return 0;
	if (hdr == 0xffffffff)
		return walk_fail(w, -EIO, "extended config space reads all ones at 0x%03x",
				 EXT_FIRST);
	if (hdr == cfg_dword(w->cfg, 0))
		return walk_fail(w, -EIO,
				 "extended config space at 0x%03x aliases the header (0x%08x)",
				 EXT_FIRST, (unsigned int)hdr);
	while (pos) {
		int err = walk_visit(w, pos, EXT_FIRST, EXT_LAST);

		if (err)
			return err;
		hdr = cfg_dword(w->cfg, pos);
		err = ext_one(w, out, pos, hdr);
		if (err)
			return err;
		pos = (int)(hdr >> 20) & 0xffc;
	}
	return 0;
}

int caps_parse(const uint8_t *cfg, size_t len, struct caps *out, char *why, size_t whylen)
{
	struct walk w = { .cfg = cfg, .len = len, .why = why, .whylen = whylen };
	int err;

	memset(out, 0, sizeof(*out));
	out->pcie_type = -1;
	if (len < 64)
		return walk_fail(&w, -ENODATA, "config space is %d bytes, shorter than the %d-byte header",
				 (int)len, 64);
	if (cfg_dword(cfg, 0) == 0xffffffff)
		return walk_fail(&w, -EIO, "config space reads all ones (device gone or hostile)");
	out->hdr_type = cfg[PCI_HEADER_TYPE] & 0x7f;
	out->multifunction = !!(cfg[PCI_HEADER_TYPE] & 0x80);
	if (!(cfg_word(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	if (len < CFG_SPACE_STD)
		return walk_fail(&w, -ENODATA,
				 "config space is %d bytes, capabilities need %d (run as root)",
				 (int)len, CFG_SPACE_STD);
	err = std_walk(&w, out);
	if (err || !out->pcie)
		return err;
	return ext_walk(&w, out);
}

const char *caps_type_name(int pcie_type)
{
	switch (pcie_type) {
	case PCI_EXP_TYPE_ENDPOINT:
		return "endpoint";
	case PCI_EXP_TYPE_LEG_END:
		return "legacy endpoint";
	case PCI_EXP_TYPE_ROOT_PORT:
		return "root port";
	case PCI_EXP_TYPE_UPSTREAM:
		return "upstream port";
	case PCI_EXP_TYPE_DOWNSTREAM:
		return "downstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE:
		return "PCIe-to-PCI bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return "PCI-to-PCIe bridge";
	case PCI_EXP_TYPE_ROOT_INT_EP:
		return "integrated endpoint";
	case PCI_EXP_TYPE_ROOT_EC:
		return "root complex event collector";
	case -1:
		return "conventional PCI";
	default:
		return "unknown PCIe type";
	}
}
