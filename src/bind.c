// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - bind.vfio and driver.host: who drives the protected functions,
 * and which host GPU drivers could grab them.
 *
 * A protected function must be bound to the policy's driver (vfio-pci) and
 * its group must have a VFIO character device. A host GPU driver that is
 * loaded, or that udev would load for a protected function because its
 * modalias resolves to it and no modprobe.d blacklist stops it, is a path
 * for the host to take the GPU (and the tenant's firmware to talk to a host
 * driver).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "checks.h"
#include "enforce.h"
#include "modload.h"
#include "sysroot.h"

#define MAX_HITS 16

static bool is_host_driver(const struct policy *p, const char *name)
{
	for (int i = 0; i < p->nhost_drivers; i++)
		if (cmdline_name_eq(p->host_drivers[i], name))
			return true;
	return false;
}

/*
 * Is /dev/vfio/@group the VFIO group's character device? The kernel gives
 * each group a device of class "vfio" with a dynamic major
 * (vfio_group_alloc(): MKDEV(MAJOR(vfio.group_devt), minor)), so
 * /sys/class/vfio/N/dev names the number the node must carry. Under
 * --root a regular file stands in for the node (generated trees and
 * snapshot tars hold no device nodes); the kernel's side must still be
 * there. Returns 0, -ENOENT (no such group or node), -EINVAL (the node is
 * something else) or another -errno, with the reason in @why.
 */
static int vfio_node_check(int group, char *why, size_t len)
{
	char path[64], devt[32], real[PATH_MAX];
	unsigned int major, minor;
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "/sys/class/vfio/%d/dev", group);
	rc = sysroot_read_line(path, devt, sizeof(devt));
	if (rc) {
		snprintf(why, len, "the kernel has no VFIO group %d (%s: %s)", group, path,
			 strerror(-rc));
		return rc;
	}
	if (sscanf(devt, "%u:%u", &major, &minor) != 2) {
		snprintf(why, len, "%s reads '%s', not MAJOR:MINOR", path, devt);
		return -EIO;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	rc = sysroot_path(real, sizeof(real), path);
	if (!rc && lstat(real, &st))
		rc = -errno;
	if (rc) {
		snprintf(why, len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == major && minor(st.st_rdev) == minor)
		return 0;
	if (S_ISREG(st.st_mode) && sysroot_is_redirected())
		return 0;
	if (S_ISCHR(st.st_mode))
		snprintf(why, len, "%s is character device %u:%u, the VFIO group is %u:%u", path,
			 major(st.st_rdev), minor(st.st_rdev), major, minor);
	else
		snprintf(why, len, "%s is not a character device", path);
	return -EINVAL;
}

void check_bind_vfio(struct ctx *c, struct pdev *d)
{
	const char *id = "bind.vfio";
	const char *want = c->p->driver;
	char why[192];
	struct finding *f;
	int rc;

	f = check_add(c, id, d, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "bound to %s", want);
	snprintf(f->actual, sizeof(f->actual), "%s", d->driver[0] ? d->driver : "no driver");
	/* driver names are exact: the kernel matches driver_override with strcmp */
	if (strcmp(d->driver, want)) {
		finding_msg(f, "function is %s%s; fix: gpugate enforce (driver_override=%s, then drivers_probe)",
			    d->driver[0] ? "bound to " : "not bound", d->driver, want);
		return;
	}
	rc = d->group < 0 ? -ENOENT : vfio_node_check(d->group, why, sizeof(why));
	if (rc && rc != -ENOENT && rc != -EINVAL) {
		finding_unknown(f, why);
		return;
	}
	if (rc) {
		snprintf(f->actual, sizeof(f->actual), "%s, %s", want,
			 d->group < 0 ? "no IOMMU group" : "no VFIO group device");
		finding_msg(f, "bound to %s but its VFIO group device is missing%s%s; fix: load vfio (modprobe vfio-pci) and check that the IOMMU is on (iommu.active)",
			    want, d->group < 0 ? "" : ": ", d->group < 0 ? "" : why);
		return;
	}
	f->status = ST_PASS;
	finding_msg(f, "bound to %s, /dev/vfio/%d present", want, d->group);
	if (!strcmp(d->override, want))
		return;
	f = check_add(c, id, d, NULL, ST_WARN);
	snprintf(f->expected, sizeof(f->expected), "driver_override=%s", want);
	snprintf(f->actual, sizeof(f->actual), "driver_override=%s", d->override[0] ? d->override : "(null)");
	finding_msg(f, "driver_override is not set: after an unbind or rescan a host driver may take the function; fix: gpugate enforce");
}

/* Host GPU drivers loaded in the running kernel. Returns how many. */
static int loaded_host_drivers(struct ctx *c)
{
	int hits = 0;

	for (int i = 0; i < c->p->nhost_drivers; i++) {
		char path[128], name[64], why[256];
		struct finding *f;
		int rc;

		snprintf(name, sizeof(name), "%s", c->p->host_drivers[i]);
		for (char *s = name; *s; s++)
			*s = *s == '-' ? '_' : *s;
		snprintf(path, sizeof(path), "/sys/module/%s", name);
		rc = sysroot_exists(path);
		if (rc == -ENOENT)
			continue;
		hits++;
		f = check_add(c, "driver.host", NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s not loaded", name);
		if (rc) { /* unknown is not "not loaded" */
			snprintf(why, sizeof(why), "cannot tell whether host GPU driver %s is loaded: %s: %s",
				 name, path, strerror(-rc));
			finding_unknown(f, why);
			continue;
		}
		snprintf(f->actual, sizeof(f->actual), "%s loaded", name);
		finding_msg(f, "host GPU driver %s is loaded: it can bind the GPUs and lets their firmware talk to the host; fix: blacklist it in the initramfs (gpugate's initramfs hook puts the file from `gpugate modprobe` there), rebuild the initramfs and reboot", name);
	}
	return hits;
}

static int kmod_ready(struct ctx *c, char *why, size_t len)
{
	if (!c->kmod_tried) {
		c->kmod_tried = true;
		c->kmod_err = modload_open(&c->kmod, c->m->kernel, why, len);
	} else if (c->kmod_err) {
		snprintf(why, len, "module index unavailable");
	}
	return c->kmod_err;
}

/* Which host drivers would udev load for @d? Returns findings added. */
static int alias_host_drivers(struct ctx *c, struct pdev *d)
{
	char path[96], alias[256], why[256];
	struct modalias_hit hits[MAX_HITS];
	int n, bad = 0, rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/modalias", d->bdf);
	rc = sysroot_read_line(path, alias, sizeof(alias));
	if (!rc)
		rc = kmod_ready(c, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "cannot read %s: %s", path, strerror(-rc));
	n = rc ? rc : modload_resolve(c->kmod, alias, hits, MAX_HITS);
	if (n < 0) {
		if (!rc)
			snprintf(why, sizeof(why), "cannot resolve %s: %s", alias, strerror(-n));
		finding_unknown(check_add(c, "driver.host", d, NULL, ST_FAIL), why);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct finding *f;

		if (!is_host_driver(c->p, hits[i].name) || hits[i].blacklisted)
			continue;
		bad++;
		f = check_add(c, "driver.host", d, NULL, c->p->require_blacklisted ? ST_FAIL : ST_WARN);
		snprintf(f->expected, sizeof(f->expected), "%s blacklisted", hits[i].name);
		snprintf(f->actual, sizeof(f->actual), "modalias resolves to %s", hits[i].name);
		finding_msg(f, "udev would load host driver %s for this function; fix: 'blacklist %s' in modprobe.d of the initramfs (gpugate's initramfs hook installs it: rebuild the initramfs)",
			    hits[i].name, hits[i].name);
	}
	return bad;
}

void check_driver_host(struct ctx *c, struct pdev *unused)
{
	int bad = loaded_host_drivers(c);

	(void)unused;
	for (int i = 0; i < c->m->ndevs; i++)
		if (pdev_protected(&c->m->devs[i]))
			bad += alias_host_drivers(c, &c->m->devs[i]);
	if (!bad)
		finding_msg(check_add(c, "driver.host", NULL, NULL, ST_PASS),
			    "no host GPU driver loaded or loadable for a protected function");
}

/* Unbind the current driver and probe again, with driver_override set. */
static int bind_one(struct ctx *c, struct pdev *d, bool dry_run)
{
	const char *want = c->p->driver;
	char path[128], now[64] = "";
	struct action *a;
	int rc = 0;

	if (d->driver_err || d->override_err)
		return 0; /* binding unknown: access.config failed, act on nothing */
	if (strcmp(d->override, want))
		rc = enforce_attr(c, d, "driver_override", want,
				  d->override[0] ? d->override : "(null)", dry_run);
	if (rc || !strcmp(d->driver, want))
		return rc;
	if (d->driver[0])
		rc = enforce_attr(c, d, "driver/unbind", d->bdf, d->driver, dry_run);
	if (rc)
		return rc;
	a = report_action(c->r, d->bdf, "drivers_probe", d->driver[0] ? "unbound" : "no driver",
			  want, true, dry_run);
	if (!a)
		return -ENOMEM;
	if (dry_run)
		return 0;
	rc = sysroot_write("/sys/bus/pci/drivers_probe", d->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", d->bdf);
	if (!rc && (sysroot_link_name(path, now, sizeof(now)) || strcmp(now, want)))
		rc = -ENODEV;
	a->ok = !rc;
	if (rc)
		snprintf(a->why, sizeof(a->why), "%s", rc == -ENODEV ?
			 "the function is not bound to the driver after probing" : strerror(-rc));
	if (rc == -ENODEV)
		snprintf(a->after, sizeof(a->after), "%s", now[0] ? now : "no driver");
	return rc;
}

int bind_fix(struct ctx *c, bool dry_run)
{
	int bad = 0;

	for (int i = 0; i < c->m->ndevs; i++)
		if (pdev_protected(&c->m->devs[i]))
			bad += bind_one(c, &c->m->devs[i], dry_run) != 0;
	return bad;
}
