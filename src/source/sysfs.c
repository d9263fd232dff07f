// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysfs.c - the sysfs source (source.h): the live system, or a --root tree
 * laid out like it.
 *
 * The topology comes from where the kernel placed each function in the
 * device tree: /sys/bus/pci/devices/BDF links to
 * ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0, and every PCI
 * address on that path is a bridge above the function, root bus first.
 * Group, driver and driver_override come from the function's sysfs
 * directory, and are read only for protected functions (and foreign ones:
 * their driver). The host state: /proc/cmdline (and /proc/bootconfig),
 * /proc/sys/kernel/osrelease, /sys/class/iommu; and, for the checks the
 * policy runs (sysfs_state), group types, /proc/interrupts, VFIO group
 * devices, /sys/module and the modalias lookups.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bdf.h"
#include "devs.h"
#include "modload.h"
#include "pcidev.h"
#include "posture.h"
#include "source.h"
#include "sysroot.h"

/* A PCI address: 0000:00:01.0, or 10000:e1:00.0 below an Intel VMD. */
static bool is_bdf(const char *s, size_t n)
{
	struct bdf_addr a;

	return bdf_parse(s, n, &a);
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

/*
 * The entries of a protected function's IOMMU group (group.isolated): as
 * listed, known functions or not.
 */
static void members_one(struct pdev *d)
{
	char path[96];
	struct dirent **names;
	int n;

	if (d->group < 0)
		return;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", d->group);
	n = sysroot_scandir(path, &names);
	d->nmembers = n;
	if (n <= 0)
		return;
	d->members = calloc((size_t)n, sizeof(*d->members));
	for (int i = 0; i < n; i++) {
		if (d->members)
			d->members[i] = strdup(names[i]->d_name);
		if (d->members && !d->members[i])
			d->nmembers = -ENOMEM;
		free(names[i]);
	}
	free(names);
	if (!d->members)
		d->nmembers = -ENOMEM;
	else if (d->nmembers < 0)
		model_free_members(d, n);
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

static int sysfs_prepare(struct model *m, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	read_host(m);
	return 0;
}

static int sysfs_place(struct model *m, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	topo_all(m);
	return 0;
}

static void sysfs_links(struct model *m)
{
	for (int i = 0; i < m->ndevs; i++) {
		if (m->devs[i].foreign)
			links_one(&m->devs[i]); /* card.functions: its driver */
		if (!pdev_protected(&m->devs[i]))
			continue;
		links_one(&m->devs[i]);
		override_one(&m->devs[i]);
		members_one(&m->devs[i]);
	}
}

/* iommu.domain: the default domain type of @d's group. */
static void group_type(struct pdev *d)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type", d->group);
	d->live->type_err = sysroot_read_line(path, d->live->type, sizeof(d->live->type));
}

/*
 * bind.vfio: the VFIO group device of @d's group. The kernel gives each
 * group a device of class "vfio" with a dynamic major (vfio_group_alloc():
 * MKDEV(MAJOR(vfio.group_devt), minor)), so /sys/class/vfio/N/dev names the
 * number the node /dev/vfio/N must carry. Under --root a regular file
 * stands in for the node (generated trees and snapshot tars hold no device
 * nodes); the kernel's side must still be there.
 */
static void vfio_node(struct pdev *d)
{
	struct pdev_live *l = d->live;
	char path[64], real[PATH_MAX];
	struct stat st;
	int rc;

	l->vfio_read = true;
	snprintf(path, sizeof(path), "/sys/class/vfio/%d/dev", d->group);
	l->vfio_dev_err = sysroot_read_line(path, l->vfio_dev, sizeof(l->vfio_dev));
	if (l->vfio_dev_err)
		return;
	l->vfio_dev_ok = sscanf(l->vfio_dev, "%u:%u", &l->vfio_major, &l->vfio_minor) == 2;
	if (!l->vfio_dev_ok)
		return;
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group);
	rc = sysroot_path(real, sizeof(real), path);
	if (!rc && lstat(real, &st))
		rc = -errno;
	l->vfio_node_err = rc;
	if (rc)
		return;
	l->vfio_kind = S_ISCHR(st.st_mode)			   ? VFIO_NODE_CHR
		       : S_ISREG(st.st_mode) && sysroot_is_redirected() ? VFIO_NODE_STANDIN
									 : VFIO_NODE_OTHER;
	l->node_major = major(st.st_rdev);
	l->node_minor = minor(st.st_rdev);
}

/*
 * driver.host: the modules @d's modalias resolves to, through the model's
 * module index (opened on the first lookup; a failed open is said in full
 * once, then as "module index unavailable").
 */
static void modalias_lookup(struct model *m, struct pdev *d)
{
	struct pdev_live *l = d->live;
	struct modalias_hit hits[MODALIAS_MAX_HITS];
	char path[96], alias[256];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/modalias", d->bdf);
	rc = sysroot_read_line(path, alias, sizeof(alias));
	if (rc) {
		snprintf(l->mods_why, sizeof(l->mods_why), "cannot read %s: %s", path, strerror(-rc));
	} else if (!m->kmod_tried) {
		m->kmod_tried = true;
		rc = m->kmod_err = modload_open(&m->kmod, m->kernel, l->mods_why, sizeof(l->mods_why));
	} else if (m->kmod_err) {
		rc = m->kmod_err;
		snprintf(l->mods_why, sizeof(l->mods_why), "module index unavailable");
	}
	l->nmods = rc ? rc : modload_resolve(m->kmod, alias, hits, MODALIAS_MAX_HITS);
	if (!rc && l->nmods < 0)
		snprintf(l->mods_why, sizeof(l->mods_why), "cannot resolve %s: %s", alias,
			 strerror(-l->nmods));
	if (l->nmods <= 0)
		return;
	l->mods = malloc((size_t)l->nmods * sizeof(*l->mods));
	if (l->mods) {
		memcpy(l->mods, hits, (size_t)l->nmods * sizeof(*l->mods));
		return;
	}
	l->nmods = -ENOMEM;
	snprintf(l->mods_why, sizeof(l->mods_why), "cannot resolve %s: %s", alias, strerror(ENOMEM));
}

/* driver.host: which of the policy's host GPU drivers are loaded. */
static void host_modules(struct model *m, const struct policy *p)
{
	for (int i = 0; i < p->nhost_drivers; i++) {
		struct hostmod *h = &m->hostmods[i];
		char path[128];

		snprintf(h->name, sizeof(h->name), "%s", p->host_drivers[i]);
		for (char *s = h->name; *s; s++)
			*s = *s == '-' ? '_' : *s;
		snprintf(path, sizeof(path), "/sys/module/%s", h->name);
		h->err = sysroot_exists(path);
	}
}

/*
 * iommu.irq_remap: read /proc/interrupts. One remapped line proves nothing
 * about the others: a device outside every remapping unit's scope keeps a
 * plain PCI-MSI domain (irq_remapping_get_irq_domain() finds no unit for it).
 */
static void irq_chips(struct irq_chips *q)
{
	FILE *fp = sysroot_fopen("/proc/interrupts", "r");
	char line[4096];

	if (!fp) {
		q->err = -errno;
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		/*
		 * The AMD IOMMU's own event interrupt ("AMD-Vi", requested by
		 * iommu_setup_msi() on the IOMMU's PCI function) cannot be
		 * remapped by the unit that raises it; it is no device DMA.
		 */
		if (strstr(line, " AMD-Vi"))
			continue;
		if (strstr(line, " IR-IO-APIC") || strstr(line, " IR-PCI-MSI")) {
			q->remapped = true;
		} else if (!q->plain && (strstr(line, " IO-APIC") || strstr(line, " PCI-MSI"))) {
			q->plain = true;
			snprintf(q->irq, sizeof(q->irq), "%.*s",
				 (int)strcspn(line + strspn(line, " "), ":"), line + strspn(line, " "));
		}
	}
	fclose(fp);
}

/* One line of `resource`: "0x%016llx 0x%016llx 0x%016llx" and a newline. */
static int res_parse(const char *line, struct pdev_res *r)
{
	unsigned long long start, end, flags;
	int n = -1;

	if (sscanf(line, "0x%16llx 0x%16llx 0x%16llx%n", &start, &end, &flags, &n) != 3 || n < 0 ||
	    strcmp(line + n, "\n"))
		return -EINVAL;
	r->start = start;
	r->end = end;
	r->flags = flags;
	return 0;
}

/*
 * bar.assigned: the first PDEV_BARS lines of @d's `resource` file, which
 * resource_show() (drivers/pci/pci-sysfs.c) prints for the resources
 * 0 to 5 first: the standard BARs. A FIFO planted in a --root tree would
 * hang fopen, so it must be a regular file.
 */
static void res_read(struct pdev *d)
{
	struct pdev_live *l = d->live;
	char path[96], line[128];
	bool eof = false;
	FILE *fp;
	int rc = 0, i;

	l->res_read = true;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", d->bdf);
	rc = sysroot_regular(path);
	fp = rc ? NULL : sysroot_fopen(path, "r");
	if (!rc && !fp)
		rc = -errno;
	for (i = 0; fp && i < PDEV_BARS; i++) {
		eof = !fgets(line, sizeof(line), fp);
		if (eof || res_parse(line, &l->res[i]))
			break;
	}
	if (fp && ferror(fp))
		rc = -EIO;
	if (fp)
		fclose(fp);
	if (rc) {
		snprintf(l->res_why, sizeof(l->res_why), "cannot read %s: %s", path,
			 rc == -EINVAL ? "not a regular file" : strerror(-rc));
	} else if (i < PDEV_BARS) {
		rc = -EINVAL;
		if (eof)
			snprintf(l->res_why, sizeof(l->res_why), "%s ends after %d line%s, before BAR %d",
				 path, i, i == 1 ? "" : "s", i);
		else
			snprintf(l->res_why, sizeof(l->res_why), "%s: line %d is not \"START END FLAGS\"",
				 path, i + 1);
	}
	l->res_err = rc;
}

/*
 * The state the checks read beyond the links, where they would read it:
 * iommu.irq_remap reads /proc/interrupts when the policy requires
 * remapping and the command line was read; iommu.domain a protected
 * function's group type, bind.vfio its VFIO group device when it is bound
 * to the policy's driver, driver.host the loaded host drivers and every
 * protected function's modalias, bar.assigned (when the policy requires
 * it) every protected function's resource file.
 */
static void sysfs_state(struct model *m, const struct policy *p)
{
	if (p->require_irq_remapping && !m->cmdline_err)
		irq_chips(&m->irq);
	posture_read(&m->plat, p);
	host_modules(m, p);
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		if (!pdev_protected(d))
			continue;
		d->live = calloc(1, sizeof(*d->live));
		if (!d->live)
			continue; /* the checks say out of memory */
		if (d->group >= 0)
			group_type(d);
		if (d->group >= 0 && !strcmp(d->driver, p->driver))
			vfio_node(d);
		modalias_lookup(m, d);
		if (p->require_bars)
			res_read(d);
	}
}

/*
 * libpci opens config files blocking: a FIFO planted in a --root tree would
 * hang it. Real sysfs config attributes are regular files.
 */
static int sysfs_config_open(const struct pdev *d, char *why, size_t whylen)
{
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", d->bdf);
	rc = sysroot_regular(path);
	if (!rc)
		return 0;
	snprintf(why, whylen, "cannot read config space: %s: %s", path,
		 rc == -EINVAL ? "not a regular file" : strerror(-rc));
	return -EIO;
}

const struct source source_sysfs = {
	.name = "sysfs",
	.kind = SOURCE_SYSFS,
	.live = true,
	.writable = true,
	.prepare = sysfs_prepare,
	.place = sysfs_place,
	.links = sysfs_links,
	.state = sysfs_state,
	.config_open = sysfs_config_open,
	.config_check = NULL,
	.nodata_hint = "",
};
