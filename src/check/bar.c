// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bar.c - bar.assigned: every implemented BAR of a protected function was
 * given an address by the kernel.
 *
 * A BAR the kernel could not place (a large 64-bit BAR, a small MMIO
 * window, "Above 4G decoding" off) leaves the device useless inside the
 * VM, while everything else passes at boot. The kernel shows it in sysfs
 * `resource` in one of two forms (docs/kernel-facts.md §18): reset to
 * "0 0 0" by reset_resource() after pci_assign_resource() failed, or
 * start 0, end size - 1 with IORESOURCE_UNSET. The reset form looks like
 * an unimplemented BAR; the BAR register's read-only type bits (I/O,
 * 64-bit, prefetchable) or an address left in it tell them apart. Config
 * space is only read: BARs are never sized by writing. So a 32-bit
 * non-prefetchable BAR whose register reads 0 and whose resource was reset
 * cannot be told from an unimplemented one, and passes as unimplemented.
 * The ROM BAR and SR-IOV VF BARs are not judged.
 */
#include <stdio.h>
#include <string.h>

#include <pci/header.h>

#include "checks.h"

/* struct resource flags (include/linux/ioport.h), as `resource` prints them */
#define IORESOURCE_IO	    0x00000100
#define IORESOURCE_PREFETCH 0x00002000
#define IORESOURCE_MEM_64   0x00100000
#define IORESOURCE_DISABLED 0x10000000
#define IORESOURCE_UNSET    0x20000000

/* One standard BAR as config space and the kernel's resource show it. */
struct bar {
	int idx;
	uint32_t reg; /* the BAR register */
	const struct pdev_res *res;
	bool io, mem64, pref;
};

/* How many standard BARs @d's header type has (PCI Local Bus 3.0, 6.1). */
static int bar_count(const struct pdev *d)
{
	switch (d->cfg[PCI_HEADER_TYPE] & 0x7f) {
	case PCI_HEADER_TYPE_NORMAL:
		return 6;
	case PCI_HEADER_TYPE_BRIDGE:
		return 2;
	default:
		return 1;
	}
}

/* Fill @b for BAR @idx of @d: the type from the resource, else the register. */
static void bar_read(const struct pdev *d, int idx, struct bar *b)
{
	uint64_t fl;

	b->idx = idx;
	b->reg = cfg_dword(d->cfg, PCI_BASE_ADDRESS_0 + 4 * idx);
	b->res = &d->live->res[idx];
	fl = b->res->flags;
	if (fl) {
		b->io = fl & IORESOURCE_IO;
		b->mem64 = fl & IORESOURCE_MEM_64;
		b->pref = fl & IORESOURCE_PREFETCH;
		return;
	}
	b->io = b->reg & PCI_BASE_ADDRESS_SPACE_IO;
	b->mem64 =
	    !b->io && (b->reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	b->pref = !b->io && (b->reg & PCI_BASE_ADDRESS_MEM_PREFETCH);
}

/* The kernel sized it, or the register has type bits or an address. */
static bool bar_implemented(const struct bar *b)
{
	return b->res->flags || b->reg;
}

static bool bar_assigned(const struct bar *b)
{
	const struct pdev_res *r = b->res;

	return r->flags && !(r->flags & (IORESOURCE_UNSET | IORESOURCE_DISABLED)) && r->end &&
	       r->end >= r->start;
}

/* "128G": @n bytes in the largest unit that divides it. */
static void size_str(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (u < 5 && n >= 1024 && !(n % 1024)) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)n);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)n, units[u]);
}

/* Append "BAR 1 (64-bit, prefetchable, 128G)" to @out. */
static void bar_describe(const struct bar *b, char *out, size_t len)
{
	const struct pdev_res *r = b->res;
	size_t n = strlen(out);
	char size[24] = "size unknown";

	if (r->flags && r->end >= r->start && (r->end || r->start))
		size_str(r->end - r->start + 1, size, sizeof(size));
	snprintf(out + n, len - n, "%sBAR %d (%s%s, %s)", n ? ", " : "", b->idx,
		 b->io	    ? "I/O"
		 : b->mem64 ? "64-bit"
			    : "32-bit",
		 b->pref ? ", prefetchable" : "", size);
}

/* The resource file is read: undetermined when it could not be. */
static bool bar_res_read(struct ctx *c, const char *id, const struct pdev *d)
{
	const char *why = !d->live ? "out of memory reading the resource file"
			  : !d->live->res_read
			      ? "the model did not read the resource file (a gpugate bug)"
			  : d->live->res_err ? d->live->res_why
					     : NULL;

	if (!why)
		return true;
	finding_unknown(check_add(c, id, d, NULL, ST_FAIL), why);
	return false;
}

void check_bar_assigned(struct ctx *c, struct pdev *d)
{
	const char *id = "bar.assigned";
	char bad[sizeof(((struct finding *)0)->actual)] = "";
	int nbars, nok = 0, nbad = 0;
	struct finding *f;

	if (!check_config(c, id, d, d) || !bar_res_read(c, id, d))
		return;
	nbars = bar_count(d);
	for (int i = 0; i < nbars; i++) {
		struct bar b;

		bar_read(d, i, &b);
		if (!bar_implemented(&b))
			continue;
		if (bar_assigned(&b)) {
			nok++;
		} else {
			nbad++;
			bar_describe(&b, bad, sizeof(bad));
		}
		if (b.mem64)
			i++; /* the next BAR register is its upper half */
	}
	f = check_add(c, id, d, NULL, nbad ? ST_FAIL : ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "every implemented BAR assigned");
	if (!nbad) {
		snprintf(f->actual, sizeof(f->actual), "%d implemented BAR%s assigned", nok,
			 nok == 1 ? "" : "s");
		finding_msg(f, "the kernel gave every implemented BAR an address");
		return;
	}
	snprintf(f->actual, sizeof(f->actual), "unassigned: %s", bad);
	finding_msg(
	    f,
	    "%s unassigned: the kernel found no room for it, so the device cannot work in a guest; fix: enable \"Above 4G decoding\" (\"MMIO above 4G\") and enlarge the 64-bit MMIO window in the firmware setup; pci=realloc, or pci=hpmmioprefsize= behind hot-plug ports",
	    bad);
}
