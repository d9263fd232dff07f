/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source.h - where the model's data comes from: one ops table per source,
 * as pciutils has one struct pci_methods per access method.
 *
 *   sysfs (sysfs.c)       the live system or a --root tree: config space
 *                         through libpci's sysfs method, and the host state
 *                         the checks need (command line, IOMMUs, links,
 *                         groups, drivers)
 *   lspci dump (dump.c)   `lspci -xxxx` output through libpci's dump
 *                         method: config space only, places from the
 *                         bridges' bus numbers, no host state
 *
 * model_build() calls the hooks in this order: prepare, the scan
 * (pcidev.c), place, then links and state once protection is marked.
 * pcidev.c asks the current source for the libpci method and calls the
 * config hooks.
 */
#ifndef GPUGATE_SOURCE_H
#define GPUGATE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct model;
struct pdev;
struct policy;

enum source_kind { SOURCE_SYSFS, SOURCE_DUMP };

struct source {
	const char *name;
	enum source_kind kind; /* the libpci access method pcidev.c uses */
	bool live;	       /* holds host state beyond config space */
	bool writable;	       /* config space can be written */
	/* Before the scan. Returns 0, or -errno with the reason in @err. */
	int (*prepare)(struct model *m, char *err, size_t errlen);
	/* After the scan: each function's place. 0 or -errno with @err. */
	int (*place)(struct model *m, char *err, size_t errlen);
	/* After protection is marked: groups, drivers, overrides (or NULL). */
	void (*links)(struct model *m);
	/*
	 * After links: the live state that the checks @p runs read, and only
	 * where they would read it (or NULL: the source has none, and those
	 * checks skip): group types, /proc/interrupts, VFIO group devices,
	 * loaded host drivers, modalias lookups.
	 */
	void (*state)(struct model *m, const struct policy *p);
	/*
	 * Before libpci reads @d's config space (or NULL). Returns 0, or
	 * -errno with the reason in @why: then it is not read.
	 */
	int (*config_open)(const struct pdev *d, char *why, size_t whylen);
	/*
	 * After the capabilities of @d parsed (or NULL). Returns 0, or -errno
	 * with the reason in @why.
	 */
	int (*config_check)(const struct pdev *d, char *why, size_t whylen);
	/* Said after an -ENODATA config reason ("" for none). */
	const char *nodata_hint;
};

extern const struct source source_sysfs;
extern const struct source source_dump;

/*
 * Choose the source: the lspci dump @file, or sysfs for NULL. Returns 0,
 * or -errno when @file cannot be read (sysfs stays chosen).
 */
int source_select(const char *file);

/* The chosen source (sysfs until source_select() picks another). */
const struct source *source_current(void);

/* The dump file of the chosen source, NULL for sysfs. */
const char *source_file(void);

#endif
