/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show.h - the human views: `gpugate show` and `gpugate cmdline`.
 */
#ifndef GPUGATE_SHOW_H
#define GPUGATE_SHOW_H

#include <stdio.h>

#include "gpugate.h"

/* Print each protected function with group, path, ACS/ATS and driver. */
int show_print(FILE *out, struct model *m, const struct policy *p);

/*
 * The same as show_print() as a Graphviz DOT graph (showdot.c): one
 * cluster per protected function and its IOMMU group, the path ports with
 * their ACS state, peers, ATS and driver. Reads only. Returns 0 or -errno.
 */
int show_dot(FILE *out, struct model *m, const struct policy *p);

/* The pieces both views print, into @buf (loads config space, reads only). */
void show_acs_state(struct pdev *b, char *buf, size_t len);
void show_ats_state(struct pdev *d, char *buf, size_t len);
/* @d's group type (/sys/kernel/iommu_groups/N/type) or "unknown", in @type. */
const char *show_group_type(const struct pdev *d, char *type, size_t len);
/* @d's driver, "none", or "unknown" from an lspci dump. */
const char *show_driver(const struct model *m, const struct pdev *d);
/* @d's driver_override, "none", or "unknown" from an lspci dump. */
const char *show_override(const struct model *m, const struct pdev *d);

/*
 * Print the kernel command-line fragment the policy needs on this host,
 * with pci=config_acs= for the ports that need ACS when the running kernel
 * has that parameter. Returns 0 or -errno.
 */
int show_cmdline(FILE *out, struct model *m, const struct policy *p);

/*
 * Print the modprobe.d file the initramfs needs: "blacklist" and a softdep
 * on the policy's driver for every host GPU driver. Reads nothing else.
 */
int show_modprobe(FILE *out, const struct policy *p);

#endif
