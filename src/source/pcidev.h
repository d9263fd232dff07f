/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcidev.h - device scan and configuration space access. pcidev.c is the
 * only file that talks to libpci.
 */
#ifndef GPUGATE_PCIDEV_H
#define GPUGATE_PCIDEV_H

#include <stddef.h>
#include <stdint.h>

#include "gpugate.h"

/*
 * Scan every PCI function under the sysroot's /sys/bus/pci with libpci's
 * sysfs method (forced: no fallback to /proc/bus/pci). Fills m->devs sorted
 * by address with IDs and class. Reads only. Returns 0, or -errno with a
 * reason in @err when the bus cannot be scanned at all.
 */
int pcidev_scan(struct model *m, char *err, size_t errlen);

/*
 * Load @d's configuration space (4096, else 256, else 64 bytes, whichever is
 * readable) into d->cfg and parse its capabilities. Reads only, once.
 * Returns 0 or the negative errno also left in d->cfg_err, with the reason
 * in d->cfg_why.
 */
int pcidev_load_config(struct pdev *d);

/*
 * Read the 16-bit register at @pos of @d straight from the device (no
 * cache). Returns 0 or -EIO.
 */
int pcidev_read_word(struct pdev *d, int pos, uint16_t *val);

/*
 * Write @val to the 16-bit register at @pos of @d. WRITES HARDWARE. Returns
 * 0 or -EIO (EPERM under kernel lockdown shows as a failed write); the
 * caller reads back to learn whether the write took.
 */
int pcidev_write_word(struct pdev *d, int pos, uint16_t val);

/*
 * Copy @d's config space into @buf without loading or parsing it (d->cfg
 * stays untouched): the largest of 4096, 256 and 64 bytes that fits @len
 * and is readable. Reads only. Returns the count or -EIO.
 */
int pcidev_peek_config(struct pdev *d, uint8_t *buf, size_t len);

/* Release libpci and every loaded config space. */
void pcidev_cleanup(struct model *m);

#endif
