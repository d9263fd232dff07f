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
#define STD_LAST  0xfc
#define EXT_FIRST CFG_SPACE_STD
#define EXT_LAST  (CFG_SPACE_EXT - 4)
#define DWORDS	  (CFG_SPACE_EXT / 4)
/* pci_find_next_ext_capability(): at least 8 bytes per capability */
#define EXT_TTL ((CFG_SPACE_EXT - CFG_SPACE_STD) / 8)

struct walk {
	const uint8_t *cfg;
	size_t len;
	bool seen[DWORDS];
	bool pcix_seen;
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
		return walk_fail(w, -EIO, "capability pointer 0x%03x outside 0x%03x..0x%03x", pos,
				 first, last);
	if ((size_t)pos + 4 > w->len)
		return walk_fail(w, -ENODATA, "capability at 0x%03x beyond the %d bytes read", pos,
				 (int)w->len);
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

/*
 * The kernel ends the standard walk (__pci_find_next_cap_ttl) at a pointer
 * below 0x40, at an ID of 0xff or after PCI_FIND_CAP_TTL (48) entries. Only
 * a next pointer of 0 is a clean end here; 0x01..0x3f, an ID of 0xff and a
 * loop are a broken list (-EIO), so what gpugate finds is what the kernel
 * finds or nothing at all. 48 distinct dwords fit in 0x40..0xfc, so the
 * visited set bounds the walk at the kernel's TTL.
 */
static int std_pcie(struct walk *w, struct caps *out, int pos)
{
	/*
	 * The smallest structure of each version must fit: v1 may end after
	 * 0x0c bytes (an RC integrated endpoint), v2 after 0x2c (an endpoint);
	 * the kernel's PCI_CAP_EXP_RC_ENDPOINT_SIZEOF_V1 and _ENDPOINT_SIZEOF_V2.
	 */
	int size = (cfg_word(w->cfg, pos + PCI_EXP_FLAGS) & 0xf) == 1 ? 0x0c : 0x2c;

	if (pos + size > CFG_SPACE_STD)
		return walk_fail(w, -EIO,
				 "PCI Express capability at 0x%02x runs past the header (%d bytes)",
				 pos, size);
	out->pcie = pos;
	out->pcie_type = (cfg_word(w->cfg, pos + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
	return 0;
}

/* PCI-X Mode 2 (266/533 MHz): the kernel gives such a function 4096 bytes. */
static void std_pcix(struct walk *w, struct caps *out, int pos)
{
	if (pos + 8 <= CFG_SPACE_STD && cfg_dword(w->cfg, pos + PCI_PCIX_STATUS) &
					    (PCI_PCIX_STATUS_266MHZ | PCI_PCIX_STATUS_533MHZ))
		out->pcix_ext = true;
}

static int std_walk(struct walk *w, struct caps *out, int start)
{
	int pos = w->cfg[start] & ~3;

	while (pos) {
		int err = walk_visit(w, pos, STD_FIRST, STD_LAST);

		if (err)
			return err;
		if (w->cfg[pos] == 0xff)
			return walk_fail(w, -EIO,
					 "standard capability list broken: ID 0xff at 0x%02x", pos);
		if (w->cfg[pos] == PCI_CAP_ID_EXP && !out->pcie) {
			err = std_pcie(w, out, pos);
			if (err)
				return err;
		}
		if (w->cfg[pos] == PCI_CAP_ID_PCIX && !w->pcix_seen) {
			w->pcix_seen = true; /* pci_find_capability(): the first one */
			std_pcix(w, out, pos);
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

/*
 * The first extended header: 0 is "no capabilities", as in the kernel. A
 * space of more than 256 but less than 4096 bytes is cut short (a failed or
 * short read, a cut dump): what is missing may hold a capability.
 */
static int ext_head(struct walk *w, uint32_t *hdr)
{
	if (w->len < CFG_SPACE_EXT)
		return walk_fail(w, -ENODATA, "extended config space cut short: %d of %d bytes",
				 (int)w->len, CFG_SPACE_EXT);
	*hdr = cfg_dword(w->cfg, EXT_FIRST);
	if (*hdr == 0xffffffff)
		return walk_fail(w, -EIO, "extended config space reads all ones at 0x%03x",
				 EXT_FIRST);
	if (*hdr && *hdr == cfg_dword(w->cfg, 0))
		return walk_fail(w, -EIO,
				 "extended config space at 0x%03x aliases the header (0x%08x)",
				 EXT_FIRST, (unsigned int)*hdr);
	return 0;
}

/*
 * pci_find_next_ext_capability(): start at 0x100, follow PCI_EXT_CAP_NEXT()
 * (bits 31:20, the two reserved low bits masked) until a pointer below 0x100,
 * for at most EXT_TTL entries. Here only 0 ends the list cleanly; a pointer
 * into 0x004..0x0fc, a loop, a duplicate of a capability gpugate looks at or
 * a list longer than the kernel's TTL is -EIO; one past the bytes read
 * -ENODATA.
 */
static int ext_walk(struct walk *w, struct caps *out)
{
	int pos = EXT_FIRST, n = 0;
	uint32_t hdr = 0;
	int err = ext_head(w, &hdr);

	if (err || hdr == 0)
		return err;
	while (pos) {
		if (++n > EXT_TTL)
			return walk_fail(w, -EIO, "extended capability list longer than %d entries",
					 EXT_TTL);
		err = walk_visit(w, pos, EXT_FIRST, EXT_LAST);
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

/*
 * pci_cfg_space_size(): the kernel gives a function more than 256 bytes only
 * if it is PCI Express, a host bridge (class 0x0600) or PCI-X Mode 2. The
 * sysfs config file (and an lspci dump) shows that size, so a larger space
 * without one of these was either sized while the device said otherwise or
 * is being hidden now: a hostile or broken device, never "no capability".
 */
static int ext_consistent(struct walk *w, const struct caps *out, bool cap_list)
{
	if (cfg_word(w->cfg, PCI_CLASS_DEVICE) == PCI_CLASS_BRIDGE_HOST)
		return 0;
	if (!cap_list)
		return walk_fail(
		    w, -EIO,
		    "Status Capabilities List bit clear in a %d-byte config space (hidden capabilities)",
		    (int)w->len);
	if (!out->pcie && !out->pcix_ext)
		return walk_fail(
		    w, -EIO,
		    "no PCI Express capability in a %d-byte config space (hidden capabilities)",
		    (int)w->len);
	return 0;
}

/* The standard list starts at 0x34 (0x14 for CardBus): __pci_bus_find_cap_start(). */
static int std_start(struct walk *w, const struct caps *out)
{
	switch (out->hdr_type) {
	case PCI_HEADER_TYPE_NORMAL:
	case PCI_HEADER_TYPE_BRIDGE:
		return PCI_CAPABILITY_LIST;
	case PCI_HEADER_TYPE_CARDBUS:
		return PCI_CB_CAPABILITY_LIST;
	default:
		return walk_fail(w, -EIO, "unknown header type 0x%02x", out->hdr_type);
	}
}

/*
 * Walk the extended list even after the standard one failed with @err, so
 * that what it holds is known (-v, show); the first reason stays in @why.
 */
static int ext_after(struct walk *w, struct caps *out, int err)
{
	char *why = w->why, scratch[128];
	size_t whylen = w->whylen;
	int ext_err;

	if (err) {
		w->why = scratch;
		w->whylen = sizeof(scratch);
	}
	ext_err = ext_walk(w, out);
	w->why = why;
	w->whylen = whylen;
	return err ? err : ext_err;
}

static int caps_walk(struct walk *w, struct caps *out)
{
	bool cap_list = cfg_word(w->cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST;
	bool ext = w->len > CFG_SPACE_STD;
	int start = std_start(w, out), err = 0;

	if (start < 0)
		return start;
	if (cap_list)
		err = std_walk(w, out, start);
	if (ext)
		err = ext_after(w, out, err);
	if (err)
		return err;
	if (!ext && out->pcie)
		return walk_fail(w, -ENODATA,
				 "cannot read extended config space: %d of %d bytes readable",
				 (int)w->len, CFG_SPACE_EXT);
	return ext ? ext_consistent(w, out, cap_list) : 0;
}

/* The 64-byte header: the same for every caller. */
static int caps_header(struct walk *w, struct caps *out)
{
	memset(out, 0, sizeof(*out));
	out->pcie_type = -1;
	if (w->len < 64)
		return walk_fail(w, -ENODATA,
				 "config space is %d bytes, shorter than the %d-byte header",
				 (int)w->len, 64);
	if (cfg_dword(w->cfg, 0) == 0xffffffff)
		return walk_fail(w, -EIO, "config space reads all ones (device gone or hostile)");
	out->hdr_type = w->cfg[PCI_HEADER_TYPE] & 0x7f;
	out->multifunction = !!(w->cfg[PCI_HEADER_TYPE] & 0x80);
	return 0;
}

static int need_std(struct walk *w)
{
	if (w->len >= CFG_SPACE_STD)
		return 0;
	return walk_fail(w, -ENODATA,
			 "config space is %d bytes, capabilities need %d (run as root)",
			 (int)w->len, CFG_SPACE_STD);
}

int caps_parse(const uint8_t *cfg, size_t len, struct caps *out, char *why, size_t whylen)
{
	struct walk w = {.cfg = cfg, .len = len, .why = why, .whylen = whylen};
	int err = caps_header(&w, out);

	if (!err)
		err = need_std(&w);
	return err ? err : caps_walk(&w, out);
}

int caps_parse_std(const uint8_t *cfg, size_t len, struct caps *out, char *why, size_t whylen)
{
	struct walk w = {.cfg = cfg, .len = len, .why = why, .whylen = whylen};
	int err = caps_header(&w, out), start;

	if (err || !(cfg_word(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return err;
	err = need_std(&w);
	start = err ? err : std_start(&w, out);
	return start < 0 ? start : std_walk(&w, out, start);
}

void caps_describe(char *buf, size_t len, const struct caps *c)
{
	snprintf(buf, len, "PCIe 0x%02x (%s), ACS 0x%03x, ATS 0x%03x, PRI 0x%03x, PASID 0x%03x",
		 c->pcie, caps_type_name(c->pcie_type), c->acs, c->ats, c->pri, c->pasid);
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
