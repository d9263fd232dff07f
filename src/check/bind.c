// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - bind.vfio: who drives the protected functions.
 *
 * A protected function must be bound to the policy's driver (vfio-pci) and
 * its group must have a VFIO character device (driver.c checks which host
 * GPU drivers could take it instead).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "checks.h"
#include "sysroot.h"

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
