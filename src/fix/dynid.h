/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynid.h - vfio-pci dynamic ids for the [devices] match entries: the
 * new_id lines the runtime guard writes, and the vfio_pci ids= module
 * option `gpugate modprobe` prints. An id makes vfio-pci claim a re-added
 * function before a host driver that registered after it
 * (docs/kernel-facts.md §17).
 */
#ifndef GPUGATE_DYNID_H
#define GPUGATE_DYNID_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/*
 * vfio_pci's ids= buffer: `static char ids[1024]` with
 * module_param_string() (drivers/vfio/pci/vfio_pci.c), so at most 1023
 * characters; a longer value is refused at load.
 */
#define DYNID_IDS_MAX 1023

/* How an entry is spelled: a new_id line, or one entry of ids=. */
enum dynid_style { DYNID_NEW_ID, DYNID_IDS };

/*
 * Format match entry @m into @buf: "VVVV DDDD SSSS ssss CCCCCC MMMMMM"
 * (new_id, pci_bus new_id_store()) or "vendor:device:subvendor:subdevice:
 * class:class_mask" (ids=, vfio_pci_fill_ids()); a wildcard vendor or device
 * is ffffffff (PCI_ANY_ID), a class match is class << 8 with mask ffff00.
 * Returns 0, -ENOSPC when @len is too short, or -EINVAL for an entry that
 * matches every function (vfio-pci must not claim everything). Pure.
 */
int dynid_format(const struct match *m, enum dynid_style style, char *buf, size_t len);

/*
 * The value of vfio_pci ids= for every match entry of @p, comma-separated,
 * into @buf. Returns the number of entries, or -E2BIG when the value would
 * pass DYNID_IDS_MAX characters, -EINVAL as dynid_format(). Pure.
 */
int dynid_ids(const struct policy *p, char *buf, size_t len);

/*
 * Write a new_id line to /sys/bus/pci/drivers/vfio-pci/new_id for each
 * match entry of @p; EEXIST (the id is already vfio-pci's) counts as done.
 * Nothing when [guard] dynid = no or in audit-readonly mode; with @dry_run
 * it prints the lines it would write. new_id cannot be read back. Prints
 * one line per entry on stderr. WRITES SYSFS unless @dry_run. Returns 0, or
 * the -errno of the first write that failed.
 */
int dynid_apply(const struct policy *p, bool dry_run);

#endif
