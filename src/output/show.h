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
