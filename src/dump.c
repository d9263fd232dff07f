// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dump.c - the model of a host from `lspci -xxxx` output (--lspci-dump).
 *
 * pcidev.c reads the file with libpci's dump method (lib/dump.c): each
 * "BB:DD.F ..." or "DDDD:BB:DD.F ..." line starts a function, the
 * "OFF: xx xx ..." lines after it are its config bytes, and the indented
 * -vvv text in between is skipped. A dump has no sysfs, so the tree is
 * rebuilt here from the bus numbers the bridges were given: a function on
 * bus B sits below the type 1 bridge whose Secondary Bus Number is B
 * (PCI-to-PCI Bridge Architecture 1.2, 3.2.5.3-5); a bus that no bridge
 * leads to is a root bus.
 *
 * Nothing in a dump says that it is complete: `lspci -s` and `-d` filter
 * it, bug-report logs mix `lspci -nn` lines into it, -x and -xxx cut the
 * hex short. A function listed without its config header, or with one that
 * reads all ones, has no known identity (pcidev.c; access.config, exit 3);
 * it is placed by its bus number, and were it a bridge, what the dump shows
 * below it is caught as lost. Every other gap is a topology error that
 * access.config reports (exit 3), never a guess:
 *  - a bridge with impossible bus numbers, or two bridges leading to one bus;
 *  - a bus inside a bridge's range that no bridge in the dump leads to;
 *  - a function on a root bus that PCIe does not put there. Only root
 *    ports, root complex integrated endpoints and event collectors (and
 *    conventional PCI) sit on a root bus (PCIe 6.0, 1.3, fabric topology); an
 *    endpoint, switch port or PCIe-to-PCI bridge found there has lost the
 *    port above it.
 * The function with the gap carries the error; the functions below it keep
 * the part of their path the dump shows, so acs.path still judges those
 * ports, and acs.peers is undetermined (it cannot rule out the lost ports).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pci/header.h>

#include "caps.h"
#include "dump.h"
#include "pcidev.h"

/* Bus numbers of a type 1 (bridge) header. */
struct bus_range {
	bool bridge;	  /* a bridge with usable bus numbers */
	unsigned int sec; /* Secondary Bus Number: the bus right below it */
	unsigned int sub; /* Subordinate Bus Number: the last bus below it */
};

static const char *dump_name;

int dump_set(const char *file)
{
	struct stat st;

	dump_name = NULL;
	pcidev_use_dump(NULL);
	if (!file)
		return 0;
	if (stat(file, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (access(file, R_OK) < 0)
		return -errno;
	dump_name = file;
	pcidev_use_dump(file);
	return 0;
}

const char *dump_file(void)
{
	return dump_name;
}

int dump_check_offsets(char *err, size_t errlen)
{
	char line[256];
	FILE *f = fopen(dump_name, "r");
	int n = 0;

	if (!f)
		return 0; /* libpci's reader reports it */
	while (fgets(line, sizeof(line) - 1, f)) {
		size_t digits = strspn(line, "0123456789abcdefABCDEF");

		n++;
		if (digits < 2 || digits > 8 || strncmp(line + digits, ": ", 2) ||
		    strtoul(line, NULL, 16) < 4096)
			continue;
		snprintf(err, errlen,
			 "%s: line %d: config offset %.*s is beyond the 4096 bytes of config space",
			 dump_name, n, (int)digits, line);
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	return 0;
}

static void path_unknown(struct pdev *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Mark @d's place in the tree unknown (-@err), with the reason. */
static void path_unknown(struct pdev *d, int err, const char *fmt, ...)
{
	va_list ap;

	d->path_err = err;
	d->parent = -1;
	va_start(ap, fmt);
	vsnprintf(d->path_why, sizeof(d->path_why), fmt, ap);
	va_end(ap);
}

/*
 * One record per address; m->devs is sorted, so repeats are adjacent. A
 * record without a header (pcidev marks it -ENODATA) is a list line that
 * adds nothing; two records with config bytes are two dumps of the function
 * that may disagree, so neither is believed.
 */
static void dedupe(struct model *m)
{
	int out = 0;

	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i], *kept = out ? &m->devs[out - 1] : NULL;

		if (!kept || strcmp(kept->bdf, d->bdf)) {
			if (out != i)
				m->devs[out] = *d;
			out++;
		} else if (kept->ident_err == -ENODATA) {
			*kept = *d;
		} else if (d->ident_err != -ENODATA) {
			kept->ident_err = -EEXIST;
			snprintf(kept->ident_why, sizeof(kept->ident_why),
				 "the dump holds more than one config dump of it");
		}
	}
	m->ndevs = out;
}

/*
 * Read @d's bus numbers if it is a bridge (type 1 header, or CardBus, which
 * keeps them at the same offsets); impossible ones are its error.
 */
static void read_range(struct pdev *d, struct bus_range *r)
{
	uint16_t hdr, buses, sub;

	memset(r, 0, sizeof(*r));
	if (d->ident_err || pcidev_read_word(d, PCI_HEADER_TYPE, &hdr))
		return;
	hdr &= 0x7f;
	if (hdr != PCI_HEADER_TYPE_BRIDGE && hdr != PCI_HEADER_TYPE_CARDBUS)
		return;
	if (pcidev_read_word(d, PCI_PRIMARY_BUS, &buses) ||
	    pcidev_read_word(d, PCI_SUBORDINATE_BUS, &sub)) {
		path_unknown(d, -EIO, "cannot read its bus numbers from the dump");
		return;
	}
	r->sec = buses >> 8;
	r->sub = sub & 0xff;
	if (r->sec == 0 && r->sub == 0)
		return; /* not configured: nothing below it */
	if (r->sec <= d->bus || r->sub < r->sec) {
		path_unknown(d, -EINVAL, "bridge on bus %02x with secondary bus %02x and subordinate bus %02x: impossible bus numbers",
			     d->bus, r->sec, r->sub);
		return;
	}
	r->bridge = true;
}

/*
 * The bridge whose secondary bus is @d's bus: 0 with its index in *@parent,
 * or -1 there for a root bus. Returns -errno after marking @d unknown.
 */
static int find_parent(const struct model *m, const struct bus_range *br, struct pdev *d,
		       int *parent)
{
	int around = -1;

	*parent = -1;
	for (int k = 0; k < m->ndevs; k++) {
		const struct pdev *b = &m->devs[k];

		if (!br[k].bridge || b->domain != d->domain)
			continue;
		if (br[k].sec == d->bus && *parent >= 0) {
			path_unknown(d, -EEXIST, "bridges %s and %s both lead to bus %02x",
				     m->devs[*parent].bdf, b->bdf, d->bus);
			return -EEXIST;
		}
		if (br[k].sec == d->bus)
			*parent = k;
		else if (br[k].sec < d->bus && d->bus <= br[k].sub)
			around = k;
	}
	if (*parent >= 0 || around < 0)
		return 0;
	path_unknown(d, -ENOENT, "bus %02x is behind %s (buses %02x-%02x), but no bridge in the dump leads to it: its bridge is missing",
		     d->bus, m->devs[around].bdf, br[around].sec, br[around].sub);
	return -ENOENT;
}

/* May a function of PCIe Device/Port Type @type sit on a root bus? */
static bool root_bus_type(int type)
{
	switch (type) {
	case -1: /* conventional PCI */
	case PCI_EXP_TYPE_ROOT_PORT:
	case PCI_EXP_TYPE_ROOT_INT_EP:
	case PCI_EXP_TYPE_ROOT_EC:
	case PCI_EXP_TYPE_PCIE_BRIDGE: /* PCI/PCI-X to PCIe: PCI on its upstream side */
		return true;
	default:
		return false;
	}
}

/*
 * @d is on a bus that no bridge in the dump leads to. Parse its standard
 * capability list only into a private copy, so that its config space counts
 * as loaded only when a check needs it, and see whether PCIe allows it on a
 * root bus.
 */
static void check_root_bus(struct pdev *d)
{
	uint8_t cfg[CFG_SPACE_EXT] = { 0 };
	struct caps caps;
	char why[128] = "config space unreadable";
	int n = pcidev_peek_config(d, cfg, sizeof(cfg)), rc = n;

	if (n > 0)
		rc = caps_parse_std(cfg, (size_t)n, &caps, why, sizeof(why));
	if (rc)
		path_unknown(d, rc, "cannot tell whether it may sit on a root bus: %s", why);
	else if (!root_bus_type(caps.pcie_type))
		path_unknown(d, -ENOENT, "%s on bus %02x, which no bridge in the dump leads to: the port above it is missing (lspci -s/-d filter?)",
			     caps_type_name(caps.pcie_type), d->bus);
}

static void place(const struct model *m, const struct bus_range *br, struct pdev *d)
{
	if (d->path_err)
		return; /* impossible bus numbers */
	d->parent = -1;
	if (find_parent(m, br, d, &d->parent))
		return;
	if (d->parent < 0 && !d->ident_err)
		check_root_bus(d);
}

/* path[] from the parents; bus numbers fall strictly towards the root. */
static void build_path(const struct model *m, struct pdev *d)
{
	int up[MAX_DEPTH], n = 0;

	for (int p = d->parent; p >= 0; p = m->devs[p].parent) {
		if (n == MAX_DEPTH) {
			path_unknown(d, -ELOOP, "more than %d bridges above it", MAX_DEPTH);
			return;
		}
		up[n++] = p;
	}
	for (int i = 0; i < n; i++)
		d->path[i] = up[n - 1 - i];
	d->path_len = n;
}

int dump_topology(struct model *m, char *err, size_t errlen)
{
	struct bus_range *br;
	int usable = 0;

	dedupe(m);
	for (int i = 0; i < m->ndevs; i++)
		usable += !m->devs[i].ident_err;
	if (!usable) {
		snprintf(err, errlen, "%s: %d functions and no config bytes: not lspci -x output (capture it with lspci -xxxx as root)",
			 dump_name, m->ndevs);
		return -ENODATA;
	}
	br = calloc((size_t)m->ndevs, sizeof(*br));
	if (!br) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < m->ndevs; i++)
		read_range(&m->devs[i], &br[i]);
	for (int i = 0; i < m->ndevs; i++)
		place(m, br, &m->devs[i]);
	for (int i = 0; i < m->ndevs; i++)
		if (!m->devs[i].path_err)
			build_path(m, &m->devs[i]);
	free(br);
	return 0;
}
