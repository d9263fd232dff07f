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
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "caps.h"
#include "dump.h"
#include "pcidev.h"
#include "source.h"

/* Bus numbers of a type 1 (bridge) header. */
struct bus_range {
	bool bridge;	  /* a bridge with usable bus numbers */
	unsigned int sec; /* Secondary Bus Number: the bus right below it */
	unsigned int sub; /* Subordinate Bus Number: the last bus below it */
};

/*
 * Which config bytes a record of the file gives. libpci's reader (lib/dump.c
 * dump_init()) starts a function at a "BB:DD.F " or "DDDD:BB:DD.F " line,
 * fills its buffer with ff and copies in the bytes of each "OFF: xx xx .."
 * line; an empty line ends the function. A line missing in the middle
 * therefore reads as ff: a hole, which nothing in the bytes betrays.
 */
struct rec {
	bool open;
	unsigned int dom, bus, dev, fn;
	int len;			 /* one past the last byte given */
	uint8_t seen[CFG_SPACE_EXT / 8]; /* bit per byte given */
};

struct hole {
	unsigned int dom, bus, dev, fn;
	int off;
};

static struct hole *holes;
static int nholes;
static bool holes_lost; /* out of memory recording them */

/* Does @s follow @fmt, '#' standing for a hex digit (as dump_validate())? */
static bool shape(const char *s, const char *fmt)
{
	for (; *fmt; fmt++, s++)
		if (*fmt == '#' ? !isxdigit((unsigned char)*s) : *fmt != *s)
			return false;
	return true;
}

/* The first byte below rec->len that no line gave is a hole: remember it. */
static void rec_close(struct rec *r)
{
	struct hole *nv;
	int off = 0;

	if (!r->open)
		return;
	r->open = false;
	while (off < r->len && (r->seen[off / 8] & (1u << (off % 8))))
		off++;
	if (off >= r->len)
		return;
	nv = realloc(holes, ((size_t)nholes + 1) * sizeof(*holes));
	if (!nv) {
		holes_lost = true; /* every record is in doubt now */
		return;
	}
	holes = nv;
	holes[nholes++] = (struct hole){ r->dom, r->bus, r->dev, r->fn, off };
}

/* A line that starts a function, as dump_init() recognises one. */
static bool rec_is_header(const char *s)
{
	return shape(s, "##:##.# ") || shape(s, "####:##:##.# ") || shape(s, "#####:##:##.# ");
}

static void rec_start(struct rec *r, const char *s)
{
	unsigned int dom = 0, bus, dev, fn;

	if (!(shape(s, "##:##.# ") && sscanf(s, "%x:%x.%u", &bus, &dev, &fn) == 3) &&
	    sscanf(s, "%x:%x:%x.%u", &dom, &bus, &dev, &fn) != 4)
		return;
	*r = (struct rec){ .open = true, .dom = dom, .bus = bus, .dev = dev, .fn = fn };
}

/* Mark the bytes of hex line "OFF: xx xx ..." @s (2 to 8 offset digits). */
static void rec_bytes(struct rec *r, const char *s)
{
	size_t digits = strspn(s, "0123456789abcdefABCDEF");
	unsigned long off = strtoul(s, NULL, 16);

	if (!r->open || digits < 2 || digits > 8 || strncmp(s + digits, ": ", 2))
		return;
	for (s += digits + 2; off < CFG_SPACE_EXT && isxdigit((unsigned char)s[0]) &&
			      isxdigit((unsigned char)s[1]) && (!s[2] || s[2] == ' ');
	     off++) {
		r->seen[off / 8] |= (uint8_t)(1u << (off % 8));
		if ((int)off + 1 > r->len)
			r->len = (int)off + 1;
		s += s[2] ? 3 : 2;
	}
}

/* One line of the file, with its "\n" or "\r\n" already cut. */
static void rec_line(struct rec *r, const char *s)
{
	if (!*s) {
		rec_close(r); /* an empty line ends the function */
		return;
	}
	if (rec_is_header(s)) {
		rec_close(r);
		rec_start(r, s);
		return;
	}
	rec_bytes(r, s);
}

/* A hex line whose offset is 4096 or more (see dump.h). */
static bool offset_too_big(const char *line)
{
	size_t digits = strspn(line, "0123456789abcdefABCDEF");

	return digits >= 2 && digits <= 8 && !strncmp(line + digits, ": ", 2) &&
	       strtoul(line, NULL, 16) >= 4096;
}

int dump_check_offsets(char *err, size_t errlen)
{
	char line[256];
	struct rec r = { 0 };
	const char *dump_name = source_file();
	FILE *f = fopen(dump_name, "r");
	int n = 0;

	free(holes);
	holes = NULL;
	nholes = 0;
	holes_lost = false;
	if (!f)
		return 0; /* libpci's reader reports it */
	while (fgets(line, sizeof(line) - 1, f)) {
		n++;
		line[strcspn(line, "\r\n")] = '\0';
		rec_line(&r, line);
		if (!offset_too_big(line))
			continue;
		snprintf(err, errlen,
			 "%s: line %d: config offset %.*s is beyond the 4096 bytes of config space",
			 dump_name, n, (int)strspn(line, "0123456789abcdefABCDEF"), line);
		fclose(f);
		return -EINVAL;
	}
	rec_close(&r);
	fclose(f);
	return 0;
}

int dump_hole(const struct pdev *d)
{
	int off = holes_lost ? 0 : -1;

	for (int i = 0; i < nholes; i++) {
		const struct hole *h = &holes[i];

		if (h->dom == d->domain && h->bus == d->bus && h->dev == d->dev && h->fn == d->fn &&
		    (off < 0 || h->off < off))
			off = h->off;
	}
	return off;
}

/*
 * The registers gpugate interprets in a capability that @d's dump gives as
 * all ones: the extended capability headers of the walk, and the
 * capability and control words of ACS, ATS, PRI and PASID. A real device
 * does not read so (a failed read does, and so does a hole). Returns the
 * offset, or -1.
 */
static int caps_all_ones(const struct pdev *d)
{
	const int found[] = { d->caps.acs, d->caps.ats, d->caps.pri, d->caps.pasid };
	int pos = d->cfg_len >= CFG_SPACE_EXT && d->caps.pcie ? 0x100 : 0;

	for (int steps = 0; pos && steps < CFG_SPACE_EXT / 4; steps++) {
		uint32_t hdr = cfg_dword(d->cfg, pos);

		if (hdr == 0xffffffff)
			return pos;
		pos = (int)(hdr >> 20) & 0xffc;
	}
	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++)
		if (found[i] && cfg_dword(d->cfg, found[i] + 4) == 0xffffffff)
			return found[i] + 4;
	return -1;
}

int dump_config_check(const struct pdev *d, char *why, size_t whylen)
{
	int off = dump_hole(d);

	if (off >= 0 && (size_t)off < d->cfg_len) {
		snprintf(why, whylen, "the dump has no line for config offset 0x%03x (libpci reads the hole as ff)",
			 off);
		return -ENODATA;
	}
	off = caps_all_ones(d);
	if (off >= 0) {
		snprintf(why, whylen, "capability registers at 0x%03x read all ones in the dump (a failed read or a hole)",
			 off);
		return -EIO;
	}
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

/*
 * The buses below bridge @k: its secondary bus, and the ranges of the
 * bridges on that bus. A bridge with no bridge below it may keep spare
 * buses (hotplug reservations); one with bridges below it (a switch's
 * upstream port) hands every bus of its range on to them, so a bus that
 * none of them covers is where a port and everything below it were cut
 * from the dump. Marks @k's place unknown then; the functions below it
 * keep their paths up to it.
 */
static void check_bus_range(struct model *m, const struct bus_range *br, int k)
{
	bool covered[256] = { false }, below = false;
	struct pdev *b = &m->devs[k];

	for (int j = 0; j < m->ndevs; j++) {
		if (!br[j].bridge || m->devs[j].domain != b->domain || m->devs[j].bus != br[k].sec)
			continue;
		below = true;
		for (unsigned int bus = br[j].sec; bus <= br[j].sub && bus < 256; bus++)
			covered[bus] = true;
	}
	for (unsigned int bus = br[k].sec + 1; below && bus <= br[k].sub; bus++) {
		if (covered[bus])
			continue;
		path_unknown(b, -ENOENT, "bus %02x in its range %02x-%02x: no bridge in the dump leads to it, a port and its devices are missing",
			     bus, br[k].sec, br[k].sub);
		return;
	}
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
			 source_file(), m->ndevs);
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
		if (br[i].bridge && !m->devs[i].path_err)
			check_bus_range(m, br, i);
	for (int i = 0; i < m->ndevs; i++)
		if (!m->devs[i].path_err)
			build_path(m, &m->devs[i]);
	free(br);
	return 0;
}

static int dump_prepare(struct model *m, char *err, size_t errlen)
{
	(void)m;
	return dump_check_offsets(err, errlen);
}

const struct source source_dump = {
	.name = "lspci dump",
	.kind = SOURCE_DUMP,
	.live = false,
	.writable = false, /* libpci's dump method cannot write */
	.prepare = dump_prepare,
	.place = dump_topology, /* no sysfs: bus numbers, no links */
	.links = NULL,
	.config_open = NULL,
	.config_check = dump_config_check,
	.nodata_hint = " in the dump (capture it with lspci -xxxx as root)",
};
