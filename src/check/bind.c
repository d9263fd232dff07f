// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.c - bind.vfio: who drives the protected functions.
 *
 * A protected function must be bound to the policy's driver (vfio-pci) and
 * its group must have a VFIO character device (driver.c checks which host
 * GPU drivers could take it instead). The VFIO group device is in the
 * model (the sysfs source's state hook reads it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

/*
 * Is /dev/vfio/N the VFIO group's character device, by what the model read
 * (pdev_live): /sys/class/vfio/N/dev names the number the node must carry;
 * under --root a regular file stands in for the node. Returns 0, -ENOENT
 * (no such group or node), -EINVAL (the node is something else) or another
 * -errno, with the reason in @why.
 */
static int vfio_node_check(const struct pdev *d, char *why, size_t len)
{
	const struct pdev_live *l = d->live;
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/vfio/%d/dev", d->group);
	if (!l || !l->vfio_read) { /* out of memory, or the model did not look */
		snprintf(why, len, "%s: %s", path, l ? "not read" : strerror(ENOMEM));
		return l ? -ENODATA : -ENOMEM;
	}
	if (l->vfio_dev_err) {
		snprintf(why, len, "the kernel has no VFIO group %d (%s: %s)", d->group, path,
			 strerror(-l->vfio_dev_err));
		return l->vfio_dev_err;
	}
	if (!l->vfio_dev_ok) {
		snprintf(why, len, "%s reads '%s', not MAJOR:MINOR", path, l->vfio_dev);
		return -EIO;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group);
	if (l->vfio_node_err) {
		snprintf(why, len, "%s: %s", path, strerror(-l->vfio_node_err));
		return l->vfio_node_err;
	}
	if (l->vfio_kind == VFIO_NODE_CHR && l->node_major == l->vfio_major &&
	    l->node_minor == l->vfio_minor)
		return 0;
	if (l->vfio_kind == VFIO_NODE_STANDIN)
		return 0;
	if (l->vfio_kind == VFIO_NODE_CHR)
		snprintf(why, len, "%s is character device %u:%u, the VFIO group is %u:%u", path,
			 l->node_major, l->node_minor, l->vfio_major, l->vfio_minor);
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
	rc = d->group < 0 ? -ENOENT : vfio_node_check(d, why, sizeof(why));
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
