// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model.c - scan the host once into struct model.
 *
 * The topology comes from where the kernel placed each function in the
 * device tree: /sys/bus/pci/devices/BDF links to
 * ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0, and every PCI
 * address on that path is a bridge above the function, root bus first.
 * Group, driver and driver_override come from the function's sysfs
 * directory, and are read only for protected functions. Config spaces are
 * loaded lazily, only for the functions a check looks at. Every walk here
 * is linear in the number of functions: a slot's functions are adjacent in
 * address order, and the functions beside each bridge are chained once
 * (index_peers). From an lspci dump (--lspci-dump) dump.c places the functions by
 * their bridges' bus numbers, and there is no host state, group or driver.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/header.h>

#include "dump.h"
#include "model.h"
#include "pcidev.h"
#include "sysroot.h"

/* A PCI address: 0000:00:01.0, or 10000:e1:00.0 below an Intel VMD. */
static bool is_bdf(const char *s, size_t n)
{
	struct bdf_addr a;

	return bdf_parse(s, n, &a);
}

/* -1, 0 or 1 as @a is below, at or above @b. */
static int ucmp(unsigned int a, unsigned int b)
{
	return (a > b) - (a < b);
}

/*
 * m->devs is in numeric order (pcidev.c), which is not the text order once a
 * domain has five digits ("1000:..." sorts after "10000:..." as text): the
 * search compares numbers, and the match the text.
 */
int model_find(const struct model *m, const char *bdf)
{
	unsigned int dom, bus, dev, fn;
	int lo = 0, hi = m->ndevs - 1;

	if (sscanf(bdf, "%x:%x:%x.%u", &dom, &bus, &dev, &fn) != 4)
		return -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct pdev *d = &m->devs[mid];
		int c = ucmp(d->domain, dom) ? ucmp(d->domain, dom)
			: ucmp(d->bus, bus)  ? ucmp(d->bus, bus)
			: ucmp(d->dev, dev)  ? ucmp(d->dev, dev)
					     : ucmp(d->fn, fn);

		if (!c)
			return strcmp(d->bdf, bdf) ? -1 : mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Fill d->path from the device link in /sys/bus/pci/devices (@devices, from
 * sysroot_open_dir, or its -errno); every ancestor must be a known function.
 */
static void topo_one(struct model *m, struct pdev *d, int devices)
{
	char target[PATH_MAX];
	const char *c, *next;
	int n = 0;

	d->path_err = devices < 0 ? devices
				  : sysroot_readlinkat(devices, d->bdf, target, sizeof(target));
	if (d->path_err)
		return;
	for (c = target; *c; c = next) {
		size_t len;

		next = strchr(c, '/');
		len = next ? (size_t)(next - c) : strlen(c);
		next = next ? next + 1 : c + len;
		if (!is_bdf(c, len))
			continue;
		if (n == MAX_DEPTH) {
			d->path_err = -ELOOP;
			return;
		}
		char bdf[BDF_LEN];

		memcpy(bdf, c, len);
		bdf[len] = '\0';
		d->path[n++] = model_find(m, bdf);
		if (d->path[n - 1] < 0) {
			d->path_err = -ENOENT;
			return;
		}
	}
	/* The last address on the path is the function itself. */
	if (n == 0 || d->path[n - 1] != d - m->devs) {
		d->path_err = -EINVAL;
		return;
	}
	d->path_len = n - 1;
	d->parent = d->path_len ? d->path[d->path_len - 1] : -1;
}

/* Every function's place, from links read relative to one open directory. */
static void topo_all(struct model *m)
{
	int devices = sysroot_open_dir("/sys/bus/pci/devices");

	for (int i = 0; i < m->ndevs; i++)
		topo_one(m, &m->devs[i], devices);
	if (devices >= 0)
		close(devices);
}

/*
 * iommu_group and driver links. Only protected functions: no check reads
 * another function's group or driver (group.isolated lists the group's
 * own devices directory).
 */
static void links_one(struct pdev *d)
{
	char path[128], name[64];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", d->bdf);
	rc = sysroot_link_name(path, name, sizeof(name));
	if (!rc) {
		char *end;
		long g = strtol(name, &end, 10);

		if (*end || g < 0 || g > INT_MAX)
			d->group_err = -EINVAL;
		else
			d->group = (int)g;
	} else if (rc != -ENOENT) {
		d->group_err = rc;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", d->bdf);
	rc = sysroot_link_name(path, d->driver, sizeof(d->driver));
	if (rc) {
		d->driver[0] = '\0';
		if (rc != -ENOENT)
			d->driver_err = rc;
	}
}

/* driver_override matters only where gpugate binds: protected functions. */
static void override_one(struct pdev *d)
{
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", d->bdf);
	rc = sysroot_read_line(path, d->override, sizeof(d->override));
	if (rc || !strcmp(d->override, "(null)"))
		d->override[0] = '\0';
	if (rc && rc != -ENOENT)
		d->override_err = rc;
}

bool model_same_slot(const struct pdev *a, const struct pdev *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

int model_slot_first(const struct model *m, const struct pdev *d)
{
	int k = (int)(d - m->devs);

	while (k > 0 && model_same_slot(&m->devs[k - 1], d))
		k--;
	return k;
}

int model_card_first(const struct model *m, const struct pdev *d)
{
	return d->card_first >= 0 ? d->card_first : (int)(d - m->devs);
}

bool model_same_card(const struct pdev *a, const struct pdev *b)
{
	return a == b || (a->card_first >= 0 && a->card_first == b->card_first);
}

bool model_is_card_leader(const struct model *m, const struct pdev *d)
{
	for (int k = model_card_first(m, d); k >= 0 && &m->devs[k] != d; k = m->devs[k].card_next)
		if (pdev_protected(&m->devs[k]))
			return false;
	return pdev_protected(d);
}

bool model_is_link_port(struct pdev *b)
{
	if (b->ident_err || model_config(b))
		return false;
	return b->caps.pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
	       b->caps.pcie_type == PCI_EXP_TYPE_DOWNSTREAM ||
	       b->caps.pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE;
}

/* The link port right above @d, or NULL (root bus, conventional bus, unknown). */
static struct pdev *card_port(struct model *m, const struct pdev *d)
{
	struct pdev *b = !d->path_err && d->parent >= 0 ? &m->devs[d->parent] : NULL;

	return b && model_is_link_port(b) ? b : NULL;
}

/* The function after @k on the card: below @port, or else in @k's slot. */
static int card_step(const struct model *m, const struct pdev *port, int k)
{
	if (port)
		return m->devs[k].peer_next;
	return k + 1 < m->ndevs && model_same_slot(&m->devs[k + 1], &m->devs[k]) ? k + 1 : -1;
}

/*
 * Chain the functions of @d's physical card (card_first, card_next). Below
 * a PCIe Root or Downstream Port (or a PCI-to-PCIe bridge) the link has one
 * device: the kernel scans only device 0 there (only_one_child()), and
 * every other function it finds is that device's too - ARI functions 8-255,
 * which show up as devices 1-31 when ARI Forwarding is on (next_fn() walks
 * the ARI Next Function Number, pci_ari_enabled()), and SR-IOV VFs, which
 * pci_iov_add_virtfn() hangs below the PF's parent even on a bus of their
 * own. So every function below such a port is one card. Elsewhere (root
 * bus, conventional PCI) a card is one slot.
 */
static void model_card_build(struct model *m, struct pdev *d)
{
	const struct pdev *port;
	int first, prev = -1;

	if (d->card_first >= 0)
		return;
	port = card_port(m, d);
	first = port ? port->child_first : model_slot_first(m, d);
	for (int k = first; k >= 0; k = card_step(m, port, k)) {
		m->devs[k].card_first = first;
		if (prev >= 0)
			m->devs[prev].card_next = k;
		prev = k;
	}
}

int model_peer_first(const struct model *m, const struct pdev *b)
{
	if (b->path_err)
		return -1;
	return b->parent >= 0 ? m->devs[b->parent].child_first : b->peer_first;
}

static bool same_root_bus(const struct pdev *a, const struct pdev *b)
{
	return a->parent < 0 && b->parent < 0 && a->domain == b->domain && a->bus == b->bus;
}

/*
 * Chain the functions that sit beside each other (model_peer_first) in
 * address order: the children of each bridge, and the functions on each
 * root bus, which m->devs (address order) lists together. Functions whose
 * place is unknown are nobody's sibling and stay out.
 */
static void index_peers(struct model *m)
{
	int root_head = -1;

	for (int i = m->ndevs - 1; i >= 0; i--) {
		struct pdev *d = &m->devs[i];

		if (d->path_err)
			continue;
		if (d->parent >= 0) {
			d->peer_next = m->devs[d->parent].child_first;
			m->devs[d->parent].child_first = i;
			m->devs[d->parent].nchildren++;
			continue;
		}
		if (root_head >= 0 && same_root_bus(&m->devs[root_head], d))
			d->peer_next = root_head;
		root_head = i;
	}
	root_head = -1;
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		if (d->path_err || d->parent >= 0)
			continue;
		if (root_head < 0 || !same_root_bus(&m->devs[root_head], d))
			root_head = i;
		d->peer_first = root_head;
	}
}

static bool listed(const struct policy *p, const char *bdf)
{
	for (int i = 0; i < p->nbdf; i++)
		if (!strcmp(p->bdf[i], bdf))
			return true;
	return false;
}

/* Mark matched functions, then the other functions of their cards. */
static void mark_protected(struct model *m, const struct policy *p)
{
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		d->matched = listed(p, d->bdf) ||
			     (!d->ident_err && policy_matches(p, d->vendor, d->device, d->class));
	}
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		if (!d->matched)
			continue;
		model_card_build(m, d);
		for (int j = d->card_first; j >= 0; j = m->devs[j].card_next) {
			struct pdev *o = &m->devs[j];

			if (o->matched)
				continue;
			if (p->companions == COMPANIONS_SLOT && !o->ident_err &&
			    policy_is_companion_class(p, o->class))
				o->companion = true;
			else
				o->foreign = true;
		}
	}
}

/*
 * No /proc/bootconfig. procfs creates it whenever the kernel is built with
 * CONFIG_BOOT_CONFIG (fs/proc/bootconfig.c proc_boot_config_init()), so on
 * the live system its absence means no bootconfig. A tree may just lack the
 * file: there the kernel's own config, /boot/config-KVER, must say that
 * bootconfig is not built in.
 */
static int bootconfig_absent(struct model *m)
{
	char path[256], line[256];
	int rc = -ENOENT;
	FILE *fp;

	if (!sysroot_is_redirected())
		return 0;
	snprintf(path, sizeof(path), "/boot/config-%s", m->kernel);
	fp = sysroot_fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (!strcmp(line, "# CONFIG_BOOT_CONFIG is not set\n"))
			rc = 0;
	if (fp)
		fclose(fp);
	if (rc)
		snprintf(m->cmdline_why, sizeof(m->cmdline_why),
			 "no /proc/bootconfig, and %s does not say that the kernel lacks bootconfig: cannot tell which parameters the kernel applied early",
			 path);
	return rc;
}

/* Which leading parameters did bootconfig add (cmdline_mark_bootconfig)? */
static int read_bootconfig(struct model *m)
{
	static char text[65536];
	ssize_t n = sysroot_read("/proc/bootconfig", text, sizeof(text) - 1);
	int rc;

	if (n == -ENOENT)
		return bootconfig_absent(m);
	if (n >= 0 && (size_t)n == sizeof(text) - 1)
		n = -E2BIG;
	if (n >= 0) {
		text[n] = '\0';
		rc = strlen(text) == (size_t)n ? cmdline_mark_bootconfig(&m->cmdline, text) : -EINVAL;
	} else {
		rc = (int)n;
	}
	if (rc)
		snprintf(m->cmdline_why, sizeof(m->cmdline_why),
			 "cannot match /proc/bootconfig to /proc/cmdline (%s): which parameters came from bootconfig is unknown",
			 strerror(-rc));
	return rc;
}

/*
 * /proc/cmdline as the kernel and libkmod read it (cmdline.c). Returns 0 or
 * -errno with the reason in m->cmdline_why.
 */
static int read_cmdline(struct model *m)
{
	ssize_t n = sysroot_read("/proc/cmdline", m->cmdline_raw, sizeof(m->cmdline_raw) - 1);
	int rc;

	m->cmdline_raw[n < 0 ? 0 : n] = '\0';
	if (n < 0)
		rc = (int)n;
	else if (strlen(m->cmdline_raw) != (size_t)n)
		rc = -EINVAL; /* a NUL byte: not a line the kernel shows */
	else
		rc = cmdline_parse(&m->cmdline, m->cmdline_raw);
	if (rc == -E2BIG)
		snprintf(m->cmdline_why, sizeof(m->cmdline_why),
			 "/proc/cmdline is longer than 4095 bytes or has more than %d parameters: libkmod reads only its first 4095 bytes",
			 CMDLINE_MAX_PARAMS);
	else if (rc)
		snprintf(m->cmdline_why, sizeof(m->cmdline_why), "cannot read /proc/cmdline: %s",
			 strerror(-rc));
	return rc ? rc : read_bootconfig(m);
}

static void read_host(struct model *m)
{
	struct dirent **names;
	ssize_t n;

	if (sysroot_read_line("/proc/sys/kernel/osrelease", m->kernel, sizeof(m->kernel)))
		m->kernel[0] = '\0';
	m->cmdline_err = read_cmdline(m);
	n = sysroot_scandir("/sys/class/iommu", &names);
	if (n < 0) {
		m->iommu_err = n == -ENOENT ? 0 : (int)n;
		return;
	}
	for (int i = 0; i < n; i++) {
		size_t used = strlen(m->iommus);

		snprintf(m->iommus + used, sizeof(m->iommus) - used, "%s%s", used ? " " : "",
			 names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

int model_build(struct model *m, const struct policy *p, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->dump = dump_file();
	if (!m->dump)
		read_host(m);
	rc = m->dump ? dump_check_offsets(err, errlen) : 0;
	if (rc)
		return rc;
	rc = pcidev_scan(m, err, errlen);
	if (!rc && m->dump)
		rc = dump_topology(m, err, errlen); /* no sysfs: bus numbers, no links */
	if (rc)
		return rc;
	if (!m->dump)
		topo_all(m);
	index_peers(m);
	mark_protected(m, p);
	for (int i = 0; i < m->ndevs && !m->dump; i++) {
		if (m->devs[i].foreign)
			links_one(&m->devs[i]); /* card.functions: its driver */
		if (!pdev_protected(&m->devs[i]))
			continue;
		links_one(&m->devs[i]);
		override_one(&m->devs[i]);
	}
	m->first_path_err = -1;
	for (int i = 0; i < m->ndevs && m->first_path_err < 0; i++)
		if (m->devs[i].path_err)
			m->first_path_err = i;
	return 0;
}

int model_build_or_say(struct model *m, const struct policy *p)
{
	char err[512];
	int rc = model_build(m, p, err, sizeof(err));

	if (rc)
		fprintf(stderr, "gpugate: cannot scan PCI devices%s%s: %s\n",
			sysroot_is_redirected() ? " under " : "", sysroot_prefix(), err);
	return rc;
}

int model_config(struct pdev *d)
{
	return pcidev_load_config(d);
}

void model_free(struct model *m)
{
	pcidev_cleanup(m);
}
