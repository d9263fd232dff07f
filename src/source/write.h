/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * write.h - the write primitives the fixes act through: a 16-bit config
 * register (read, modify, write, read back), a sysfs attribute of a
 * function, and a probe through drivers_probe read back from the driver
 * link. Each records what it did as an action in the report; nothing counts
 * as done until it has been read back.
 */
#ifndef GPUGATE_WRITE_H
#define GPUGATE_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "gpugate.h"

/* Where the actions go, and what a refused write's explanation needs. */
struct write_ctx {
	struct report *r;	 /* every write is an action here */
	const char *kernel;	 /* release: which boot parameter a lockdown refusal names */
	const struct policy *p;	 /* the ACS bits that parameter carries */
	bool dry_run;		 /* record as planned, write nothing */
};

/*
 * Read-modify-write-read-back of the 16-bit config register @pos of @d:
 * set @set, clear @clear, leave every other bit alone. Records an action
 * named @what when the value changes (or cannot be read). WRITES HARDWARE
 * unless w->dry_run. Returns 0, or -errno when the read or write failed or
 * the value did not read back.
 */
int write_reg(const struct write_ctx *w, struct pdev *d, int pos, uint16_t set, uint16_t clear,
	      const char *what);

/*
 * Write @value to the sysfs attribute @attr of @d (which held @before),
 * recorded as an action. WRITES SYSFS unless w->dry_run. Returns 0 or -errno.
 */
int write_attr(const struct write_ctx *w, struct pdev *d, const char *attr, const char *value,
	       const char *before);

/*
 * write_attr(), then read @attr back: its first line must be @value (a
 * readable attribute such as driver_override). Returns 0, -EIO when it
 * reads otherwise, or -errno; the action fails with the reason.
 */
int write_attr_back(const struct write_ctx *w, struct pdev *d, const char *attr, const char *value,
		    const char *before);

/*
 * Write @value to /sys/bus/pci/drivers/@driver/@attr (new_id, unbind: not
 * readable), recorded as the host action "@driver @attr". WRITES SYSFS
 * unless w->dry_run. Returns 0 or -errno (-EEXIST from new_id: the id is
 * already the driver's).
 */
int write_driver_attr(const struct write_ctx *w, const char *driver, const char *attr,
		      const char *value);

/*
 * Write @d's address to /sys/bus/pci/drivers_probe and read its driver link
 * back: it must name @want. Recorded as the action "drivers_probe". WRITES
 * SYSFS unless w->dry_run. Returns 0, -ENODEV when another driver (or none)
 * took the function, -ENOMEM or another -errno.
 */
int write_probe(const struct write_ctx *w, struct pdev *d, const char *want);

#endif
